// Builds TraceEvents by hand for the insights unit tests: each test states a trace whose figures are
// known, so every expected number below can be checked on paper.
import { SCHEMA, type TraceEvent } from '../../src/protocol/events';

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
