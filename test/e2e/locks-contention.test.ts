// Contention of real programs: 4 workers on one Atomics mutex, and async-mutex (CJS and its
// separate ESM build) in one thread. Counts are exact where the program makes them so (every
// acquisition is recorded once; queued async-mutex requests are known), ranges where the OS
// scheduler decides (how many Atomics acquisitions had to wait).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ContentionEntry } from '../../src/protocol/trace';
import { EventKind, WaitResult } from '../../src/protocol/events';
import { analyzeLocks } from '../../src/recorder/locks';
import { built, FAST, lineOf, NODE, program, record, ROOT } from './record-helpers';
import { nodeBinary } from '../support/node-versions';

const skip = !built() && 'run `npm run build` first';

const pick = (c: ContentionEntry) => [c.kind, c.acquisitions, c.waited];

test('4 workers on an Atomics mutex: 800 acquisitions at the caller of lock(), waits and holds measured', { skip }, async () => {
  const main = path.join(ROOT, 'examples/locks/contended-mutex/main.js');
  const r = await record([NODE, main], { flags: FAST });
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /counter = 800 \(expected 800\)/, 'the program computes the same with the agent');
  const pid = r.model.processes.values().next().value!.pid;
  const list = r.summary.contention ?? [];
  assert.equal(list.length, 1, JSON.stringify(list));
  const c = list[0];
  assert.equal(c.lock, `atomics:${pid}.0.1[0]`);
  assert.equal(c.kind, 'atomics');
  assert.equal(c.acquisitions, 800);
  assert.ok(c.waited > 0 && c.waited <= 800, `waited ${c.waited}`);
  assert.ok(c.totalWaitMs > 0 && c.maxWaitMs > 0 && c.maxWaitMs <= c.totalWaitMs, JSON.stringify(c));
  assert.ok(c.totalHoldMs >= 800 * 0.05, `each hold spins 50 µs: ${c.totalHoldMs} ms`);
  // one acquire site: the lock(word) call in the worker loop, not the CAS inside the helper
  assert.deepEqual(c.sites.map((s) => [s.file, s.line, s.waited]), [[main, lineOf(main, '    lock(word);'), c.waited]]);
  assert.deepEqual(r.summary.deadlocks ?? [], []);
  // every wait that ended 'ok' was ended by some worker's notify: an arrow from it to the waiter
  const a = analyzeLocks(r.trace.events);
  const okWaits = r.trace.events.filter((e) => e.kind === EventKind.AtomicsWaitEnd && e.fields.result === WaitResult.Ok).length;
  const woken = r.trace.events.filter((e) => e.kind === EventKind.AtomicsNotify).reduce((n, e) => n + Number(e.fields.woken), 0);
  assert.ok(okWaits > 0 && woken > 0);
  assert.equal(a.wakeups.length, Math.min(okWaits, woken), 'each woken waiter is matched to one notify');
  // (threads' clocks may disagree by a few ms on a loaded machine: order is checked within 20 ms)
  for (const w of a.wakeups) assert.ok(w.from.threadId !== w.to.threadId && w.from.ts <= w.to.ts + 20e6, JSON.stringify(w));
  assert.equal(a.spans.filter((s) => s.type === 'hold').length, 800);
});

test('async-mutex in one thread: a Mutex with 5 jobs and a Semaphore(2) with 6 downloads', { skip }, async () => {
  const main = path.join(ROOT, 'examples/locks/async-mutex/main.js');
  const r = await record([NODE, main], { flags: FAST });
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /saved 5, downloaded 6/);
  const list = r.summary.contention ?? [];
  const bySite = new Map(list.map((c) => [c.sites[0]?.line, c]));
  const mutex = bySite.get(lineOf(main, 'await db.runExclusive'));
  const sem = bySite.get(lineOf(main, 'await downloads.acquire()'));
  assert.ok(mutex && sem, JSON.stringify(list));
  // the first job takes the free mutex at once and the other four queue; two downloads go at once
  assert.deepEqual(pick(mutex), ['async-mutex', 5, 4]);
  assert.deepEqual(pick(sem), ['async-mutex', 6, 4]);
  assert.ok(mutex.totalWaitMs >= 4 * 5, `the 4th job waits for 4 x 5 ms sleeps: ${mutex.totalWaitMs}`);
  // each job holds it through a 5 ms sleep; a timer counts from the event loop's cached time, which
  // may be up to ~1 ms behind the clock the trace uses, so a hold can measure 4.x ms (>= 25 failed once in CI)
  assert.ok(mutex.totalHoldMs >= 5 * 4, `5 holds of a 5 ms sleep each: ${mutex.totalHoldMs}`);
  assert.equal(list.length, 2);
});

test('async-mutex ESM build (a different copy of the classes) is traced too', { skip }, async () => {
  const esm = path.join(ROOT, 'node_modules/async-mutex/index.mjs');
  const file = program(
    'esm-mutex.mjs',
    `import { Mutex } from ${JSON.stringify(esm)};
const m = new Mutex();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await Promise.all([1, 2, 3].map(() => m.runExclusive(() => sleep(3))));
console.log('done');
`,
  );
  const r = await record([NODE, file], { flags: FAST, cwd: ROOT });
  assert.equal(r.run.status, 0, r.run.stderr);
  const list = r.summary.contention ?? [];
  assert.deepEqual(list.map(pick), [['async-mutex', 3, 2]]);
  assert.equal(list[0].sites[0].line, 4);
  assert.equal(list[0].sites[0].file, pathToFileURL(file).href, 'ESM frames name their file by URL');
});

for (const major of [22, 24]) {
  test(`Node ${major}: the same counts for the Atomics mutex and async-mutex examples`, { skip }, async () => {
    const node = nodeBinary(major);
    const atomics = await record([node, path.join(ROOT, 'examples/locks/contended-mutex/main.js')], { flags: FAST });
    assert.equal(atomics.run.status, 0, atomics.run.stderr);
    assert.deepEqual((atomics.summary.contention ?? []).map((c) => [c.kind, c.acquisitions]), [['atomics', 800]]);
    const am = await record([node, path.join(ROOT, 'examples/locks/async-mutex/main.js')], { flags: FAST });
    assert.equal(am.run.status, 0, am.run.stderr);
    assert.deepEqual((am.summary.contention ?? []).map(pick).sort(), [['async-mutex', 5, 4], ['async-mutex', 6, 4]]);
  });
}
