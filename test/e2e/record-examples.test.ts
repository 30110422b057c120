// Each bundled example recorded through the real CLI: exact processes and their links, threads,
// spawns, workers, messages per channel (every send paired with its receipt), crashes in order with
// their sites, and exit causes. The examples' headers document the shapes asserted here.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { built, lineOf, program, record as recordOnly, ROOT, NODE, unpaired } from './record-helpers';
import { oneLine } from '../../src/recorder/summary';
import { ChunkType, eventsChunkHeader, scanChunks } from '../../src/protocol/wire';
import { nodeBinary } from '../support/node-versions';

/** Records, and checks that the line ctrace printed (counted live) says what the summary says. */
async function record(command: string[]) {
  const r = await recordOnly(command);
  const last = r.run.stderr.trim().split('\n').at(-1);
  assert.equal(last, `ctrace: ${oneLine(r.summary)}`);
  return r;
}

const example = (name: string) => path.join(ROOT, 'examples', name, 'main.js');

before(() => {
  assert.ok(built(), 'dist/cli.js and dist/agent.js are missing: run npm run build');
});

test('processes: a parent and 2 forked children, linked, 20 IPC messages all paired', async () => {
  const r = await record([NODE, example('processes')]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /^processes: 8 chunks hashed by 2 children: 274d462912a8b1ea\n$/);
  const [root, ...children] = r.summary.processes;
  assert.equal(r.summary.processes.length, 3);
  assert.deepEqual([root.command, root.exitCode, root.signal, root.cause], ['node examples/processes/main.js', 0, null, 'normal']);
  for (const c of children) {
    assert.deepEqual([c.ppid, c.command, c.exitCode, c.cause], [root.pid, 'node examples/processes/main.js child', 0, 'normal']);
  }
  assert.deepEqual(r.model.processes[0].children.sort(), children.map((c) => c.pid).sort());
  assert.deepEqual(
    r.model.spawns.map((s) => [s.pid, s.api, s.childProcess, s.exitCode]).sort(),
    children.map((c) => [root.pid, 'fork', c.pid, 0]).sort(),
  );
  assert.ok(r.model.spawns.every((s) => s.site?.file === example('processes')));
  assert.deepEqual(r.summary.counts, { spawns: 2, workers: 0, messagesSent: 20, messagesReceived: 20, crashes: 0, events: r.trace.events.length });
  assert.deepEqual(r.summary.messagesByChannel, { process: 20, worker: 0, port: 0, broadcast: 0 });
  assert.deepEqual(unpaired(r.model), []);
  assert.ok(r.model.messages.every((m) => m.latencyNs! > 0));
  assert.equal(r.summary.threads.filter((t) => t.kind === 'main').length, 3);
  assert.equal(r.trace.meta.complete, true);
  assert.equal(r.trace.incomplete, false);
});

test('workers: 2 named worker threads linked to their creation, 20 worker messages all paired', async () => {
  const r = await record([NODE, example('workers')]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /^workers: 8 chunks hashed by 2 workers: 274d462912a8b1ea\n$/);
  assert.equal(r.summary.processes.length, 1);
  const pid = r.summary.processes[0].pid;
  const workers = r.model.threads.filter((t) => t.kind === 'worker');
  assert.deepEqual(
    workers.map((t) => [t.pid, t.threadId, t.name, t.worker?.workerThreadId, t.exitCode]),
    [
      [pid, 1, 'hasher 0', 1, 0],
      [pid, 2, 'hasher 1', 2, 0],
    ],
  );
  for (const t of workers) {
    assert.ok(t.tid > 0 && t.tid !== pid, `worker tid ${t.tid}`);
    assert.equal(t.worker?.site?.file, example('workers'));
    assert.ok(t.worker!.onlineTs! >= t.worker!.createTs);
  }
  assert.deepEqual(r.summary.counts, { spawns: 0, workers: 2, messagesSent: 20, messagesReceived: 20, crashes: 0, events: r.trace.events.length });
  assert.deepEqual(r.summary.messagesByChannel, { process: 0, worker: 20, port: 0, broadcast: 0 });
  assert.deepEqual(unpaired(r.model), []);
});

test('shared-mutex: 2 workers sharing a SAB, output unchanged by tracing, 2 messages', async () => {
  const r = await record([NODE, example('shared-mutex')]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /^shared-mutex: 8 chunks hashed by 2 workers: 274d462912a8b1ea, progress 16000\n$/);
  assert.equal(r.summary.threads.filter((t) => t.kind === 'worker').length, 2);
  assert.deepEqual(r.summary.messagesByChannel, { process: 0, worker: 2, port: 0, broadcast: 0 });
  assert.deepEqual(unpaired(r.model), []);
});

test('cluster: a primary and 2 cluster workers serving 4 requests, 4 user IPC messages', async () => {
  const r = await record([NODE, example('cluster')]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.match(r.run.stdout, /cluster: 4 requests served by 2 workers\n$/);
  const [primary, ...workers] = r.summary.processes;
  assert.equal(workers.length, 2);
  for (const w of workers) assert.deepEqual([w.ppid, w.exitCode, w.signal], [primary.pid, 0, null]);
  assert.equal(r.summary.counts.spawns, 2);
  assert.ok(r.model.spawns.every((s) => s.childProcess !== undefined && workers.some((w) => w.pid === s.childProcess)));
  // cluster's own NODE_CLUSTER messages are Node's, not the program's
  assert.deepEqual(r.summary.messagesByChannel, { process: 4, worker: 0, port: 0, broadcast: 0 });
  assert.deepEqual(unpaired(r.model), []);
});

test('crash: the worker crash at its throw site, then the SIGKILLed child, and the parent lives on', async () => {
  const file = example('crash');
  const r = await record([NODE, file]);
  assert.equal(r.run.status, 0, r.run.stderr);
  const [root, child] = r.summary.processes;
  assert.equal(r.summary.processes.length, 2);
  assert.deepEqual([root.exitCode, root.cause], [0, 'normal']);
  assert.deepEqual([child.ppid, child.exitCode, child.signal, child.cause], [root.pid, null, 'SIGKILL', 'killed']);
  const line = lineOf(file, "throw new Error('boom in worker')");
  const column = fs.readFileSync(file, 'utf8').split('\n')[line - 1].indexOf('new Error') + 1;
  assert.deepEqual(
    r.summary.crashes.map((c) => [c.pid, c.threadId, c.kind, c.name, c.message, c.site]),
    [
      [root.pid, 1, 'uncaught', 'Error', 'boom in worker', { file, line, column }],
      [child.pid, 0, 'child-signal', r.summary.crashes[1]?.name, r.summary.crashes[1]?.message, r.summary.crashes[1]?.site ?? null],
    ],
  );
  assert.match(r.summary.crashes[1].name + ' ' + r.summary.crashes[1].message, /SIGKILL/);
  assert.equal(r.summary.counts.crashes, 2);
  // the child's 'ready' is on disk before the parent's SIGKILL answers it (an IPC send is flushed)
  assert.deepEqual([r.summary.counts.messagesSent, r.summary.counts.messagesReceived, r.summary.messagesByChannel.process], [1, 1, 1]);
  assert.equal(r.model.threads.find((t) => t.threadId === 1)?.exitCode, 1);
  // the parent kept running after both
  assert.ok(r.model.processes[0].endTs! > r.summary.crashes[1].ts);
});

test('a child killed on its second IPC send, made within a millisecond of its first: both sends are on disk', async () => {
  // the first send is written at once; the second, too soon after it to be written at once, is
  // written as soon as the child's code returns, before the parent can answer it with a SIGKILL
  const file = program(
    'kill-on-ready.js',
    `const { fork } = require('child_process');
if (process.argv[2] === 'child') {
  process.send('hello');
  process.send('ready');
  setInterval(() => {}, 1000);
} else {
  const child = fork(__filename, ['child']);
  child.on('message', (m) => m === 'ready' && child.kill('SIGKILL'));
}`,
  );
  for (let run = 0; run < 3; run++) {
    const r = await record([NODE, file]);
    assert.equal(r.run.status, 0, r.run.stderr);
    assert.deepEqual([r.summary.counts.messagesSent, r.summary.counts.messagesReceived], [2, 2], `run ${run}`);
    assert.deepEqual(unpaired(r.model), []);
  }
});

test('an IPC send is on disk before its message leaves: the receiver finds it in the sender\'s stream when the message arrives', async () => {
  // the sender's write comes before Node writes the message to the pipe (the pipe handle's own
  // writeUtf8String is wrapped, on both ends): a receiver that kills the sender on arrival, and
  // runs first on a busy machine, cannot take the record with it
  const file = program(
    'on-disk-first.js',
    `const { fork } = require('child_process');
const fs = require('fs');
const path = require('path');
const wrapped = (t) => {
  const key = Object.getOwnPropertySymbols(t).find((s) => s.description === 'kChannelHandle');
  return !!key && Object.prototype.hasOwnProperty.call(t[key], 'writeUtf8String');
};
if (process.argv[2] === 'child') {
  process.send('child wrapped ' + wrapped(process));
  setInterval(() => {}, 1000);
} else {
  const child = fork(__filename, ['child']);
  child.on('message', (m) => {
    const stream = path.join(process.env.CTRACE_DIR, child.pid + '-0.ctc');
    const onDisk = fs.readFileSync(stream).includes('ipc:' + child.pid + ':up');
    console.log(m, '/ parent wrapped', wrapped(child), '/ send on disk at arrival', onDisk);
    child.kill('SIGKILL');
  });
}`,
  );
  const r = await record([NODE, file]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, 'child wrapped true / parent wrapped true / send on disk at arrival true\n');
  assert.deepEqual([r.summary.counts.messagesSent, r.summary.counts.messagesReceived], [1, 1]);
});

test('a child that sends in a loop, awaiting between sends, writes its records in a few hundred writes, not one per send', async () => {
  const file = program(
    'await-sends.js',
    `const { fork } = require('child_process');
if (process.argv[2] === 'child') {
  (async () => {
    for (let i = 0; i < 5000; i++) {
      process.send(i);
      await null;
    }
    process.disconnect();
  })();
} else fork(__filename, ['child']).on('message', () => {});`,
  );
  const r = await record([NODE, file]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.summary.counts.messagesSent, 5000);
  const child = r.summary.processes[1].pid;
  const file_ = fs.readFileSync(r.tracePath);
  const bytes = new Uint8Array(file_.buffer, file_.byteOffset, file_.length);
  const writes = scanChunks(bytes).chunks.filter((c) => c.type === ChunkType.Events && eventsChunkHeader(bytes, c).pid === child).length;
  // at most 5 writes a millisecond (IPC sends are written at once, a few in a row): the loop takes
  // well under a second traced; one write per send would be 5000
  assert.ok(writes < 1500, `${writes} writes for 5000 sends`);
});

for (const major of [22, 24]) {
  test(`workers and processes under Node ${major}: the same processes, threads and paired messages`, async () => {
    const node = nodeBinary(major);
    const w = await recordOnly([node, example('workers')], { flags: ['--no-sched'] });
    assert.equal(w.run.status, 0, w.run.stderr);
    assert.match(w.summary.processes[0].nodeVersion ?? '', new RegExp(`^v${major}\\.`));
    assert.deepEqual(w.summary.messagesByChannel, { process: 0, worker: 20, port: 0, broadcast: 0 });
    assert.deepEqual(w.model.threads.filter((t) => t.kind === 'worker').map((t) => t.name), ['hasher 0', 'hasher 1']);
    assert.deepEqual(unpaired(w.model), []);
    const p = await recordOnly([node, example('processes')], { flags: ['--no-sched'] });
    assert.equal(p.run.status, 0, p.run.stderr);
    assert.equal(p.summary.processes.length, 3);
    assert.ok(p.summary.processes.slice(1).every((c) => c.ppid === p.summary.processes[0].pid && c.cause === 'normal'));
    assert.deepEqual(p.summary.messagesByChannel, { process: 20, worker: 0, port: 0, broadcast: 0 });
    assert.deepEqual(unpaired(p.model), []);
  });
}
