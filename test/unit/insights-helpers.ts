// Builds TraceEvents by hand for the insights unit tests: each test states a trace whose figures are
// known, so every expected number below can be checked on paper.
import { SCHEMA, type TraceEvent } from '../../src/protocol/events';
import { concatBytes, encodeRecord, fileHeader, metaChunk, StreamEncoder } from '../../src/protocol/wire';

export const MS = 1e6;

export function ev(kind: number, tsMs: number, pid: number, threadId: number, fields: Record<string, number | string | undefined> = {}, tid = threadId === 0 ? pid : pid * 10 + threadId): TraceEvent {
  const schema = SCHEMA[kind];
  if (!schema) throw new Error(`unknown kind ${kind}`);
  for (const name of Object.keys(fields)) if (!schema.some(([n]) => n === name)) throw new Error(`kind ${kind} has no field ${name}`);
  return { kind, ts: Math.round(tsMs * MS), pid, tid, threadId, fields };
}

/** A record written by the collector (stream pid 0), as the samplers do. */
export function col(kind: number, tsMs: number, fields: Record<string, number | string | undefined>): TraceEvent {
  return ev(kind, tsMs, 0, 0, fields, 0);
}

/** Encodes events into a .ctrace file (one stream per pid/threadId, as the collector merges them). */
export function encodeTrace(events: readonly TraceEvent[], meta: object): Uint8Array {
  const streams = new Map<string, StreamEncoder>();
  const parts: Uint8Array[] = [fileHeader(), metaChunk(meta)];
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    const k = e.pid + ':' + e.threadId;
    let enc = streams.get(k);
    if (!enc) streams.set(k, (enc = new StreamEncoder(e.pid, e.tid, e.threadId)));
    encodeRecord(enc, e.kind, e.ts, e.fields);
  }
  for (const enc of streams.values()) parts.push(enc.flush());
  parts.push(metaChunk({ complete: true }));
  return concatBytes(parts);
}
