// Survival of a terminated worker's unflushed events. worker.terminate() runs none of the worker's
// exit handlers (notes/node-runtime.md §7), so a worker keeps its encoder's buffers and its stage of
// message records (stage.ts) in a SharedArrayBuffer and publishes how far they are filled. The thread
// that creates a worker allocates that buffer and hands it over as worker environment data
// (TAIL_KEY); a nested worker also posts it to the main thread on a private BroadcastChannel (not
// every worker: a BroadcastChannel delivers MessageEvents, and Node 22+ loads undici for the first
// one, ~50-70 ms of CPU). The thread that created the worker writes the tail (the encoded records,
// then those still staged) into the worker's file when it sees the worker's 'exit', and the main
// thread does so for every live worker when the process ends. A state word decides who writes: the
// worker while flushing (FLUSHING) or the creator once it has claimed the buffer (CLAIMED), never both.

import { ByteWriter, ChunkType, StreamEncoder, crc32 } from '../protocol/wire';
import { Stage, STAGE_BYTES, STRIDE, encodeStaged } from './stage';

export const TAIL_CHANNEL_PREFIX = 'ctrace:tail:';
/** the worker environment data key (worker_threads.setEnvironmentData) of a new worker's buffer */
export const TAIL_KEY = 'ctrace:tail';

const H = {
  state: 0, // 0 idle, 1 flushing (worker), 2 claimed (creator)
  seq: 1, // seqlock: odd while the worker publishes
  evPos: 2,
  count: 3,
  countAt: 4,
  strPos: 5,
  firstPendingId: 6,
  nextId: 7,
  tid: 8,
  exited: 9, // the worker wrote its own ThreadExit
  // file size the worker expects once its in-flight write lands (lo/hi words)
  endLo: 10,
  endHi: 11,
  staged: 12, // message records in the stage (written after each one, and by publish())
  // chunks of the worker's are not in its file: 0 none; UNWRITTEN_CODES' index of why, while it holds
  // chunks it could not write for want of a descriptor (ThreadStream.write()), which a creator that
  // claims the buffer reports lost; GAVE_UP once a write failed for good (the worker reported that
  // itself). Either way the buffered records are not appended: they may use strings defined there.
  unwritten: 13,
} as const;
const UNWRITTEN_CODES = ['', 'EMFILE', 'ENFILE'];
export const GAVE_UP = 3;
const HEADER_BYTES = 64;
// the stream flushes at 32 KB, so a record rarely passes 64 KB; if one does, the stream flushes at
// once and re-attaches (ThreadStream.recorded)
export const EVENTS_CAPACITY = 64 * 1024;
export const STRINGS_CAPACITY = 64 * 1024;
const STAGE_AT = HEADER_BYTES + EVENTS_CAPACITY + STRINGS_CAPACITY;
export const TAIL_BYTES = STAGE_AT + STAGE_BYTES;
// the lock hooks (issue 5) may wrap Atomics in this thread: the tail uses the originals
const cas = Atomics.compareExchange;
const atomicAdd = Atomics.add;
const atomicLoad = Atomics.load;
const atomicStore = Atomics.store;

const IDLE = 0;
const FLUSHING = 1;
const CLAIMED = 2;

/** The parts of StreamEncoder the tail mirrors (private there; read here only, and documented). */
interface EncoderInternals {
  events: ByteWriter;
  strings: ByteWriter;
  count: number;
  countAt: number;
  nextId: number;
  firstPendingId: number;
}

export interface TailRegistration {
  pid: number;
  threadId: number;
  sab: SharedArrayBuffer;
}

/** The worker's side: owns the shared buffers its encoder writes into. */
export class WorkerTail {
  readonly sab: SharedArrayBuffer;
  private readonly hdr: Int32Array;
  private readonly evView: Uint8Array;
  private readonly strView: Uint8Array;
  private readonly inner: EncoderInternals;
  /** the thread's message stage, in shared memory (the ThreadStream takes it) */
  readonly stage: Stage;

  /** `sab`: the buffer the creating thread allocated (a fresh one if it did not, or it does not fit) */
  constructor(enc: StreamEncoder, tid: number, sab?: SharedArrayBuffer) {
    this.sab = sab !== undefined && sab.byteLength === TAIL_BYTES ? sab : new SharedArrayBuffer(TAIL_BYTES);
    this.hdr = new Int32Array(this.sab, 0, HEADER_BYTES / 4);
    this.evView = new Uint8Array(this.sab, HEADER_BYTES, EVENTS_CAPACITY);
    this.strView = new Uint8Array(this.sab, HEADER_BYTES + EVENTS_CAPACITY, STRINGS_CAPACITY);
    this.stage = new Stage(new Float64Array(this.sab, STAGE_AT, STAGE_BYTES / 8), new Int32Array(this.sab, H.staged * 4, 1));
    this.inner = enc as unknown as EncoderInternals;
    this.hdr[H.tid] = tid;
    this.attach();
    this.publish();
  }

  /** Points the encoder's writers at the shared memory (after a flush, when they are empty). */
  attach(): void {
    const inner = this.inner;
    if (inner.events.pos === 0) inner.events.buf = this.evView;
    if (inner.strings.pos === 0) inner.strings.buf = this.strView;
  }

  /** false when a writer outgrew the shared buffer (the caller flushes, then attach()es again) */
  get attached(): boolean {
    return this.inner.events.buf === this.evView && this.inner.strings.buf === this.strView;
  }

  publish(): void {
    const h = this.hdr;
    const inner = this.inner;
    h[H.seq]++;
    h[H.evPos] = inner.events.pos;
    h[H.count] = inner.count;
    h[H.countAt] = inner.countAt;
    h[H.strPos] = inner.strings.pos;
    h[H.firstPendingId] = inner.firstPendingId;
    h[H.nextId] = inner.nextId;
    h[H.staged] = this.stage.n;
    atomicAdd(h, H.seq, 1);
  }

  /** `code`: 0 once nothing is held, else why chunks are held (1 EMFILE, 2 ENFILE), or GAVE_UP. */
  holdsUnwritten(code: number): void {
    this.hdr[H.unwritten] = code;
  }

  markExited(): void {
    this.hdr[H.exited] = 1;
  }

  /** Before writing: false if the creator has claimed the buffer (then the worker must not write). */
  beginFlush(fileEnd: number): boolean {
    if (cas(this.hdr, H.state, IDLE, FLUSHING) !== IDLE) return false;
    this.hdr[H.endLo] = fileEnd % 2 ** 32;
    this.hdr[H.endHi] = Math.floor(fileEnd / 2 ** 32);
    return true;
  }

  endFlush(): void {
    this.publish();
    atomicStore(this.hdr, H.state, IDLE);
  }
}

/**
 * Why the worker held chunks it had not written (EMFILE, ENFILE) when it stopped, or undefined: its
 * creator, claiming the buffer, cannot have them (they were in the worker's own memory).
 */
export function unwrittenReason(sab: SharedArrayBuffer): string | undefined {
  const code = new Int32Array(sab, 0, HEADER_BYTES / 4)[H.unwritten];
  return code > 0 && code < UNWRITTEN_CODES.length ? UNWRITTEN_CODES[code] : undefined;
}

/** True once the worker wrote its own ThreadExit or someone claimed its buffer: nothing left to save. */
export function tailFinished(sab: SharedArrayBuffer): boolean {
  const h = new Int32Array(sab, 0, HEADER_BYTES / 4);
  return atomicLoad(h, H.state) === CLAIMED || (h[H.exited] === 1 && atomicLoad(h, H.state) === IDLE && h[H.count] === 0);
}

/**
 * The creator's side: claims a (dead or dying) worker's buffer and rebuilds the chunks it had not
 * written. Returns the bytes to append to the worker's file, or undefined if there is nothing.
 * `fileSize` tells whether a write the worker was in the middle of had landed.
 */
export function claimTail(
  sab: SharedArrayBuffer,
  pid: number,
  threadId: number,
  fileSize: () => number,
  exitRecord?: { ts: number; code: number },
): Uint8Array | undefined {
  const h = new Int32Array(sab, 0, HEADER_BYTES / 4);
  let prev = cas(h, H.state, IDLE, CLAIMED);
  for (let spins = 0; prev === FLUSHING && spins < 1e6; spins++) prev = cas(h, H.state, IDLE, CLAIMED);
  if (prev === CLAIMED) return undefined;
  let skipBuffered = false;
  if (prev === FLUSHING) {
    // the worker died inside a flush: if its write landed, the buffered records are already out
    const end = h[H.endLo] + h[H.endHi] * 2 ** 32;
    skipBuffered = fileSize() >= end;
    atomicStore(h, H.state, CLAIMED);
  }
  // chunks of the worker's never reached its file (held in its own memory, gone with it, or a write
  // that failed): the records here come after them and may use strings defined there, so only the
  // exit record is appended, and the trace is what the worker wrote before them
  if (h[H.unwritten] !== 0) skipBuffered = true;
  // consistent snapshot of the published positions (the worker may still be running at process end)
  let s: number[] = [];
  let staged = new Float64Array(0);
  for (let tries = 0; tries < 1000; tries++) {
    const seq = atomicLoad(h, H.seq);
    if (seq % 2 === 1) continue;
    s = [h[H.evPos], h[H.count], h[H.countAt], h[H.strPos], h[H.firstPendingId], h[H.nextId], h[H.tid], h[H.exited]];
    // records below the staged count are complete: the worker writes a record, then the count
    const n = Math.max(0, Math.min(atomicLoad(h, H.staged), STAGE_BYTES / 8 / STRIDE));
    staged = new Float64Array(sab, STAGE_AT, n * STRIDE).slice();
    if (atomicLoad(h, H.seq) === seq) break;
  }
  if (s.length === 0) return undefined;
  const [evPos, count, countAt, strPos, firstPendingId, nextId, tid, exited] = s;
  const out = new ByteWriter(evPos + strPos + 128);
  if (!skipBuffered) {
    const strBytes = new Uint8Array(sab, HEADER_BYTES + EVENTS_CAPACITY, STRINGS_CAPACITY);
    const evBytes = new Uint8Array(sab, HEADER_BYTES, EVENTS_CAPACITY);
    if (nextId > firstPendingId && strPos > 0) {
      const at = out.beginChunk(ChunkType.Strings);
      out.uvar(pid);
      out.uvar(threadId);
      out.uvar(firstPendingId);
      out.uvar(nextId - firstPendingId);
      out.bytes(strBytes.slice(0, strPos));
      out.endChunk(at);
    }
    if (count > 0 && evPos > countAt + 5 && countAt > 0) {
      const chunk = evBytes.slice(0, evPos);
      let c = count;
      for (let k = 0; k < 5; k++) {
        chunk[countAt + k] = (c & 0x7f) | (k < 4 ? 0x80 : 0);
        c = Math.floor(c / 0x80);
      }
      const len = evPos - 12;
      writeU32(chunk, 0, len);
      writeU32(chunk, 4, crc32(chunk, 12, evPos));
      out.bytes(chunk);
    }
    if (staged.length > 0) {
      // the string ids they use are in the strings chunk above (the worker publishes each new one)
      const enc = new StreamEncoder(pid, tid, threadId);
      encodeStaged(enc, staged, staged.length / STRIDE);
      out.bytes(enc.flushView());
    }
  }
  if (exitRecord && !exited) {
    const enc = new StreamEncoder(pid, tid, threadId);
    enc.begin(4 /* EventKind.ThreadExit */, exitRecord.ts);
    enc.i(exitRecord.code);
    out.bytes(enc.flushView());
  }
  return out.pos > 0 ? out.take() : undefined;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
