// The model and the summary built from a hand-made trace: a parent that spawns a shell running node
// (linked through spawnRef), a worker that crashes (one crash, not two), a child killed by SIGKILL
// (no exit record: cause 'killed', code from the parent's spawn), messages on every channel kind,
// and OS threads named by the sampler (a worker's tid is the worker, not another thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelKind, CrashKind, EventKind, ThreadKind } from '../../src/protocol/events';
import { encodeRecord, fileHeader, FORMAT_VERSION, metaChunk, StreamEncoder } from '../../src/protocol/wire';
import { decodeTrace } from '../../src/recorder/reader';
import { buildModel } from '../../src/recorder/model';
import { summarize, oneLine } from '../../src/recorder/summary';

type Values = Record<string, number | string | undefined>;

function makeTrace(version = FORMAT_VERSION) {
  const streams = new Map<string, StreamEncoder>();
  const parts: Uint8Array[] = [fileHeader(version), metaChunk({ formatVersion: 1, t0: 1000, cwd: '/app', command: ['node', 'main.js'], schedMode: 'off' })];
  const rec = (pid: number, tid: number, threadId: number, kind: number, ts: number, v: Values) => {
    const key = `${pid}:${threadId}`;
    let enc = streams.get(key);
    if (!enc) streams.set(key, (enc = new StreamEncoder(pid, tid, threadId)));
    encodeRecord(enc, kind, ts, v, version);
  };
  // parent 100 (main thread), worker 1 (tid 102)
  rec(100, 100, 0, EventKind.ProcessStart, 1100, { pid: 100, ppid: 99, argv: JSON.stringify(['/usr/bin/node', '/app/main.js']), cwd: '/app', nodeVersion: 'v20.20.2' });
  rec(100, 100, 0, EventKind.WorkerCreate, 1200, { workerThreadId: 1, url: 'file:///app/w.js', eval: 0, site: '/app/main.js:5:3' });
  rec(100, 102, 1, EventKind.ThreadStart, 1300, { name: 'hasher', kind: ThreadKind.Worker, parentThreadId: 0 });
  rec(100, 100, 0, EventKind.WorkerOnline, 1310, { workerThreadId: 1 });
  // the sampler (collector stream) names OS threads, the worker's own tid among them
  rec(0, 0, 0, EventKind.ThreadName, 1320, { pid: 100, tid: 102, name: 'node', threadId: 0 });
  rec(0, 0, 0, EventKind.ThreadName, 1321, { pid: 100, tid: 105, name: 'libuv-worker', threadId: 0 });
  // worker <-> main: 2 sends each way, all received
  rec(100, 100, 0, EventKind.MessageSend, 1400, { channelKind: ChannelKind.Worker, channel: 'w:100:1', seq: 0, bytes: 30, site: '/app/main.js:9:10' });
  rec(100, 102, 1, EventKind.MessageReceive, 1450, { channelKind: ChannelKind.Worker, channel: 'w:100:1', seq: 0, bytes: 30 });
  rec(100, 100, 0, EventKind.MessageSend, 1401, { channelKind: ChannelKind.Worker, channel: 'w:100:1', seq: 1, bytes: 30 });
  rec(100, 102, 1, EventKind.MessageReceive, 1460, { channelKind: ChannelKind.Worker, channel: 'w:100:1', seq: 1, bytes: 30 });
  rec(100, 102, 1, EventKind.MessageSend, 1500, { channelKind: ChannelKind.Worker, channel: 'p:100:1', seq: 0, bytes: 12 });
  rec(100, 100, 0, EventKind.MessageReceive, 1530, { channelKind: ChannelKind.Worker, channel: 'p:100:1', seq: 0, bytes: 12 });
  // a broadcast: one send, two receipts
  rec(100, 100, 0, EventKind.MessageSend, 1600, { channelKind: ChannelKind.Broadcast, channel: 'b:jobs', seq: 0, bytes: 8 });
  rec(100, 102, 1, EventKind.MessageReceive, 1610, { channelKind: ChannelKind.Broadcast, channel: 'b:jobs', seq: 0, bytes: 8 });
  rec(100, 100, 0, EventKind.MessageReceive, 1620, { channelKind: ChannelKind.Broadcast, channel: 'b:jobs', seq: 0, bytes: 8 });
  // the worker throws: its own record and its parent's 'error' are one crash
  rec(100, 102, 1, EventKind.Crash, 1700, { crashKind: CrashKind.Uncaught, name: 'Error', message: 'boom', stack: 'Error: boom\n    at w.js:3:9', site: '/app/w.js:3:9' });
  rec(100, 102, 1, EventKind.ThreadExit, 1710, { code: 1 });
  rec(100, 100, 0, EventKind.Crash, 1720, { crashKind: CrashKind.WorkerError, name: 'Error', message: 'boom', targetPid: 100, targetThreadId: 1 });
  rec(100, 100, 0, EventKind.WorkerExit, 1730, { workerThreadId: 1, code: 1 });
  // spawn through a shell: the shell (pid 200) is untraced, node (pid 201) carries spawnRef 100:7
  rec(100, 100, 0, EventKind.SpawnCall, 2000, { spawnId: 7, api: 'exec', command: '/bin/sh', args: JSON.stringify(['-c', 'node child.js']), site: '/app/main.js:20:1' });
  rec(100, 100, 0, EventKind.SpawnRunning, 2010, { spawnId: 7, childPid: 200 });
  rec(201, 201, 0, EventKind.ProcessStart, 2100, { pid: 201, ppid: 200, argv: JSON.stringify(['/usr/bin/node', '/app/child.js']), cwd: '/app', spawnRef: '100:7' });
  rec(201, 201, 0, EventKind.MessageSend, 2150, { channelKind: ChannelKind.Process, channel: 'ipc:201', seq: 0, bytes: 20 });
  rec(100, 100, 0, EventKind.MessageReceive, 2160, { channelKind: ChannelKind.Process, channel: 'ipc:201', seq: 0, bytes: 20 });
  rec(201, 201, 0, EventKind.ProcessExit, 2200, { code: 0, cause: 'exit' });
  rec(100, 100, 0, EventKind.SpawnExit, 2210, { spawnId: 7, childPid: 200, code: 0 });
  // a forked child 300 that is SIGKILLed: no exit of its own; its parent sees the signal
  rec(100, 100, 0, EventKind.SpawnCall, 3000, { spawnId: 8, api: 'fork', command: '/usr/bin/node', args: JSON.stringify(['/app/main.js', 'child']) });
  rec(100, 100, 0, EventKind.SpawnRunning, 3010, { spawnId: 8, childPid: 300 });
  rec(300, 300, 0, EventKind.ProcessStart, 3100, { pid: 300, ppid: 100, argv: JSON.stringify(['/usr/bin/node', '/app/main.js', 'child']), cwd: '/app' });
  rec(100, 100, 0, EventKind.Crash, 3300, { crashKind: CrashKind.ChildSignal, name: 'SIGKILL', message: 'child 300 killed by SIGKILL', targetPid: 300, targetThreadId: 0 });
  rec(100, 100, 0, EventKind.SpawnExit, 3301, { spawnId: 8, childPid: 300, signal: 'SIGKILL' });
  // a failed spawn
  rec(100, 100, 0, EventKind.SpawnCall, 3400, { spawnId: 9, api: 'spawn', command: 'nope', args: '[]' });
  rec(100, 100, 0, EventKind.SpawnError, 3401, { spawnId: 9, code: 'ENOENT', message: 'spawn nope ENOENT', site: '/app/main.js:30:1' });
  rec(100, 100, 0, EventKind.ProcessExit, 4000, { code: 0, cause: 'normal' });
  // streams flushed in an order unlike time order, as the collector may copy them
  for (const key of ['201:0', '100:1', '0:0', '300:0', '100:0']) parts.push(streams.get(key)!.flush());
  parts.push(metaChunk({ t1: 5000, complete: true, exitCode: 0, exitSignal: null }));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return decodeTrace(out);
}

test('processes form a tree through spawns, shells included, and unrecorded exits are "killed"', () => {
  const m = buildModel(makeTrace());
  assert.deepEqual(
    m.processes.map((p) => [p.pid, p.parentPid, p.command, p.exitCode, p.signal, p.cause, p.spawn?.spawnId]),
    [
      [100, undefined, 'node main.js', 0, null, 'normal', undefined],
      [201, 100, 'node child.js', 0, null, 'exit', 7],
      [300, 100, 'node main.js child', null, 'SIGKILL', 'killed', 8],
    ],
  );
  assert.deepEqual(m.processes[0].children, [201, 300]);
  const shellSpawn = m.spawns.find((s) => s.spawnId === 7)!;
  assert.equal(shellSpawn.childPid, 200);
  assert.equal(shellSpawn.childProcess, 201);
  assert.deepEqual(shellSpawn.site, { file: '/app/main.js', line: 20, column: 1 });
  assert.equal(m.spawns.find((s) => s.spawnId === 9)!.error?.code, 'ENOENT');
});

test('a message has its size whichever end carries it: the receipt since format 2, the send in format 1', () => {
  for (const version of [1, FORMAT_VERSION]) {
    const m = buildModel(makeTrace(version));
    const sizes = m.messages.map((p) => [p.channel, p.seq, p.bytes]).sort();
    assert.deepEqual(sizes, [['b:jobs', 0, 8], ['ipc:201', 0, 20], ['p:100:1', 0, 12], ['w:100:1', 0, 30], ['w:100:1', 1, 30]].sort(), `format ${version}`);
  }
});

test('workers link to their thread streams, messages pair by channel and seq', () => {
  const m = buildModel(makeTrace());
  const w = m.threads.find((t) => t.pid === 100 && t.threadId === 1)!;
  assert.equal(w.name, 'hasher');
  assert.equal(w.tid, 102);
  assert.equal(w.kind, 'worker');
  assert.equal(w.worker?.createTs, 1200);
  assert.equal(w.worker?.exitCode, 1);
  assert.equal(w.exitCode, 1);
  assert.equal(m.messages.length, 5);
  assert.ok(m.messages.every((p) => p.send && p.receives.length >= 1));
  assert.deepEqual(
    m.messages.map((p) => [p.channelKind, p.channel, p.seq, p.latencyNs, p.receives.length]).sort(),
    [
      ['broadcast', 'b:jobs', 0, 10, 2],
      ['process', 'ipc:201', 0, 10, 1],
      ['worker', 'p:100:1', 0, 30, 1],
      ['worker', 'w:100:1', 0, 50, 1],
      ['worker', 'w:100:1', 1, 59, 1],
    ],
  );
});

test('summary JSON has the documented shape, crashes in order, counts per channel', () => {
  const s = summarize(makeTrace());
  assert.equal(s.formatVersion, 1);
  assert.equal(s.durationMs, 0);
  assert.deepEqual(s.processes[2], { pid: 300, ppid: 100, command: 'node main.js child', exitCode: null, signal: 'SIGKILL', cause: 'killed', startTs: 3100, endTs: 3301 });
  assert.deepEqual(
    s.threads.map((t) => [t.pid, t.tid, t.threadId, t.name, t.kind]),
    [
      [100, 100, 0, 'main', 'main'],
      [100, 102, 1, 'hasher', 'worker'],
      [100, 105, -1, 'libuv-worker', 'os'],
      [201, 201, 0, 'main', 'main'],
      [300, 300, 0, 'main', 'main'],
    ],
  );
  assert.deepEqual(s.counts, { spawns: 3, workers: 1, messagesSent: 5, messagesReceived: 6, crashes: 2, events: 34 });
  assert.deepEqual(s.messagesByChannel, { process: 1, worker: 3, port: 0, broadcast: 1 });
  assert.deepEqual(
    s.crashes.map((c) => [c.pid, c.threadId, c.kind, c.name, c.message, c.site]),
    [
      [100, 1, 'uncaught', 'Error', 'boom', { file: '/app/w.js', line: 3, column: 9 }],
      [300, 0, 'child-signal', 'SIGKILL', 'child 300 killed by SIGKILL', null],
    ],
  );
  assert.equal(oneLine(s), '3 processes, 4 threads, 3 spawns, 1 worker, 5 messages, 2 crashes, 0 ms');
});

test('no exit record: still running (final Meta) has no cause unless the parent saw an end; lost records leave the cause unknown unless a signal ended it', () => {
  const enc = new Map<number, StreamEncoder>();
  const rec = (pid: number, kind: number, ts: number, v: Values) => {
    if (!enc.has(pid)) enc.set(pid, new StreamEncoder(pid, pid, 0));
    encodeRecord(enc.get(pid)!, kind, ts, v);
  };
  rec(10, EventKind.ProcessStart, 100, { pid: 10, ppid: 1, argv: JSON.stringify(['/usr/bin/node', '/app/main.js']), cwd: '/app' });
  for (const [k, child] of [11, 12, 13, 14].entries()) {
    rec(10, EventKind.SpawnCall, 200 + k, { spawnId: k + 1, api: 'spawn', command: '/usr/bin/node', args: JSON.stringify([`/app/c${child}.js`]) });
    rec(10, EventKind.SpawnRunning, 210 + k, { spawnId: k + 1, childPid: child });
    rec(child, EventKind.ProcessStart, 300 + k, { pid: child, ppid: 10, argv: JSON.stringify(['/usr/bin/node', `/app/c${child}.js`]), cwd: '/app' });
  }
  // 12 ended (its parent saw it) and its pid was taken by another process by the end; 13 exited
  // with 0 but its records were lost; 14 was ended by SIGTERM and its records were lost too
  rec(10, EventKind.SpawnExit, 400, { spawnId: 2, childPid: 12, code: 0 });
  rec(10, EventKind.SpawnExit, 401, { spawnId: 3, childPid: 13, code: 0 });
  rec(10, EventKind.SpawnExit, 402, { spawnId: 4, childPid: 14, signal: 'SIGTERM' });
  rec(10, EventKind.ProcessExit, 500, { code: 0, cause: 'normal' });
  const parts = [fileHeader(), metaChunk({ formatVersion: FORMAT_VERSION, t0: 50, cwd: '/app' }), ...[...enc.values()].map((e) => e.flush())];
  parts.push(metaChunk({ t1: 600, complete: true, exitCode: 0, stillRunning: [11, 12], lostRecords: [13, 14].map((pid) => ({ pid, threadId: 0, reason: 'ENOSPC' })) }));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (bytes.set(p, o), o + p.length), 0);
  const s = summarize(decodeTrace(bytes));
  assert.deepEqual(
    s.processes.map((p) => [p.pid, p.exitCode, p.signal, p.cause, p.stillRunning, p.recordsLost, p.endTs]),
    [
      [10, 0, null, 'normal', undefined, undefined, 500],
      [11, null, null, null, true, undefined, undefined],
      [12, 0, null, 'killed', undefined, undefined, 400],
      [13, 0, null, null, undefined, true, 401],
      [14, null, 'SIGTERM', 'signal', undefined, undefined, 402],
    ],
  );
});
