// CPU parallelism and context switches, from the scheduling records of src/recorder/sched: every
// switch with its timestamp (schedMode 'switches', perf) gives exact running spans; sampled /proc
// counts (schedMode 'counts') give CPU time and switch totals per thread, and a state per sample.
// Sampled counters (utimeNs, stimeNs, runNs, voluntary, involuntary) are cumulative since the
// thread started, as /proc reports them.
import { EventKind, ThreadState, type TraceEvent } from '../../protocol/events';
import type { TraceMeta } from '../../protocol/trace';
import type { ContextSwitchInsights, ParallelismInsights, ProcessSwitches, SwitchFigures, ThreadRef, ThreadSwitches, WaitingThread } from '../../protocol/insights';
import { threadKey, endOf, type TraceModel } from './model';
import { ms, num, round, NS_PER_MS } from './stats';
import { busyCores } from '../sched/derive';

/** Share of its life a JS thread must spend off-CPU to be listed as mostly waiting. */
const MOSTLY_WAITING = 0.5;
const MAX_LISTED = 50;

interface ThreadCpu {
  pid: number;
  tid: number;
  cpuNs: number;
  voluntary: number;
  involuntary: number;
  firstTs: number;
  lastTs: number;
}

interface SchedResult {
  source: 'switches' | 'samples';
  threads: Map<string, ThreadCpu>;
  /** the most cores busy at once, and when */
  busyPeak: { cores: number; ts: number };
  /** time with more runnable (running or ready) threads than cores; null without a core count */
  oversubscribedNs: number | null;
}

export interface SchedInsights {
  parallelism: ParallelismInsights;
  contextSwitches: ContextSwitchInsights;
}

export function schedInsights(model: TraceModel, meta: TraceMeta): SchedInsights {
  const cores = typeof meta.cpus === 'number' && meta.cpus > 0 ? meta.cpus : null;
  const switches = model.events.filter((e) => e.kind === EventKind.SchedSwitch);
  const samples = model.events.filter((e) => e.kind === EventKind.SchedSample);
  const r = switches.length > 0 ? fromSwitches(model, switches, samples, cores) : samples.length > 0 ? fromSamples(model, samples, cores, meta.sampleIntervalMs) : null;
  if (!r) {
    const usage = model.events.filter((e) => e.kind === EventKind.ProcessUsage);
    if (usage.length > 0) return fromNodeUsage(model, usage, cores);
    const note = `not recorded${meta.schedNote ? `: ${meta.schedNote}` : meta.schedMode === 'off' ? ' (scheduling capture was off)' : ''}`;
    return {
      parallelism: { recorded: false, source: null, note, cores, averageBusyCores: null, peakBusyCores: null, peakTs: null, oversubscribedMs: null, cpuMs: null, mostlyWaiting: [] },
      contextSwitches: { recorded: false, note, total: figures(0, 0, 0), processes: [], threads: [] },
    };
  }
  const durationNs = Math.max(1, model.endTs - model.startTs);
  let cpuNs = 0;
  const threadRows: ThreadSwitches[] = [];
  const perProcess = new Map<number, { v: number; i: number; cpu: number }>();
  for (const t of r.threads.values()) {
    cpuNs += t.cpuNs;
    threadRows.push({ ...ref(model, t.pid, t.tid), ...figures(t.voluntary, t.involuntary, t.cpuNs) });
    const p = perProcess.get(t.pid) ?? { v: 0, i: 0, cpu: 0 };
    p.v += t.voluntary;
    p.i += t.involuntary;
    p.cpu += t.cpuNs;
    perProcess.set(t.pid, p);
  }
  const processes: ProcessSwitches[] = [...perProcess].map(([pid, p]) => ({ pid, command: model.processes.get(pid)?.command ?? '', ...figures(p.v, p.i, p.cpu) }));
  const bySwitches = (x: SwitchFigures, y: SwitchFigures) => y.voluntary + y.involuntary - (x.voluntary + x.involuntary);
  processes.sort(bySwitches);
  threadRows.sort(bySwitches);
  let tv = 0;
  let ti = 0;
  for (const t of r.threads.values()) {
    tv += t.voluntary;
    ti += t.involuntary;
  }
  const source = r.source;
  const note = source === 'switches' ? 'every context switch recorded (perf)' : `sampled${meta.sampleIntervalMs ? ` every ${meta.sampleIntervalMs} ms` : ''} from /proc: busy cores and runnable threads are as seen at each sample`;
  return {
    parallelism: {
      recorded: true,
      source,
      note,
      cores,
      averageBusyCores: round(cpuNs / durationNs),
      peakBusyCores: round(r.busyPeak.cores),
      peakTs: r.busyPeak.ts,
      oversubscribedMs: r.oversubscribedNs === null ? null : ms(r.oversubscribedNs),
      cpuMs: ms(cpuNs),
      mostlyWaiting: mostlyWaiting(model, r.threads),
    },
    contextSwitches: { recorded: true, note, total: figures(tv, ti, cpuNs), processes, threads: threadRows.slice(0, MAX_LISTED) },
  };
}

/**
 * schedMode 'node': each process's main thread reported its whole process's CPU time and switch
 * counts (cumulative, so the largest reading is the total). Busy cores come from those CPU deltas;
 * per-thread CPU and runnable states were not measured, so nothing is said about them.
 */
function fromNodeUsage(model: TraceModel, usage: TraceEvent[], cores: number | null): SchedInsights {
  const per = new Map<number, { cpu: number; v: number; i: number }>();
  for (const e of usage) {
    const pid = num(e.fields.pid);
    const p = per.get(pid) ?? { cpu: 0, v: 0, i: 0 };
    p.cpu = Math.max(p.cpu, num(e.fields.userNs) + num(e.fields.systemNs));
    p.v = Math.max(p.v, num(e.fields.voluntary));
    p.i = Math.max(p.i, num(e.fields.involuntary));
    per.set(pid, p);
  }
  let cpuNs = 0;
  let tv = 0;
  let ti = 0;
  const processes: ProcessSwitches[] = [];
  for (const [pid, p] of per) {
    cpuNs += p.cpu;
    tv += p.v;
    ti += p.i;
    processes.push({ pid, command: model.processes.get(pid)?.command ?? '', ...figures(p.v, p.i, p.cpu) });
  }
  processes.sort((x, y) => y.voluntary + y.involuntary - (x.voluntary + x.involuntary));
  const series = busyCores(model.events);
  let peak = 0;
  let peakAt = -1;
  for (let k = 0; k < series.values.length; k++) {
    if (series.values[k] > peak) {
      peak = series.values[k];
      peakAt = k;
    }
  }
  const note = 'measured by Node inside the program (node mode): CPU time and context switches per process; no per-thread CPU states, so no oversubscription';
  return {
    parallelism: {
      recorded: true,
      source: 'node',
      note,
      cores,
      averageBusyCores: round(cpuNs / Math.max(1, model.endTs - model.startTs)),
      peakBusyCores: peakAt >= 0 ? round(peak) : null,
      peakTs: peakAt >= 0 ? series.t0 + peakAt * series.bucketNs : null,
      oversubscribedMs: null,
      cpuMs: ms(cpuNs),
      mostlyWaiting: [],
    },
    contextSwitches: { recorded: true, note, total: figures(tv, ti, cpuNs), processes, threads: [] },
  };
}

function figures(voluntary: number, involuntary: number, cpuNs: number): SwitchFigures {
  return { voluntary, involuntary, cpuMs: ms(cpuNs), perCpuSecond: cpuNs > 0 ? round(((voluntary + involuntary) * 1e9) / cpuNs, 1) : null };
}

function ref(model: TraceModel, pid: number, tid: number): ThreadRef {
  const k = pid + ':' + tid;
  const threadId = model.jsThreadOfTid.get(k) ?? (tid === pid ? 0 : -1);
  const js = threadId >= 0 ? model.threads.get(threadKey(pid, threadId)) : undefined;
  return { pid, tid, threadId, name: js?.name ?? model.osNames.get(k) ?? `thread ${tid}` };
}

function mostlyWaiting(model: TraceModel, threads: Map<string, ThreadCpu>): WaitingThread[] {
  const out: WaitingThread[] = [];
  for (const t of threads.values()) {
    const r = ref(model, t.pid, t.tid);
    if (r.threadId < 0) continue; // OS helper threads wait by design
    const js = model.threads.get(threadKey(t.pid, r.threadId));
    const start = js ? js.startTs : t.firstTs;
    const end = js ? endOf(js) : t.lastTs;
    const lifetime = end - start;
    if (lifetime <= 0) continue;
    const waiting = Math.max(0, 1 - t.cpuNs / lifetime);
    if (waiting < MOSTLY_WAITING) continue;
    out.push({ ...r, waitingFraction: round(waiting), cpuMs: ms(t.cpuNs), lifetimeMs: ms(lifetime), evidence: { pid: t.pid, threadId: r.threadId, ts: start, kind: js ? EventKind.ThreadStart : undefined, site: null } });
  }
  return out.sort((x, y) => y.waitingFraction - x.waitingFraction).slice(0, MAX_LISTED);
}

// ---------------------------------------------------------------- from every switch
function fromSwitches(model: TraceModel, switches: TraceEvent[], samples: TraceEvent[], cores: number | null): SchedResult {
  const threads = new Map<string, ThreadCpu & { in: number | null; ready: boolean; seen: boolean }>();
  // +1/-1 steps of running and of runnable threads, applied in time order
  const steps: { ts: number; run: number; ready: number }[] = [];
  for (const e of switches) {
    const pid = num(e.fields.pid);
    const tid = num(e.fields.tid);
    const k = pid + ':' + tid;
    let t = threads.get(k);
    if (!t) threads.set(k, (t = { pid, tid, cpuNs: 0, voluntary: 0, involuntary: 0, firstTs: e.ts, lastTs: e.ts, in: null, ready: false, seen: false }));
    t.lastTs = e.ts;
    if (num(e.fields.direction) === 1) {
      if (t.in !== null) continue; // duplicate IN
      t.in = e.ts;
      steps.push({ ts: e.ts, run: 1, ready: t.ready ? 0 : 1 });
      t.ready = false;
    } else {
      // An OUT with no IN before it: the thread was running when recording began.
      const since = t.in ?? (t.seen ? null : model.startTs);
      if (since === null) continue;
      if (t.in === null) steps.push({ ts: since, run: 1, ready: 1 });
      t.cpuNs += e.ts - since;
      t.in = null;
      const preempted = num(e.fields.preempt) === 1;
      if (preempted) t.involuntary++;
      else t.voluntary++;
      t.ready = preempted; // pre-empted threads stay runnable until switched back in
      steps.push({ ts: e.ts, run: -1, ready: preempted ? 0 : -1 });
    }
    t.seen = true;
  }
  // perf writes no switch-out for a thread's last time on the CPU (it exits there). That last span
  // ends when the thread's sampled CPU total is used up, and no later than when it was seen dead
  // (else the end of the trace).
  const deaths = deathTimes(model);
  const sampledCpu = new Map<string, number>();
  for (const e of samples) {
    const k = num(e.fields.pid) + ':' + num(e.fields.tid);
    sampledCpu.set(k, Math.max(sampledCpu.get(k) ?? 0, cpuOfSample(e)));
  }
  for (const [k, t] of threads) {
    const died = deaths.get(k) ?? deaths.get(t.pid + ':*') ?? [];
    if (t.in !== null) {
      let end = died.length ? died.find((d) => d >= t.in!) ?? t.in : model.endTs;
      const total = sampledCpu.get(k);
      // (a total no larger than what the spans already hold is a stale sample: it says nothing)
      if (total !== undefined && total > t.cpuNs) end = Math.min(end, t.in + (total - t.cpuNs));
      t.cpuNs += Math.max(0, end - t.in);
      steps.push({ ts: end, run: -1, ready: -1 });
    } else if (t.ready) steps.push({ ts: died.find((d) => d >= t.lastTs) ?? model.endTs, run: 0, ready: -1 });
  }
  steps.sort((x, y) => x.ts - y.ts || x.run - y.run);
  let run = 0;
  let ready = 0;
  let peak = { cores: 0, ts: model.startTs };
  let over = 0;
  let prevTs = model.startTs;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (cores !== null && ready > cores) over += s.ts - prevTs;
    prevTs = s.ts;
    run += s.run;
    ready += s.ready;
    // only count a peak once every step at this instant is applied
    if ((i + 1 === steps.length || steps[i + 1].ts !== s.ts) && run > peak.cores) peak = { cores: run, ts: s.ts };
  }
  // More threads on the CPU than it has cores can only be a lost record; never report it.
  if (cores !== null && peak.cores > cores) peak = { cores, ts: peak.ts };
  return { source: 'switches', threads, busyPeak: peak, oversubscribedNs: cores === null ? null : over };
}

/** A sample's cumulative CPU time: schedstat's run time (ns), else user + system time (10 ms ticks). */
function cpuOfSample(e: TraceEvent): number {
  return num(e.fields.runNs) || num(e.fields.utimeNs) + num(e.fields.stimeNs);
}

/** When each OS thread (key pid:tid, or pid:* for every thread of a process) was seen ending, ascending. */
function deathTimes(model: TraceModel): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const add = (k: string, ts: number) => {
    const l = out.get(k);
    if (l) l.push(ts);
    else out.set(k, [ts]);
  };
  for (const e of model.events) {
    if (e.kind === EventKind.SchedSample && num(e.fields.state) === ThreadState.Dead) add(num(e.fields.pid) + ':' + num(e.fields.tid), e.ts);
    else if (e.kind === EventKind.ThreadExit && e.pid > 0 && e.tid > 0) add(e.pid + ':' + e.tid, e.ts);
    else if (e.kind === EventKind.ProcessExit && e.pid > 0) add(e.pid + ':*', e.ts);
  }
  // a thread also ends with its process
  for (const [k, l] of out) {
    const pid = k.slice(0, k.indexOf(':'));
    const p = out.get(pid + ':*');
    if (p && !k.endsWith(':*')) l.push(...p);
  }
  for (const l of out.values()) l.sort((x, y) => x - y);
  return out;
}

// ---------------------------------------------------------------- from sampled counts
function fromSamples(model: TraceModel, samples: TraceEvent[], cores: number | null, intervalMs: number | undefined): SchedResult {
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of samples) {
    const k = num(e.fields.pid) + ':' + num(e.fields.tid);
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(e);
  }
  const cpuOf = cpuOfSample;
  const threads = new Map<string, ThreadCpu>();
  const gaps: number[] = [];
  for (const [k, list] of byThread) {
    const last = list[list.length - 1];
    let cpu = 0;
    let v = 0;
    let inv = 0;
    for (const e of list) {
      // counters only grow; the largest seen is the total (a final sample may repeat the last)
      cpu = Math.max(cpu, cpuOf(e));
      v = Math.max(v, num(e.fields.voluntary));
      inv = Math.max(inv, num(e.fields.involuntary));
    }
    for (let i = 1; i < list.length; i++) gaps.push(list[i].ts - list[i - 1].ts);
    threads.set(k, { pid: num(last.fields.pid), tid: num(last.fields.tid), cpuNs: cpu, voluntary: v, involuntary: inv, firstTs: list[0].ts, lastTs: last.ts });
  }
  gaps.sort((x, y) => x - y);
  const intervalNs = intervalMs && intervalMs > 0 ? intervalMs * NS_PER_MS : gaps.length ? gaps[Math.floor(gaps.length / 2)] : 10 * NS_PER_MS;
  // Busy cores per bucket: each thread's CPU growth between two samples, spread evenly over that
  // gap, at most one core per thread (a short-lived thread's lone sample must not make a spike).
  const bucketNs = Math.max(10 * NS_PER_MS, 2 * intervalNs);
  const start = model.startTs;
  const nBuckets = Math.max(1, Math.ceil((model.endTs - start) / bucketNs) + 1);
  if (nBuckets > 1e6) return { source: 'samples', threads, busyPeak: { cores: 0, ts: start }, oversubscribedNs: null };
  const busy = new Float64Array(nBuckets);
  for (const list of byThread.values()) {
    const perThread = new Float64Array(nBuckets);
    let prevTs = Math.max(start, list[0].ts - intervalNs);
    let prevCpu = 0;
    for (const e of list) {
      const cpu = Math.max(prevCpu, cpuOf(e));
      spreadInto(perThread, start, bucketNs, prevTs, e.ts, cpu - prevCpu);
      prevTs = e.ts;
      prevCpu = cpu;
    }
    for (let b = 0; b < nBuckets; b++) busy[b] += Math.min(perThread[b], bucketNs);
  }
  let peak = { cores: 0, ts: start };
  for (let b = 0; b < nBuckets; b++) {
    let c = busy[b] / bucketNs;
    if (cores !== null) c = Math.min(c, cores);
    if (c > peak.cores) peak = { cores: c, ts: start + b * bucketNs };
  }
  // Runnable threads over time: each sample's state holds until that thread's next sample.
  let over: number | null = null;
  if (cores !== null) {
    const steps: { ts: number; d: number }[] = [];
    for (const list of byThread.values()) {
      for (let i = 0; i < list.length; i++) {
        const st = num(list[i].fields.state);
        if (st !== ThreadState.Running && st !== ThreadState.Runnable) continue;
        const until = i + 1 < list.length ? list[i + 1].ts : Math.min(model.endTs, list[i].ts + intervalNs);
        if (until <= list[i].ts) continue;
        steps.push({ ts: list[i].ts, d: 1 }, { ts: until, d: -1 });
      }
    }
    steps.sort((x, y) => x.ts - y.ts || x.d - y.d);
    over = 0;
    let n = 0;
    let prev = start;
    for (const s of steps) {
      if (n > cores) over += s.ts - prev;
      prev = s.ts;
      n += s.d;
    }
  }
  return { source: 'samples', threads, busyPeak: peak, oversubscribedNs: over };
}

function spreadInto(buckets: Float64Array, start: number, width: number, from: number, to: number, amount: number): void {
  if (amount <= 0) return;
  if (to <= from) {
    const b = Math.floor((to - start) / width);
    if (b >= 0 && b < buckets.length) buckets[b] += amount;
    return;
  }
  const rate = amount / (to - from);
  let t = from;
  while (t < to) {
    const b = Math.floor((t - start) / width);
    const bEnd = start + (b + 1) * width;
    const seg = Math.min(to, bEnd) - t;
    if (b >= 0 && b < buckets.length) buckets[b] += seg * rate;
    t += seg;
  }
}

