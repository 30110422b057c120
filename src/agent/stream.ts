// One thread's event stream: the AgentContext every hook records through. Records are encoded into
// a StreamEncoder (message records are staged first and encoded in batches: stage.ts) and written
// to `${CTRACE_DIR}/<pid>-<threadId>.ctc` as whole framed chunks, one fs.writeSync per flush, so
// the recorder tailing the file never sees half a chunk. Flushes happen when the buffer passes
// FLUSH_BYTES, when a record comes FLUSH_NS after the last flush, on each tick of the thread's
// unref'd FLUSH_MS interval, before blocking calls (ctx.flush) and at exit.

import { StreamEncoder, useCrc32 } from '../protocol/wire';
import type { AgentContext, CallSite } from './context';
import { callSite } from './callsite';
import { GAVE_UP, WorkerTail } from './tail';
import { nowNs } from './clock';
import { builtin, openSync, closeSync, fstatSync, inDir, ownData, writeFully, startInterval, stopInterval } from './pristine';
import { CAPACITY, Stage, STRIDE, encodeOne, encodeStaged } from './stage';
import { streamFileName } from '../protocol/session';
import { markLost } from './lost';
import { HeldChunks } from './held';

const FLUSH_BYTES = 32 * 1024;
const FLUSH_NS = 50e6;
// an unusual duration: Node keeps one list of timers per whole-millisecond duration and, each time
// a list fires, queues it behind other lists due at the same moment; an interval sharing the
// program's list (50 ms, 100 ms) kept it alive and moved it back, so the program's own timers due
// together fired in another order than untraced (found by QA: A-B became B-A)
const FLUSH_MS = 47;

/** 1 for EMFILE, 2 for ENFILE (as a worker's tail keeps it: UNWRITTEN_CODES in tail.ts), else 0. */
function transientCode(e: unknown): number {
  const code = e !== null && typeof e === 'object' ? ownData(e, 'code') : undefined;
  return code === 'EMFILE' ? 1 : code === 'ENFILE' ? 2 : 0;
}

const NATIVE_CRC_BYTES = 8 * 1024;
let nativeCrc = false;
/**
 * zlib.crc32 (Node >= 20.15) for the chunks, once a thread has written 8 KB: loading zlib costs
 * ~0.3 ms, the encoder's own CRC-32 costs a busy thread a TurboFan compilation (~3 ms), and a thread
 * that writes little pays neither. Counted over the thread's life, not per chunk: a busy thread's
 * timer flushes write chunks of a few KB, and it paid the compilation before (4 of 5 threads in the
 * message benchmark).
 */
function useNativeCrc(): boolean {
  try {
    const crc32 = builtin<{ crc32?: (data: Uint8Array) => number }>('node:zlib').crc32;
    if (typeof crc32 === 'function') useCrc32((bytes, start, end) => crc32(bytes.subarray(start, end)) >>> 0);
  } catch {
    // the encoder's own
  }
  return true;
}

export class ThreadStream implements AgentContext {
  /** the encoder itself; hooks use `enc`, which first encodes the staged message records */
  readonly encoder: StreamEncoder;
  /** message records not encoded yet (the message hooks write them; a WorkerTail may replace it) */
  stage = new Stage();
  readonly file: string;
  busy = false;
  private isEnded = false;
  private fd = -1;
  /** dev:ino of the file the kept descriptor was opened on */
  private fileId = '';
  private written = 0;
  private lastFlush: number;
  /**
   * lastFlush + FLUSH_NS: a staged record from this time on is written at once, so a thread busy in
   * synchronous code (no tick runs) still has its records more than 50 ms old on disk, as a
   * SIGKILL would need
   */
  private flushBy: number;
  /**
   * sends of this thread inside Node's send (their records are open in the stage: adopt() and
   * takeBack() may still change them), during which the stage is not written out on time alone
   */
  sending = 0;
  /** the last now() (hot hooks read the clock themselves and store it here too) */
  lastNow = 0;
  /**
   * One unref'd interval for the thread's life (it never keeps a thread alive): each tick flushes
   * what is pending and runs what hooks asked for (tickEvery(): the heap sampler). It replaced a
   * timer armed whenever records were pending: arming was a call on the message hot paths that ran
   * first before V8 collected type feedback and then only every 50 ms, so V8 often optimised the
   * wrappers without it and deoptimised them when it came (docs/capture.md); it also allocated a
   * timer 20 times a second in every busy thread.
   */
  private ticker: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private readonly onTicks: { every: number; run: () => void }[] = [];
  private ids = 0;
  private broken = false;
  /** chunks a flush could not write for want of a descriptor (write()), written first by the next */
  private readonly held: HeldChunks;
  /** a flush is writing the encoder's reused buffer (flushView()): a flush inside it takes a copy */
  private flushing = false;
  tail: WorkerTail | undefined;

  constructor(
    private readonly dir: string,
    readonly pid: number,
    readonly tid: number,
    readonly threadId: number,
    readonly isMainThread: boolean,
  ) {
    this.encoder = new StreamEncoder(pid, tid, threadId);
    this.file = inDir(dir, streamFileName(pid, threadId));
    this.held = new HeldChunks(dir, pid, threadId);
    // A worker opens its file for each flush: a terminated worker runs no code that could close it,
    // and a program that starts thousands of workers must not run out of descriptors because of us.
    try {
      if (isMainThread) this.keep(openSync(this.file, 'a'));
      else closeSync(openSync(this.file, 'a'));
    } catch (e) {
      // no descriptor free this moment: the first flush that gets one creates the file
      if (transientCode(e) === 0) {
        this.broken = true;
        markLost(dir, pid, threadId, e);
      }
    }
    this.lastFlush = this.now();
    this.flushBy = this.lastFlush + FLUSH_NS;
    try {
      this.ticker = startInterval(() => this.tick(), FLUSH_MS);
      this.ticker.unref();
    } catch {
      this.ticker = undefined; // records then go out when FLUSH_BYTES or FLUSH_NS say, and at exit
    }
  }

  /** Runs `run` on every `every`-th tick (every × FLUSH_MS); `run` must not throw. */
  tickEvery(every: number, run: () => void): void {
    this.onTicks.push({ every, run });
  }

  private tick(): void {
    const n = ++this.ticks;
    const on = this.onTicks;
    // indexed: for-of would go through Array.prototype[Symbol.iterator], which a program may replace
    for (let k = 0; k < on.length; k++) if (n % on[k].every === 0) on[k].run();
    this.flush();
  }

  /** AgentContext's: records written through it come after every staged message record */
  get enc(): StreamEncoder {
    if (this.stage.n !== 0) this.encodeStaged();
    return this.encoder;
  }

  /** set once the thread's final records are written: later records flush at once */
  get ended(): boolean {
    return this.isEnded;
  }
  set ended(v: boolean) {
    this.isEnded = v;
    this.stage.cap = v ? 1 : CAPACITY;
    if (v && this.ticker !== undefined) {
      stopInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** A string id for a staged record; published at once so a terminated worker's tail has it. */
  intern(s: string): number {
    const id = this.encoder.intern(s);
    const tail = this.tail;
    if (tail !== undefined) {
      if (tail.attached) tail.publish();
      else this.flush();
    }
    return id;
  }

  /** Begins a staged message record (its kind and time); the caller writes its fields from the slot returned. */
  stageRecord(kind: number, ts: number): number {
    const st = this.stage;
    // a full stage is encoded before the next record: only when a record was left open (staged(true))
    // and another came before it was closed, from user code that Node ran inside the send (a getter)
    if (st.n >= st.cap) this.closeStaged();
    const p = st.n * STRIDE;
    st.slots[p] = kind;
    st.slots[p + 1] = ts;
    return p + 2;
  }

  /**
   * After the fields of the record stageRecord() began: counts it, then afterStaged(). `open`: the
   * caller still writes into the record (a send sized once Node has accepted it) and calls
   * afterStaged() itself after, so the batch is not encoded under it.
   */
  staged(open = false): void {
    const st = this.stage;
    st.published[0] = ++st.n;
    if (!open) this.afterStaged();
  }

  /**
   * After a record is complete in the stage: encodes a full stage, or writes what is pending when
   * the record is FLUSH_NS after the last flush. The message hooks' inline paths call it after every
   * record (V8 inlines it), so its one call has type feedback whichever of them fills the stage.
   */
  afterStaged(): void {
    if (this.stage.n >= this.stage.cap || this.due()) this.closeStaged();
  }

  /** The last staged record is FLUSH_NS after the last flush (flushBy). */
  private due(): boolean {
    const st = this.stage;
    return st.n !== 0 && st.slots[(st.n - 1) * STRIDE + 1] >= this.flushBy;
  }

  /**
   * Encodes the stage once it is full (at once after the thread's end: cap 1) and lets it flush; a
   * stage that is not full is written out when its last record is due (flushBy).
   */
  closeStaged(): void {
    const st = this.stage;
    if (st.n >= st.cap) {
      this.encodeStaged();
      this.recorded();
    } else if (this.sending === 0 && this.due()) this.flush();
  }

  private encodeStaged(): void {
    const st = this.stage;
    const n = st.n;
    st.n = 0;
    // a chunk's first record (after each flush) goes through the encoder here rather than in the batch
    // loop: V8 sees this branch before it optimises this small method, whereas in most threads it
    // optimised the loop before its copy of the branch had been seen (the loop's feedback is
    // allocated only after a few batches, and the first one follows a flush), and deoptimised it
    if (this.encoder.pendingRecords === 0) {
      encodeOne(this.encoder, st.slots, 0);
      encodeStaged(this.encoder, st.slots, n, 1);
    } else encodeStaged(this.encoder, st.slots, n);
    this.lastNow = st.slots[(n - 1) * STRIDE + 1];
    // the tail's header must say at once that these are encoded, not staged
    const tail = this.tail;
    if (tail !== undefined && tail.attached) tail.publish();
  }

  /** The main thread keeps its file open; which file that descriptor is, to notice if it changes. */
  private keep(fd: number): void {
    this.fd = fd;
    const st = fstatSync(fd);
    this.fileId = `${st.dev}:${st.ino}`;
  }

  /**
   * Whether the kept descriptor is still our file. A program may close descriptors it did not open
   * (a daemon closing 3..n) and get the same number for a file of its own: writing there would put
   * our records into its file. If so, the number is the program's now: let go of it (never close
   * it) and keep a new one. One fstat per flush (~2 µs, at most every 50 ms or 32 KB).
   */
  private stillOurs(): boolean {
    try {
      const st = fstatSync(this.fd);
      if (`${st.dev}:${st.ino}` === this.fileId) {
        if (st.nlink > 0) return true;
        // removed with the session folder: the recording is over, and a process that outlives it
        // (a detached child) must not keep filling TMPDIR with a file no one can see or remove
        closeSync(this.fd);
        this.fd = -1;
        return false;
      }
    } catch {
      // closed
    }
    this.fd = -1;
    try {
      this.keep(openSync(this.file, 'a'));
      return true;
    } catch {
      return false;
    }
  }

  now(): number {
    const t = nowNs();
    this.lastNow = t;
    return t;
  }

  recorded(): void {
    const tail = this.tail;
    if (tail !== undefined) {
      if (!tail.attached) {
        this.flush();
        return;
      }
      tail.publish();
    }
    if (this.isEnded || this.encoder.pendingBytes >= FLUSH_BYTES || this.lastNow - this.lastFlush >= FLUSH_NS) this.flush();
  }

  /**
   * Writes what is pending, at most `early` times in a row less than `ns` after the last write: a
   * child that sends 'hello' and 'ready' just after its start-up flush is killed by its parent's
   * answer before the 50 ms flush, while a loop of sends writes at most early + 1 times per `ns`.
   * `whileSending`: called from inside a send (just before Node writes the message out).
   * (Deferring the write instead, to a microtask, cost one write per send in a loop that awaits
   * between sends, and showed the program's async_hooks a resource of ours.) Never throws.
   */
  flushIfOlder(ns: number, early: number, whileSending = false): void {
    if (this.busy || (this.sending !== 0 && !whileSending)) return;
    if (this.stage.n === 0 && this.encoder.pendingRecords === 0 && this.encoder.pendingBytes === 0) return;
    if (this.now() - this.lastFlush >= ns) this.earlyFlushes = 0;
    else if (this.earlyFlushes < early) this.earlyFlushes++;
    else return;
    this.flush();
  }
  private earlyFlushes = 0;

  flush(): void {
    if (this.stage.n !== 0) this.encodeStaged();
    if (this.encoder.pendingRecords === 0 && this.encoder.pendingBytes === 0) return;
    const wasBusy = this.busy;
    const nested = this.flushing;
    this.busy = true;
    this.flushing = true;
    try {
      if (!nativeCrc && this.written + this.encoder.pendingBytes >= NATIVE_CRC_BYTES) nativeCrc = useNativeCrc();
      // the reused buffer is written below, before this thread flushes again, unless a flush starts
      // inside this one (a hook that records while we write), which then takes its own copy
      const bytes = nested ? this.encoder.flush() : this.encoder.flushView();
      this.lastFlush = this.lastNow || this.now();
      this.flushBy = this.lastFlush + FLUSH_NS;
      const tail = this.tail;
      if (tail !== undefined) {
        tail.attach();
        const end = this.written + this.held.bytes + bytes.length;
        if (!tail.beginFlush(end)) return; // the creator claimed our buffer
      }
      try {
        if (!this.broken && bytes.length > 0) this.write(bytes);
      } catch (e) {
        // a full disk, a file size limit, or held chunks that can no longer wait (write()): what is
        // written stays (whole chunks, or a cut one the collector stops at), nothing more is, and
        // the recorder is told
        this.broken = true;
        markLost(this.dir, this.pid, this.threadId, e);
        this.held.release();
        if (tail !== undefined) tail.holdsUnwritten(GAVE_UP);
      } finally {
        if (tail !== undefined) tail.endFlush();
      }
    } catch {
      // never throw into the program
    } finally {
      this.busy = wasBusy;
      this.flushing = nested;
    }
  }

  /**
   * Appends `bytes` (whole chunks) to the thread's file, after the chunks earlier flushes could not
   * write. When no descriptor is free this moment (EMFILE, ENFILE: a program at its limit of open
   * files, mostly for a moment), the chunks are held (HeldChunks) for the next flush, unless this is
   * the thread's last flush or they would pass HELD_MAX: then the error is thrown, as is any other,
   * and the caller gives up on the file.
   */
  private write(bytes: Uint8Array): void {
    let fd: number;
    try {
      fd = this.fd >= 0 && this.stillOurs() ? this.fd : this.open();
    } catch (e) {
      const code = transientCode(e);
      if (code === 0 || this.isEnded || !this.held.hold(bytes, e)) throw e;
      this.tail?.holdsUnwritten(code);
      return;
    }
    try {
      if (!this.held.empty) {
        const n = this.held.bytes;
        this.held.writeTo(fd);
        this.written += n;
        this.tail?.holdsUnwritten(0);
      }
      writeFully(fd, bytes);
      this.written += bytes.length;
    } finally {
      if (fd !== this.fd) closeSync(fd);
    }
  }

  /** A descriptor on the thread's file: the main thread keeps it (if it has none: it could not open it at start). */
  private open(): number {
    const fd = openSync(this.file, 'a');
    if (this.isMainThread && this.fd < 0) {
      try {
        this.keep(fd);
      } catch {
        this.fd = -1;
      }
    }
    return fd;
  }

  /** AgentContext's: undefined site when the caller is Node itself */
  callSite(wrapper: Function): CallSite {
    return callSite(wrapper, 6, false);
  }

  /** unique within the process: threads count in disjoint ranges */
  nextId(): number {
    return this.threadId * 2 ** 32 + ++this.ids;
  }
}
