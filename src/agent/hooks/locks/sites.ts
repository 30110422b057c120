// Call sites for lock events. Unlike the core's callSite (cached by the top frame only), a lock
// acquire is usually made inside a small helper (`lock(i32, 0)`), so the top frame is the same line
// for every caller; the recorder needs the caller's frame to say *which* acquire blocked. So the
// stack here is captured per call (limit 4, ~3 µs) and cached by the whole chain of locations.
// Only recorded transitions (acquire, wait, request) pay this, never an uncontended fast path.

import type { CallSite } from '../../context';

type V8CallSite = NodeJS.CallSite;

const holder: { stack?: unknown } = {};
const rawFrames = (_: unknown, cs: V8CallSite[]) => cs;
const cache = new Map<string, CallSite>();
const NONE: CallSite = { site: undefined, stack: undefined };
const DEPTH = 4;
/** this bundle (dist/agent.js): a call made by the agent itself (its own SAB ring) has no user site */
const SELF = typeof __filename === 'string' ? __filename : undefined;

function isInternal(file: string | null | undefined): boolean {
  return !file || file.startsWith('node:') || file.startsWith('internal/');
}

/**
 * The user's call site of `wrapper`, and up to 4 user frames ("fn (file:line:col)" lines). `site`
 * is undefined when the caller is the agent itself: hooks then record nothing.
 */
export function lockSite(wrapper: Function, skipPrefixes?: readonly string[]): CallSite {
  const E = Error as unknown as { prepareStackTrace?: unknown; stackTraceLimit: number };
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  let frames: V8CallSite[] | undefined;
  try {
    E.prepareStackTrace = rawFrames;
    E.stackTraceLimit = DEPTH + 1;
    Error.captureStackTrace(holder, wrapper);
    frames = holder.stack as V8CallSite[] | undefined;
    holder.stack = undefined;
  } catch {
    frames = undefined;
  } finally {
    E.prepareStackTrace = savedPrepare;
    E.stackTraceLimit = savedLimit;
  }
  if (!Array.isArray(frames)) return NONE;
  for (const f of frames) {
    const file = f.getFileName();
    if (isInternal(file)) continue;
    if (file === SELF) return NONE;
    break;
  }
  let key = '';
  const picked: V8CallSite[] = [];
  for (let k = 0; k < frames.length && picked.length < DEPTH; k++) {
    const file = frames[k].getFileName();
    if (isInternal(file) || (skipPrefixes !== undefined && skipPrefixes.some((p) => file!.startsWith(p)))) continue;
    picked.push(frames[k]);
    key += `${file}:${frames[k].getLineNumber()}:${frames[k].getColumnNumber()}|`;
  }
  if (picked.length === 0) return NONE;
  const hit = cache.get(key);
  if (hit) return hit;
  const f = picked[0];
  const site = `${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()}`;
  const stack = picked.map((c) => `${c.getFunctionName() || '<anonymous>'} (${c.getFileName()}:${c.getLineNumber()}:${c.getColumnNumber()})`).join('\n');
  const cs = { site, stack };
  if (cache.size < 10000) cache.set(key, cs);
  return cs;
}
