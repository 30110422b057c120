import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashKind, EventKind } from '../../src/protocol/events';
import { compareTraces, computeInsights } from '../../src/recorder/insights';
import type { DeadlockReport } from '../../src/protocol/trace';
import { ev } from './insights-helpers';

// Parent pid 100 with workers 1 and 2, child pid 200. The child dies of an uncaught error at 50 ms;
// worker 1 throws at 60 ms (its parent sees 'error'); main throws at 90 ms, taking worker 2 with it.
const trace = [
  ev(EventKind.ProcessStart, 0, 100, 0, { pid: 100, argv: '["node","app.js"]' }),
  ev(EventKind.ThreadStart, 1, 100, 1, { name: 'worker 1', kind: 1 }),
  ev(EventKind.ThreadStart, 1, 100, 2, { name: 'worker 2', kind: 1 }),
  ev(EventKind.ProcessStart, 5, 200, 0, { pid: 200, ppid: 100, argv: '["node","child.js"]' }),
  ev(EventKind.Crash, 50, 200, 0, { crashKind: CrashKind.Uncaught, name: 'Error', message: 'child boom', site: '/w/child.js:3:9' }),
  ev(EventKind.ProcessExit, 51, 200, 0, { code: 1, cause: 'uncaught' }),
  ev(EventKind.Crash, 60, 100, 1, { crashKind: CrashKind.Uncaught, name: 'TypeError', message: 'worker boom' }),
  ev(EventKind.ThreadExit, 61, 100, 1, { code: 1 }),
  ev(EventKind.Crash, 61, 100, 0, { crashKind: CrashKind.WorkerError, name: 'TypeError', message: 'worker boom', targetThreadId: 1 }),
  ev(EventKind.Crash, 90, 100, 0, { crashKind: CrashKind.Uncaught, name: 'Error', message: 'main boom' }),
  ev(EventKind.ThreadExit, 91, 100, 2, { code: 1 }),
  ev(EventKind.ProcessExit, 91, 100, 0, { code: 1, cause: 'uncaught' }),
];

test('crashes in order, what each took down and what outlived it', () => {
  const c = computeInsights(trace).crashes.crashes;
  const who = (e: { pid: number; threadId: number }) => `${e.pid}/${e.threadId}`;
  assert.deepEqual(c.map((x) => [x.order, x.kind, x.message, who(x.victim)]), [
    [1, 'uncaught', 'child boom', '200/-1'],
    [2, 'uncaught', 'worker boom', '100/1'],
    [3, 'uncaught', 'main boom', '100/-1'],
  ]);
  assert.deepEqual(c[0].evidence.site, { file: '/w/child.js', line: 3, column: 9 });
  assert.equal(c[0].victim.endTs, 51e6);
  // the parent and both workers kept running after the child died
  assert.deepEqual(c[0].outlived.map(who), ['100/-1', '100/1', '100/2']);
  // worker 1's death spared the process and worker 2, but the child was already gone
  assert.deepEqual(c[1].outlived.map(who), ['100/-1', '100/2']);
  // main's uncaught exception ended the process and worker 2; nothing outlived it
  assert.deepEqual(c[2].endedWith.map(who), ['100/1', '100/2']);
  assert.deepEqual(c[2].outlived, []);
});

test("a worker's 'error' seen only by its parent is a crash of the worker", () => {
  const c = computeInsights([
    ev(EventKind.ThreadStart, 1, 100, 3, { name: 'worker 3', kind: 1 }),
    ev(EventKind.ThreadExit, 9, 100, 3, { code: 1 }),
    ev(EventKind.Crash, 10, 100, 0, { crashKind: CrashKind.WorkerError, name: 'Error', message: 'lost', targetThreadId: 3 }),
    ev(EventKind.Mark, 20, 100, 0, { name: 'main goes on' }),
  ]).crashes.crashes;
  assert.deepEqual(c.map((x) => [x.kind, x.pid, x.threadId, x.victim.threadId, x.victim.endTs, x.outlived.map((o) => o.threadId)]), [['worker-error', 100, 3, 3, 9e6, [-1]]]);
  assert.equal(c[0].evidence.threadId, 0); // the record to select is the parent's
});

test('deadlocks recorded live are explained participant by participant', () => {
  const report: DeadlockReport = {
    ts: 5e6,
    cycle: [
      { pid: 100, threadId: 1, holds: ['A'], waitsFor: 'B', site: { file: '/w/w.js', line: 10, column: 3 } },
      { pid: 100, threadId: 2, holds: ['B'], waitsFor: 'A', site: null },
    ],
  };
  const events = [
    ev(EventKind.ThreadStart, 0, 100, 1, { name: 'worker 1', kind: 1 }),
    ev(EventKind.Deadlock, 5, 0, 0, { json: JSON.stringify(report) }, 0),
    ev(EventKind.Deadlock, 6, 0, 0, { json: JSON.stringify(report) }, 0), // the same cycle again
    ev(EventKind.Deadlock, 7, 0, 0, { json: '{not json' }, 0),
  ];
  const l = computeInsights(events).locks;
  assert.equal(l.deadlocks.length, 1);
  assert.deepEqual(l.deadlocks[0].explanation, [
    'worker 1 (pid 100) holds A and waits for B, held by thread 2 (pid 100) at /w/w.js:10:3',
    'thread 2 (pid 100) holds B and waits for A, held by worker 1 (pid 100)',
  ]);
});

test('compareTraces gives each figure of both traces and the ratio b / a', () => {
  const a = computeInsights(trace);
  const b = computeInsights(trace.filter((e) => e.pid === 100));
  const rows = compareTraces(a, b);
  const time = rows.find((r) => r.id === 'time.durationMs')!;
  assert.deepEqual([time.a, time.b, time.ratio, time.unit], [91, 91, 1, 'ms']);
  const cpu = rows.find((r) => r.id === 'cpu.cpuMs')!;
  assert.deepEqual([cpu.a, cpu.b, cpu.ratio], [null, null, null]);
  const msgs = rows.find((r) => r.id === 'messages.count')!;
  assert.deepEqual([msgs.a, msgs.b, msgs.ratio], [0, 0, null]); // 0 / 0 has no ratio
  assert.deepEqual([...new Set(rows.map((r) => r.group))], ['time', 'creation', 'memory', 'context switches', 'messages', 'CPU']);
});
