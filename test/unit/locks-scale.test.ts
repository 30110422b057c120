// The lock analysis on generated lock-heavy traces (test/unit/locks-synthetic.ts): the near-linear
// analyzeLocks gives exactly what the plain quadratic rules give (test/unit/locks-reference.ts),
// including tie-breaking between equal timestamps, plus facts the generator guarantees. Speed is
// measured in bench/lock-analysis.bench.mjs, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, WaitResult, type TraceEvent } from '../../src/protocol/events';
import { analyzeLocks } from '../../src/recorder/locks';
import { analyzeLocksReference } from './locks-reference';
import { lockTrace } from './locks-synthetic';

test('same analysis as the reference rules on a generated trace of 20k lock events', () => {
  const events = lockTrace({ events: 20_000, seed: 11 });
  const fast = analyzeLocks(events);
  assert.deepEqual(fast, analyzeLocksReference(events));

  // what the generator built: 3 processes x 6 locks of all three kinds, an ABBA cycle at the end
  assert.equal(fast.contention.length, 18);
  assert.deepEqual([...new Set(fast.contention.map((c) => c.kind))].sort(), ['async-mutex', 'atomics', 'weblock']);
  assert.ok(fast.contention.every((c) => c.acquisitions > 100 && c.waited > 0), 'every lock was taken often, sometimes after a wait');
  assert.equal(fast.deadlocks.length, 1);
  assert.deepEqual(
    fast.deadlocks[0].cycle.map((p) => [p.pid, p.threadId, p.site?.line]),
    [
      [4000, 1, 22],
      [4000, 2, 42],
    ],
  );
  const atomicsWakeups = fast.wakeups.filter((w) => w.lock.startsWith('atomics:'));
  const grantWakeups = fast.wakeups.filter((w) => !w.lock.startsWith('atomics:'));
  assert.ok(atomicsWakeups.length > 500 && grantWakeups.length > 500, `${atomicsWakeups.length} notify and ${grantWakeups.length} release arrows`);
  const woken = atomicsWakeups.map((w) => `${w.to.pid}:${w.to.threadId}@${w.to.ts}`);
  assert.equal(new Set(woken).size, woken.length, 'a wait is woken by one notify at most');
  // the skewed waits (begun 2 ms after their notify) are matched by the nearest-wait rule
  assert.ok(
    atomicsWakeups.some((w) => w.to.ts - w.from.ts > 1e6),
    'some arrows join a notify to a wait that seems to begin after it',
  );
});

test('same analysis as the reference rules when many events share a timestamp', () => {
  for (const quantumNs of [1e5, 1e6, 5e6]) {
    const events = lockTrace({ events: 8_000, seed: 5, quantumNs });
    assert.deepEqual(analyzeLocks(events), analyzeLocksReference(events), `timestamps rounded to ${quantumNs} ns`);
  }
});

test('a generated trace of 100k lock events: every span closed or open at the end, every arrow forward-matched once', () => {
  const events = lockTrace({ events: 100_000, seed: 2 });
  const a = analyzeLocks(events);
  const last = events.reduce((m, e) => Math.max(m, e.ts), 0);
  assert.ok(a.spans.length > 50_000);
  assert.ok(a.spans.every((s) => s.end === undefined || (s.end >= s.start && s.end <= last)));
  const woken = a.wakeups.filter((w) => w.lock.startsWith('atomics:')).map((w) => `${w.to.pid}:${w.to.threadId}@${w.to.ts}`);
  assert.equal(new Set(woken).size, woken.length);
  assert.equal(a.deadlocks.length, 1);
});

test('a notify with no wait in progress takes the nearest ended wait; at equal distance the earlier one', () => {
  const MS = 1e6;
  const ev = (kind: EventKind, ts: number, threadId: number, fields: TraceEvent['fields']): TraceEvent => ({ kind, ts, pid: 9, tid: 9 + threadId, threadId, fields });
  const wait = (from: number, to: number, threadId: number, waitId: number): TraceEvent[] => [
    ev(EventKind.AtomicsWaitBegin, from, threadId, { lock: 's', index: 0, expected: 1, timeoutMs: -1, async: 0, waitId, site: '/a.js:1:1' }),
    ev(EventKind.AtomicsWaitEnd, to, threadId, { waitId, result: WaitResult.Ok }),
  ];
  const notify = (ts: number, threadId: number, woken: number) => ev(EventKind.AtomicsNotify, ts, threadId, { lock: 's', index: 0, count: woken, woken, site: '/a.js:9:1' });
  const events = [
    ...wait(10 * MS, 15 * MS, 1, 1), // ends 5 ms before the notify
    ...wait(25 * MS, 25 * MS, 2, 2), // ends 5 ms after it
    ...wait(26 * MS, 27 * MS, 3, 3), // ends 7 ms after it
    ...wait(19 * MS, 19.5 * MS, 0, 4), // the notifier's own wait: never its own wake-up
    notify(20 * MS, 0, 3),
  ];
  const a = analyzeLocks(events);
  assert.deepEqual(a, analyzeLocksReference(events));
  assert.deepEqual(
    a.wakeups.map((w) => w.to.threadId),
    [1, 2, 3],
  );
});
