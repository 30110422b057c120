import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, ThreadState } from '../../src/protocol/events';
import { computeInsights } from '../../src/recorder/insights';
import { col, ev } from './insights-helpers';

const sw = (tsMs: number, tid: number, direction: 0 | 1, preempt = 0) => col(EventKind.SchedSwitch, tsMs, { pid: 100, tid, direction, preempt });

// Two cores, three threads of pid 100 (main tid 100, worker 1 tid 1001, an OS thread tid 102):
//   0-10  main and worker run                    (2 busy, 2 runnable)
//   10    main is pre-empted, tid 102 runs        (2 busy, 3 runnable: 10 ms over the 2 cores)
//   20    worker and 102 block, main runs again   (1 busy)
//   30    main blocks; the worker lives on until 100 without running
const switches = [
  ev(EventKind.ThreadStart, 0, 100, 0, { name: 'main', kind: 0 }),
  ev(EventKind.ThreadStart, 0, 100, 1, { name: 'worker 1', kind: 1 }),
  sw(0, 100, 1), sw(0, 1001, 1),
  sw(10, 100, 0, 1), sw(10, 102, 1),
  sw(20, 1001, 0), sw(20, 102, 0), sw(20, 100, 1),
  sw(30, 100, 0),
  ev(EventKind.ThreadExit, 100, 100, 1, { code: 0 }),
  col(EventKind.ThreadName, 0, { pid: 100, tid: 102, name: 'libuv-worker', threadId: 0 }),
];

test('from every switch: busy cores, time over the cores, CPU and switches per thread and process', () => {
  const i = computeInsights(switches, { cpus: 2, schedMode: 'switches' });
  const p = i.parallelism;
  assert.deepEqual([p.recorded, p.source, p.cores, p.cpuMs, p.peakBusyCores, p.oversubscribedMs], [true, 'switches', 2, 50, 2, 10]);
  assert.equal(p.averageBusyCores, 0.5); // 50 ms of CPU over 100 ms
  // the worker ran 20 ms of its 100 ms life
  assert.deepEqual(p.mostlyWaiting.map((t) => [t.name, t.waitingFraction, t.cpuMs, t.lifetimeMs]), [['worker 1', 0.8, 20, 100]]);
  assert.deepEqual(p.mostlyWaiting[0].evidence, { pid: 100, threadId: 1, ts: 0, kind: EventKind.ThreadStart, site: null });
  const c = i.contextSwitches;
  assert.deepEqual(c.total, { voluntary: 3, involuntary: 1, cpuMs: 50, perCpuSecond: 80 });
  assert.deepEqual(c.processes.map((x) => [x.pid, x.voluntary, x.involuntary]), [[100, 3, 1]]);
  const byName = Object.fromEntries(c.threads.map((t) => [t.name, [t.threadId, t.voluntary, t.involuntary, t.cpuMs, t.perCpuSecond]]));
  assert.deepEqual(byName, { main: [0, 1, 1, 20, 100], 'worker 1': [1, 1, 0, 20, 50], 'libuv-worker': [-1, 1, 0, 10, 100] });
});

// Sampled every 10 ms (cumulative counters, as /proc gives them): thread 100 busy the whole time,
// thread 101 half the time; both runnable throughout.
const sample = (tsMs: number, tid: number, runMs: number, v: number, inv: number) =>
  col(EventKind.SchedSample, tsMs, { pid: 100, tid, state: ThreadState.Running, utimeNs: 0, stimeNs: 0, runNs: runMs * 1e6, voluntary: v, involuntary: inv, name: 'node' });
const samples = [sample(0, 100, 0, 0, 0), sample(0, 101, 0, 0, 0), sample(10, 100, 10, 0, 3), sample(10, 101, 5, 2, 0), sample(20, 100, 20, 1, 6), sample(20, 101, 10, 4, 1)];

test('from sampled counts: CPU totals, busy cores per interval, runnable threads over the cores', () => {
  const two = computeInsights(samples, { cpus: 2, schedMode: 'counts', sampleIntervalMs: 10 });
  assert.deepEqual([two.parallelism.source, two.parallelism.cpuMs, two.parallelism.averageBusyCores, two.parallelism.peakBusyCores, two.parallelism.oversubscribedMs], ['samples', 30, 1.5, 1.5, 0]);
  assert.deepEqual(two.contextSwitches.total, { voluntary: 5, involuntary: 7, cpuMs: 30, perCpuSecond: 400 });
  const one = computeInsights(samples, { cpus: 1, schedMode: 'counts', sampleIntervalMs: 10 });
  assert.equal(one.parallelism.oversubscribedMs, 20);
  assert.equal(one.parallelism.peakBusyCores, 1); // never more than the machine has
});

test('without scheduling records every figure says "not recorded"', () => {
  const i = computeInsights([ev(EventKind.Mark, 0, 100, 0, { name: 'x' })], { schedMode: 'off', schedNote: 'perf not installed' });
  assert.equal(i.parallelism.recorded, false);
  assert.equal(i.parallelism.averageBusyCores, null);
  assert.equal(i.parallelism.note, 'not recorded: perf not installed');
  assert.equal(i.contextSwitches.recorded, false);
});

test('memory: peak RSS per process, peak heap per thread, peak of the live processes together', () => {
  const i = computeInsights([
    col(EventKind.MemorySample, 10, { pid: 100, threadId: -1, rssBytes: 50e6 }),
    ev(EventKind.MemorySample, 12, 100, 0, { pid: 100, threadId: 0, heapUsedBytes: 10e6 }),
    ev(EventKind.MemorySample, 13, 100, 1, { pid: 100, threadId: 1, heapUsedBytes: 5e6 }),
    col(EventKind.MemorySample, 15, { pid: 200, threadId: -1, rssBytes: 40e6 }),
    ev(EventKind.ProcessExit, 18, 200, 0, { code: 0, cause: 'normal' }),
    col(EventKind.MemorySample, 20, { pid: 100, threadId: -1, rssBytes: 80e6 }),
  ]);
  const m = i.memory;
  assert.equal(m.recorded, true);
  assert.deepEqual([m.peakTotalRssBytes, m.peakTotalTs], [90e6, 15e6]);
  assert.deepEqual(m.processes.map((p) => [p.pid, p.peakRssBytes, p.peakTs]), [[100, 80e6, 20e6], [200, 40e6, 15e6]]);
  assert.deepEqual(m.threads.map((t) => [t.threadId, t.name, t.peakHeapUsedBytes]), [[0, 'main', 10e6], [1, 'worker 1', 5e6]]);
});

test('a thread that exits on the CPU (no last switch-out) runs until its CPU total is used up, or it is seen dead', () => {
  const i = computeInsights(
    [
      sw(0, 100, 1), sw(10, 100, 0), sw(20, 100, 1), // main: ran 10 ms, then 5 more before exiting (sampled total 15 ms)
      col(EventKind.SchedSample, 40, { pid: 100, tid: 100, state: ThreadState.Dead, runNs: 15e6, voluntary: 1, involuntary: 0 }),
      sw(0, 103, 1), // an unsampled thread seen dead at 30 ms
      col(EventKind.SchedSample, 30, { pid: 100, tid: 104, state: ThreadState.Dead }),
      col(EventKind.SchedSwitch, 25, { pid: 100, tid: 104, direction: 1, preempt: 0 }),
      ev(EventKind.Mark, 100, 100, 0, { name: 'end' }),
    ],
    { cpus: 4 },
  );
  const cpu = Object.fromEntries(i.contextSwitches.threads.map((t) => [t.tid, t.cpuMs]));
  assert.deepEqual(cpu, { 100: 15, 103: 100, 104: 5 });
  assert.equal(i.parallelism.peakBusyCores, 2); // 0-10 and 20-25: main and 103; at 25 main leaves as 104 comes
});

// Node mode: the main thread of each process reports its whole process's CPU and switch counts,
// cumulative. pid 100 uses 1.5 cores between 0 and 100 ms, pid 200 half a core from 50 to 100 ms.
test('node mode: CPU and switches per process from Node\'s own figures, busy cores from their deltas, nothing per thread', () => {
  const pu = (tsMs: number, pid: number, cpuMs: number, voluntary: number, involuntary: number) =>
    ev(EventKind.ProcessUsage, tsMs, pid, 0, { pid, userNs: cpuMs * 1e6 * 0.8, systemNs: cpuMs * 1e6 * 0.2, voluntary, involuntary, maxRssBytes: 1 << 25 });
  const events = [
    ev(EventKind.ThreadStart, 0, 100, 0, { name: 'main', kind: 0 }),
    pu(0, 100, 0, 0, 0),
    pu(50, 100, 75, 10, 4),
    pu(100, 100, 150, 30, 9),
    ev(EventKind.ThreadStart, 50, 200, 0, { name: 'main', kind: 0 }),
    pu(50, 200, 0, 0, 0),
    pu(100, 200, 25, 5, 1),
  ];
  const i = computeInsights(events, { cpus: 2, schedMode: 'node' });
  const p = i.parallelism;
  assert.deepEqual([p.recorded, p.source, p.cpuMs, p.averageBusyCores, p.oversubscribedMs, p.mostlyWaiting.length], [true, 'node', 175, 1.75, null, 0]);
  assert.ok(p.peakBusyCores !== null && p.peakBusyCores >= 1.9 && p.peakBusyCores <= 2.1, `peak ${p.peakBusyCores}`);
  const c = i.contextSwitches;
  assert.deepEqual([c.recorded, c.total.voluntary, c.total.involuntary, c.threads.length], [true, 35, 10, 0]);
  assert.deepEqual(c.processes.map((x) => [x.pid, x.voluntary, x.involuntary, x.cpuMs]), [[100, 30, 9, 150], [200, 5, 1, 25]]);
});
