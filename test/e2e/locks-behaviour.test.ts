// The lock hooks must not change what the program sees: return values of every wrapped Atomics
// call (including waitAsync and not-equal / timed-out results), thrown errors and their stacks,
// Web Locks results (Node 24) and async-mutex results and rejections. Each program runs with and
// without the agent and must print exactly the same. Also: SAB names reach workers given a custom
// env, and a SAB first seen through postMessage gets a thread-local name (a documented limit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import { nodeBinary } from '../support/node-versions';
import { built, FAST, NODE, program, record, ROOT, tmpDir } from './record-helpers';

const skip = !built() && 'run `npm run build` first';
const AGENT = path.join(ROOT, 'dist', 'agent.js');

function both(node: string, file: string): { plain: string; traced: string; events: number } {
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(node, [file], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
    return `exit ${r.status}\n${r.stdout}\n--- stderr\n${r.stderr}`;
  };
  const base = { ...process.env };
  delete base.NODE_OPTIONS;
  delete base.CTRACE_DIR;
  const dir = tmpDir('ctrace-locks-beh-');
  const plain = run(base);
  const traced = run({ ...base, NODE_OPTIONS: `--require ${JSON.stringify(AGENT)}`, CTRACE_DIR: dir });
  const events = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  return { plain, traced, events };
}

test('Atomics results, errors and stacks are the same with the agent', { skip }, () => {
  const file = program(
    'atomics.js',
    `const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const a = new Int32Array(new SharedArrayBuffer(16));
const b = new BigInt64Array(new SharedArrayBuffer(16));
const out = [];
out.push(Atomics.compareExchange(a, 0, 0, 1), Atomics.compareExchange(a, 0, 0, 1), Atomics.exchange(a, 0, 0), Atomics.exchange(a, 1, 3));
out.push(Atomics.store(a, 1, 0), Atomics.store(a, 2, '7'), Atomics.compareExchange(b, 0, 0n, 5n), Atomics.exchange(b, 0, 0n));
out.push(Atomics.wait(a, 0, 1), Atomics.wait(a, 0, 0, 5), Atomics.notify(a, 0), Atomics.notify(a, 0, 0));
let calls = 0;
const o = { valueOf() { calls++; return 0; } };
out.push(Atomics.compareExchange(a, o, o, 1), Atomics.store(a, 0, o), Atomics.exchange(a, o, o), Atomics.wait(a, o, 1, o), calls);
const trap = new Int32Array(new SharedArrayBuffer(8));
Object.defineProperty(trap, 'buffer', { get() { calls += 100; throw new Error('user getter'); } });
out.push(Atomics.compareExchange(trap, 0, 0, 1), Atomics.store(trap, 0, 0), Atomics.wait(trap, 0, 1), calls);
const wa = Atomics.waitAsync(a, 0, 9);
out.push(wa.async, wa.value);
for (const bad of [() => Atomics.wait(new Int32Array(4), 0, 0), () => Atomics.compareExchange(a, 99, 0, 1), () => Atomics.store({}, 0, 0)]) {
  try { bad(); } catch (e) { out.push(e.name + ': ' + e.message); out.push(e.stack.split('\\n').filter((l) => /agent/.test(l)).length); }
}
console.log(JSON.stringify(out, (k, v) => typeof v === 'bigint' ? v + 'n' : v));
const w = new Worker(\`const { workerData: s } = require('node:worker_threads'); const i = new Int32Array(s); Atomics.store(i, 3, 1); Atomics.notify(i, 3);\`, { eval: true, workerData: a.buffer });
const p = Atomics.waitAsync(a, 3, 0, 5000);
p.value.then((r) => console.log('waitAsync', p.async, r, a[3]));
`,
  );
  const r = both(NODE, file);
  assert.equal(r.traced, r.plain);
  assert.match(r.plain, /^exit 0/);
  assert.match(r.plain, /waitAsync true ok 1/);
  assert.ok(r.events > 0, 'the agent did record');
});

test('async-mutex results and rejections are the same with the agent', { skip }, () => {
  const file = program(
    'am.js',
    `const { Mutex, Semaphore, withTimeout, E_CANCELED } = require(${JSON.stringify(path.join(ROOT, 'node_modules/async-mutex'))});
const m = new Mutex();
(async () => {
  const out = [];
  out.push(await m.runExclusive(() => 42));
  const release = await m.acquire();
  out.push(typeof release, m.isLocked());
  const queued = m.acquire().then(() => 'granted', (e) => 'rejected ' + (e === E_CANCELED));
  m.cancel();
  out.push(await queued);
  release();
  out.push(m.isLocked());
  const s = new Semaphore(2);
  const [v1, r1] = await s.acquire();
  const [v2] = await s.acquire();
  out.push(v1, v2, s.getValue());
  r1(); r1();
  out.push(s.getValue());
  try { await m.runExclusive(() => { throw new Error('boom'); }); } catch (e) { out.push(e.message); }
  const t = withTimeout(new Mutex(), 10);
  const rel = await t.acquire();
  try { await t.acquire(); } catch (e) { out.push(e.message); }
  rel();
  console.log(JSON.stringify(out));
})();
`,
  );
  const r = both(NODE, file);
  assert.equal(r.traced, r.plain);
  assert.match(r.plain, /\[42,"function",true,"rejected true",false,2,1,0,1,"boom","timeout while waiting for mutex to become available"\]/);
});

test('Web Locks results are the same with the agent (Node 24)', { skip }, () => {
  const file = program(
    'wl.js',
    `(async () => {
  const out = [];
  out.push(await navigator.locks.request('x', (lock) => lock.name + ':' + lock.mode));
  out.push(await navigator.locks.request('x', { mode: 'shared' }, async (lock) => lock.mode));
  await navigator.locks.request('x', async () => {
    out.push(await navigator.locks.request('x', { ifAvailable: true }, (lock) => lock));
  });
  try { await navigator.locks.request('x', () => { throw new Error('inner'); }); } catch (e) { out.push(e.message); }
  const ac = new AbortController();
  const held = navigator.locks.request('y', () => new Promise((r) => setTimeout(r, 30)));
  const aborted = navigator.locks.request('y', { signal: ac.signal }, () => 'never').catch((e) => e.name);
  ac.abort();
  out.push(await aborted, await held);
  console.log(JSON.stringify(out));
})();
`,
  );
  const r = both(nodeBinary(24), file);
  assert.equal(r.traced, r.plain);
  assert.match(r.plain, /\["x:exclusive","shared",null,"inner","AbortError",null\]/);
});

test('SAB names: shared through workerData (custom env too), local when first seen through postMessage', { skip }, async () => {
  const file = program(
    'names.js',
    `const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
if (isMainThread) {
  const viaData = new SharedArrayBuffer(8), viaMessage = new SharedArrayBuffer(8);
  const w1 = new Worker(__filename, { workerData: { list: [new Int32Array(viaData)] }, env: { CUSTOM: '1' } });
  const w2 = new Worker(__filename, { workerData: { list: [] } });
  w2.postMessage(viaMessage);
  Atomics.notify(new Int32Array(viaData), 0); // names viaData in the main thread too
  let n = 0;
  for (const w of [w1, w2]) w.on('exit', () => { if (++n === 2) console.log('env', require('node:worker_threads').getEnvironmentData('ctrace:sab-names')); });
} else {
  const take = (sab) => { const i = new Int32Array(sab); Atomics.compareExchange(i, 0, 0, 1); Atomics.store(i, 0, 0); };
  if (workerData.list.length) { take(workerData.list[0].buffer); console.log('worker env', process.env.CUSTOM, require('node:worker_threads').getEnvironmentData('ctrace:sab-names')); }
  else parentPort.once('message', (sab) => { take(sab); parentPort.close(); });
}
`,
  );
  const r = await record([NODE, file], { flags: FAST });
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /worker env 1 undefined/, 'the custom env is kept and our names are gone before user code');
  assert.match(r.run.stdout, /env undefined/);
  const pid = r.model.processes.values().next().value!.pid;
  const taken = r.trace.events.filter((e) => e.kind === EventKind.LockAcquired).map((e) => [e.threadId, e.fields.lock]);
  taken.sort((x, y) => Number(x[0]) - Number(y[0]));
  assert.deepEqual(taken, [
    [1, `${pid}.0.1[0]`], // the main thread's name, adopted by worker 1
    [2, `${pid}.2.1[0]`], // first seen by worker 2 in a message: its own name
  ]);
});

test('a polling loop (Atomics.wait with timeout 0) records its first poll, not every poll, and the lock still shows as contended', { skip }, async () => {
  const file = program(
    'poll.js',
    `const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
if (isMainThread) {
  const a = new Int32Array(new SharedArrayBuffer(8));
  const w = new Worker(__filename, { workerData: a });
  w.on('message', () => {
    // the worker holds the lock for ~30 ms: spin on it, polling
    let polls = 0;
    while (Atomics.compareExchange(a, 0, 0, 1) !== 0) {
      Atomics.wait(a, 0, 1, 0); // 'timed-out' while held, 'not-equal' once released
      polls++;
    }
    Atomics.store(a, 0, 0);
    // waitAsync polls too, on another word, which nothing takes
    for (let k = 0; k < 2000; k++) Atomics.waitAsync(a, 1, 0, 0);
    console.log('polls', polls);
  });
} else {
  const a = workerData;
  Atomics.compareExchange(a, 0, 0, 1);
  parentPort.postMessage('held');
  setTimeout(() => Atomics.store(a, 0, 0), 30);
}
`,
  );
  const r = await record([NODE, file], { flags: FAST });
  assert.equal(r.run.status, 0, r.run.stderr);
  const polls = Number(/^polls (\d+)$/m.exec(r.run.stdout)?.[1]);
  assert.ok(polls > 1000, `the loop polled ${polls} times`);
  const main = r.trace.events.filter((e) => e.threadId === 0 && e.kind === EventKind.AtomicsWaitBegin && e.fields.index === 0);
  // one poll recorded per 50 ms of polling on a word (the loop ran ~30 ms), not one per poll
  assert.ok(main.length >= 1 && main.length <= 2, `${main.length} polls recorded`);
  const async = r.trace.events.filter((e) => e.kind === EventKind.AtomicsWaitBegin && e.fields.index === 1);
  assert.ok(async.length >= 1 && async.length <= 2 && async[0].fields.async === 1, `${async.length} waitAsync polls recorded`);
  assert.equal(main[0].fields.timeoutMs, 0);
  const entry = r.summary.contention?.find((c) => c.kind === 'atomics');
  assert.ok(entry && entry.waited === 1 && entry.totalWaitMs > 10, JSON.stringify(r.summary.contention));
});

test('two views at different offsets of one SharedArrayBuffer hold two different lock words', { skip }, async () => {
  const file = program(
    'views.js',
    `const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
if (isMainThread) {
  const sab = new SharedArrayBuffer(64);
  for (let k = 0; k < 2; k++) new Worker(__filename, { workerData: sab }).on('message', (m) => console.log(m));
} else {
  const A = new Int32Array(workerData, 0, 4), B = new Int32Array(workerData, 16, 4);
  const lock = (v) => { while (Atomics.compareExchange(v, 0, 0, 1) !== 0) Atomics.wait(v, 0, 1, 1); };
  const unlock = (v) => { Atomics.store(v, 0, 0); Atomics.notify(v, 0); };
  for (let i = 0; i < 200; i++) { lock(A); lock(B); A[1]++; B[1]++; unlock(B); unlock(A); }
  parentPort.postMessage('done');
}
`,
  );
  const r = await record([NODE, file], { flags: FAST });
  assert.equal(r.run.status, 0, r.run.stderr);
  // A is word 0 of the buffer, B (16 bytes in, 4 per element) word 4: 400 acquisitions each
  const locks = (r.summary.contention ?? []).map((c) => [c.lock.replace(/^.*\[/, '['), c.acquisitions]).sort();
  assert.deepEqual(locks, [['[0]', 400], ['[4]', 400]]);
});
