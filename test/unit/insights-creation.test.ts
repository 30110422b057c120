import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind } from '../../src/protocol/events';
import { computeInsights } from '../../src/recorder/insights';
import { ev } from './insights-helpers';

// Parent pid 100 forks twice from one line (children run after 30 and 50 ms), fails one spawn, and
// creates two workers (one reports its own start after 5 ms, the other only comes online after 9 ms).
const trace = [
  ev(EventKind.ProcessStart, 0, 100, 0, { pid: 100, ppid: 1, argv: '["node","app.js"]' }),
  ev(EventKind.SpawnCall, 1, 100, 0, { spawnId: 1, api: 'fork', command: 'node', args: '["child.js"]', site: '/w/app.js:5:3' }),
  ev(EventKind.SpawnCall, 2, 100, 0, { spawnId: 2, api: 'fork', command: 'node', args: '["child.js"]', site: '/w/app.js:5:3' }),
  ev(EventKind.SpawnRunning, 2.5, 100, 0, { spawnId: 1, childPid: 200 }),
  ev(EventKind.SpawnRunning, 3, 100, 0, { spawnId: 2, childPid: 201 }),
  ev(EventKind.SpawnCall, 4, 100, 0, { spawnId: 3, api: 'spawn', command: 'nope', site: '/w/app.js:9:1' }),
  ev(EventKind.SpawnError, 4.5, 100, 0, { spawnId: 3, code: 'ENOENT', message: 'spawn nope ENOENT', site: '/w/app.js:9:1' }),
  ev(EventKind.ProcessStart, 31, 200, 0, { pid: 200, ppid: 100, argv: '["node","child.js"]' }),
  ev(EventKind.ProcessStart, 52, 201, 0, { pid: 201, ppid: 100, argv: '["node","child.js"]' }),
  ev(EventKind.WorkerCreate, 60, 100, 0, { workerThreadId: 1, url: 'file:///w/worker.js', site: '/w/app.js:12:5' }),
  ev(EventKind.WorkerCreate, 61, 100, 0, { workerThreadId: 2, url: 'file:///w/worker.js', site: '/w/app.js:13:5' }),
  ev(EventKind.ThreadStart, 65, 100, 1, { name: 'worker 1', kind: 1, parentThreadId: 0 }),
  ev(EventKind.WorkerOnline, 70, 100, 0, { workerThreadId: 2 }),
];

test('creation cost: call -> the child running, per item, grouped by kind with the slowest sites', () => {
  const c = computeInsights(trace, {}).creation;
  assert.deepEqual(
    c.items.map((i) => [i.kind, i.api, i.ms, i.measuredBy, i.childPid ?? i.workerThreadId ?? null]),
    [
      ['process', 'fork', 30, 'start', 200],
      ['process', 'fork', 50, 'start', 201],
      ['process', 'spawn', null, 'error', null],
      ['worker', 'Worker', 5, 'start', 1],
      ['worker', 'Worker', 9, 'online', 2],
    ],
  );
  assert.equal(c.items[2].error, 'ENOENT: spawn nope ENOENT');
  assert.equal(c.items[0].target, 'node child.js');
  assert.deepEqual(c.items[0].evidence, { pid: 100, threadId: 0, ts: 1e6, kind: EventKind.SpawnCall, site: { file: '/w/app.js', line: 5, column: 3 } });
  const [proc, worker] = c.groups;
  assert.equal(proc.kind, 'process');
  assert.deepEqual([proc.count, proc.medianMs, proc.p95Ms, proc.maxMs], [2, 40, 50, 50]);
  assert.equal(proc.slowestSites.length, 1);
  assert.deepEqual([proc.slowestSites[0].count, proc.slowestSites[0].medianMs, proc.slowestSites[0].maxMs, proc.slowestSites[0].evidence.ts], [2, 40, 50, 2e6]);
  assert.equal(worker.kind, 'worker');
  assert.deepEqual([worker.count, worker.medianMs, worker.maxMs], [2, 7, 9]);
  assert.deepEqual(worker.slowestSites.map((s) => s.site?.line), [13, 12]);
});

test('a child that writes no start record is timed to its first event; an untraced one to SpawnRunning', () => {
  const events = [
    ev(EventKind.SpawnCall, 0, 100, 0, { spawnId: 1, api: 'spawn', command: 'ls' }),
    ev(EventKind.SpawnRunning, 2, 100, 0, { spawnId: 1, childPid: 300 }),
    ev(EventKind.SpawnCall, 3, 100, 0, { spawnId: 2, api: 'spawn', command: 'node' }),
    ev(EventKind.SpawnRunning, 4, 100, 0, { spawnId: 2, childPid: 301 }),
    ev(EventKind.Mark, 20, 301, 0, { name: 'hello' }),
  ];
  const items = computeInsights(events).creation.items;
  assert.deepEqual(items.map((i) => [i.ms, i.measuredBy]), [[2, 'online'], [17, 'first-event']]);
});
