// The counts sampler: every interval it sweeps /proc for each thread of each traced process and
// emits SchedSample (state, CPU, switch counts), ThreadName and MemorySample (RSS) records. It runs
// in the collector, outside the traced program, so the program pays only the kernel's cost of
// formatting a few small files (docs/scheduling.md has the measurements).
//
// Cheapness comes from: files opened once and re-read with pread at offset 0 (fresh data each time);
// schedstat (tiny) read first, stat read only when the thread ran since the last sweep, status (the
// costliest file, for the voluntary/involuntary split) at most every STATUS_EVERY_NS per thread;
// the thread list re-read only when the task directory's link count changes (plus every
// FULL_SCAN_EVERY sweeps), children lists of threads that ran (only they can have spawned) and of
// all threads every CHILDREN_EVERY sweeps; records written only when something changed. Because samples are skipped while nothing changes,
// a thread that wakes up after a quiet spell first gets a copy of its previous values stamped at the
// previous sweep, so consumers can attribute the new CPU to the last interval, not the whole spell.

import fs from 'node:fs';
import os from 'node:os';
import { EventKind, ThreadState } from '../../protocol/events';
import type { EmitRecord } from './index';
import { parseChildren, parseStat, parseStatmResidentPages, parseStatusSwitches } from './proc-parse';

const CLK_TCK = 100; // Linux exports USER_HZ=100 to user space on every architecture Node supports
const TICK_NS = 1e9 / CLK_TCK;
const STATUS_EVERY_NS = 50e6;
const FULL_SCAN_EVERY = 10;
const CHILDREN_EVERY = 5;

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
  statusTs: number;
  /** the sweep that last sampled it (a sweep may visit a process twice) */
  sampledAt: number;
  last: Values | undefined;
  lastEmitTs: number;
}

interface ProcTrack {
  pid: number;
  statm: number;
  /** /proc/PID/task, kept open: its link count is 2 + the number of threads */
  task: number;
  nlink: number;
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
/**
 * The kernel's page size (statm counts pages), from the auxiliary vector the kernel gave this
 * process (AT_PAGESZ), as getconf itself reads it: running `getconf PAGESIZE` cost every recording
 * a process spawn, ~5 ms before the program could start.
 */
export function pageSize(): number {
  if (!pageSizeCache) {
    pageSizeCache = 4096;
    try {
      const aux = fs.readFileSync('/proc/self/auxv');
      // pairs of native words: 8 bytes on 64-bit kernels, in the machine's byte order
      const word = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(process.arch) ? 8 : 4;
      const le = os.endianness() === 'LE';
      const read = (at: number) => (word === 8 ? Number(le ? aux.readBigUInt64LE(at) : aux.readBigUInt64BE(at)) : le ? aux.readUInt32LE(at) : aux.readUInt32BE(at));
      for (let at = 0; at + 2 * word <= aux.length; at += 2 * word) {
        const type = read(at);
        if (type === 0) break; // AT_NULL
        if (type === 6) {
          // AT_PAGESZ
          const v = read(at + word);
          if (v > 0 && (v & (v - 1)) === 0) pageSizeCache = v;
          break;
        }
      }
    } catch {
      // not Linux, or /proc hidden: statm's pages are then most likely 4 KiB
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
  /** children found in a thread's children list during one sweep, by pid: their parent */
  private readonly parentOf = new Map<number, number>();
  private readonly bytes = new Uint8Array(8192);
  private readonly buf = Buffer.from(this.bytes.buffer);
  private readonly pageBytes = pageSize();
  private timer: NodeJS.Timeout | undefined;
  private prevSweepTs = 0;
  private sweepNo = 0;
  private final = false;
  private emit: EmitRecord = () => {};
  readonly stats: ProcSamplerStats = { sweeps: 0, sweepNs: 0, records: 0 };

  /** may change until start() (a capture that falls back from perf samples more often) */
  constructor(public intervalMs: number) {}

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
    if (this.procs.has(pid) || !(pid > 0)) return;
    const statm = openOr(`/proc/${pid}/statm`);
    if (statm < 0) return; // already gone: its CPU still shows in the parent's cutime
    this.procs.set(pid, { pid, statm, task: openOr(`/proc/${pid}/task`), nlink: -1, threads: new Map(), lastRss: -1, dead: false });
    // sampled at once, so a process that lives shorter than an interval is still seen (its children
    // wait for the next sweep, which reads their parent again)
    if (this.timer) this.sweepProcess(this.procs.get(pid)!, monoNow(), []);
    this.parentOf.clear();
  }

  /** Takes a last sweep (final totals) and closes every file. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.final = true; // read every file: these are the totals
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
        if (this.procs.has(pid)) continue;
        const statm = openOr(`/proc/${pid}/statm`);
        if (statm < 0) continue;
        const p: ProcTrack = { pid, statm, task: openOr(`/proc/${pid}/task`), nlink: -1, threads: new Map(), lastRss: -1, dead: false };
        this.procs.set(pid, p);
        // its parent, for readers: a traced process says it in ProcessStart, an untraced one only here
        const ppid = this.parentOf.get(pid);
        if (ppid !== undefined) this.emit(EventKind.ProcessSeen, t0, { pid, ppid });
        this.sweepProcess(p, t0, found);
      }
    } catch {
      // never let a sampling surprise break the collector; the next sweep tries again
    }
    // a parent is only trusted within the sweep that read it (a child gone since, its pid reused later)
    this.parentOf.clear();
    this.prevSweepTs = t0;
    this.sweepNo++;
    this.stats.sweeps++;
    this.stats.sweepNs += monoNow() - t0;
  }

  private sweepProcess(p: ProcTrack, ts: number, found: number[]): void {
    let nlink = -1;
    try {
      if (p.task >= 0) nlink = fs.fstatSync(p.task).nlink;
    } catch {
      /* fall back to reading the directory */
    }
    let scanned = false;
    if (nlink < 0 || nlink !== p.nlink || this.final || this.sweepNo % FULL_SCAN_EVERY === 0) {
      if (!this.scanThreads(p)) return this.endProc(p, ts);
      p.nlink = nlink;
      scanned = true;
    }
    let zombie = false;
    let live = 0;
    let ended = 0;
    const readChildren = this.final || this.sweepNo % CHILDREN_EVERY === 0;
    const sampleAll = () => {
      for (const tr of p.threads.values()) {
        if (tr.stat < 0 || tr.sampledAt === ts) continue;
        tr.sampledAt = ts;
        const got = this.sampleThread(tr, ts);
        if (got === 'gone') {
          this.endThread(tr, ts);
          ended++;
          continue;
        }
        live++;
        if (tr.last && tr.last.state === ThreadState.Dead && tr.tid === p.pid) zombie = true;
        // only a thread that ran can have started a process: read its children now, the others rarely
        if (tr.children >= 0 && (readChildren || got === 'ran')) {
          const kids = this.read(tr.children);
          if (kids) {
            for (const k of parseChildren(kids)) {
              if (this.procs.has(k)) continue;
              found.push(k);
              if (!this.parentOf.has(k)) this.parentOf.set(k, p.pid);
            }
          }
        }
      }
    };
    sampleAll();
    // a thread ended: another may have started in its place with the link count unchanged
    if (ended > 0 && !scanned && this.scanThreads(p)) {
      p.nlink = nlink;
      sampleAll();
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
    // a zombie leader with no other thread (exited, not yet reaped), or no thread left: totals are final
    if ((zombie && live === 1) || (live === 0 && !this.scanThreads(p))) this.endProc(p, ts);
  }

  /** Lists the process's threads, opening files for new ones; false when the process is gone. */
  private scanThreads(p: ProcTrack): boolean {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${p.pid}/task`);
    } catch {
      return false;
    }
    for (const t of tids) {
      const tid = Number(t);
      if (p.threads.has(tid)) continue;
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
        statusTs: 0,
        sampledAt: 0,
        last: undefined,
        lastEmitTs: 0,
      };
      if (tr.stat < 0) {
        this.closeThread(tr);
        continue;
      }
      p.threads.set(tid, tr);
    }
    return tids.length > 0;
  }

  /** Reads one thread: gone, did not run since the last sweep, or ran. */
  private sampleThread(tr: ThreadTrack, ts: number): 'gone' | 'idle' | 'ran' {
    let run = -1;
    let slices = -1;
    if (tr.schedstat >= 0) {
      // parsed from the bytes: this runs for every thread on every sweep, so no string is made
      let n: number;
      try {
        n = fs.readSync(tr.schedstat, this.bytes, 0, 64, 0);
      } catch {
        return 'gone';
      }
      if (n <= 0) return 'gone';
      const b = this.bytes;
      let i = 0;
      run = 0;
      for (; i < n && b[i] !== 32; i++) run = run * 10 + (b[i] - 48);
      for (i++; i < n && b[i] !== 32; i++); // wait_ns: not used
      slices = 0;
      for (i++; i < n && b[i] >= 48 && b[i] <= 57; i++) slices = slices * 10 + (b[i] - 48);
    }
    // a thread that did not run since the last sweep has the same counts and (nearly always) state
    if (tr.last && run >= 0 && run === tr.lastRun && slices === tr.lastSlices) return 'idle';
    const statText = this.read(tr.stat);
    if (statText === undefined) return 'gone';
    const st = parseStat(statText);
    if (!st) return 'ran';
    let sw = tr.last ? { voluntary: tr.last.voluntary, involuntary: tr.last.involuntary } : undefined;
    if (tr.status >= 0 && (this.final || !tr.last || ts - tr.statusTs >= STATUS_EVERY_NS || st.state === ThreadState.Dead)) {
      const statusText = this.read(tr.status);
      const fresh = statusText ? parseStatusSwitches(statusText) : undefined;
      if (fresh) {
        sw = fresh;
        tr.statusTs = ts;
      }
    }
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
    if (prev && prev.name === v.name && prev.state === v.state && prev.runNs === v.runNs && prev.utimeNs === v.utimeNs && prev.stimeNs === v.stimeNs && prev.voluntary === v.voluntary && prev.involuntary === v.involuntary) return 'ran';
    if (prev && tr.lastEmitTs < this.prevSweepTs && this.prevSweepTs < ts) this.emitSample(tr, this.prevSweepTs, prev);
    if (!prev || prev.name !== v.name) this.emit(EventKind.ThreadName, ts, { pid: tr.pid, tid: tr.tid, name: v.name, threadId: 0 });
    this.emitSample(tr, ts, v);
    tr.last = v;
    return 'ran';
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
    closeFd(p.task);
    p.statm = p.task = -1;
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
