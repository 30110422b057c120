// Reads a .ctrace into memory: checks the header, takes every complete chunk (using the index when
// the file was closed properly), and decodes records into TraceEvents sorted by time. Every way a
// file can be unreadable ends in a TraceReadError whose message says what is wrong and what to do,
// because users meet these messages in the CLI and the editor, not in a debugger.

import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import { constants as bufferConstants } from 'node:buffer';
import type { TraceEvent } from '../protocol/events';
import { fieldsOf } from './fields';
import type { TraceMeta } from '../protocol/trace';
import { formatFigure } from '../protocol/figures';
import { checkFileHeader, ChunkType, FORMAT_VERSION, readIndex, readU32le, scanChunks, startsWithMagic, TraceDecoder, CHUNK_HEADER_BYTES, FILE_HEADER_BYTES, TRAILER_BYTES, type ChunkRef } from '../protocol/wire';
import type { LoadedTrace } from './types';

export class TraceReadError extends Error {
  constructor(message: string, readonly reason: 'empty' | 'magic' | 'version' | 'corrupt' | 'too-big' | 'io') {
    super(message);
    this.name = 'TraceReadError';
  }
}

/**
 * Decoded events cost far more memory than their bytes on disk (an object with a fields record per
 * event, about 20x the ~10 bytes a record takes in the file), and a summary builds the model and the
 * insights on top: `ctrace summary` of a 36 MB trace peaked at 2.3 GB (64x). Used to refuse files
 * before reading: at 24x a 127 MB trace was accepted and the summary died out of heap.
 */
export const MEMORY_PER_FILE_BYTE = 64;

export interface ReadOptions {
  /** refuse files whose decoded form would need more than this many bytes (default: what is free) */
  memoryLimitBytes?: number;
}

/** The memory a trace of this size may use when opened: free system memory and the heap's headroom. */
export function availableMemoryBytes(): number {
  const heap = v8.getHeapStatistics();
  const heapRoom = heap.heap_size_limit - heap.used_heap_size;
  return Math.min(os.freemem() + os.totalmem() * 0.1, heapRoom);
}

function mb(n: number): string {
  return formatFigure(n, 'bytes');
}

/** Reads a trace file; rejects with a TraceReadError that explains what to do. */
export async function readTrace(path: string, opts: ReadOptions = {}): Promise<LoadedTrace> {
  let size: number;
  try {
    const st = await fs.promises.stat(path);
    if (st.isDirectory()) throw new TraceReadError(`${path} is a directory: give the path of a .ctrace file in it`, 'io');
    // a FIFO or a device would be read until whoever writes it stops, or forever
    if (!st.isFile()) throw new TraceReadError(`${path} is not a regular file (a pipe, socket or device): save the trace to a file and open that`, 'io');
    size = st.size;
  } catch (e) {
    if (e instanceof TraceReadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TraceReadError(`${path}: no such file. Check the path, or record one with: ctrace record -- node app.js`, 'io');
    throw new TraceReadError(`${path}: cannot read it (${code ?? (e as Error).message})`, 'io');
  }
  checkFits(path, size, opts);
  let bytes: Uint8Array;
  try {
    const buf = await fs.promises.readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new TraceReadError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'io');
  }
  return decodeTrace(bytes, path);
}

function checkFits(path: string, size: number, opts: ReadOptions): void {
  const limit = opts.memoryLimitBytes ?? availableMemoryBytes();
  const need = size * MEMORY_PER_FILE_BYTE;
  if (size > bufferConstants.MAX_LENGTH || need > limit) {
    // which limit it is: the JS heap's (Node's default caps it well below the machine's memory) or the machine's
    const heap = v8.getHeapStatistics();
    const heapRoom = heap.heap_size_limit - heap.used_heap_size;
    const system = os.freemem() + os.totalmem() * 0.1;
    const byHeap = opts.memoryLimitBytes === undefined && heapRoom < system && need <= system;
    const advice = byHeap
      ? `The machine has the memory but Node's heap is capped at ${mb(heap.heap_size_limit)}: raise it for the command that opens the trace, e.g. NODE_OPTIONS=--max-old-space-size=${Math.ceil((need * 1.25) / (1024 * 1024))}`
      : 'Close other programs or open it on a machine with more memory';
    throw new TraceReadError(
      `${path}: this trace is ${mb(size)} and opening it needs about ${mb(need)} of memory, but only ${mb(limit)} is available. ` +
        `${advice}; for the future, record a shorter run.`,
      'too-big',
    );
  }
}

/** A Meta field the readers use with methods, dropped when a damaged or hand-edited file gives another type. */
function sane(meta: TraceMeta): TraceMeta {
  const m = meta as unknown as Record<string, unknown>;
  if (m.command !== undefined && !(Array.isArray(m.command) && m.command.every((a) => typeof a === 'string'))) delete m.command;
  if (m.cwd !== undefined && typeof m.cwd !== 'string') delete m.cwd;
  return meta;
}

/** Decodes trace bytes already in memory (the webview host and tests use this directly). */
export function decodeTrace(bytes: Uint8Array, path?: string): LoadedTrace {
  const name = path ?? 'trace';
  const head = checkFileHeader(bytes);
  if (!head.ok) {
    if (bytes.length === 0) throw new TraceReadError(`${name} is empty: the recording wrote nothing (it was stopped before it started?). Record it again.`, 'empty');
    if (bytes.length >= 8 && startsWithMagic(bytes) && (bytes[6] !== 0x0d || bytes[7] !== 0x0a)) {
      // the header's "\r\n" is there to catch this: a copy that rewrote line endings changed the whole file
      throw new TraceReadError(`${name} was changed by a copy that rewrote line endings (a text-mode transfer): its header's \\r\\n is gone. Copy the original file again in binary mode.`, 'corrupt');
    }
    if (head.reason === 'version' && (head.version ?? 0) < 1) {
      throw new TraceReadError(`${name} is corrupt: its header says format version ${head.version}, which no version of Concurrency Timeline writes. The file was damaged; record it again.`, 'corrupt');
    }
    if (head.reason === 'short' && startsWithMagic(bytes)) {
      throw new TraceReadError(`${name} is cut short inside its ${FILE_HEADER_BYTES}-byte header (${bytes.length} bytes): the recording was stopped as it began, or the copy is incomplete. Record it again.`, 'corrupt');
    }
    if (head.reason === 'short' || head.reason === 'magic') {
      throw new TraceReadError(`${name} is not a Concurrency Timeline trace (it does not start with "CTRACE"). Open a .ctrace file written by ctrace record.`, 'magic');
    }
    throw new TraceReadError(
      `${name} was written in trace format ${head.version}, and this version of Concurrency Timeline reads format ${FORMAT_VERSION} at most. Update Concurrency Timeline to open it.`,
      'version',
    );
  }

  const chunks = chunksOf(bytes, name);
  const dec = new TraceDecoder(head.version);
  const events: TraceEvent[] = [];
  for (const c of chunks.refs) {
    try {
      dec.chunk(bytes, c, (kind, ts, pid, tid, threadId, values, strings) => {
        events.push({ kind, ts, pid, tid, threadId, fields: fieldsOf(kind, values, strings) });
      });
    } catch (e) {
      throw new TraceReadError(`${name} is corrupt: the chunk at byte ${c.offset} does not decode (${(e as Error).message}). The file was damaged after it was written; record it again.`, 'corrupt');
    }
  }
  // Streams arrive interleaved chunk by chunk; readers want one timeline. Array sort is stable, so
  // records with equal timestamps keep their order within a stream.
  events.sort((a, b) => a.ts - b.ts);
  return { path, bytes, meta: sane(dec.meta as TraceMeta), events, truncated: chunks.truncated, incomplete: chunks.incomplete };
}

interface Chunks {
  refs: ChunkRef[];
  truncated: boolean;
  incomplete: boolean;
}

/** Every complete data chunk, from the index when the file has one, else by scanning. */
function chunksOf(bytes: Uint8Array, name: string): Chunks {
  const fromIndex = chunksFromIndex(bytes);
  if (fromIndex) return { refs: fromIndex, truncated: false, incomplete: false };
  const scan = scanChunks(bytes);
  if (scan.corruptAt !== undefined && damagedIndexOnly(bytes, scan.corruptAt, scan.chunks)) {
    // the index only speeds opening up: every data chunk before it is whole, so open them, as a file without one
    return { refs: scan.chunks.filter((c) => c.type !== ChunkType.Index), truncated: false, incomplete: true };
  }
  if (scan.corruptAt !== undefined) {
    throw new TraceReadError(
      `${name} is corrupt at byte ${scan.corruptAt} (${scan.corruptReason}): the file was damaged after it was written. ` +
        `The ${scan.chunks.length} chunks before that point are intact; record the program again for a whole trace.`,
      'corrupt',
    );
  }
  const refs = scan.chunks.filter((c) => c.type !== ChunkType.Index);
  return { refs, truncated: scan.truncatedBytes > 0, incomplete: scan.indexAt === undefined };
}

/**
 * Whether the damage at `at` is the closing index's or the trailer's alone: an index chunk whose
 * length ends it exactly where the trailer begins, or a spot inside the trailer after a whole index.
 */
function damagedIndexOnly(bytes: Uint8Array, at: number, whole: readonly ChunkRef[]): boolean {
  // inside the trailer: only if the index before it came through whole
  if (at >= bytes.length - TRAILER_BYTES) return whole.length > 0 && whole[whole.length - 1].type === ChunkType.Index;
  return bytes[at + 8] === ChunkType.Index && at + CHUNK_HEADER_BYTES + readU32le(bytes, at) + TRAILER_BYTES === bytes.length;
}

/**
 * With a trailer and a sound index the chunk list needs no walk over the file: each entry gives an
 * offset, and only the CRCs are checked. Any inconsistency falls back to a full scan.
 */
function chunksFromIndex(bytes: Uint8Array): ChunkRef[] | undefined {
  if (bytes.length < FILE_HEADER_BYTES + TRAILER_BYTES) return undefined;
  const indexAt = scanChunks(bytes, bytes.length - TRAILER_BYTES, false).indexAt;
  if (indexAt === undefined || indexAt + CHUNK_HEADER_BYTES > bytes.length) return undefined;
  const ref = chunkAt(bytes, indexAt, bytes.length - TRAILER_BYTES);
  if (!ref || ref.type !== ChunkType.Index) return undefined;
  let entries;
  try {
    entries = readIndex(bytes, ref);
  } catch {
    return undefined;
  }
  const refs: ChunkRef[] = [];
  for (const e of entries) {
    const c = chunkAt(bytes, e.offset, indexAt);
    if (!c || c.type !== e.type) return undefined;
    refs.push(c);
  }
  return refs;
}

function chunkAt(bytes: Uint8Array, offset: number, end: number): ChunkRef | undefined {
  if (offset + CHUNK_HEADER_BYTES > end) return undefined;
  const len = readU32le(bytes, offset);
  const ps = offset + CHUNK_HEADER_BYTES;
  if (ps + len > end) return undefined;
  const scan = scanChunks(bytes.subarray(0, ps + len), offset, true);
  if (scan.corruptAt !== undefined || scan.chunks.length !== 1) return undefined;
  return scan.chunks[0];
}
