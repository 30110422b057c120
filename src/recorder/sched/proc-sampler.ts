// The counts sampler: every interval it sweeps /proc for each thread of each traced process and
// emits SchedSample (state, CPU, switch counts), ThreadName and MemorySample (RSS) records. It runs
// in the collector, outside the traced program, so the program pays only the kernel's cost of
// formatting a few small files (docs/scheduling.md has the measurements).
//
// Cheapness comes from: files opened once and re-read with pread at offset 0 (fresh data each time);
// schedstat (tiny) read first, stat and status read only when the thread ran since the last sweep;
// records written only when something changed. Because samples are skipped while nothing changes,
// a thread that wakes up after a quiet spell first gets a copy of its previous values stamped at the
// previous sweep, so consumers can attribute the new CPU to the last interval, not the whole spell.

import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { EventKind, ThreadState } from '../../protocol/events';
import type { EmitRecord } from './index';
import { parseChildren, parseSchedstat, parseStat, parseStatmResidentPages, parseStatusSwitches } from './proc-parse';

const CLK_TCK = 100; // Linux exports USER_HZ=100 to user space on every architecture Node supports
const TICK_NS = 1e9 / CLK_TCK;

export const monoNow = (): number => Number(process.hrtime.bigint());

interface Values {
  state: ThreadState;
  utimeNs: number;
  stimeNs: number;
  runNs: number;
  voluntary: number;
  involuntary: number;
  name: string;
}

interface ThreadTrack {
  pid: number;
  tid: number;
  schedstat: number;
  stat: number;
  status: number;
  children: number;
  lastRun: number;
  lastSlices: number;
  last: Values | undefined;
  lastEmitTs: number;
}

interface ProcTrack {
  pid: number;
  statm: number;
  threads: Map<number, ThreadTrack>;
  lastRss: number;
  dead: boolean;
}

export interface ProcSamplerStats {
  sweeps: number;
  /** total time spent inside sweeps, ns (the collector's own cost) */
  sweepNs: number;
  records: number;
}

let pageSizeCache = 0;
function pageSize(): number {
  if (!pageSizeCache) {
    try {
      pageSizeCache = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 4096;
    } catch {
      pageSizeCache = 4096;
    }
  }
  return pageSizeCache;
}

function openOr(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch {
    return -1;
  }
}

function closeFd(fd: number): void {
  if (fd >= 0) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already gone */
    }
  }
}

export class ProcSampler {
  private readonly procs = new Map<number, ProcTrack>();
  private readonly bytes = new Uint8Array(8192);
  private readonly buf = Buffer.from(this.bytes.buffer);
  private readonly pageBytes = pageSize();
  private readonly ignored = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private prevSweepTs = 0;
  private emit: EmitRecord = () => {};
  readonly stats: ProcSamplerStats = { sweeps: 0, sweepNs: 0, records: 0 };

  constructor(readonly intervalMs: number) {}

  /** pids never sampled (e.g. the perf process itself) */
  ignore(pid: number): void {
    this.ignored.add(pid);
  }

  start(rootPid: number, emit: EmitRecord): void {
    this.emit = (kind, ts, values) => {
      this.stats.records++;
      emit(kind, ts, values);
    };
    this.addProcess(rootPid);
    this.sweep();
    this.timer = setInterval(() => this.sweep(), this.intervalMs);
    // the sampler must never keep the collector alive on its own
    this.timer.unref();
  }

  addProcess(pid: number): void {
    if (this.procs.has(pid) || this.ignored.has(pid) || !(pid > 0)) return;
    const statm = openOr(`/proc/${pid}/statm`);
    if (statm < 0) return; // already gone: its CPU still shows in the parent's cutime
    this.procs.set(pid, { pid, statm, threads: new Map(), lastRss: -1, dead: false });
    // sampled at once, so a process that lives shorter than an interval is still seen
    if (this.timer) this.sweepProcess(this.procs.get(pid)!, monoNow(), []);
  }

  /** Takes a last sweep (final totals) and closes every file. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sweep();
    for (const p of this.procs.values()) this.closeProc(p);
  }

  /** One pass over every live process; public so tests and benchmarks can drive it. */
  sweep(): void {
    const t0 = monoNow();
    try {
      const found: number[] = [];
      for (const p of this.procs.values()) if (!p.dead) this.sweepProcess(p, t0, found);
      // children found this sweep are sampled in the same sweep (and their children in turn)
      while (found.length) {
        const pid = found.pop()!;
        if (this.procs.has(pid) || this.ignored.has(pid)) continue;
        const statm = openOr(`/proc/${pid}/statm`);
        if (statm < 0) continue;
        const p: ProcTrack = { pid, statm, threads: new Map(), lastRss: -1, dead: false };
        this.procs.set(pid, p);
        this.sweepProcess(p, t0, found);
      }
    } catch {
      // never let a sampling surprise break the collector; the next sweep tries again
    }
    this.prevSweepTs = t0;
    this.stats.sweeps++;
    this.stats.sweepNs += monoNow() - t0;
  }

  private sweepProcess(p: ProcTrack, ts: number, found: number[]): void {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${p.pid}/task`);
    } catch {
      this.endProc(p, ts);
      return;
    }
    for (const t of tids) {
      const tid = Number(t);
      if (!p.threads.has(tid)) {
        const dir = `/proc/${p.pid}/task/${tid}/`;
        const tr: ThreadTrack = {
          pid: p.pid,
          tid,
          schedstat: openOr(dir + 'schedstat'),
          stat: openOr(dir + 'stat'),
          status: openOr(dir + 'status'),
          children: openOr(dir + 'children'),
          lastRun: -1,
          lastSlices: -1,
          last: undefined,
          lastEmitTs: 0,
        };
        if (tr.stat < 0) {
          this.closeThread(tr);
          continue;
        }
        p.threads.set(tid, tr);
      }
    }
    let zombie = false;
    for (const tr of p.threads.values()) {
      if (tr.stat < 0) continue;
      if (!this.sampleThread(tr, ts)) {
        this.endThread(tr, ts);
        continue;
      }
      // a zombie leader with no other thread: exited, waiting to be reaped; its totals are final
      if (tr.last && tr.last.state === ThreadState.Dead && tr.tid === p.pid && tids.length === 1) zombie = true;
      if (tr.children >= 0) {
        const kids = this.read(tr.children);
        if (kids) for (const k of parseChildren(kids)) if (!this.procs.has(k)) found.push(k);
      }
    }
    const statm = this.read(p.statm);
    const pages = statm ? parseStatmResidentPages(statm) : undefined;
    if (pages !== undefined) {
      const rss = pages * this.pageBytes;
      if (rss !== p.lastRss && rss > 0) {
        p.lastRss = rss;
        // threadId -1: a whole-process figure from outside (the agent's per-thread heap uses 0, 1, ...)
        this.emit(EventKind.MemorySample, ts, { pid: p.pid, threadId: -1, rssBytes: rss, heapUsedBytes: 0 });
      }
    }
    if (zombie) this.endProc(p, ts);
  }

  /** Reads one thread; false when it is gone. */
  private sampleThread(tr: ThreadTrack, ts: number): boolean {
    let run = -1;
    let slices = -1;
    if (tr.schedstat >= 0) {
      const s = this.read(tr.schedstat);
      if (s === undefined) return false;
      const v = parseSchedstat(s);
      if (v) {
        run = v.runNs;
        slices = v.timeslices;
      }
    }
    // a thread that did not run since the last sweep has the same counts and (nearly always) state
    if (tr.last && run >= 0 && run === tr.lastRun && slices === tr.lastSlices) return true;
    const statText = this.read(tr.stat);
    if (statText === undefined) return false;
    const st = parseStat(statText);
    if (!st) return true;
    const statusText = tr.status >= 0 ? this.read(tr.status) : undefined;
    const sw = statusText ? parseStatusSwitches(statusText) : undefined;
    const v: Values = {
      state: st.state,
      utimeNs: st.utimeTicks * TICK_NS,
      stimeNs: st.stimeTicks * TICK_NS,
      runNs: run >= 0 ? run : (st.utimeTicks + st.stimeTicks) * TICK_NS,
      voluntary: sw ? sw.voluntary : 0,
      involuntary: sw ? sw.involuntary : 0,
      name: st.name,
    };
    tr.lastRun = run;
    tr.lastSlices = slices;
    const prev = tr.last;
    if (prev && prev.name === v.name && prev.state === v.state && prev.runNs === v.runNs && prev.utimeNs === v.utimeNs && prev.stimeNs === v.stimeNs && prev.voluntary === v.voluntary && prev.involuntary === v.involuntary) return true;
    if (!prev || prev.name !== v.name) this.emit(EventKind.ThreadName, ts, { pid: tr.pid, tid: tr.tid, name: v.name, threadId: 0 });
    if (prev && tr.lastEmitTs < this.prevSweepTs && this.prevSweepTs < ts) this.emitSample(tr, this.prevSweepTs, prev);
    this.emitSample(tr, ts, v);
    tr.last = v;
    return true;
  }

  private emitSample(tr: ThreadTrack, ts: number, v: Values): void {
    tr.lastEmitTs = ts;
    this.emit(EventKind.SchedSample, ts, {
      pid: tr.pid,
      tid: tr.tid,
      state: v.state,
      utimeNs: v.utimeNs,
      stimeNs: v.stimeNs,
      runNs: v.runNs,
      voluntary: v.voluntary,
      involuntary: v.involuntary,
      name: v.name,
    });
  }

  /** The thread is gone: its last values stand as its totals, marked dead at this sweep. */
  private endThread(tr: ThreadTrack, ts: number): void {
    if (tr.last && tr.last.state !== ThreadState.Dead) {
      if (tr.lastEmitTs < this.prevSweepTs && this.prevSweepTs < ts) this.emitSample(tr, this.prevSweepTs, tr.last);
      tr.last = { ...tr.last, state: ThreadState.Dead };
      this.emitSample(tr, ts, tr.last);
    }
    this.closeThread(tr);
    tr.stat = -1;
  }

  private endProc(p: ProcTrack, ts: number): void {
    if (p.dead) return;
    for (const tr of p.threads.values()) if (tr.stat >= 0) this.endThread(tr, ts);
    this.closeProc(p);
    p.dead = true;
  }

  private closeThread(tr: ThreadTrack): void {
    closeFd(tr.schedstat);
    closeFd(tr.stat);
    closeFd(tr.status);
    closeFd(tr.children);
    tr.schedstat = tr.status = tr.children = -1;
  }

  private closeProc(p: ProcTrack): void {
    for (const tr of p.threads.values()) if (tr.stat >= 0) {
      this.closeThread(tr);
      tr.stat = -1;
    }
    closeFd(p.statm);
    p.statm = -1;
  }

  private read(fd: number): string | undefined {
    if (fd < 0) return undefined;
    try {
      const n = fs.readSync(fd, this.bytes, 0, this.bytes.length, 0);
      return n > 0 ? this.buf.toString('latin1', 0, n) : undefined;
    } catch {
      return undefined;
    }
  }
}
