// The lock model on hand-made event sequences: deadlock cycles (Atomics ABBA, Web Locks), what is
// not a deadlock (timed waits, a wait on a word nobody holds while a thread runs), contention
// figures and wake-up arrows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, LockKind, WaitResult, type TraceEvent } from '../../src/protocol/events';
import { DeadlockDetector, analyzeLocks } from '../../src/recorder/locks';

const MS = 1e6;
const PID = 700;

function ev(kind: EventKind, ts: number, threadId: number, fields: TraceEvent['fields']): TraceEvent {
  return { kind, ts, pid: PID, tid: PID + threadId, threadId, fields };
}
const start = (ts: number, threadId: number) => ev(EventKind.ThreadStart, ts, threadId, { name: `t${threadId}`, kind: threadId ? 1 : 0 });
const stack = (line: number) => `lock (/app/w.js:3:40)\nrun (/app/w.js:${line}:5)`;
const take = (ts: number, t: number, word: string, id: number, line: number) =>
  ev(EventKind.LockAcquired, ts, t, { lockKind: LockKind.Atomics, lock: word, lockId: id, waited: 0, site: '/app/w.js:3:20', stack: stack(line) });
const give = (ts: number, t: number, word: string, id: number) => ev(EventKind.LockReleased, ts, t, { lockKind: LockKind.Atomics, lock: word, lockId: id });
const wait = (ts: number, t: number, sab: string, index: number, waitId: number, line: number, timeoutMs = -1) =>
  ev(EventKind.AtomicsWaitBegin, ts, t, { lock: sab, index, expected: 1, timeoutMs, async: 0, waitId, site: '/app/w.js:3:60', stack: stack(line) });
const waitEnd = (ts: number, t: number, waitId: number, result = WaitResult.Ok) => ev(EventKind.AtomicsWaitEnd, ts, t, { waitId, result });

function feed(d: DeadlockDetector, events: TraceEvent[]) {
  for (const e of events) d.add(e);
}

test('ABBA on two lock words is reported once, after the grace period, with holds, waits and caller lines', () => {
  const d = new DeadlockDetector({ graceMs: 500 });
  feed(d, [
    start(0, 0), start(1, 1), start(2, 2),
    take(10 * MS, 1, 's1[0]', 11, 20),
    take(11 * MS, 2, 's1[1]', 12, 40),
    wait(20 * MS, 1, 's1', 1, 13, 22),
    wait(21 * MS, 2, 's1', 0, 14, 42),
  ]);
  assert.deepEqual(d.check(300 * MS), [], 'not before every wait has lasted the grace period');
  const [r, ...more] = d.check(600 * MS);
  assert.equal(more.length, 0);
  assert.deepEqual(
    r.cycle.map((p) => [p.threadId, p.holds, p.waitsFor, p.site?.line, p.heldAt?.map((s) => s?.line)]),
    [
      [1, ['atomics:s1[0]'], 'atomics:s1[1]', 22, [20]],
      [2, ['atomics:s1[1]'], 'atomics:s1[0]', 42, [40]],
    ],
  );
  assert.deepEqual(d.check(900 * MS), [], 'a cycle is reported once');
});

test('a released word breaks the cycle; timed waits and waits on free words while a thread runs are not deadlocks', () => {
  const d = new DeadlockDetector({ graceMs: 500 });
  feed(d, [
    start(0, 0), start(1, 1), start(2, 2),
    take(10 * MS, 1, 's1[0]', 11, 20),
    take(11 * MS, 2, 's1[1]', 12, 40),
    wait(20 * MS, 1, 's1', 1, 13, 22, 5000), // times out by itself
    give(21 * MS, 2, 's1[1]', 12),
    wait(22 * MS, 2, 's1', 0, 14, 42),
    wait(23 * MS, 1, 's1', 5, 15, 50), // nobody holds word 5, and thread 0 is running
  ]);
  assert.deepEqual(d.check(10_000 * MS), []);
});

test('a process whose every thread blocks untimed is a hang even without a held word', () => {
  const d = new DeadlockDetector({ graceMs: 500 });
  feed(d, [start(0, 0), start(1, 1), wait(5 * MS, 0, 's1', 2, 1, 70), wait(6 * MS, 1, 's1', 3, 2, 80)]);
  const [r] = d.check(1000 * MS);
  assert.deepEqual(r.cycle.map((p) => [p.threadId, p.holds, p.waitsFor, p.site?.line]), [
    [0, [], 'atomics:s1[2]', 70],
    [1, [], 'atomics:s1[3]', 80],
  ]);
  // the wait ends: nothing new
  d.add(waitEnd(1001 * MS, 1, 2));
  assert.deepEqual(d.check(2000 * MS), []);
});

test('a worker that is still starting keeps its creator\'s wait from being a hang', () => {
  const d = new DeadlockDetector({ graceMs: 500 });
  feed(d, [start(0, 0), ev(EventKind.WorkerCreate, 1 * MS, 0, { workerThreadId: 1 }), wait(2 * MS, 0, 's1', 0, 1, 70)]);
  assert.deepEqual(d.check(1000 * MS), []);
  d.add(ev(EventKind.WorkerExit, 1100 * MS, 0, { workerThreadId: 1, code: 1 }));
  assert.equal(d.check(1200 * MS).length, 1, 'once the worker is gone, nobody can wake main');
});

test('Web Locks: each thread holds one and requests the other', () => {
  const d = new DeadlockDetector({ graceMs: 200 });
  const wl = (kind: EventKind, ts: number, t: number, name: string, id: number, line: number) =>
    ev(kind, ts, t, { lockKind: LockKind.WebLock, lock: name, mode: 'exclusive', lockId: id, waited: 0, site: `/app/m.mjs:${line}:9`, stack: `<anonymous> (/app/m.mjs:${line}:9)` });
  feed(d, [
    start(0, 0), start(1, 1), start(2, 2),
    wl(EventKind.LockRequest, 1 * MS, 1, 'a', 1, 10), wl(EventKind.LockAcquired, 2 * MS, 1, 'a', 1, 10),
    wl(EventKind.LockRequest, 3 * MS, 2, 'b', 2, 20), wl(EventKind.LockAcquired, 4 * MS, 2, 'b', 2, 20),
    wl(EventKind.LockRequest, 5 * MS, 1, 'b', 3, 11),
    wl(EventKind.LockRequest, 6 * MS, 2, 'a', 4, 21),
  ]);
  const [r] = d.check(500 * MS);
  assert.deepEqual(r.cycle.map((p) => [p.threadId, p.holds, p.waitsFor, p.site?.line]), [
    [1, ['weblock:a'], 'weblock:b', 11],
    [2, ['weblock:b'], 'weblock:a', 21],
  ]);
});

test('contention: acquisitions, waits from first wait to acquire, holds, sites ranked, notify -> woken arrows', () => {
  const events = [
    start(0, 1), start(0, 2),
    take(10 * MS, 1, 's9[0]', 1, 30),
    wait(11 * MS, 2, 's9', 0, 2, 31),
    ev(EventKind.AtomicsNotify, 15 * MS, 1, { lock: 's9', index: 0, count: 1, woken: 1, site: '/app/w.js:8:3' }),
    give(15 * MS, 1, 's9[0]', 1),
    waitEnd(16 * MS, 2, 2),
    take(17 * MS, 2, 's9[0]', 3, 31),
    give(20 * MS, 2, 's9[0]', 3),
    take(21 * MS, 1, 's9[0]', 4, 30),
    give(22 * MS, 1, 's9[0]', 4),
  ];
  const a = analyzeLocks(events);
  assert.equal(a.contention.length, 1);
  const c = a.contention[0];
  assert.deepEqual(
    { lock: c.lock, kind: c.kind, acquisitions: c.acquisitions, waited: c.waited, totalWaitMs: c.totalWaitMs, maxWaitMs: c.maxWaitMs, totalHoldMs: c.totalHoldMs },
    { lock: 'atomics:s9[0]', kind: 'atomics', acquisitions: 3, waited: 1, totalWaitMs: 6, maxWaitMs: 6, totalHoldMs: 5 + 3 + 1 },
  );
  assert.deepEqual(c.sites.map((s) => [s.line, s.waited, s.totalWaitMs]), [[31, 1, 6], [30, 0, 0]]);
  assert.deepEqual(a.wakeups, [{ lock: 'atomics:s9[0]', from: { pid: PID, threadId: 1, ts: 15 * MS }, to: { pid: PID, threadId: 2, ts: 16 * MS } }]);
  assert.equal(a.spans.filter((s) => s.type === 'hold').length, 3);
  assert.equal(a.deadlocks.length, 0);
});

test('a notify whose woken wait went to another notify (clock skew) swaps partners rather than lose its arrow', () => {
  // thread 2's clock runs behind: its notify (really after thread 1 began waiting) is stamped 10 ms,
  // so the first pass gives it thread 3's wait, which thread 1's notify at 11 ms woke; thread 1's
  // notify is then left with only its own wait near it, which it cannot have woken
  const notify = (ts: number, t: number) => ev(EventKind.AtomicsNotify, ts, t, { lock: 's9', index: 0, count: 1, woken: 1, site: '/app/w.js:8:3' });
  const a = analyzeLocks([
    start(0, 1), start(0, 2), start(0, 3),
    wait(5 * MS, 3, 's9', 0, 31, 40),
    notify(10 * MS, 2),
    notify(11 * MS, 1),
    waitEnd(11.5 * MS, 3, 31),
    wait(11.8 * MS, 1, 's9', 0, 11, 41),
    waitEnd(12 * MS, 1, 11),
  ]);
  assert.deepEqual(
    a.wakeups.map((w) => [w.from.threadId, w.from.ts / MS, w.to.threadId, w.to.ts / MS]),
    [
      [2, 10, 1, 12],
      [1, 11, 3, 11.5],
    ],
  );
});

test('async-mutex: queued requests count as waits, request -> grant, with the release that let them through', () => {
  const m = (kind: EventKind, ts: number, id: number, waited = 0, line = 5) =>
    ev(kind, ts, 0, { lockKind: LockKind.AsyncMutex, lock: `${PID}.0.1`, lockId: id, waited, site: `/app/a.js:${line}:7`, stack: `job (/app/a.js:${line}:7)` });
  const a = analyzeLocks([
    m(EventKind.LockRequest, 1 * MS, 1), m(EventKind.LockAcquired, 1 * MS, 1),
    m(EventKind.LockRequest, 2 * MS, 2, 0, 6),
    m(EventKind.LockReleased, 5 * MS, 1), m(EventKind.LockAcquired, 5 * MS, 2, 1, 6), m(EventKind.LockReleased, 9 * MS, 2),
  ]);
  const c = a.contention[0];
  assert.deepEqual([c.lock, c.kind, c.acquisitions, c.waited, c.totalWaitMs, c.totalHoldMs], [`async-mutex:${PID}.0.1`, 'async-mutex', 2, 1, 3, 8]);
  assert.deepEqual(c.sites.map((s) => [s.line, s.waited]), [[6, 1], [5, 0]]);
  assert.equal(a.wakeups.length, 1);
  assert.equal(a.wakeups[0].from.ts, 5 * MS);
});

test('waits and holds still open at the end (a deadlock) count up to the last event; a wait on a word no one takes is no lock wait', () => {
  // thread 1 takes A, thread 2 takes B, then each waits for the other's, until the trace ends at 20 ms;
  // thread 0 sleeps on a word of its own (an Atomics.wait used as a sleep)
  const events = [start(0, 0), start(0, 1), start(0, 2), take(10 * MS, 1, 's5[0]', 1, 30), take(11 * MS, 2, 's5[1]', 2, 31), wait(12 * MS, 1, 's5', 1, 3, 32), wait(13 * MS, 2, 's5', 0, 4, 33), wait(14 * MS, 0, 's9', 0, 5, 34), start(20 * MS, 3)];
  const a = analyzeLocks(events);
  const figures = a.contention.map((c) => [c.lock, c.waited, c.totalWaitMs, c.maxWaitMs, c.totalHoldMs]).sort();
  assert.deepEqual(figures, [
    ['atomics:s5[0]', 1, 7, 7, 10],
    ['atomics:s5[1]', 1, 8, 8, 9],
  ]);
  // the wait is counted at the site that waits, where a click shows it
  assert.deepEqual(a.contention.find((c) => c.lock === 'atomics:s5[0]')!.sites.find((s) => s.waited === 1)?.line, 33);
});

test('a word taken again from 0 ends the earlier hold (released in a way the agent does not watch, e.g. Atomics.sub)', () => {
  const events = [start(0, 0), start(0, 1), start(0, 2), take(10 * MS, 1, 's4[0]', 1, 30), take(12 * MS, 2, 's4[0]', 2, 31), wait(13 * MS, 1, 's4', 0, 3, 32)];
  const a = analyzeLocks(events);
  const holds = a.spans.filter((s) => s.type === 'hold').map((s) => [s.threadId, s.start / MS, s.end && s.end / MS]);
  assert.deepEqual(holds, [[1, 10, 12], [2, 12, undefined]]);
  // thread 1's 2 ms, and thread 2's hold, still open, up to the trace's last event (13 ms)
  assert.equal(a.contention[0].totalHoldMs, 3);
  // thread 1 waits for thread 2's word; thread 2 is not blocked: no cycle even though 1 "took" it first
  const d = new DeadlockDetector({ graceMs: 1 });
  feed(d, [...events, wait(14 * MS, 2, 's4', 1, 4, 33)]);
  assert.deepEqual(d.check(100 * MS), []);
});
