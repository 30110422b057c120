// The timeline's render model, built from .ctrace bytes with the shared codec (src/protocol/wire.ts).
// Columnar: each stored event costs a timestamp, a kind and a track index in typed arrays; its fields
// stay in the trace bytes and are decoded again on demand (details pane, search) from the chunk that
// holds it. Scheduling and memory samples go straight into per-track cumulative series, which is what
// lets a frame compute CPU and switch counts per pixel by subtraction instead of visiting samples.
// In schedMode 'node' those series come from the agent's own ThreadUsage / ProcessUsage records
// (Node's figures from inside the program): per thread CPU where Node measured it, else event-loop
// busy time; per process CPU and switch counts. No thread states exist there, so none are drawn.
// Links (spawn -> child, send -> receipt, wake-ups) and spans (waits, holds) are resolved while
// decoding. Works for a whole file (load) and for a live file arriving in pieces (append).
import { CrashKind, EventKind, SCHEMA, ThreadState, isSampleKind } from '../src/protocol/events';
import { ChunkType, ChunkRef, checkFileHeader, scanChunks, TraceDecoder, eventsChunkHeader, FILE_HEADER_BYTES, FORMAT_VERSION } from '../src/protocol/wire';
import { Column, f64, u16, u32, u8, lowerBound } from './columns';
import { countOf } from '../src/protocol/figures';
import { UntracedNodeFinder } from '../src/protocol/untraced-node';

export const enum SpanType {
  AtomicsWait = 0,
  LockWait = 1,
  LockHold = 2,
}
export const SPAN_NAMES = ['atomics wait', 'lock wait', 'lock hold'];

export const enum FlowType {
  Spawn = 0,
  Worker = 1,
  Message = 2,
  Wake = 3,
  /** a worker's own crash → its parent's 'error' event for it */
  Report = 4,
}
export const FLOW_NAMES = ['spawn', 'worker start', 'message', 'wake-up', 'error report'];

/** Records that become series points, not stored events (isSampleKind), as a table: one test per record decoded. */
const SAMPLE_KIND = new Uint8Array(256);
for (let k = 0; k < 256; k++) SAMPLE_KIND[k] = isSampleKind(k) ? 1 : 0;
function isSample(kind: number): boolean {
  return SAMPLE_KIND[kind] === 1;
}

const fi = (kind: number, name: string): number => SCHEMA[kind].findIndex((f) => f[0] === name);

/** The records UntracedNodeFinder reads: rare ones, so each gets its fields as an object. */
const UNTRACED_KINDS = new Uint8Array(256);
for (const k of [EventKind.ProcessStart, EventKind.SpawnCall, EventKind.SpawnRunning, EventKind.SpawnExit, EventKind.SpawnError]) UNTRACED_KINDS[k] = 1;
function fieldsOf(kind: number, v: ArrayLike<number>, s: readonly (string | undefined)[]): Record<string, number | string | undefined> {
  const out: Record<string, number | string | undefined> = {};
  SCHEMA[kind].forEach(([name, type], k) => (out[name] = type === 's' ? s[v[k]] : v[k]));
  return out;
}
const F = {
  psPid: fi(EventKind.ProcessStart, 'pid'),
  psPpid: fi(EventKind.ProcessStart, 'ppid'),
  psArgv: fi(EventKind.ProcessStart, 'argv'),
  psTitle: fi(EventKind.ProcessStart, 'title'),
  peCode: fi(EventKind.ProcessExit, 'code'),
  peSignal: fi(EventKind.ProcessExit, 'signal'),
  peCause: fi(EventKind.ProcessExit, 'cause'),
  tsName: fi(EventKind.ThreadStart, 'name'),
  tsKind: fi(EventKind.ThreadStart, 'kind'),
  scId: fi(EventKind.SpawnCall, 'spawnId'),
  srId: fi(EventKind.SpawnRunning, 'spawnId'),
  srChild: fi(EventKind.SpawnRunning, 'childPid'),
  wcTid: fi(EventKind.WorkerCreate, 'workerThreadId'),
  msCk: fi(EventKind.MessageSend, 'channelKind'),
  msCh: fi(EventKind.MessageSend, 'channel'),
  msSeq: fi(EventKind.MessageSend, 'seq'),
  mrCk: fi(EventKind.MessageReceive, 'channelKind'),
  mrCh: fi(EventKind.MessageReceive, 'channel'),
  mrSeq: fi(EventKind.MessageReceive, 'seq'),
  awLock: fi(EventKind.AtomicsWaitBegin, 'lock'),
  awIndex: fi(EventKind.AtomicsWaitBegin, 'index'),
  awId: fi(EventKind.AtomicsWaitBegin, 'waitId'),
  aeId: fi(EventKind.AtomicsWaitEnd, 'waitId'),
  aeResult: fi(EventKind.AtomicsWaitEnd, 'result'),
  anLock: fi(EventKind.AtomicsNotify, 'lock'),
  anIndex: fi(EventKind.AtomicsNotify, 'index'),
  anWoken: fi(EventKind.AtomicsNotify, 'woken'),
  laKind: fi(EventKind.LockAcquired, 'lockKind'),
  laLock: fi(EventKind.LockAcquired, 'lock'),
  laId: fi(EventKind.LockAcquired, 'lockId'),
  laWaited: fi(EventKind.LockAcquired, 'waited'),
  lrKind: fi(EventKind.LockReleased, 'lockKind'),
  lrLock: fi(EventKind.LockReleased, 'lock'),
  lrId: fi(EventKind.LockReleased, 'lockId'),
  lqKind: fi(EventKind.LockRequest, 'lockKind'),
  lqLock: fi(EventKind.LockRequest, 'lock'),
  lqId: fi(EventKind.LockRequest, 'lockId'),
  crKind: fi(EventKind.Crash, 'crashKind'),
  crPid: fi(EventKind.Crash, 'targetPid'),
  crThread: fi(EventKind.Crash, 'targetThreadId'),
  ssPid: fi(EventKind.SchedSample, 'pid'),
  ssTid: fi(EventKind.SchedSample, 'tid'),
  ssState: fi(EventKind.SchedSample, 'state'),
  ssUtime: fi(EventKind.SchedSample, 'utimeNs'),
  ssStime: fi(EventKind.SchedSample, 'stimeNs'),
  ssRun: fi(EventKind.SchedSample, 'runNs'),
  ssVol: fi(EventKind.SchedSample, 'voluntary'),
  ssInv: fi(EventKind.SchedSample, 'involuntary'),
  ssName: fi(EventKind.SchedSample, 'name'),
  swTid: fi(EventKind.SchedSwitch, 'tid'),
  swPid: fi(EventKind.SchedSwitch, 'pid'),
  swDir: fi(EventKind.SchedSwitch, 'direction'),
  swPre: fi(EventKind.SchedSwitch, 'preempt'),
  mmPid: fi(EventKind.MemorySample, 'pid'),
  mmTid: fi(EventKind.MemorySample, 'threadId'),
  mmRss: fi(EventKind.MemorySample, 'rssBytes'),
  mmHeap: fi(EventKind.MemorySample, 'heapUsedBytes'),
  pzPid: fi(EventKind.ProcessSeen, 'pid'),
  pzPpid: fi(EventKind.ProcessSeen, 'ppid'),
  tnPid: fi(EventKind.ThreadName, 'pid'),
  tnTid: fi(EventKind.ThreadName, 'tid'),
  tnName: fi(EventKind.ThreadName, 'name'),
  tnThreadId: fi(EventKind.ThreadName, 'threadId'),
  tuActive: fi(EventKind.ThreadUsage, 'eluActiveNs'),
  tuCpu: fi(EventKind.ThreadUsage, 'cpu'),
  tuUser: fi(EventKind.ThreadUsage, 'userNs'),
  tuSystem: fi(EventKind.ThreadUsage, 'systemNs'),
  puPid: fi(EventKind.ProcessUsage, 'pid'),
  puUser: fi(EventKind.ProcessUsage, 'userNs'),
  puSystem: fi(EventKind.ProcessUsage, 'systemNs'),
  puVol: fi(EventKind.ProcessUsage, 'voluntary'),
  puInv: fi(EventKind.ProcessUsage, 'involuntary'),
};

/**
 * Adds a node-mode point to a cumulative series. Node's figures count from the thread's (process's)
 * start, and a busy thread writes its first record only at exit (its timer cannot fire while it
 * computes), so a zero is put at the first event seen from it: without it the busy part would have
 * no interval to be drawn over.
 */
function pushUsage(s: Series, start: number, t: number, run: number, vol: number, inv: number): void {
  if (s.n === 0 && start < t) s.push(start, ThreadState.Unknown, 0, 0, 0);
  s.push(t, ThreadState.Unknown, run, vol, inv);
}

/** A thread's scheduling over time as cumulative counters: any interval's CPU or switch count is a subtraction. */
export class Series {
  ts = f64(16);
  state = u8(16);
  run = f64(16); // cumulative CPU ns
  vol = u32(16); // cumulative voluntary switches
  inv = u32(16); // cumulative involuntary switches
  get n(): number {
    return this.ts.n;
  }
  push(t: number, state: number, run: number, vol: number, inv: number): void {
    this.ts.push(t);
    this.state.push(state);
    this.run.push(run);
    this.vol.push(vol);
    this.inv.push(inv);
  }
  trim(): void {
    for (const c of [this.ts, this.state, this.run, this.vol, this.inv]) (c as Column<never>).trim();
  }
  /** Cumulative value of `col` at time t, interpolating CPU linearly between samples. */
  runAt(t: number, hint = 0): number {
    const ts = this.ts.a;
    const n = this.ts.n;
    let i = hint;
    if (i >= n || (i > 0 && ts[i - 1] > t)) i = 0;
    // gallop from the hint: consecutive calls walk forward a little at a time
    let step = 1;
    while (i + step < n && ts[i + step] < t) step *= 2;
    i = lowerBound(ts, t, i + (step >> 1), Math.min(n, i + step + 1));
    // i: first sample >= t
    this.hint = i;
    // before the first sample nothing is known: no CPU is attributed there
    if (i === 0) return n ? this.run.a[0] : 0;
    if (i >= n) return this.run.a[n - 1];
    const t0 = ts[i - 1];
    const t1 = ts[i];
    const r0 = this.run.a[i - 1];
    const r1 = this.run.a[i];
    return t1 > t0 ? r0 + ((r1 - r0) * (t - t0)) / (t1 - t0) : r1;
  }
  hint = 0;
}

export class Track {
  name = '';
  kind: 'main' | 'worker' | 'os' | 'recorder' = 'os';
  threadId = -1;
  startTs = Infinity;
  endTs = -Infinity;
  /** global event indices, time-ordered (re-sorted lazily if a chunk arrives out of order) */
  ev = u32(16);
  evSorted = true;
  private lastTs = -Infinity;
  // a span's start is its first event's time (ts[spanEv[k]]): not stored twice
  spanEnd = f64(16);
  spanType = u8(16);
  spanEv = u32(16);
  spansSorted = true;
  maxSpan = 0;
  /** from SchedSample (/proc counts) */
  samples = new Series();
  /** from SchedSwitch (perf switch records): exact states */
  switches = new Series();
  /**
   * From ThreadUsage (schedMode 'node', the agent's own figures): this thread's CPU where Node
   * measured it (usageIsCpu), else its event loop's busy time. State Unknown, switch counts 0: Node
   * has neither per thread, so nothing reads them from here.
   */
  usage = new Series();
  usageIsCpu = false;
  private swRun = 0;
  private swVol = 0;
  private swInv = 0;
  private swLastIn = -1;
  crashed = false;
  exitCode: number | undefined;
  /** open waits and locks of this thread, by id (see the sink): begin event, time, lock string id */
  readonly pending = new Map<number, { ev: number; ts: number; key: number; gid: number }>();
  constructor(readonly index: number, readonly pid: number, readonly tid: number, readonly proc: Proc) {}

  addEvent(i: number, t: number): void {
    if (t < this.lastTs) this.evSorted = false;
    else this.lastTs = t;
    this.ev.push(i);
    if (t < this.startTs) this.startTs = t;
    if (t > this.endTs) this.endTs = t;
  }
  private lastSpanStart = -Infinity;
  get spanCount(): number {
    return this.spanEv.n;
  }
  addSpan(start: number, end: number, type: SpanType, ev: number): void {
    if (start < this.lastSpanStart) this.spansSorted = false;
    else this.lastSpanStart = start;
    this.spanEnd.push(end);
    this.spanType.push(type);
    this.spanEv.push(ev);
    if (end - start > this.maxSpan) this.maxSpan = end - start;
  }
  /** First span index k >= lo whose start (ts[spanEv[k]]) is >= t; gallops from lo. */
  spanLowerBound(ts: Float64Array, t: number, lo = 0): number {
    const ev = this.spanEv.a;
    const n = this.spanEv.n;
    let hi = n;
    if (lo > 0) {
      let step = 1;
      while (lo + step < n && ts[ev[lo + step]] < t) step *= 2;
      hi = Math.min(n, lo + step + 1);
      lo += step >> 1;
    }
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (ts[ev[m]] < t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
  addSwitch(t: number, dirIn: boolean, preempt: boolean): void {
    if (dirIn) this.swLastIn = t;
    else {
      if (this.swLastIn >= 0) this.swRun += t - this.swLastIn;
      this.swLastIn = -1;
      if (preempt) this.swInv++;
      else this.swVol++;
    }
    this.switches.push(t, dirIn ? ThreadState.Running : preempt ? ThreadState.Runnable : ThreadState.Sleeping, this.swRun, this.swVol, this.swInv);
  }
  /** The series to draw state and switch counts from: exact switches when recorded, else samples. */
  get stateSeries(): Series {
    return this.switches.n ? this.switches : this.samples;
  }
  get cpuSeries(): Series {
    return this.samples.n ? this.samples : this.switches.n ? this.switches : this.usage;
  }
  /** Any CPU-like series to draw (in node mode possibly event-loop time, see cpuWhat). */
  get hasSched(): boolean {
    return this.samples.n > 0 || this.switches.n > 0 || this.usage.n > 0;
  }
  /** States and switch counts were recorded from outside the program (/proc or perf), not node mode. */
  get hasOsSched(): boolean {
    return this.samples.n > 0 || this.switches.n > 0;
  }
  /** The CPU row's figures come from Node inside the program (schedMode 'node'). */
  get fromNode(): boolean {
    return !this.hasOsSched && this.usage.n > 0;
  }
  /** Whether cpuSeries is CPU time: false when Node could only say how busy the event loop was. */
  get cpuIsCpu(): boolean {
    return this.hasOsSched || this.usageIsCpu;
  }
  /** What cpuSeries measures, for labels: 'CPU' or 'event loop busy'. */
  get cpuWhat(): string {
    return this.cpuIsCpu ? 'CPU' : 'event loop busy';
  }
  label(): string {
    const who = this.kind === 'worker' ? `threadId ${this.threadId}, tid ${this.tid}` : this.kind === 'recorder' ? 'collector' : `tid ${this.tid}`;
    return `${this.name || (this.kind === 'os' ? 'thread' : this.kind)} (${who})`;
  }
}

export class Proc {
  ppid = -1;
  command = '';
  argv: string[] = [];
  startTs = Infinity;
  endTs = -Infinity;
  exitCode: number | undefined;
  signal: string | undefined;
  cause: string | undefined;
  tracks: Track[] = [];
  memTs = f64(16);
  memRss = f64(16);
  memHeap = f64(16);
  peakRss = 0;
  /** From ProcessUsage (schedMode 'node'): the whole process's CPU (user + system) and switch counts. */
  usage = new Series();
  constructor(readonly pid: number, readonly index: number) {}
  /** Its agent wrote events: a Node process that was traced, not one only the scheduler capture saw. */
  traced = false;
  label(): string {
    if (this.pid === 0) return 'recorder';
    const cmd = this.command || this.osName() || 'process';
    return `${cmd} (pid ${this.pid}${this.ppid >= 0 ? `, ppid ${this.ppid}` : ''})`;
  }
  /** The label with paths cut to file names, for the narrow track list (the full one is its tooltip). */
  shortLabel(): string {
    if (this.pid === 0) return 'recorder';
    const cmd = this.command ? this.command.split(' ').map((a) => (/^(\/|[A-Za-z]:\\)/.test(a) ? a.split(/[\\/]/).pop() : a)).join(' ') : this.osName() || 'process';
    return `${cmd} (pid ${this.pid}${this.ppid >= 0 ? `, ppid ${this.ppid}` : ''})`;
  }
  /** A process only the scheduler capture saw (sh, bash, python3) is named by its main thread's name (the OS's comm). */
  private osName(): string {
    for (const t of this.tracks) if (t.tid === this.pid && t.name) return t.name;
    return '';
  }
}

/** Versions are unique across models, so caches keyed by version never mix two traces. */
let versions = 0;

interface WakeSources {
  ts: number[];
  ev: number[];
}

export class TraceModel {
  name = '';
  meta: Record<string, unknown> = {};
  /** stored events, columnar */
  ts = f64(1024);
  kind = u8(1024);
  track = u16(1024);
  /** Events chunks: which bytes hold them and the first stored event index of each */
  private segs: Uint8Array[] = [];
  private chunkSeg = u16(64);
  private chunkStart = u32(64);
  private chunkEnd = u32(64);
  private chunkFirst = u32(64);
  private tail: Uint8Array | null = null;
  private decoder = new TraceDecoder();
  tracks: Track[] = [];
  private trackByKey = new Map<string, Track>();
  procs = new Map<number, Proc>();
  flowFrom = u32(256);
  flowTo = u32(256);
  flowType = u8(256);
  kindCounts = new Float64Array(64);
  minTs = Infinity;
  maxTs = -Infinity;
  /** a clear message when the bytes cannot be read (or were partly unreadable) */
  error: string | undefined;
  warnings: string[] = [];
  /** Node children that left no records (told once the recording has ended) */
  readonly untracedNode = new UntracedNodeFinder();
  truncatedBytes = 0;
  live = false;
  /** bumps on every change, so views know to re-layout */
  version = 0;
  layoutVersion = 0;

  // link bookkeeping while decoding
  private pendSend = new Map<number, number>();
  private pendRecv = new Map<number, number>();
  // Strings are interned per stream; links need one id per distinct string across streams.
  private globalIds = new Map<string, number>();
  private gidCache = new Map<readonly string[], number[]>();
  private spawnCall = new Map<string, number>();
  private spawnFor = new Map<number, number>();
  private procFirst = new Map<number, number>();
  /** a worker's own crash, and a parent's 'error' event for one, by "<pid>:<threadId>", until the other comes */
  private ownCrash = new Map<string, number>();
  private crashReport = new Map<string, number>();
  /** parents the scheduler capture found for processes (ProcessSeen), by pid */
  private seenParent = new Map<number, number>();
  /** Crash records that report another thread's crash (a worker's 'error' in its parent): drawn as a ring */
  readonly reports = new Set<number>();
  private workerCreate = new Map<string, number>();
  private workerFirst = new Map<string, number>();
  private wakeSrc = new Map<number, WakeSources>();
  private wakeKey: number[] = [];
  private wakeEv: number[] = [];
  private wakeMin: number[] = [];

  /** Time zero of the axis and of every "start" shown: when recording began (meta t0), else the first record. */
  get origin(): number {
    const t0 = this.meta.t0;
    return typeof t0 === 'number' && t0 <= this.minTs && this.minTs - t0 < 3600e9 ? t0 : this.minTs;
  }

  get eventCount(): number {
    return this.ts.n;
  }
  get flowCount(): number {
    return this.flowFrom.n;
  }

  /** A whole file (or the first part of a live one). */
  load(bytes: Uint8Array, live = false): void {
    this.live = live;
    const h = checkFileHeader(bytes);
    if (!h.ok) {
      this.error =
        h.reason === 'short'
          ? `This file is too short to be a trace (${countOf(bytes.length, 'byte')}).`
          : h.reason === 'magic'
            ? 'This is not a .ctrace file (its first bytes are not "CTRACE"). Record one with `ctrace record -o out.ctrace -- node app.js`.'
            : `This trace uses format version ${h.version}, newer than this viewer understands (${FORMAT_VERSION}). Update the extension.`;
      if (!(live && h.reason === 'short')) return;
      this.tail = bytes;
      return;
    }
    this.error = undefined;
    if (h.version !== this.decoder.version) this.decoder = new TraceDecoder(h.version);
    this.ingest(bytes, FILE_HEADER_BYTES, true);
  }

  /** More bytes of a live trace, continuing where the last ended. */
  append(bytes: Uint8Array): void {
    let seg: Uint8Array;
    if (this.tail && this.tail.length) {
      seg = new Uint8Array(this.tail.length + bytes.length);
      seg.set(this.tail);
      seg.set(bytes, this.tail.length);
    } else seg = bytes;
    if (this.segs.length === 0) {
      // the header itself arrived in pieces
      this.tail = null;
      this.load(seg, true);
      return;
    }
    this.ingest(seg, 0, false);
  }

  private ingest(seg: Uint8Array, start: number, whole: boolean): void {
    const scan = scanChunks(seg, start);
    const segIndex = this.segs.length;
    this.segs.push(seg);
    if (scan.corruptAt !== undefined) {
      this.warnings.push(`The trace is damaged at byte ${scan.corruptAt} (${scan.corruptReason}); showing what comes before it.`);
    }
    const last = scan.chunks.length ? scan.chunks[scan.chunks.length - 1].payloadEnd : start;
    this.tail = scan.corruptAt === undefined ? seg.subarray(last) : null;
    this.truncatedBytes = scan.truncatedBytes;
    if (whole) {
      // Pre-size the columns from the chunk headers: no doubling, no spare capacity.
      let total = 0;
      const perTrack = new Map<Track, number>();
      for (const c of scan.chunks) {
        if (c.type !== ChunkType.Events) continue;
        const hd = eventsChunkHeader(seg, c);
        total += hd.count;
        if (hd.pid !== 0) {
          const t = this.trackFor(hd.pid, hd.tid, hd.threadId);
          perTrack.set(t, (perTrack.get(t) ?? 0) + hd.count);
        }
      }
      for (const [t, n] of perTrack) t.ev.reserve(t.ev.n + n);
      this.ts.reserve(this.ts.n + total);
      this.kind.reserve(this.kind.n + total);
      this.track.reserve(this.track.n + total);
    }
    for (const c of scan.chunks) {
      if (c.type === ChunkType.Events) {
        this.chunkSeg.push(segIndex);
        this.chunkStart.push(c.payloadStart);
        this.chunkEnd.push(c.payloadEnd);
        this.chunkFirst.push(this.ts.n);
      }
      try {
        this.decoder.chunk(seg, c, this.sink);
      } catch (e) {
        this.warnings.push(`A chunk at byte ${c.offset} could not be decoded (${(e as Error).message}).`);
      }
    }
    const unknown = this.decoder.unknownKinds;
    if (unknown) this.warnings.push(`${countOf(unknown, 'chunk')} ${unknown === 1 ? 'holds' : 'hold'} event kinds this viewer does not know; they were skipped.`);
    this.meta = this.decoder.meta;
    this.resolveWakes(!this.live);
    if (!this.live) {
      this.closeOpenSpans();
      this.ts.trim();
      this.kind.trim();
      this.track.trim();
      for (const t of this.tracks) {
        t.ev.trim();
        t.samples.trim();
        t.switches.trim();
        t.usage.trim();
        t.spanEnd.trim();
        t.spanType.trim();
        t.spanEv.trim();
      }
      for (const p of this.procs.values()) p.usage.trim();
      this.pendSend.clear();
      this.pendRecv.clear();
    }
    this.finish();
  }

  /** After a batch: sort what arrived out of order. */
  private finish(): void {
    const ts = this.ts.a;
    for (const t of this.tracks) {
      if (!t.evSorted) {
        t.ev.a.subarray(0, t.ev.n).sort((a, b) => ts[a] - ts[b]);
        t.evSorted = true;
      }
      if (!t.spansSorted) {
        const n = t.spanCount;
        const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[t.spanEv.a[a]] - ts[t.spanEv.a[b]]);
        const e = t.spanEnd.a.slice(0, n), ty = t.spanType.a.slice(0, n), ev = t.spanEv.a.slice(0, n);
        order.forEach((o, k) => {
          t.spanEnd.a[k] = e[o];
          t.spanType.a[k] = ty[o];
          t.spanEv.a[k] = ev[o];
        });
        t.spansSorted = true;
      }
    }
    this.version = ++versions;
  }

  markEnded(): void {
    this.live = false;
    this.resolveWakes(true);
    this.closeOpenSpans();
    this.finish();
  }

  /** Begin events of waits and holds that never ended (a deadlock, a thread killed while waiting). */
  readonly openSpans = new Set<number>();

  /**
   * A wait or hold still open when the trace ends is drawn to the end of its process (or of the
   * trace): a deadlocked thread shows as waiting, not as idle.
   */
  private closeOpenSpans(): void {
    for (const t of this.tracks) {
      if (!t.pending.size) continue;
      const end = Math.max(t.endTs, Number.isFinite(t.proc.endTs) && t.proc.exitCode !== undefined ? t.proc.endTs : this.maxTs);
      for (const [key, e] of t.pending) {
        const type = key % 4 === 0 ? SpanType.AtomicsWait : key % 4 === 1 ? SpanType.LockWait : SpanType.LockHold;
        if (end > e.ts) {
          t.addSpan(e.ts, end, type, e.ev);
          this.openSpans.add(e.ev);
        }
      }
      t.pending.clear();
    }
  }

  // ------------------------------------------------------------------ decoding
  private lastPid = -1;
  private lastTid = -1;
  private lastThreadId = -1;
  private lastTrack: Track | undefined;

  proc(pid: number): Proc {
    let p = this.procs.get(pid);
    if (!p) {
      p = new Proc(pid, this.procs.size);
      p.ppid = this.seenParent.get(pid) ?? -1;
      this.procs.set(pid, p);
      this.layoutVersion++;
    }
    return p;
  }

  /** The track of a thread, created on first sight. JS threads key by OS tid when the agent knew it. */
  trackFor(pid: number, tid: number, threadId: number): Track {
    const key = tid > 0 ? pid + ':' + tid : pid + ':j' + threadId;
    let t = this.trackByKey.get(key);
    if (!t) {
      const p = this.proc(pid);
      t = new Track(this.tracks.length, pid, tid, p);
      this.tracks.push(t);
      this.trackByKey.set(key, t);
      p.tracks.push(t);
      if (pid === 0) {
        t.kind = 'recorder';
        t.name = 'recorder';
      }
      this.layoutVersion++;
    }
    if (threadId >= 0 && pid !== 0 && t.threadId < 0) {
      t.threadId = threadId;
      t.kind = threadId === 0 ? 'main' : 'worker';
      if (!t.name) t.name = threadId === 0 ? 'main' : `worker ${threadId}`;
      this.layoutVersion++;
    }
    return t;
  }

  /**
   * "1 process + 11 OS processes", "3 threads + 6 OS threads": the traced Node processes and their JS
   * threads, as the recorder and `ctrace summary` count them, with what only the scheduler saw apart.
   */
  entityCounts(): { processes: string; threads: string } {
    let js = 0;
    let osThreads = 0;
    for (const t of this.tracks) {
      if (t.kind === 'main' || t.kind === 'worker') js++;
      else if (t.kind === 'os') osThreads++;
    }
    let traced = 0;
    let osProcs = 0;
    for (const p of this.procs.values()) {
      if (p.traced) traced++;
      else if (p.pid !== 0 && p.tracks.length) osProcs++;
    }
    const and = (n: number, what: string, many?: string) => (n ? ` + ${countOf(n, what, many)}` : '');
    return {
      processes: countOf(traced, 'process', 'processes') + and(osProcs, 'OS process', 'OS processes'),
      threads: countOf(js, 'thread') + and(osThreads, 'OS thread'),
    };
  }

  /** Crashes, a worker's counted once (its parent's 'error' record reports it: `reports`). */
  get crashCount(): number {
    return this.kindCounts[EventKind.Crash] - this.reports.size;
  }

  private linkReport(crash: number, report: number): void {
    this.addFlow(crash, report, FlowType.Report);
    this.reports.add(report);
  }

  private addFlow(from: number, to: number, type: FlowType): void {
    this.flowFrom.push(from);
    this.flowTo.push(to);
    this.flowType.push(type);
  }

  /** The track of the stream that wrote a record (consecutive records mostly share one). */
  private streamTrack(pid: number, tid: number, threadId: number): Track {
    let tr = this.lastTrack;
    if (!tr || pid !== this.lastPid || tid !== this.lastTid || threadId !== this.lastThreadId) {
      tr = this.trackFor(pid, tid, threadId);
      this.lastTrack = tr;
      this.lastPid = pid;
      this.lastTid = tid;
      this.lastThreadId = threadId;
    }
    return tr;
  }

  private readonly sink = (kind: number, ts: number, pid: number, tid: number, threadId: number, v: number[], s: readonly string[]): void => {
    if (isSample(kind)) {
      this.sample(kind, ts, pid, tid, threadId, v, s);
      return;
    }
    const tr = this.streamTrack(pid, tid, threadId);
    const i = this.ts.n;
    this.ts.push(ts);
    this.kind.push(kind);
    this.track.push(tr.index);
    this.kindCounts[kind]++;
    tr.addEvent(i, ts);
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    const p = tr.proc;
    if (ts < p.startTs) p.startTs = ts;
    if (ts > p.endTs) p.endTs = ts;
    if (pid !== 0) p.traced = true;
    if (UNTRACED_KINDS[kind] === 1) this.untracedNode.add({ kind, ts, pid, tid, threadId, fields: fieldsOf(kind, v, s) });
    switch (kind) {
      case EventKind.ProcessStart: {
        p.ppid = v[F.psPpid];
        const argv = s[v[F.psArgv]];
        try {
          const a = JSON.parse(argv ?? '[]');
          if (Array.isArray(a)) p.argv = a.map(String);
        } catch {
          p.argv = argv ? [argv] : [];
        }
        const exe = p.argv[0] ? p.argv[0].split(/[\\/]/).pop() : s[v[F.psTitle]] || 'node';
        p.command = [exe, ...p.argv.slice(1)].join(' ');
        const call = this.spawnFor.get(pid);
        if (call !== undefined) this.addFlow(call, i, FlowType.Spawn);
        else this.procFirst.set(pid, i);
        this.layoutVersion++;
        break;
      }
      case EventKind.ProcessExit:
        p.exitCode = v[F.peCode];
        p.signal = s[v[F.peSignal]];
        p.cause = s[v[F.peCause]];
        break;
      case EventKind.ThreadStart: {
        const name = s[v[F.tsName]];
        if (name) tr.name = name;
        if (threadId > 0) {
          const key = pid + ':' + threadId;
          const c = this.workerCreate.get(key);
          if (c !== undefined) this.addFlow(c, i, FlowType.Worker);
          else this.workerFirst.set(key, i);
        }
        this.layoutVersion++;
        break;
      }
      case EventKind.ThreadExit:
        tr.exitCode = v[0];
        break;
      case EventKind.SpawnCall:
        this.spawnCall.set(pid + ':' + v[F.scId], i);
        break;
      case EventKind.SpawnRunning: {
        const call = this.spawnCall.get(pid + ':' + v[F.srId]);
        const child = v[F.srChild];
        if (call !== undefined) {
          const first = this.procFirst.get(child);
          if (first !== undefined) this.addFlow(call, first, FlowType.Spawn);
          else this.spawnFor.set(child, call);
        }
        break;
      }
      case EventKind.WorkerCreate: {
        const key = pid + ':' + v[F.wcTid];
        const first = this.workerFirst.get(key);
        if (first !== undefined) this.addFlow(i, first, FlowType.Worker);
        else this.workerCreate.set(key, i);
        break;
      }
      case EventKind.MessageSend: {
        const key = this.msgKey(v[F.msCk], this.gid(s, v[F.msCh]), v[F.msSeq]);
        const r = this.pendRecv.get(key);
        if (r !== undefined) {
          this.pendRecv.delete(key);
          this.addFlow(i, r, FlowType.Message);
        } else this.pendSend.set(key, i);
        break;
      }
      case EventKind.MessageReceive: {
        const key = this.msgKey(v[F.mrCk], this.gid(s, v[F.mrCh]), v[F.mrSeq]);
        const snd = this.pendSend.get(key);
        if (snd !== undefined) {
          this.pendSend.delete(key);
          this.addFlow(snd, i, FlowType.Message);
        } else this.pendRecv.set(key, i);
        break;
      }
      case EventKind.Crash: {
        // A worker that dies of an uncaught error is reported twice: by its own agent, where it threw,
        // and by its parent's 'error' event. One crash: the parent's record is drawn as its report,
        // linked from the crash, in whichever order the two streams arrive.
        const ck = v[F.crKind];
        if (ck === CrashKind.WorkerError) {
          const key = v[F.crPid] + ':' + v[F.crThread];
          const own = this.ownCrash.get(key);
          if (own !== undefined) {
            this.ownCrash.delete(key);
            this.linkReport(own, i);
          } else this.crashReport.set(key, i);
          break;
        }
        tr.crashed = true;
        if (ck === CrashKind.Uncaught || ck === CrashKind.Rejection) {
          const key = pid + ':' + threadId;
          const report = this.crashReport.get(key);
          if (report !== undefined) {
            this.crashReport.delete(key);
            this.linkReport(i, report);
          } else this.ownCrash.set(key, i);
        }
        break;
      }
      case EventKind.AtomicsWaitBegin:
        tr.pending.set(v[F.awId] * 4, { ev: i, ts, key: this.atomicsKey(p, s, v[F.awLock], v[F.awIndex]), gid: 0 });
        break;
      case EventKind.AtomicsWaitEnd: {
        const k = v[F.aeId] * 4;
        const b = tr.pending.get(k);
        if (b) {
          tr.pending.delete(k);
          tr.addSpan(b.ts, ts, SpanType.AtomicsWait, b.ev);
          if (v[F.aeResult] === 0) this.wakeTarget(b.key, i, b.ts);
        }
        break;
      }
      case EventKind.AtomicsNotify:
        if (v[F.anWoken] > 0) this.wakeSource(this.atomicsKey(p, s, v[F.anLock], v[F.anIndex]), ts, i);
        break;
      case EventKind.LockRequest:
        tr.pending.set((v[F.lqId] * 8 + v[F.lqKind]) * 4 + 1, { ev: i, ts, key: 0, gid: this.gid(s, v[F.lqLock]) });
        break;
      case EventKind.LockAcquired: {
        const id = (v[F.laId] * 8 + v[F.laKind]) * 4;
        const gid = this.gid(s, v[F.laLock]);
        let q = tr.pending.get(id + 1);
        if (q && q.gid === gid) {
          tr.pending.delete(id + 1);
          if (ts > q.ts) tr.addSpan(q.ts, ts, SpanType.LockWait, q.ev);
        } else q = undefined;
        tr.pending.set(id + 2, { ev: i, ts, key: 0, gid });
        if (v[F.laWaited]) this.wakeTarget(this.lockKey(p, v[F.laKind], gid), i, q ? q.ts : -Infinity);
        break;
      }
      case EventKind.LockReleased: {
        const k = (v[F.lrId] * 8 + v[F.lrKind]) * 4 + 2;
        const gid = this.gid(s, v[F.lrLock]);
        const h = tr.pending.get(k);
        if (h && h.gid === gid) {
          tr.pending.delete(k);
          tr.addSpan(h.ts, ts, SpanType.LockHold, h.ev);
        }
        this.wakeSource(this.lockKey(p, v[F.lrKind], gid), ts, i);
        break;
      }
    }
  };

  private sample(kind: number, ts: number, pid: number, tid: number, threadId: number, v: number[], s: readonly string[]): void {
    if (kind === EventKind.MemorySample) {
      const p = this.proc(v[F.mmPid]);
      if (v[F.mmTid] <= 0) {
        p.memTs.push(ts);
        p.memRss.push(v[F.mmRss]);
        p.memHeap.push(v[F.mmHeap]);
        if (v[F.mmRss] > p.peakRss) p.peakRss = v[F.mmRss];
      }
      return;
    }
    if (kind === EventKind.ProcessSeen) {
      // an untraced process's parent (a traced one's came in its ProcessStart, which wins); kept
      // apart until the process has a track (it may be gone before the sampler saw a thread)
      const pid = v[F.pzPid];
      this.seenParent.set(pid, v[F.pzPpid]);
      const p = this.procs.get(pid);
      if (p && !p.traced && p.ppid !== v[F.pzPpid]) {
        p.ppid = v[F.pzPpid];
        this.layoutVersion++;
      }
      return;
    }
    if (kind === EventKind.ThreadName) {
      const t = this.trackFor(v[F.tnPid], v[F.tnTid], -1);
      const name = s[v[F.tnName]];
      if (name && name !== t.name && (t.kind === 'os' || !t.name)) {
        t.name = name;
        this.layoutVersion++;
      }
      return;
    }
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    if (kind === EventKind.ThreadUsage) {
      // written in the thread's own stream: the stream's track is the thread's (its pid/threadId fields say the same)
      const t = this.streamTrack(pid, tid, threadId);
      const isCpu = v[F.tuCpu] === 1;
      if (!t.usage.n) {
        t.usageIsCpu = isCpu;
        this.layoutVersion++;
      } else if (isCpu !== t.usageIsCpu) return; // one measure per series (Node's cannot change within a thread)
      pushUsage(t.usage, t.startTs, ts, isCpu ? v[F.tuUser] + v[F.tuSystem] : v[F.tuActive], 0, 0);
      return;
    }
    if (kind === EventKind.ProcessUsage) {
      const p = this.proc(v[F.puPid]);
      if (!p.usage.n) this.layoutVersion++;
      pushUsage(p.usage, p.startTs, ts, v[F.puUser] + v[F.puSystem], v[F.puVol], v[F.puInv]);
      return;
    }
    if (kind === EventKind.SchedSample) {
      const t = this.trackFor(v[F.ssPid], v[F.ssTid], -1);
      if (!t.hasSched) this.layoutVersion++;
      const run = v[F.ssRun] || v[F.ssUtime] + v[F.ssStime];
      t.samples.push(ts, v[F.ssState], run, v[F.ssVol], v[F.ssInv]);
      if (!t.name && s[v[F.ssName]]) t.name = s[v[F.ssName]];
      return;
    }
    // SchedSwitch
    const t = this.trackFor(v[F.swPid], v[F.swTid], -1);
    if (!t.hasSched) this.layoutVersion++;
    t.addSwitch(ts, v[F.swDir] === 1, v[F.swPre] === 1);
  }

  /**
   * The cumulative CPU series whose sum is the busy cores: each thread's where the OS side recorded
   * threads (/proc, perf), else (schedMode 'node') each process's own CPU from Node. A thread's
   * node-mode figure never counts: event-loop time is not CPU, and thread CPU is in its process's.
   */
  coreSeries(): Series[] {
    const out: Series[] = [];
    for (const p of this.procs.values()) {
      let os = false;
      for (const t of p.tracks)
        if (t.hasOsSched) {
          out.push(t.cpuSeries);
          os = true;
        }
      if (!os && p.usage.n) out.push(p.usage);
    }
    return out;
  }
  /** True when busy cores come from Node's per-process figures (schedMode 'node') alone. */
  get coresFromNode(): boolean {
    return !this.tracks.some((t) => t.hasOsSched) && [...this.procs.values()].some((p) => p.usage.n > 0);
  }
  /** Busy cores averaged over [a, b]. */
  busyCoresIn(a: number, b: number): number {
    if (b <= a) return 0;
    let sum = 0;
    for (const s of this.coreSeries()) sum += Math.max(0, s.runAt(b) - s.runAt(a));
    return sum / (b - a);
  }

  /** The trace-wide id of string `id` of a stream's table (cached per table). */
  private gid(table: readonly string[], id: number): number {
    let c = this.gidCache.get(table);
    if (!c) this.gidCache.set(table, (c = []));
    const known = c[id];
    if (known !== undefined) return known;
    const str = table[id] ?? '';
    let g = this.globalIds.get(str);
    if (g === undefined) this.globalIds.set(str, (g = this.globalIds.size + 1));
    c[id] = g;
    return g;
  }

  /** A number unique per (channel kind, channel, seq) while channels < 2^19 and seq < 2^31. */
  private msgKey(ck: number, channel: number, seq: number): number {
    return (channel * 4 + (ck & 3)) * 2147483648 + (seq % 2147483648);
  }

  /** One number per (process, Atomics location): lock string id, index (low 16 bits), process index. */
  private atomicsKey(p: Proc, s: readonly string[], lock: number, index: number): number {
    return ((this.gid(s, lock) * 65536 + (index & 0xffff)) * 1024 + (p.index & 1023)) * 2;
  }
  /** One number per (process, lock kind, lock). */
  private lockKey(p: Proc, kind: number, gid: number): number {
    return ((gid * 8 + (kind & 7)) * 1024 + (p.index & 1023)) * 2 + 1;
  }

  private wakeSource(key: number, ts: number, ev: number): void {
    let w = this.wakeSrc.get(key);
    if (!w) this.wakeSrc.set(key, (w = { ts: [], ev: [] }));
    w.ts.push(ts);
    w.ev.push(ev);
  }
  private wakeTarget(key: number, ev: number, min: number): void {
    this.wakeKey.push(key);
    this.wakeEv.push(ev);
    this.wakeMin.push(min);
  }

  /** Links every woken wait / contended acquire to the latest notify / release before it on the same lock. */
  private resolveWakes(final: boolean): void {
    const ts = this.ts.a;
    for (const w of this.wakeSrc.values()) {
      let sorted = true;
      for (let k = 1; k < w.ts.length; k++) if (w.ts[k] < w.ts[k - 1]) sorted = false;
      if (!sorted) {
        const order = w.ts.map((_, k) => k).sort((a, b) => w.ts[a] - w.ts[b]);
        w.ts = order.map((k) => w.ts[k]);
        w.ev = order.map((k) => w.ev[k]);
      }
    }
    const keepKey: number[] = [];
    const keepEv: number[] = [];
    const keepMin: number[] = [];
    for (let k = 0; k < this.wakeKey.length; k++) {
      const w = this.wakeSrc.get(this.wakeKey[k]);
      const t = ts[this.wakeEv[k]];
      let linked = false;
      if (w) {
        const j = lowerBound(w.ts, t + 1) - 1;
        if (j >= 0 && w.ts[j] >= this.wakeMin[k]) {
          this.addFlow(w.ev[j], this.wakeEv[k], FlowType.Wake);
          linked = true;
        }
      }
      if (!linked && !final) {
        keepKey.push(this.wakeKey[k]);
        keepEv.push(this.wakeEv[k]);
        keepMin.push(this.wakeMin[k]);
      }
    }
    this.wakeKey = keepKey;
    this.wakeEv = keepEv;
    this.wakeMin = keepMin;
    // Only the most recent sources can still wake something that arrives later.
    for (const [key, w] of this.wakeSrc) {
      if (final) this.wakeSrc.delete(key);
      else if (w.ts.length > 64) {
        w.ts = w.ts.slice(-16);
        w.ev = w.ev.slice(-16);
      }
    }
  }

  // ------------------------------------------------------------------ fields on demand
  private chunkOf(i: number): number {
    return lowerBound(this.chunkFirst.a, i + 1, 0, this.chunkFirst.n) - 1;
  }

  private decodeChunk(c: number, each: (i: number, kind: number, v: number[], s: readonly string[]) => boolean | void): void {
    const seg = this.segs[this.chunkSeg.a[c]];
    const ref: ChunkRef = { offset: this.chunkStart.a[c] - 12, type: ChunkType.Events, payloadStart: this.chunkStart.a[c], payloadEnd: this.chunkEnd.a[c] };
    let i = this.chunkFirst.a[c];
    let stop = false;
    try {
      this.decoder.chunk(seg, ref, (kind, _ts, _pid, _tid, _threadId, v, s) => {
        if (stop || isSample(kind)) return;
        if (each(i, kind, v, s) === true) stop = true;
        i++;
      });
    } catch {
      /* reported when first decoded */
    }
  }

  /** The named fields of stored event i (strings resolved). */
  fields(i: number): Record<string, number | string | undefined> {
    const out: Record<string, number | string | undefined> = {};
    const c = this.chunkOf(i);
    if (c < 0) return out;
    this.decodeChunk(c, (j, kind, v, s) => {
      if (j !== i) return false;
      const schema = SCHEMA[kind];
      for (let f = 0; f < schema.length; f++) out[schema[f][0]] = schema[f][1] === 's' ? (v[f] ? s[v[f]] : undefined) : v[f];
      return true;
    });
    return out;
  }

  /** Calls `test` for every stored event with its named-field reader; collects matches (up to `limit`). */
  scan(test: (i: number, kind: number, str: (name: string) => string | number | undefined, strings: () => string[]) => boolean, limit = 100000): number[] {
    const hits: number[] = [];
    for (let c = 0; c < this.chunkFirst.n && hits.length < limit; c++) {
      this.decodeChunk(c, (i, kind, v, s) => {
        const schema = SCHEMA[kind];
        const get = (name: string) => {
          const f = schema.findIndex((x) => x[0] === name);
          if (f < 0) return undefined;
          return schema[f][1] === 's' ? (v[f] ? s[v[f]] : undefined) : v[f];
        };
        const strs = () => schema.flatMap((x, f) => (x[1] === 's' && v[f] ? [s[v[f]]] : []));
        if (test(i, kind, get, strs)) hits.push(i);
        return hits.length >= limit;
      });
    }
    return hits;
  }

  /** The span that begins at event i, if any. */
  spanOf(i: number): { start: number; end: number; type: SpanType } | undefined {
    const t = this.tracks[this.track.a[i]];
    const n = t.spanCount;
    const ts = this.ts.a;
    for (let k = t.spanLowerBound(ts, ts[i]); k < n && ts[t.spanEv.a[k]] === ts[i]; k++) if (t.spanEv.a[k] === i) return { start: ts[i], end: t.spanEnd.a[k], type: t.spanType.a[k] };
    return undefined;
  }

  /** Flows touching event i: outgoing and incoming. */
  linksOf(i: number): { other: number; type: FlowType; outgoing: boolean }[] {
    const out: { other: number; type: FlowType; outgoing: boolean }[] = [];
    const from = this.flowFrom.a, to = this.flowTo.a, ty = this.flowType.a;
    for (let k = 0; k < this.flowFrom.n; k++) {
      if (from[k] === i) out.push({ other: to[k], type: ty[k], outgoing: true });
      else if (to[k] === i) out.push({ other: from[k], type: ty[k], outgoing: false });
    }
    return out;
  }

  /** Approximate bytes the model holds (typed arrays plus the trace bytes it keeps for on-demand fields). */
  memoryBytes(): number {
    let n = this.ts.bytes + this.kind.bytes + this.track.bytes + this.flowFrom.bytes + this.flowTo.bytes + this.flowType.bytes;
    for (const s of this.segs) n += s.byteLength;
    for (const t of this.tracks) n += t.ev.bytes + t.spanEnd.bytes + t.spanType.bytes + t.spanEv.bytes + (t.samples.ts.bytes + t.switches.ts.bytes + t.usage.ts.bytes) * 3.5;
    for (const p of this.procs.values()) n += p.usage.ts.bytes * 3.5;
    return n;
  }
}
