// The collector: tails every agent's stream file in the private session dir and copies each complete
// chunk, verbatim, into the .ctrace; writes its own stream (pid 0) for sampler and deadlock records;
// and closes the file with a final Meta, the index and the trailer. Chunks are copied, never
// re-encoded, so the cost per event is one CRC check and one decode (to index and to feed the
// deadlock detector), and the live view sees the same bytes the file gets.

import fs from 'node:fs';
import path from 'node:path';
import { SCHEMA, isSampleKind, type TraceEvent } from '../protocol/events';
import type { TraceMeta } from '../protocol/trace';
import { fieldsOf } from './fields';
import { HELD_MARKER, LOST_MARKER, STREAM_FILE, lostMarkerName, type LostRecords } from '../protocol/session';
import { ChunkType, encodeRecord, fileHeader, indexChunk, metaChunk, scanChunks, StreamEncoder, TraceDecoder, type IndexEntry } from '../protocol/wire';

/**
 * Stream files kept open at once. A program that starts thousands of workers over its life would
 * otherwise run the collector out of file descriptors (EMFILE) and lose their streams; beyond this,
 * the longest-idle files are closed and only stat()ed until they grow.
 */
const MAX_OPEN_STREAMS = 256;
/** polls (of 20 ms) without data after which a stream counts as idle */
const IDLE_POLLS = 50;

interface Tail {
  /** -1 while closed to save descriptors */
  fd: number;
  path: string;
  /** the poll in which data last arrived */
  lastData: number;
  offset: number;
  pending: Uint8Array;
  pid: number;
  threadId: number;
  broken: boolean;
}

export interface CollectorSink {
  /** bytes appended to the trace, in order */
  append(bytes: Uint8Array): void;
  /** every record decoded from an agent stream, in arrival order per stream */
  event(e: TraceEvent): void;
  log(line: string): void;
  /** a thread's agent said it could not write its records (once per thread, as soon as seen) */
  lost?(l: LostRecords): void;
}

export class Collector {
  private readonly fd: number;
  private offset = 0;
  private readonly tails = new Map<string, Tail>();
  private readonly index: IndexEntry[] = [];
  private readonly decoder = new TraceDecoder();
  private readonly own = new StreamEncoder(0, 0, 0);
  private readBuf = new Uint8Array(1 << 20);
  private polls = 0;
  private open = 0;
  /** records of the program's events written so far, and samples of series (isSampleKind) apart */
  events = 0;
  samples = 0;
  closed = false;
  /** threads whose agent left a marker that its writes failed (session.ts), by "<pid>-<threadId>" */
  private readonly lost = new Map<string, LostRecords>();
  /**
   * Why the trace could not be written further (ENOSPC: the disk is full), or undefined. The file then
   * ends at the last whole chunk, which readers open as a truncated trace; nothing more is written.
   */
  writeError: string | undefined;

  /** Opens (creates or truncates) the output; throws the fs error when it cannot be written. */
  constructor(readonly output: string, readonly sessionDir: string, private readonly sink: CollectorSink) {
    this.fd = fs.openSync(output, 'w');
  }

  get bytes(): number {
    return this.offset;
  }

  begin(meta: TraceMeta): void {
    this.write(fileHeader());
    this.writeChunk(metaChunk(meta), ChunkType.Meta, 0, 0, 0, 0, 0);
  }

  /** Writes a record into the collector's own stream (flushed on the next poll). */
  emit(kind: number, ts: number, values: Record<string, number | string | undefined>): void {
    if (this.closed || !SCHEMA[kind]) return;
    if (this.writeError !== undefined) return; // it would never reach the file
    encodeRecord(this.own, kind, ts, values);
    if (isSampleKind(kind)) this.samples++;
    else this.events++;
  }

  /**
   * Picks up new stream files and every complete chunk appended since the last poll. Streams quiet
   * for a second (finished threads, mostly) are looked at every 10th poll only, unless `all`: a
   * program that started hundreds of threads would otherwise cost a read per thread per poll.
   */
  poll(all = false): void {
    if (this.closed) return;
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.sessionDir);
    } catch {
      // the dir is ours and only goes away in finish(); nothing to read
    }
    this.polls++;
    for (const name of names) {
      let t = this.tails.get(name);
      if (!t) {
        const m = STREAM_FILE.exec(name);
        if (!m) {
          this.noteLost(name);
          continue;
        }
        t = { fd: -1, path: path.join(this.sessionDir, name), lastData: this.polls, offset: 0, pending: new Uint8Array(0), pid: Number(m[1]), threadId: Number(m[2]), broken: false };
        this.tails.set(name, t);
      }
      if (!all && this.polls - t.lastData > IDLE_POLLS && this.polls % 10 !== 0) continue;
      if (t.fd < 0 && !this.reopen(t)) continue;
      this.drain(t);
    }
    if (this.open > MAX_OPEN_STREAMS) this.closeIdle();
    this.flushOwn();
  }

  private noteLost(name: string): void {
    const m = LOST_MARKER.exec(name);
    // one entry per thread: a worker and then its creator (writing the worker's last records) may
    // both fail, with different codes; the first says why
    const key = m ? `${m[1]}-${m[2]}` : '';
    if (!m || this.lost.has(key)) return;
    const lost = { pid: Number(m[1]), threadId: Number(m[2]), reason: m[3] };
    this.lost.set(key, lost);
    this.sink.log(`thread ${lost.threadId} of process ${lost.pid} could not write its records (${lost.reason}); the trace misses what came after`);
    this.sink.lost?.(lost);
  }

  /**
   * Threads that still hold chunks they could not write (HELD_MARKER) now that the recording ends:
   * they ended holding them (a signal, a crash), so those records are lost.
   */
  private noteHeldAtEnd(): void {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.sessionDir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = HELD_MARKER.exec(name);
      if (m) this.noteLost(lostMarkerName(Number(m[1]), Number(m[2]), m[3]));
    }
  }

  /** Threads that could not write all of their records (their agents said so), in the order seen. */
  get lostRecords(): LostRecords[] {
    return [...this.lost.values()];
  }

  /** Opens a closed stream file if it has grown (or was never opened); false if nothing to read. */
  private reopen(t: Tail): boolean {
    try {
      if (t.offset > 0 && fs.statSync(t.path).size <= t.offset) return false;
      t.fd = fs.openSync(t.path, 'r');
      this.open++;
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EMFILE') this.closeIdle();
      return false;
    }
  }

  private closeIdle(): void {
    const open = [...this.tails.values()].filter((t) => t.fd >= 0).sort((a, b) => a.lastData - b.lastData);
    for (const t of open.slice(0, Math.max(1, open.length - MAX_OPEN_STREAMS / 2))) this.close(t);
  }

  private close(t: Tail): void {
    if (t.fd < 0) return;
    try {
      fs.closeSync(t.fd);
    } catch {
      // already closed
    }
    t.fd = -1;
    this.open--;
  }

  private drain(t: Tail): void {
    if (t.broken) return;
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(t.fd, this.readBuf, 0, this.readBuf.length, t.offset);
      } catch {
        return;
      }
      if (n === 0) return;
      t.offset += n;
      t.lastData = this.polls;
      let data: Uint8Array;
      if (t.pending.length) {
        data = new Uint8Array(t.pending.length + n);
        data.set(t.pending);
        data.set(this.readBuf.subarray(0, n), t.pending.length);
      } else data = this.readBuf.subarray(0, n);
      const scan = scanChunks(data, 0, true);
      for (const c of scan.chunks) this.copyChunk(data, c.offset, c.payloadEnd, c.type, t);
      if (scan.corruptAt !== undefined) {
        // Something else wrote into our private dir, or a worker's creator appended the worker's
        // last records after a chunk the worker could only write in part (a full disk, reported
        // as lost records): what comes after is not ours to trust.
        this.sink.log(`ignoring the rest of stream ${t.pid}-${t.threadId}: ${scan.corruptReason}`);
        t.broken = true;
        return;
      }
      const used = scan.chunks.length ? scan.chunks[scan.chunks.length - 1].payloadEnd : 0;
      t.pending = data.slice(used);
      if (n < this.readBuf.length) return;
    }
  }

  private copyChunk(data: Uint8Array, start: number, end: number, type: number, t: { pid: number; threadId: number }): void {
    const bytes = data.subarray(start, end);
    let minTs = 0;
    let maxTs = 0;
    let count = 0;
    let samples = 0;
    if (type === ChunkType.Events || type === ChunkType.Strings || type === ChunkType.Meta) {
      const ref = { offset: 0, type, payloadStart: 12, payloadEnd: bytes.length };
      try {
        this.decoder.chunk(bytes, ref, (kind, ts, pid, tid, threadId, values, strings) => {
        if (count === 0) minTs = ts;
        if (ts < minTs) minTs = ts;
        if (ts > maxTs) maxTs = ts;
        count++;
        if (isSampleKind(kind)) samples++;
        this.sink.event({ kind, ts, pid, tid, threadId, fields: fieldsOf(kind, values, strings) });
        });
      } catch (e) {
        this.sink.log(`a chunk of stream ${t.pid}-${t.threadId} does not decode (${(e as Error).message}); copied as is`);
      }
    } else return; // agents write no index chunks; anything else is not ours to copy
    if (this.writeChunk(bytes.slice(), type as ChunkType, t.pid, t.threadId, minTs, maxTs, count) && type === ChunkType.Events) {
      this.events += count - samples;
      this.samples += samples;
    }
  }

  private flushOwn(): void {
    if (this.own.pendingRecords === 0) return;
    const minTs = this.own.minTs;
    const maxTs = this.own.maxTs;
    const count = this.own.pendingRecords;
    const bytes = this.own.flush();
    // flush() returns a Strings chunk (maybe) then the Events chunk; index each separately
    const scan = scanChunks(bytes, 0, false);
    for (const c of scan.chunks) {
      const isEvents = c.type === ChunkType.Events;
      this.writeChunk(bytes.subarray(c.offset, c.payloadEnd), c.type, 0, 0, isEvents ? minTs : 0, isEvents ? maxTs : 0, isEvents ? count : 0);
    }
  }

  private writeChunk(bytes: Uint8Array, type: ChunkType, pid: number, threadId: number, minTs: number, maxTs: number, events: number): boolean {
    const offset = this.offset;
    if (!this.write(bytes)) return false;
    this.index.push({ offset, type, pid, threadId, minTs, maxTs, events });
    return true;
  }

  /** Appends whole chunks; after a failed write nothing more (see writeError). */
  private write(bytes: Uint8Array): boolean {
    if (this.writeError !== undefined) return false;
    let done = 0;
    try {
      while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.offset + done);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.writeError = err.code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : `${err.code ?? err.message}`;
      this.sink.log(`cannot write ${this.output}: ${this.writeError}; the trace ends at byte ${this.offset}`);
      // the part of the chunk that went out is cut off: the file ends with whole chunks
      try {
        fs.ftruncateSync(this.fd, this.offset);
      } catch {
        // a reader stops at the partial chunk anyway
      }
      return false;
    }
    this.offset += bytes.length;
    this.sink.append(bytes);
    return true;
  }

  /**
   * Last poll, final Meta (`finalMeta`, or what it returns after that poll, with the threads that
   * lost records), index and trailer; closes every fd and removes the session dir.
   */
  finish(finalMeta: TraceMeta | (() => TraceMeta)): void {
    if (this.closed) return;
    this.poll(true);
    this.flushOwn();
    this.noteHeldAtEnd();
    const base = typeof finalMeta === 'function' ? finalMeta() : finalMeta;
    const meta = this.lost.size ? { ...base, lostRecords: this.lostRecords } : base;
    this.writeChunk(metaChunk(meta), ChunkType.Meta, 0, 0, 0, 0, 0);
    this.write(indexChunk(this.index, this.offset));
    this.closed = true;
    for (const t of this.tails.values()) this.close(t);
    try {
      fs.closeSync(this.fd);
    } catch {
      // a close that reports a deferred write error: writeError has it, or the next reader will
    }
    fs.rmSync(this.sessionDir, { recursive: true, force: true });
  }

  /** The pids of streams seen so far (for the sampler and the end-of-run wait). */
  pids(): number[] {
    return [...new Set([...this.tails.values()].map((t) => t.pid))];
  }
}
