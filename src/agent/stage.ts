// Message records, the agent's most frequent (one per send and one per receipt), are staged as raw
// numbers and encoded in batches: staging a record is a few stores, and a worker then publishes one
// count per record to its tail instead of a seqlock of the encoder's positions (a worker's send
// -60 ns in a hot loop; docs/capture.md). The batch encoder is one loop with no call per field. A
// worker's stage lives in its tail's SharedArrayBuffer (tail.ts), so a terminated worker loses no
// staged record either.

import { EventKind, SCHEMA } from '../protocol/events';
import type { StreamEncoder } from '../protocol/wire';

/** Slots per staged record: record kind, timestamp, then up to 7 unsigned fields. */
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

const SEND_FIELDS = SCHEMA[EventKind.MessageSend].length;
const RECEIVE_FIELDS = SCHEMA[EventKind.MessageReceive].length;

/** StreamEncoder's private state, written here directly (as tail.ts reads it; documented there). */
interface EncoderInternals {
  events: { buf: Uint8Array; pos: number; ensure(n: number): void; uvar(v: number): void; ivar(v: number): void };
  count: number;
  lastTs: number;
  maxTs: number;
}

/**
 * Encodes the first n staged records: the same bytes as enc.begin(kind, ts) then one enc.u() per
 * field (a unit test compares them), written out here as one loop over the batch.
 */
export function encodeStaged(enc: StreamEncoder, slots: Float64Array, n: number): void {
  if (n === 0) return;
  // the first record through the encoder itself (it may start a chunk): that path then runs on every
  // batch, so V8 never meets it for the first time in optimised code (a deoptimisation per thread)
  const first = slots[0];
  enc.begin(first, slots[1]);
  const firstFields = first === EventKind.MessageSend ? SEND_FIELDS : RECEIVE_FIELDS;
  for (let f = 0; f < firstFields; f++) enc.u(slots[2 + f]);
  const e = enc as unknown as EncoderInternals;
  const w = e.events;
  for (let k = 1, p = STRIDE; k < n; k++, p += STRIDE) {
    const kind = slots[p];
    const ts = slots[p + 1];
    const fields = kind === EventKind.MessageSend ? SEND_FIELDS : RECEIVE_FIELDS;
    let d = ts - e.lastTs;
    if (d < 0 || d >= 0x40000000) enc.begin(kind, ts); // a rare delta (over a second, or backwards)
    else {
      e.count++;
      e.lastTs = ts;
      if (ts > e.maxTs) e.maxTs = ts;
      w.ensure(6);
      const b = w.buf;
      let q = w.pos;
      b[q++] = kind;
      d *= 2; // zigzag of a non-negative delta
      while (d >= 0x80) {
        b[q++] = (d & 0x7f) | 0x80;
        d >>>= 7;
      }
      b[q++] = d;
      w.pos = q;
    }
    w.ensure(10 * fields);
    const b = w.buf;
    let q = w.pos;
    for (let f = 2; f < 2 + fields; f++) {
      let v = slots[p + f];
      if (v >= 0 && v < 0x80000000) {
        while (v >= 0x80) {
          b[q++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        b[q++] = v;
      } else {
        w.pos = q;
        w.uvar(v); // the general path (the room is there, so it writes into b)
        q = w.pos;
      }
    }
    w.pos = q;
  }
}
