// Writing a whole message record (header and unsigned fields) straight into the encoder's events
// buffer, for the hottest records the agent writes (one per message sent and one per message
// received). Why not StreamEncoder.begin() + u() per field: every thread's V8 optimizes its hot
// functions on its own, and the general path inlined into the send and receive hooks made graphs
// that took ~7 ms of compilation per thread each (node --trace-opt); this is one small loop. The
// bytes are exactly what begin() and u() write, so the decoder sees no difference (the e2e tests
// decode every record). StreamEncoder keeps these members private; this reads them as tail.ts does.

import type { StreamEncoder } from '../protocol/wire';

interface EventsWriter {
  buf: Uint8Array;
  pos: number;
  ensure(n: number): void;
  uvar(v: number): void;
  ivar(v: number): void;
}

interface EncoderInternals {
  events: EventsWriter;
  count: number;
  lastTs: number;
  maxTs: number;
}

/** The record's fields, set by the caller before record(): only 'u' fields or interned 's' ids. */
export const FIELDS = new Float64Array(8);

/** Same bytes as enc.begin(kind, ts) followed by enc.u(FIELDS[k]) for k < n. */
export function record(enc: StreamEncoder, kind: number, ts: number, n: number): void {
  const e = enc as unknown as EncoderInternals;
  if (e.count === 0) enc.begin(kind, ts); // the first record of a chunk also writes its header
  else {
    const w = e.events;
    w.ensure(16);
    let d = ts - e.lastTs;
    e.count++;
    e.lastTs = ts;
    if (ts > e.maxTs) e.maxTs = ts;
    const b = w.buf;
    let p = w.pos;
    b[p++] = kind;
    if (d >= 0 && d < 0x40000000) {
      d *= 2; // zigzag of a non-negative value
      while (d >= 0x80) {
        b[p++] = (d & 0x7f) | 0x80;
        d >>>= 7;
      }
      b[p++] = d;
      w.pos = p;
    } else {
      w.pos = p;
      w.ivar(d);
    }
  }
  const w = e.events;
  w.ensure(10 * n);
  const b = w.buf;
  let p = w.pos;
  for (let k = 0; k < n; k++) {
    let v = FIELDS[k];
    if (v >= 0 && v < 0x80000000) {
      while (v >= 0x80) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[p++] = v;
    } else {
      w.pos = p;
      w.uvar(v); // the general path (room is already there, so it writes into b)
      p = w.pos;
    }
  }
  w.pos = p;
}
