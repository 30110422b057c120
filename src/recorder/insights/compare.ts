// Two traces side by side: the same job as processes and as threads. Each row is one figure of
// each trace and their ratio (b / a), for the claims the article makes: creation cost, memory,
// context switches, message cost, CPU use and total time.
import type { CompareRow, CompareUnit, Insights } from '../../protocol/insights';
import { median, round } from './stats';

type Pick = (i: Insights) => number | null;

const METRICS: readonly { id: string; group: string; metric: string; unit: CompareUnit; pick: Pick }[] = [
  { id: 'time.durationMs', group: 'time', metric: 'total time', unit: 'ms', pick: (i) => i.durationMs },
  { id: 'creation.count', group: 'creation', metric: 'processes and workers created', unit: 'count', pick: (i) => created(i).length },
  { id: 'creation.medianMs', group: 'creation', metric: 'creation cost, median', unit: 'ms', pick: (i) => nullIfEmpty(created(i), (v) => round(median(v))) },
  { id: 'creation.maxMs', group: 'creation', metric: 'creation cost, slowest', unit: 'ms', pick: (i) => nullIfEmpty(created(i), (v) => v[v.length - 1]) },
  { id: 'memory.peakTotalRssBytes', group: 'memory', metric: 'peak RSS, all processes together', unit: 'bytes', pick: (i) => i.memory.peakTotalRssBytes },
  { id: 'memory.peakHeapUsedBytes', group: 'memory', metric: 'peak JS heap, sum over threads', unit: 'bytes', pick: (i) => (i.memory.threads.length ? i.memory.threads.reduce((n, t) => n + t.peakHeapUsedBytes, 0) : null) },
  { id: 'switches.total', group: 'context switches', metric: 'context switches, all threads', unit: 'count', pick: (i) => (i.contextSwitches.recorded ? i.contextSwitches.total.voluntary + i.contextSwitches.total.involuntary : null) },
  { id: 'switches.voluntary', group: 'context switches', metric: 'voluntary (blocked or waiting)', unit: 'count', pick: (i) => (i.contextSwitches.recorded ? i.contextSwitches.total.voluntary : null) },
  { id: 'switches.involuntary', group: 'context switches', metric: 'involuntary (pre-empted)', unit: 'count', pick: (i) => (i.contextSwitches.recorded ? i.contextSwitches.total.involuntary : null) },
  { id: 'switches.perCpuSecond', group: 'context switches', metric: 'switches per CPU second', unit: 'per-s', pick: (i) => (i.contextSwitches.recorded ? i.contextSwitches.total.perCpuSecond : null) },
  { id: 'messages.count', group: 'messages', metric: 'messages sent', unit: 'count', pick: (i) => i.messages.totals.count },
  { id: 'messages.copiedBytes', group: 'messages', metric: 'bytes copied', unit: 'bytes', pick: (i) => i.messages.totals.copiedBytes },
  { id: 'messages.medianMs', group: 'messages', metric: 'message latency, median', unit: 'ms', pick: (i) => i.messages.totals.latency?.medianMs ?? null },
  { id: 'messages.p95Ms', group: 'messages', metric: 'message latency, p95', unit: 'ms', pick: (i) => i.messages.totals.latency?.p95Ms ?? null },
  { id: 'cpu.cpuMs', group: 'CPU', metric: 'CPU time, all threads', unit: 'ms', pick: (i) => i.parallelism.cpuMs },
  { id: 'cpu.averageBusyCores', group: 'CPU', metric: 'busy cores, average', unit: 'cores', pick: (i) => i.parallelism.averageBusyCores },
  { id: 'cpu.peakBusyCores', group: 'CPU', metric: 'busy cores, peak', unit: 'cores', pick: (i) => i.parallelism.peakBusyCores },
];

function created(i: Insights): number[] {
  return i.creation.items.filter((c) => c.ms !== null).map((c) => c.ms!).sort((x, y) => x - y);
}

function nullIfEmpty(v: number[], f: (v: number[]) => number): number | null {
  return v.length ? f(v) : null;
}

/** One row per figure; ratio is b / a (so 0.25 means b needed a quarter of what a needed). */
export function compareTraces(a: Insights, b: Insights): CompareRow[] {
  return METRICS.map(({ id, group, metric, unit, pick }) => {
    const va = pick(a);
    const vb = pick(b);
    const ratio = va === null || vb === null || va === 0 ? null : round(vb / va, 3);
    return { id, group, metric, unit, a: va, b: vb, ratio };
  });
}


