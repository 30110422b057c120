// Message records, the agent's most frequent (one per send and one per receipt), are staged as raw
// numbers and encoded in batches: staging a record is a few stores, and a worker then publishes one
// count per record to its tail instead of a seqlock of the encoder's positions (a worker's send
// -60 ns in a hot loop; docs/capture.md). The batch encoder is one loop with no call per field. A
// worker's stage lives in its tail's SharedArrayBuffer (tail.ts), so a terminated worker loses no
// staged record either.

import { EventKind, SCHEMA, WIRE_LAYOUTS } from '../protocol/events';
import { FORMAT_VERSION, type StreamEncoder } from '../protocol/wire';

/** Slots per staged record: record kind, timestamp, then up to 7 slots (the fields, unsigned, then a send's chain of open sends). */
export const STRIDE = 9;
/** Records staged before they are encoded. */
export const CAPACITY = 128;
export const STAGE_BYTES = STRIDE * CAPACITY * 8;

export class Stage {
  /** records staged; the writer also stores it in `published[0]` for the tail */
  n = 0;
  /** encode once this many are staged (1 once the thread has ended: every record goes out at once) */
  cap = CAPACITY;

  constructor(
    readonly slots: Float64Array = new Float64Array(STRIDE * CAPACITY),
    readonly published: Int32Array = new Int32Array(1),
  ) {}
}

/** Fields on the wire (a send's size is on its receipt): staged in wire order from slot 2 on. */
const wireFields = (kind: number) => (WIRE_LAYOUTS[FORMAT_VERSION][kind] ?? SCHEMA[kind]).length;
export const SEND_FIELDS = wireFields(EventKind.MessageSend);
export const RECEIVE_FIELDS = wireFields(EventKind.MessageReceive);

/** StreamEncoder's private state, written here directly (as tail.ts reads it; documented there). */
interface EncoderInternals {
  events: { buf: Uint8Array; pos: number; ensure(n: number): void; uvar(v: number): void; ivar(v: number): void };
  count: number;
  lastTs: number;
  maxTs: number;
}

/** Bytes one staged record takes at most: kind, a delta below 2^30, 5 fields of up to 10 bytes. */
const MAX_RECORD_BYTES = 1 + 5 + Math.max(SEND_FIELDS, RECEIVE_FIELDS) * 10;

/**
 * Encodes the first n staged records: the same bytes as enc.begin(kind, ts) then one enc.u() per
 * field (a unit test compares them), written out here as one loop over the batch. The encoder's own
 * paths (a chunk's first record, a delta over a second or backwards, a field of 2^31 or more) are
 * calls to encodeOne(), which V8 keeps out of line: they run in one batch out of many, and inlined
 * they made this function several times bigger to optimise, once per thread.
 */
/** `from`: the first record to encode, when the caller encoded those before it (ThreadStream starts a chunk with encodeOne()). */
export function encodeStaged(enc: StreamEncoder, slots: Float64Array, n: number, from = 0): void {
  const e = enc as unknown as EncoderInternals;
  const w = e.events;
  w.ensure(n * MAX_RECORD_BYTES); // room for the batch: no check per record
  const b = w.buf;
  let q = w.pos;
  let count = e.count;
  let lastTs = e.lastTs;
  let maxTs = e.maxTs;
  for (let k = from, p = from * STRIDE; k < n; k++, p += STRIDE) {
    const kind = slots[p];
    const ts = slots[p + 1];
    const at = q;
    let d = ts - lastTs;
    let plain = count !== 0 && d >= 0 && d < 0x40000000;
    if (plain) {
      b[q++] = kind;
      d *= 2; // zigzag of a non-negative delta
      while (d >= 0x80) {
        b[q++] = (d & 0x7f) | 0x80;
        d >>>= 7;
      }
      b[q++] = d;
      const fields = kind === EventKind.MessageSend ? SEND_FIELDS : RECEIVE_FIELDS;
      for (let f = p + 2, end = p + 2 + fields; f < end; f++) {
        let v = slots[f];
        if (!(v >= 0 && v < 0x80000000)) {
          plain = false;
          break;
        }
        while (v >= 0x80) {
          b[q++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        b[q++] = v;
      }
    }
    if (plain) {
      count++;
      lastTs = ts;
      if (ts > maxTs) maxTs = ts;
      continue;
    }
    // the encoder's own path, from where this record began
    w.pos = at;
    e.count = count;
    e.lastTs = lastTs;
    e.maxTs = maxTs;
    encodeOne(enc, slots, p);
    if (w.buf !== b) return encodeStaged(enc, slots, n, k + 1); // it grew the buffer
    q = w.pos;
    count = e.count;
    lastTs = e.lastTs;
    maxTs = e.maxTs;
  }
  w.pos = q;
  e.count = count;
  e.lastTs = lastTs;
  e.maxTs = maxTs;
}

/** One staged record through the encoder itself: begin() and one u() per field. */
export function encodeOne(enc: StreamEncoder, slots: Float64Array, p: number): void {
  const kind = slots[p];
  enc.begin(kind, slots[p + 1]);
  const fields = kind === EventKind.MessageSend ? SEND_FIELDS : RECEIVE_FIELDS;
  for (let f = 0; f < fields; f++) enc.u(slots[p + 2 + f]);
}
