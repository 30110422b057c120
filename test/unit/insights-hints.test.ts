import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashKind, EventKind, LockKind } from '../../src/protocol/events';
import { computeInsights, editorHints } from '../../src/recorder/insights';
import { ev } from './insights-helpers';

test('editor hints say at each call site what it caused, and link to the event', () => {
  const events = [
    ev(EventKind.WorkerCreate, 0, 100, 0, { workerThreadId: 1, site: '/w/a.js:3:1' }),
    ev(EventKind.WorkerCreate, 1, 100, 0, { workerThreadId: 2, site: '/w/a.js:3:1' }),
    ev(EventKind.WorkerCreate, 2, 100, 0, { workerThreadId: 3, site: '/w/a.js:3:1' }),
    ev(EventKind.ThreadStart, 10, 100, 1, { kind: 1 }),
    ev(EventKind.ThreadStart, 13, 100, 2, { kind: 1 }),
    ev(EventKind.ThreadStart, 22, 100, 3, { kind: 1 }),
    ev(EventKind.MessageSend, 30, 100, 0, { channelKind: 1, channel: 'c', seq: 1, bytes: 200 * 1024, site: '/w/a.js:7:5' }),
    ev(EventKind.MessageReceive, 30.4, 100, 1, { channelKind: 1, channel: 'c', seq: 1, bytes: 200 * 1024 }),
    ev(EventKind.Crash, 40, 100, 2, { crashKind: CrashKind.Uncaught, name: 'Error', message: 'boom', site: '/w/b.js:9:11' }),
    // main and worker 3 go on after worker 2's crash
    ev(EventKind.Mark, 45, 100, 3, { name: 'still here' }),
    ev(EventKind.Mark, 50, 100, 0, { name: 'still here' }),
  ];
  const hints = editorHints(computeInsights(events));
  const at = (line: number) => hints.filter((h) => h.site.line === line).map((h) => [h.topic, h.text]);
  assert.deepEqual(at(3), [['creation', 'created 3 workers · median 12 ms, slowest 20 ms']]);
  assert.deepEqual(at(7), [
    ['messages', '1 message · p95 400 µs · 200 KiB copied'],
    ['large-copy', 'copies 200 KiB: transfer or share it instead'],
  ]);
  assert.deepEqual(at(9), [['crash', 'crash 1: Error: boom · 2 survivors']]);
  // a click reveals the slowest creation
  assert.equal(hints.find((h) => h.topic === 'creation')!.evidence.ts, 2e6);
});

test('a creation hint gives the true median of an even count, and a lock hint names the lock as the code does', () => {
  const events = [
    ...[1, 2, 3, 4].map((n) => ev(EventKind.WorkerCreate, n - 1, 100, 0, { workerThreadId: n, site: '/w/a.js:3:1' })),
    // created in 10, 14, 20 and 30 ms: the median is 17 ms (the lower middle value was 14)
    ev(EventKind.ThreadStart, 10, 100, 1, { kind: 1 }),
    ev(EventKind.ThreadStart, 15, 100, 2, { kind: 1 }),
    ev(EventKind.ThreadStart, 22, 100, 3, { kind: 1 }),
    ev(EventKind.ThreadStart, 33, 100, 4, { kind: 1 }),
    // worker 1 waits 4 ms for the Web Lock "accounts" that worker 2 holds
    ev(EventKind.LockAcquired, 40, 100, 2, { lockKind: LockKind.WebLock, lock: 'accounts', mode: 'exclusive', lockId: 1, waited: 0, site: '/w/l.js:9:3' }),
    ev(EventKind.LockRequest, 41, 100, 1, { lockKind: LockKind.WebLock, lock: 'accounts', mode: 'exclusive', lockId: 1, site: '/w/l.js:5:3' }),
    ev(EventKind.LockReleased, 45, 100, 2, { lockKind: LockKind.WebLock, lock: 'accounts', lockId: 1 }),
    ev(EventKind.LockAcquired, 45, 100, 1, { lockKind: LockKind.WebLock, lock: 'accounts', mode: 'exclusive', lockId: 1, waited: 1, site: '/w/l.js:5:3' }),
    ev(EventKind.LockReleased, 46, 100, 1, { lockKind: LockKind.WebLock, lock: 'accounts', lockId: 1 }),
  ];
  const hints = editorHints(computeInsights(events));
  assert.equal(hints.find((h) => h.topic === 'creation')?.text, 'created 4 workers · median 17 ms, slowest 30 ms');
  assert.deepEqual(hints.filter((h) => h.topic === 'lock').map((h) => h.text), ['waited 4 ms on Web Lock "accounts" (1 time)']);
});
