// Totals and series over hand-built scheduling records whose answers are known exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, ThreadState, type TraceEvent } from '../../src/protocol/events';
import type { TraceSummary } from '../../src/protocol/trace';
import { applySchedTotals, busyCores, meanOver, runningFraction, schedTotals, switchRate } from '../../src/recorder/sched/derive';

const MS = 1e6;
const ev = (kind: EventKind, ts: number, fields: TraceEvent['fields']): TraceEvent => ({ kind, ts, pid: 0, tid: 0, threadId: 0, fields });
const sw = (ts: number, tid: number, direction: 0 | 1, preempt: 0 | 1 = 0) => ev(EventKind.SchedSwitch, ts, { pid: 100, tid, direction, preempt });
const sample = (ts: number, tid: number, runMs: number, vol: number, invol: number, state = ThreadState.Running) =>
  ev(EventKind.SchedSample, ts, { pid: 100, tid, state, utimeNs: runMs * MS, stimeNs: 0, runNs: runMs * MS, voluntary: vol, involuntary: invol, name: `t${tid}` });

// two threads: 100 runs 0..100 ms (preempted at 50 and back at 60), 101 runs 20..70 ms then blocks
const SWITCHES = [sw(0, 100, 1), sw(20 * MS, 101, 1), sw(50 * MS, 100, 0, 1), sw(60 * MS, 100, 1), sw(70 * MS, 101, 0), sw(100 * MS, 100, 0)];

test('switches: exact totals, running fraction and busy cores', () => {
  const t = schedTotals(SWITCHES);
  assert.deepEqual(
    t.threads.map((x) => [x.tid, x.cpuMs, x.voluntarySwitches, x.involuntarySwitches]),
    [
      [100, 90, 1, 1],
      [101, 50, 1, 0],
    ],
  );
  assert.deepEqual(t.processes, [{ pid: 100, cpuMs: 140, peakRssBytes: 0 }]);
  const busy = busyCores(SWITCHES, { t0: 0, t1: 100 * MS, bucketNs: 10 * MS });
  assert.deepEqual(busy.values.map((v) => Math.round(v * 100) / 100), [1, 1, 2, 2, 2, 1, 2, 1, 1, 1]);
  const frac = runningFraction(SWITCHES, { t0: 0, t1: 100 * MS, bucketNs: 50 * MS });
  assert.deepEqual(frac.map((f) => f.series.values), [
    [1, 0.8],
    [0.6, 0.4],
  ]);
  assert.equal(meanOver(busy, 20 * MS, 50 * MS), 2);
});

test('switches: a thread still running at the end runs to the end of the range', () => {
  const busy = busyCores([sw(0, 100, 1), sw(10 * MS, 101, 1), sw(20 * MS, 101, 0)], { t0: 0, t1: 40 * MS, bucketNs: 10 * MS });
  assert.deepEqual(busy.values, [1, 2, 1, 1]);
});

test('samples: CPU deltas spread over the interval between samples; totals are the last counters', () => {
  const evs = [sample(0, 100, 0, 0, 0), sample(10 * MS, 100, 10, 0, 3), sample(20 * MS, 100, 15, 2, 3, ThreadState.Sleeping), sample(40 * MS, 100, 15, 2, 3, ThreadState.Sleeping)];
  const frac = runningFraction(evs, { t0: 0, t1: 40 * MS, bucketNs: 10 * MS });
  assert.deepEqual(frac[0].series.values, [1, 0.5, 0, 0]);
  const t = schedTotals(evs).threads[0];
  assert.deepEqual([t.cpuMs, t.voluntarySwitches, t.involuntarySwitches, t.name], [15, 2, 3, 't100']);
  const rate = switchRate(evs, { t0: 0, t1: 40 * MS, bucketNs: 10 * MS })[0];
  assert.deepEqual(rate.involuntary.values, [300, 0, 0, 0]); // 3 switches in 10 ms
  assert.deepEqual(rate.voluntary.values, [0, 200, 0, 0]);
});

test('switch rate from switch records counts switch-outs per second', () => {
  const rate = switchRate(SWITCHES, { t0: 0, t1: 100 * MS, bucketNs: 50 * MS });
  assert.deepEqual(rate.find((r) => r.tid === 100)!.involuntary.values, [0, 20]); // 1 in 50 ms
  assert.deepEqual(rate.find((r) => r.tid === 101)!.voluntary.values, [0, 20]);
});

test('applySchedTotals fills the summary: thread CPU and switches, OS threads, peak RSS, heaps, schedMode', () => {
  const summary: TraceSummary = {
    formatVersion: 1,
    processes: [{ pid: 100, ppid: 1, command: 'node', exitCode: 0, signal: null, cause: 'normal' }],
    threads: [
      { pid: 100, tid: 100, threadId: 0, name: 'main', kind: 'main' },
      { pid: 100, tid: 100, threadId: -1, name: 'node', kind: 'os' },
    ],
    counts: { spawns: 0, workers: 0, messagesSent: 0, messagesReceived: 0, crashes: 0 },
    messagesByChannel: { process: 0, worker: 0, port: 0, broadcast: 0 },
    crashes: [],
  };
  const mem = [
    ev(EventKind.MemorySample, 1, { pid: 100, threadId: -1, rssBytes: 5e7, heapUsedBytes: 0 }),
    ev(EventKind.MemorySample, 2, { pid: 100, threadId: -1, rssBytes: 4e7, heapUsedBytes: 0 }),
    ev(EventKind.MemorySample, 3, { pid: 100, threadId: 0, rssBytes: 0, heapUsedBytes: 9e6 }),
  ];
  applySchedTotals(summary, [...SWITCHES, ...mem], 'switches');
  assert.equal(summary.schedMode, 'switches');
  assert.deepEqual(summary.threads, [
    { pid: 100, tid: 100, threadId: 0, name: 'main', kind: 'main', cpuMs: 90, voluntarySwitches: 1, involuntarySwitches: 1, peakHeapUsedBytes: 9e6 },
    { pid: 100, tid: 101, threadId: -1, name: '', kind: 'os', cpuMs: 50, voluntarySwitches: 1, involuntarySwitches: 0 },
  ]);
  assert.equal(summary.processes[0].peakRssBytes, 5e7);
});
