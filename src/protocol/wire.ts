// The binary trace format (docs/trace-format.md): a file header, then self-delimiting chunks, then
// an optional index. Everything here is pure and dependency-free so that the agent (encoding, on
// the hot path), the recorder (merging, reading) and the webview (decoding) share one codec.
//
// Chunks are framed [u32 payloadLength][u32 crc32(payload)][u8 type][3 reserved] so that a reader
// of a file still being written, or cut short, takes every complete chunk and stops at the first
// partial one; a bad CRC means corruption, not truncation.

import { SCHEMA, WIRE_LAYOUTS, FieldType } from './events';

/** 2: a message's size is on its receipt, not its send (WIRE_LAYOUTS in events.ts); readers read 1 too. */
export const FORMAT_VERSION = 2;
export const MAGIC = 'CTRACE';
export const FILE_HEADER_BYTES = 16;
export const CHUNK_HEADER_BYTES = 12;
export const TRAILER_MAGIC = 'CTINDEX1';
export const TRAILER_BYTES = 16;
/** Larger than any chunk a writer makes; a length above it is corruption. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export const enum ChunkType {
  Events = 1, // varint pid, tid, threadId, baseTs, count; then records
  Strings = 2, // varint pid, threadId, firstId, count; then count x (varint len, utf8)
  Meta = 3, // utf8 JSON object (TraceMeta); later ones add to earlier ones
  Index = 4, // varint count; then per chunk: offset, type, pid, threadId, minTs, maxTs - minTs, events
}

// ---------------------------------------------------------------- CRC32 (IEEE)
// Slicing-by-8: eight 256-entry tables (T[k][n] = CRC of byte n followed by k zero bytes) let the
// loop fold 8 bytes per step. The agent computes this for every chunk it writes, on the program's
// threads: about 4x faster than a byte at a time, same result.
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const T = CRC_TABLES;
  let c = -1;
  let i = start;
  for (const last = end - 8; i <= last; i += 8) {
    const a = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      T[1792 + (a & 0xff)] ^
      T[1536 + ((a >>> 8) & 0xff)] ^
      T[1280 + ((a >>> 16) & 0xff)] ^
      T[1024 + (a >>> 24)] ^
      T[768 + bytes[i + 4]] ^
      T[512 + bytes[i + 5]] ^
      T[256 + bytes[i + 6]] ^
      T[bytes[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

let chunkCrc: (bytes: Uint8Array, start: number, end: number) => number = crc32;
/**
 * The CRC-32 that writers use for chunks: the agent passes zlib.crc32 where Node has it (native, and
 * no JS loop for every thread's V8 to optimise). It must compute exactly crc32() above.
 */
export function useCrc32(fn: (bytes: Uint8Array, start: number, end: number) => number): void {
  chunkCrc = fn;
}

// ---------------------------------------------------------------- UTF-8 without TextEncoder allocation per call
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

// ---------------------------------------------------------------- file header
export function fileHeader(version = FORMAT_VERSION): Uint8Array {
  const h = new Uint8Array(FILE_HEADER_BYTES);
  for (let i = 0; i < MAGIC.length; i++) h[i] = MAGIC.charCodeAt(i);
  h[6] = 0x0d;
  h[7] = 0x0a; // "\r\n" catches text-mode mangling
  new DataView(h.buffer).setUint32(8, version, true);
  return h;
}

export type HeaderCheck = { ok: true; version: number } | { ok: false; reason: 'short' | 'magic' | 'version'; version?: number };

/** The bytes begin with MAGIC (a header cut short may still). */
export function startsWithMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

export function checkFileHeader(bytes: Uint8Array): HeaderCheck {
  if (bytes.length < FILE_HEADER_BYTES) return { ok: false, reason: 'short' };
  if (!startsWithMagic(bytes)) return { ok: false, reason: 'magic' };
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (version > FORMAT_VERSION || version < 1) return { ok: false, reason: 'version', version };
  return { ok: true, version };
}

// ---------------------------------------------------------------- varints
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}
export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** A growable byte buffer with varint writers. Reused across chunks: no allocation per record. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  uvar(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v < 0 || v !== v) v = 0;
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[p++] = v;
    this.pos = p;
  }
  ivar(v: number): void {
    this.uvar(zigzag(v));
  }
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
  str(s: string): void {
    const b = textEncoder.encode(s);
    this.uvar(b.length);
    this.bytes(b);
  }
  u32le(v: number, at: number): void {
    const b = this.buf;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = (v >>> 24) & 0xff;
  }
  /** Reserves a chunk header; call endChunk with the returned offset once the payload is written. */
  beginChunk(type: ChunkType): number {
    this.ensure(CHUNK_HEADER_BYTES);
    const at = this.pos;
    this.buf[at + 8] = type;
    this.buf[at + 9] = this.buf[at + 10] = this.buf[at + 11] = 0;
    this.pos += CHUNK_HEADER_BYTES;
    return at;
  }
  endChunk(at: number): void {
    const start = at + CHUNK_HEADER_BYTES;
    this.u32le(this.pos - start, at);
    this.u32le(chunkCrc(this.buf, start, this.pos), at + 4);
  }
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

export class ByteReader {
  pos: number;
  constructor(public buf: Uint8Array, start = 0, public end = buf.length) {
    this.pos = start;
  }
  uvar(): number {
    const b = this.buf;
    let p = this.pos;
    let x = b[p++];
    if (x < 0x80) {
      this.pos = p;
      return x;
    }
    let result = x & 0x7f;
    let mul = 0x80;
    for (;;) {
      if (p >= this.end) throw new RangeError('varint runs past the end of its chunk');
      x = b[p++];
      result += (x & 0x7f) * mul;
      if (x < 0x80) break;
      mul *= 0x80;
      if (mul > 2 ** 63) throw new RangeError('varint too long');
    }
    this.pos = p;
    return result;
  }
  ivar(): number {
    return unzigzag(this.uvar());
  }
  u8(): number {
    return this.buf[this.pos++];
  }
  str(): string {
    const n = this.uvar();
    if (this.pos + n > this.end) throw new RangeError('string runs past the end of its chunk');
    const s = textDecoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

/** Joins byte arrays (chunks read or received in parts) into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function readU32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

// ---------------------------------------------------------------- encoding one thread's stream
/**
 * Encodes the records of one stream (one thread, or the collector) into framed chunks.
 * Usage per record: begin(kind, ts), then one u()/i()/s() per schema field, in order.
 * flush() returns the new Strings chunk (if any) followed by the Events chunk.
 */
export class StreamEncoder {
  private readonly events = new ByteWriter(1 << 16);
  private readonly strings = new ByteWriter(1 << 12);
  /** flushView()'s framed output, reused */
  private readonly out = new ByteWriter(1 << 12);
  private readonly ids = new Map<string, number>();
  private nextId = 1;
  private firstPendingId = 1;
  private count = 0;
  private lastTs = 0;
  private chunkAt = -1;
  private countAt = 0;
  minTs = 0;
  maxTs = 0;

  constructor(public pid: number, public tid: number, public threadId: number) {}

  get pendingRecords(): number {
    return this.count;
  }
  get pendingBytes(): number {
    return this.events.pos + this.strings.pos;
  }

  begin(kind: number, ts: number): void {
    if (this.count === 0) {
      const w = this.events;
      this.chunkAt = w.beginChunk(ChunkType.Events);
      w.uvar(this.pid);
      w.uvar(this.tid);
      w.uvar(this.threadId);
      w.uvar(ts);
      this.countAt = w.pos;
      // count is patched at flush; reserve a fixed 5-byte varint
      w.ensure(5);
      w.pos += 5;
      this.lastTs = ts;
      this.minTs = ts;
    }
    this.count++;
    this.events.u8(kind);
    this.events.ivar(ts - this.lastTs);
    this.lastTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
  }
  u(v: number): void {
    this.events.uvar(v);
  }
  i(v: number): void {
    this.events.ivar(v);
  }
  s(v: string | undefined | null): void {
    this.events.uvar(v == null ? 0 : this.intern(v));
  }
  /** Interns a string in this stream's table; returns its id (>= 1). */
  intern(v: string): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(v, id);
      this.strings.str(v);
    }
    return id;
  }

  /** The framed chunks written since the last flush (empty array if nothing), in a buffer of their own. */
  flush(): Uint8Array {
    const out = new ByteWriter(this.strings.pos + this.events.pos + 64);
    this.frame(out);
    return out.take();
  }

  /**
   * flush()'s bytes as a view of a buffer the encoder reuses: valid until the next flushView(). For a
   * caller that writes them out at once (the agent: two buffers of up to 32 KB allocated per flush
   * sent glibc's malloc into consolidating its free lists, ~2% of a message-heavy thread's CPU).
   */
  flushView(): Uint8Array {
    const out = this.out;
    out.pos = 0;
    out.ensure(this.strings.pos + this.events.pos + 64);
    this.frame(out);
    return out.buf.subarray(0, out.pos);
  }

  /** Writes the pending strings and events into `out` as framed chunks, and empties them. */
  private frame(out: ByteWriter): void {
    const newStrings = this.nextId - this.firstPendingId;
    if (newStrings > 0) {
      const at = out.beginChunk(ChunkType.Strings);
      out.uvar(this.pid);
      out.uvar(this.threadId);
      out.uvar(this.firstPendingId);
      out.uvar(newStrings);
      out.bytes(this.strings.buf.subarray(0, this.strings.pos));
      out.endChunk(at);
      this.strings.pos = 0;
      this.firstPendingId = this.nextId;
    }
    if (this.count > 0) {
      const w = this.events;
      // fixed-width varint of the count in the reserved 5 bytes
      let c = this.count;
      for (let k = 0; k < 5; k++) {
        w.buf[this.countAt + k] = (c & 0x7f) | (k < 4 ? 0x80 : 0);
        c = Math.floor(c / 0x80);
      }
      w.endChunk(this.chunkAt);
      out.bytes(w.buf.subarray(0, w.pos));
      w.pos = 0;
      this.count = 0;
    }
  }
}

/**
 * Writes one record whose field values come by name (convenient off the hot path), laid out as
 * format `version` lays out its kind (tests write older versions' files with it).
 */
export function encodeRecord(enc: StreamEncoder, kind: number, ts: number, values: Record<string, number | string | undefined | null>, version = FORMAT_VERSION): void {
  const schema = SCHEMA[kind];
  if (!schema) throw new Error(`unknown event kind ${kind}`);
  enc.begin(kind, ts);
  const wire = WIRE_LAYOUTS[version]?.[kind];
  for (const [name, type] of wire ? wire.map((f) => schema[f]) : schema) {
    const v = values[name];
    if (type === 's') enc.s(v == null ? undefined : String(v));
    else if (type === 'u') enc.u(typeof v === 'number' ? v : 0);
    else enc.i(typeof v === 'number' ? v : 0);
  }
}

export function metaChunk(meta: object): Uint8Array {
  const w = new ByteWriter(256);
  const at = w.beginChunk(ChunkType.Meta);
  w.bytes(textEncoder.encode(JSON.stringify(meta)));
  w.endChunk(at);
  return w.take();
}

// ---------------------------------------------------------------- chunk scanning and decoding
export interface ChunkRef {
  offset: number; // of the chunk header
  type: ChunkType;
  payloadStart: number;
  payloadEnd: number;
}

export type ScanResult = {
  chunks: ChunkRef[];
  /** bytes after the last complete chunk (a file cut short, or still being written) */
  truncatedBytes: number;
  /** set when a chunk's CRC or length is wrong: the offset of the first bad chunk */
  corruptAt?: number;
  corruptReason?: string;
  /** where the index chunk starts, if the file was closed properly */
  indexAt?: number;
};

/** Finds every complete chunk from `start` on. Verifies CRCs unless told not to. */
export function scanChunks(bytes: Uint8Array, start = FILE_HEADER_BYTES, verify = true): ScanResult {
  const chunks: ChunkRef[] = [];
  let p = start;
  let end = bytes.length;
  let indexAt: number | undefined;
  if (end - start >= TRAILER_BYTES) {
    let ok = true;
    for (let i = 0; i < 8; i++) if (bytes[end - TRAILER_BYTES + i] !== TRAILER_MAGIC.charCodeAt(i)) ok = false;
    if (ok) {
      indexAt = readU32le(bytes, end - 8) + readU32le(bytes, end - 4) * 2 ** 32;
      end -= TRAILER_BYTES;
    }
  }
  while (p + CHUNK_HEADER_BYTES <= end) {
    // the trailer where a chunk would start: a file cut inside its last 16 bytes (the index before
    // them is whole), or bytes appended after a complete trace
    if (indexAt === undefined && startsTrailer(bytes, p, end)) return { chunks, truncatedBytes: end - p, indexAt };
    const len = readU32le(bytes, p);
    const type = bytes[p + 8];
    if (len > MAX_CHUNK_BYTES || type < ChunkType.Events || type > ChunkType.Index) {
      return { chunks, truncatedBytes: 0, corruptAt: p, corruptReason: `bad chunk header (type ${type}, length ${len})`, indexAt };
    }
    const ps = p + CHUNK_HEADER_BYTES;
    if (ps + len > end) {
      // a file with its trailer was closed whole: a chunk running past its end has a damaged length
      if (indexAt !== undefined) return { chunks, truncatedBytes: 0, corruptAt: p, corruptReason: `chunk length ${len} runs past the end of a file that was closed whole`, indexAt };
      break;
    }
    if (verify && crc32(bytes, ps, ps + len) !== readU32le(bytes, p + 4)) {
      return { chunks, truncatedBytes: 0, corruptAt: p, corruptReason: 'checksum mismatch', indexAt };
    }
    chunks.push({ offset: p, type, payloadStart: ps, payloadEnd: ps + len });
    p = ps + len;
  }
  return { chunks, truncatedBytes: end - p, indexAt };
}

/** Whether the bytes from `p` are the trailer's magic (as much of it as there is before `end`). */
function startsTrailer(bytes: Uint8Array, p: number, end: number): boolean {
  const n = Math.min(TRAILER_MAGIC.length, end - p);
  for (let i = 0; i < n; i++) if (bytes[p + i] !== TRAILER_MAGIC.charCodeAt(i)) return false;
  return n > 0;
}

/** Called once per record; `values` is reused between calls (copy what you keep). */
export type RecordSink = (kind: number, ts: number, pid: number, tid: number, threadId: number, values: number[], strings: readonly string[]) => void;

/**
 * Decodes records chunk by chunk. String fields arrive as ids into `strings` (index = id; 0 = absent),
 * which is that stream's table. Keeps string tables across calls so a live reader can feed chunks as
 * they arrive.
 */
export class TraceDecoder {
  /** positions of the wire fields of the kinds that do not carry all of SCHEMA, in this file's version */
  private readonly layouts: Readonly<Record<number, readonly number[]>>;
  private readonly tables = new Map<string, string[]>();
  readonly meta: Record<string, unknown> = {};
  private readonly values: number[] = new Array(16).fill(0);
  unknownKinds = 0;

  /** `version`: the file's format version (its header's). */
  constructor(readonly version = FORMAT_VERSION) {
    this.layouts = WIRE_LAYOUTS[version] ?? {};
  }

  table(pid: number, threadId: number): string[] {
    const key = pid + ':' + threadId;
    let t = this.tables.get(key);
    if (!t) {
      t = [''];
      this.tables.set(key, t);
    }
    return t;
  }

  chunk(bytes: Uint8Array, c: ChunkRef, sink: RecordSink): void {
    const r = new ByteReader(bytes, c.payloadStart, c.payloadEnd);
    if (c.type === ChunkType.Strings) {
      const pid = r.uvar();
      const threadId = r.uvar();
      const first = r.uvar();
      const count = r.uvar();
      const t = this.table(pid, threadId);
      for (let k = 0; k < count; k++) t[first + k] = r.str();
      return;
    }
    if (c.type === ChunkType.Meta) {
      const json = textDecoder.decode(bytes.subarray(c.payloadStart, c.payloadEnd));
      Object.assign(this.meta, JSON.parse(json));
      return;
    }
    if (c.type !== ChunkType.Events) return;
    const pid = r.uvar();
    const tid = r.uvar();
    const threadId = r.uvar();
    let ts = r.uvar();
    const count = r.uvar();
    const strings = this.table(pid, threadId);
    const values = this.values;
    for (let n = 0; n < count; n++) {
      const kind = r.u8();
      ts += r.ivar();
      const schema = SCHEMA[kind];
      if (!schema) {
        // A kind this reader does not know has an unknown length: the rest of the chunk is unreadable.
        this.unknownKinds++;
        return;
      }
      const wire = this.layouts[kind];
      if (wire === undefined) for (let f = 0; f < schema.length; f++) values[f] = schema[f][1] === 'i' ? r.ivar() : r.uvar();
      else {
        for (let f = 0; f < schema.length; f++) values[f] = 0;
        for (let k = 0; k < wire.length; k++) values[wire[k]] = schema[wire[k]][1] === 'i' ? r.ivar() : r.uvar();
      }
      sink(kind, ts, pid, tid, threadId, values, strings);
    }
  }
}

/** The field types of a kind, for consumers that walk `values` positionally. */
export function fieldTypes(kind: number): readonly FieldType[] {
  return (SCHEMA[kind] ?? []).map((f) => f[1]);
}

// ---------------------------------------------------------------- index
export interface IndexEntry {
  offset: number;
  type: ChunkType;
  pid: number;
  threadId: number;
  minTs: number;
  maxTs: number;
  events: number;
}

export function indexChunk(entries: readonly IndexEntry[], indexOffset: number): Uint8Array {
  const w = new ByteWriter(64 + entries.length * 24);
  const at = w.beginChunk(ChunkType.Index);
  w.uvar(entries.length);
  for (const e of entries) {
    w.uvar(e.offset);
    w.u8(e.type);
    w.uvar(e.pid);
    w.uvar(e.threadId);
    w.uvar(e.minTs);
    w.uvar(e.maxTs - e.minTs);
    w.uvar(e.events);
  }
  w.endChunk(at);
  // trailer: magic + u64 offset of the index chunk
  w.ensure(TRAILER_BYTES);
  for (let i = 0; i < 8; i++) w.buf[w.pos + i] = TRAILER_MAGIC.charCodeAt(i);
  w.u32le(indexOffset % 2 ** 32, w.pos + 8);
  w.u32le(Math.floor(indexOffset / 2 ** 32), w.pos + 12);
  w.pos += TRAILER_BYTES;
  return w.take();
}

export function readIndex(bytes: Uint8Array, c: ChunkRef): IndexEntry[] {
  const r = new ByteReader(bytes, c.payloadStart, c.payloadEnd);
  const n = r.uvar();
  const out: IndexEntry[] = [];
  for (let k = 0; k < n; k++) {
    const offset = r.uvar();
    const type = r.u8() as ChunkType;
    const pid = r.uvar();
    const threadId = r.uvar();
    const minTs = r.uvar();
    const maxTs = minTs + r.uvar();
    const events = r.uvar();
    out.push({ offset, type, pid, threadId, minTs, maxTs, events });
  }
  return out;
}

/** Reads the header fields of an Events chunk without decoding its records. */
export function eventsChunkHeader(bytes: Uint8Array, c: ChunkRef): { pid: number; tid: number; threadId: number; baseTs: number; count: number } {
  const r = new ByteReader(bytes, c.payloadStart, c.payloadEnd);
  return { pid: r.uvar(), tid: r.uvar(), threadId: r.uvar(), baseTs: r.uvar(), count: r.uvar() };
}
