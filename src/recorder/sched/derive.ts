// What the summary and the timeline read off the scheduling records: totals per thread and process,
// and series over time (busy cores, per-thread running fraction, switch rate). Pure functions over
// decoded TraceEvents, so the recorder, the CLI and tests share one reading of the data.
//
// Two sources, one answer: where SchedSwitch records exist ('switches' mode) running intervals are
// exact (IN..OUT); otherwise they come from the CPU-time deltas between consecutive SchedSamples,
// spread evenly over the interval between them. Records carry OS pids and tids; a consumer that
// wants a Node worker's track joins on the (pid, tid, threadId) in the agent's Events chunk headers.
// In schedMode 'node' the agent's ThreadUsage / ProcessUsage records (keyed by pid and Node
// threadId) are all there is: event-loop utilization per thread, CPU per thread where Node knows
// it, CPU, switch counts and max RSS per process.

import { EventKind, type TraceEvent } from '../../protocol/events';
import type { SchedMode, TraceSummary } from '../../protocol/trace';

export interface ThreadSchedTotals {
  pid: number;
  tid: number;
  /** as the OS names the thread (comm) */
  name: string;
  cpuMs: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
  /** first and last time the thread was seen, ns */
  firstTs: number;
  lastTs: number;
}

export interface ProcessSchedTotals {
  pid: number;
  /** sum over the process's threads, or (schedMode 'node') the process's own figure, the larger */
  cpuMs: number;
  peakRssBytes: number;
  /** schedMode 'node' only: the process's own counts (getrusage); elsewhere the threads hold them */
  voluntarySwitches?: number;
  involuntarySwitches?: number;
}

/** A JS thread's own figures from inside the program (schedMode 'node'). */
export interface ThreadUsageTotals {
  pid: number;
  threadId: number;
  /** active / (active + idle) of the thread's event loop over its life */
  eventLoopUtilization: number;
  eluActiveMs: number;
  /** this thread's CPU, where Node has process.threadCpuUsage() */
  cpuMs?: number;
}

export interface SchedTotals {
  threads: ThreadSchedTotals[];
  processes: ProcessSchedTotals[];
  /** peak JS heap per thread, where the agent reported it (MemorySample with threadId >= 0) */
  heaps: { pid: number; threadId: number; peakHeapUsedBytes: number }[];
  /** per JS thread, from ThreadUsage records (schedMode 'node') */
  usage: ThreadUsageTotals[];
  samples: number;
  switches: number;
}

const key = (pid: number, tid: number) => pid * 4194304 + tid; // tids are < 2^22 on Linux

interface Acc {
  pid: number;
  tid: number;
  name: string;
  runNs: number;
  cpuTimeNs: number;
  vol: number;
  invol: number;
  swVol: number;
  swInvol: number;
  swRunNs: number;
  inAt: number;
  firstTs: number;
  lastTs: number;
}

/** Per-thread and per-process totals: CPU, voluntary and involuntary switches, peak RSS. */
export function schedTotals(events: readonly TraceEvent[]): SchedTotals {
  const acc = new Map<number, Acc>();
  const rss = new Map<number, number>();
  const heaps = new Map<string, { pid: number; threadId: number; peakHeapUsedBytes: number }>();
  const usage = new Map<string, { pid: number; threadId: number; active: number; idle: number; cpuNs: number; cpu: boolean }>();
  const procUsage = new Map<number, { cpuNs: number; vol: number; invol: number }>();
  let samples = 0;
  let switches = 0;
  const get = (pid: number, tid: number, ts: number): Acc => {
    const k = key(pid, tid);
    let a = acc.get(k);
    if (!a) {
      a = { pid, tid, name: '', runNs: 0, cpuTimeNs: 0, vol: 0, invol: 0, swVol: 0, swInvol: 0, swRunNs: 0, inAt: -1, firstTs: ts, lastTs: ts };
      acc.set(k, a);
    }
    if (ts < a.firstTs) a.firstTs = ts;
    if (ts > a.lastTs) a.lastTs = ts;
    return a;
  };
  for (const e of sortedSched(events)) {
    const f = e.fields;
    switch (e.kind) {
      case EventKind.SchedSample: {
        samples++;
        const a = get(num(f.pid), num(f.tid), e.ts);
        // cumulative counters: the largest value seen is the total
        a.runNs = Math.max(a.runNs, num(f.runNs));
        a.cpuTimeNs = Math.max(a.cpuTimeNs, num(f.utimeNs) + num(f.stimeNs));
        a.vol = Math.max(a.vol, num(f.voluntary));
        a.invol = Math.max(a.invol, num(f.involuntary));
        if (typeof f.name === 'string' && f.name) a.name = f.name;
        break;
      }
      case EventKind.SchedSwitch: {
        switches++;
        const a = get(num(f.pid), num(f.tid), e.ts);
        if (f.direction === 1) a.inAt = e.ts;
        else {
          if (f.preempt === 1) a.swInvol++;
          else a.swVol++;
          if (a.inAt >= 0) a.swRunNs += e.ts - a.inAt;
          a.inAt = -1;
        }
        break;
      }
      case EventKind.ThreadName: {
        const a = get(num(f.pid), num(f.tid), e.ts);
        if (typeof f.name === 'string' && f.name) a.name = f.name;
        break;
      }
      case EventKind.MemorySample: {
        const pid = num(f.pid);
        const threadId = typeof f.threadId === 'number' ? f.threadId : -1;
        if (threadId >= 0 && f.heapUsedBytes) {
          const hk = `${pid}/${threadId}`;
          const h = heaps.get(hk) ?? { pid, threadId, peakHeapUsedBytes: 0 };
          h.peakHeapUsedBytes = Math.max(h.peakHeapUsedBytes, num(f.heapUsedBytes));
          heaps.set(hk, h);
        }
        if (f.rssBytes) rss.set(pid, Math.max(rss.get(pid) ?? 0, num(f.rssBytes)));
        break;
      }
      case EventKind.ThreadUsage: {
        // cumulative since the thread started: the largest is the total
        const pid = num(f.pid);
        const threadId = num(f.threadId);
        const uk = `${pid}/${threadId}`;
        let u = usage.get(uk);
        if (!u) usage.set(uk, (u = { pid, threadId, active: 0, idle: 0, cpuNs: 0, cpu: false }));
        u.active = Math.max(u.active, num(f.eluActiveNs));
        u.idle = Math.max(u.idle, num(f.eluIdleNs));
        if (f.cpu === 1) {
          u.cpu = true;
          u.cpuNs = Math.max(u.cpuNs, num(f.userNs) + num(f.systemNs));
        }
        break;
      }
      case EventKind.ProcessUsage: {
        const pid = num(f.pid);
        let p = procUsage.get(pid);
        if (!p) procUsage.set(pid, (p = { cpuNs: 0, vol: 0, invol: 0 }));
        p.cpuNs = Math.max(p.cpuNs, num(f.userNs) + num(f.systemNs));
        p.vol = Math.max(p.vol, num(f.voluntary));
        p.invol = Math.max(p.invol, num(f.involuntary));
        // the kernel's peak, which also catches a peak between two samples
        if (f.maxRssBytes) rss.set(pid, Math.max(rss.get(pid) ?? 0, num(f.maxRssBytes)));
        break;
      }
    }
  }
  const threads: ThreadSchedTotals[] = [];
  const procCpu = new Map<number, number>();

  for (const a of acc.values()) {
    // both sources undercount (a sampler misses the last moments, perf may lose records): take the larger
    const cpuNs = Math.max(a.runNs || a.cpuTimeNs, a.swRunNs);
    const t: ThreadSchedTotals = {
      pid: a.pid,
      tid: a.tid,
      name: a.name,
      cpuMs: round3(cpuNs / 1e6),
      voluntarySwitches: Math.max(a.vol, a.swVol),
      involuntarySwitches: Math.max(a.invol, a.swInvol),
      firstTs: a.firstTs,
      lastTs: a.lastTs,
    };
    threads.push(t);
    procCpu.set(a.pid, (procCpu.get(a.pid) ?? 0) + cpuNs);
  }
  threads.sort((x, y) => x.pid - y.pid || x.tid - y.tid);
  const pids = new Set([...procCpu.keys(), ...rss.keys(), ...procUsage.keys()]);
  const processes = [...pids]
    .sort((x, y) => x - y)
    .map((pid): ProcessSchedTotals => {
      const own = procUsage.get(pid);
      return {
        pid,
        cpuMs: round3(Math.max(procCpu.get(pid) ?? 0, own?.cpuNs ?? 0) / 1e6),
        peakRssBytes: rss.get(pid) ?? 0,
        ...(own ? { voluntarySwitches: own.vol, involuntarySwitches: own.invol } : {}),
      };
    });
  const usageTotals = [...usage.values()].map(
    (u): ThreadUsageTotals => ({
      pid: u.pid,
      threadId: u.threadId,
      eventLoopUtilization: u.active + u.idle > 0 ? round3(u.active / (u.active + u.idle)) : 0,
      eluActiveMs: round3(u.active / 1e6),
      ...(u.cpu ? { cpuMs: round3(u.cpuNs / 1e6) } : {}),
    }),
  );
  return { threads, processes, heaps: [...heaps.values()], usage: usageTotals, samples, switches };
}

/**
 * Puts the totals into a summary (what `ctrace summary --json` prints): cpuMs and switch counts on
 * each thread (matched by pid and OS tid; OS-only threads are added with kind 'os' and threadId -1,
 * and an 'os' row whose tid belongs to a JS thread is dropped as a duplicate),
 * peakRssBytes on each process, peakHeapUsedBytes where the agent reported heaps, schedMode on top.
 */
export function applySchedTotals(summary: TraceSummary, events: readonly TraceEvent[], schedMode?: SchedMode): TraceSummary {
  if (schedMode) summary.schedMode = schedMode;
  const totals = schedTotals(events);
  // a JS thread's OS tid is known from its stream; an 'os' row with the same tid is the same thread
  const jsTids = new Set(summary.threads.filter((t) => t.kind !== 'os').map((t) => key(t.pid, t.tid)));
  summary.threads = summary.threads.filter((t) => t.kind !== 'os' || !jsTids.has(key(t.pid, t.tid)));
  const byTid = new Map(summary.threads.map((t) => [key(t.pid, t.tid), t]));
  for (const t of totals.threads) {
    let s = byTid.get(key(t.pid, t.tid));
    if (!s) {
      s = { pid: t.pid, tid: t.tid, threadId: -1, name: t.name, kind: 'os' };
      summary.threads.push(s);
    }
    s.cpuMs = t.cpuMs;
    s.voluntarySwitches = t.voluntarySwitches;
    s.involuntarySwitches = t.involuntarySwitches;
  }
  for (const h of totals.heaps) {
    const s = summary.threads.find((t) => t.pid === h.pid && t.threadId === h.threadId);
    if (s) s.peakHeapUsedBytes = h.peakHeapUsedBytes;
  }
  for (const u of totals.usage) {
    const s = summary.threads.find((t) => t.pid === u.pid && t.threadId === u.threadId);
    if (!s) continue;
    s.eventLoopUtilization = u.eventLoopUtilization;
    // only the thread's own CPU: a per-process figure is never put on a thread
    if (u.cpuMs !== undefined && s.cpuMs === undefined) s.cpuMs = u.cpuMs;
  }
  for (const p of totals.processes) {
    const s = summary.processes.find((x) => x.pid === p.pid);
    if (!s) continue;
    if (p.peakRssBytes) s.peakRssBytes = p.peakRssBytes;
    if (p.cpuMs) s.cpuMs = p.cpuMs;
    if (p.voluntarySwitches !== undefined) {
      s.voluntarySwitches = p.voluntarySwitches;
      s.involuntarySwitches = p.involuntarySwitches;
    }
  }
  return summary;
}

// ---------------------------------------------------------------- series over time

/** Equal buckets from t0: values[i] covers [t0 + i*bucketNs, t0 + (i+1)*bucketNs). */
export interface Series {
  t0: number;
  bucketNs: number;
  values: number[];
}

export interface SeriesOptions {
  /** range, ns; defaults to the first and last scheduling record */
  t0?: number;
  t1?: number;
  /** bucket width, ns; defaults to 1/500 of the range, at least 1 ms */
  bucketNs?: number;
}

export interface ThreadSeries {
  pid: number;
  tid: number;
  series: Series;
}

/**
 * How many cores were busy (running one of the traced threads) in each bucket: 0..cpus. In
 * schedMode 'node' (no per-thread records from outside) from each process's CPU-time deltas.
 */
export function busyCores(events: readonly TraceEvent[], opts: SeriesOptions = {}): Series {
  const frame = frameOf(events, opts);
  const total = emptySeries(frame);
  const threads = runningFraction(events, frame);
  for (const t of threads) for (let i = 0; i < total.values.length; i++) total.values[i] += t.series.values[i];
  if (threads.length > 0) return total;
  const last = new Map<number, { ts: number; cpu: number }>();
  for (const e of sortedSched(events)) {
    if (e.kind !== EventKind.ProcessUsage) continue;
    const pid = num(e.fields.pid);
    const cpu = num(e.fields.userNs) + num(e.fields.systemNs);
    const prev = last.get(pid);
    if (prev && e.ts > prev.ts && cpu > prev.cpu) spread(total, prev.ts, e.ts, (cpu - prev.cpu) / (e.ts - prev.ts));
    last.set(pid, { ts: e.ts, cpu });
  }
  for (let i = 0; i < total.values.length; i++) total.values[i] /= frame.bucketNs;
  return total;
}

/** Fraction of each bucket each thread spent running on a CPU (0..1). */
export function runningFraction(events: readonly TraceEvent[], opts: SeriesOptions = {}): ThreadSeries[] {
  const frame = frameOf(events, opts);
  const out = new Map<number, ThreadSeries>();
  const seriesOf = (pid: number, tid: number) => {
    const k = key(pid, tid);
    let s = out.get(k);
    if (!s) {
      s = { pid, tid, series: emptySeries(frame) };
      out.set(k, s);
    }
    return s.series;
  };
  const sched = sortedSched(events);
  const exact = sched.some((e) => e.kind === EventKind.SchedSwitch);
  if (exact) {
    const inAt = new Map<number, number>();
    for (const e of sched) {
      if (e.kind !== EventKind.SchedSwitch) continue;
      const pid = num(e.fields.pid);
      const tid = num(e.fields.tid);
      const k = key(pid, tid);
      if (e.fields.direction === 1) inAt.set(k, e.ts);
      else {
        const from = inAt.get(k);
        if (from !== undefined) spread(seriesOf(pid, tid), from, e.ts, 1);
        inAt.delete(k);
      }
    }
    // still running when recording stopped
    for (const [k, from] of inAt) spread(seriesOf(Math.floor(k / 4194304), k % 4194304), from, frame.t1, 1);
  } else {
    const last = new Map<number, { ts: number; run: number }>();
    for (const e of sched) {
      if (e.kind !== EventKind.SchedSample) continue;
      const pid = num(e.fields.pid);
      const tid = num(e.fields.tid);
      const k = key(pid, tid);
      const run = num(e.fields.runNs);
      const prev = last.get(k);
      if (prev && e.ts > prev.ts && run > prev.run) spread(seriesOf(pid, tid), prev.ts, e.ts, Math.min(1, (run - prev.run) / (e.ts - prev.ts)));
      last.set(k, { ts: e.ts, run });
    }
  }
  for (const s of out.values()) for (let i = 0; i < s.series.values.length; i++) s.series.values[i] /= frame.bucketNs;
  return [...out.values()].sort((x, y) => x.pid - y.pid || x.tid - y.tid);
}

export interface SwitchRate {
  pid: number;
  tid: number;
  /** switches per second in each bucket */
  voluntary: Series;
  involuntary: Series;
}

/** Voluntary (blocked, waiting) and involuntary (preempted) switches per second, per thread. */
export function switchRate(events: readonly TraceEvent[], opts: SeriesOptions = {}): SwitchRate[] {
  const frame = frameOf(events, opts);
  const out = new Map<number, SwitchRate>();
  const rateOf = (pid: number, tid: number) => {
    const k = key(pid, tid);
    let r = out.get(k);
    if (!r) {
      r = { pid, tid, voluntary: emptySeries(frame), involuntary: emptySeries(frame) };
      out.set(k, r);
    }
    return r;
  };
  const sched = sortedSched(events);
  const exact = sched.some((e) => e.kind === EventKind.SchedSwitch);
  const last = new Map<number, { ts: number; vol: number; invol: number }>();
  for (const e of sched) {
    const pid = num(e.fields.pid);
    const tid = num(e.fields.tid);
    if (exact && e.kind === EventKind.SchedSwitch && e.fields.direction === 0) {
      const r = rateOf(pid, tid);
      const i = Math.floor((e.ts - frame.t0) / frame.bucketNs);
      if (i >= 0 && i < r.voluntary.values.length) (e.fields.preempt === 1 ? r.involuntary : r.voluntary).values[i]++;
    } else if (!exact && e.kind === EventKind.SchedSample) {
      const k = key(pid, tid);
      const vol = num(e.fields.voluntary);
      const invol = num(e.fields.involuntary);
      const prev = last.get(k);
      if (prev && e.ts > prev.ts) {
        const r = rateOf(pid, tid);
        if (vol > prev.vol) spread(r.voluntary, prev.ts, e.ts, (vol - prev.vol) / (e.ts - prev.ts));
        if (invol > prev.invol) spread(r.involuntary, prev.ts, e.ts, (invol - prev.invol) / (e.ts - prev.ts));
      }
      last.set(k, { ts: e.ts, vol, invol });
    }
  }
  const perSecond = 1e9 / frame.bucketNs;
  for (const r of out.values()) {
    for (let i = 0; i < r.voluntary.values.length; i++) {
      r.voluntary.values[i] *= perSecond;
      r.involuntary.values[i] *= perSecond;
    }
  }
  return [...out.values()].sort((x, y) => x.pid - y.pid || x.tid - y.tid);
}

/** The mean of a series over [from, to) ns (whole buckets that overlap it). */
export function meanOver(s: Series, from: number, to: number): number {
  const a = Math.max(0, Math.floor((from - s.t0) / s.bucketNs));
  const b = Math.min(s.values.length, Math.ceil((to - s.t0) / s.bucketNs));
  if (b <= a) return 0;
  let sum = 0;
  for (let i = a; i < b; i++) sum += s.values[i];
  return sum / (b - a);
}

// ---------------------------------------------------------------- helpers

interface Frame {
  t0: number;
  t1: number;
  bucketNs: number;
}

function frameOf(events: readonly TraceEvent[], opts: SeriesOptions): Frame {
  let lo = Infinity;
  let hi = -Infinity;
  if (opts.t0 === undefined || opts.t1 === undefined) {
    for (const e of events) {
      if (e.kind !== EventKind.SchedSample && e.kind !== EventKind.SchedSwitch && e.kind !== EventKind.ProcessUsage) continue;
      if (e.ts < lo) lo = e.ts;
      if (e.ts > hi) hi = e.ts;
    }
  }
  const t0 = opts.t0 ?? (Number.isFinite(lo) ? lo : 0);
  const t1 = Math.max(t0 + 1, opts.t1 ?? (Number.isFinite(hi) ? hi : t0 + 1));
  const bucketNs = opts.bucketNs && opts.bucketNs > 0 ? opts.bucketNs : Math.max(1e6, Math.ceil((t1 - t0) / 500));
  return { t0, t1, bucketNs };
}

function emptySeries(f: Frame): Series {
  return { t0: f.t0, bucketNs: f.bucketNs, values: new Array(Math.max(1, Math.ceil((f.t1 - f.t0) / f.bucketNs))).fill(0) };
}

/** Adds `perNs` for every ns of [a, b) that falls into the series' buckets. */
function spread(s: Series, a: number, b: number, perNs: number): void {
  const end = s.t0 + s.values.length * s.bucketNs;
  a = Math.max(a, s.t0);
  b = Math.min(b, end);
  if (b <= a) return;
  let i = Math.floor((a - s.t0) / s.bucketNs);
  while (a < b && i < s.values.length) {
    const bucketEnd = s.t0 + (i + 1) * s.bucketNs;
    const upto = Math.min(b, bucketEnd);
    s.values[i] += (upto - a) * perNs;
    a = upto;
    i++;
  }
}

function sortedSched(events: readonly TraceEvent[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const e of events) {
    const k = e.kind;
    if (
      k === EventKind.SchedSample ||
      k === EventKind.SchedSwitch ||
      k === EventKind.ThreadName ||
      k === EventKind.MemorySample ||
      k === EventKind.ThreadUsage ||
      k === EventKind.ProcessUsage
    ) {
      out.push(e);
    }
  }
  // stable: records with equal timestamps keep their stream order (IN before OUT at the same ns)
  return out.sort((a, b) => a.ts - b.ts);
}

const num = (v: number | string | undefined): number => (typeof v === 'number' ? v : 0);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
