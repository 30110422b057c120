// Call sites for lock events. Unlike the core's callSite (cached by the top frame only), a lock
// acquire is usually made inside a small helper (`lock(i32, 0)`), so the top frame is the same line
// for every caller; the recorder needs the caller's frame to say *which* acquire blocked. So the
// stack here is captured per call (limit 4, ~3 µs) and its strings cached by the whole chain of
// locations.
// Only recorded transitions (acquire, wait, request) pay this, never an uncontended fast path.

import type { CallSite } from '../../context';

type V8CallSite = NodeJS.CallSite;

const holder: { stack?: unknown } = {};
const rawFrames = (_: unknown, cs: V8CallSite[]) => cs;
/** A cache entry per chain of frame locations: `hit` for the chain that ends here. */
interface TrieNode {
  hit?: CallSite;
  next?: Map<string, Map<number, TrieNode>>;
}
const root: TrieNode = {};
let nodes = 0;
const MAX_NODES = 40000;
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
  // one pass: the user frames to keep, and the cache entry of that chain of locations (a trie by
  // file and position, so no key string is built and hashed per call)
  const picked: V8CallSite[] = [];
  let node: TrieNode | undefined = root;
  let seenUser = false;
  for (let k = 0; k < frames.length && picked.length < DEPTH; k++) {
    const f = frames[k];
    const file = f.getFileName();
    if (isInternal(file)) continue;
    if (!seenUser) {
      if (file === SELF) return NONE;
      seenUser = true;
    }
    if (skipPrefixes !== undefined && skipPrefixes.some((p) => file!.startsWith(p))) continue;
    picked.push(f);
    if (node !== undefined) node = step(node, file!, positionOf(f));
  }
  if (picked.length === 0) return NONE;
  if (node?.hit !== undefined) return node.hit;
  const f = picked[0];
  const site = `${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()}`;
  const stack = picked.map((c) => `${c.getFunctionName() || '<anonymous>'} (${c.getFileName()}:${c.getLineNumber()}:${c.getColumnNumber()})`).join('\n');
  const cs = { site, stack };
  if (node !== undefined) node.hit = cs;
  return cs;
}

/**
 * Where a frame is in its file, as one number: V8's character offset (one call, where line and
 * column cost two and a search of the file's line table), else line and column combined (exact for
 * columns below 2^24).
 */
function positionOf(f: V8CallSite): number {
  const g = f as V8CallSite & { getPosition?: () => number };
  if (typeof g.getPosition === 'function') return g.getPosition();
  return (f.getLineNumber() ?? 0) * 0x1000000 + Math.min(f.getColumnNumber() ?? 0, 0xffffff);
}

/** The next level of the cache for a frame at that position of that file; undefined once the cache is full. */
function step(node: TrieNode, file: string, position: number): TrieNode | undefined {
  let byFile = node.next;
  if (byFile === undefined) {
    if (nodes >= MAX_NODES) return undefined;
    node.next = byFile = new Map();
  }
  let byPosition = byFile.get(file);
  if (byPosition === undefined) {
    if (nodes >= MAX_NODES) return undefined;
    byFile.set(file, (byPosition = new Map()));
  }
  let next = byPosition.get(position);
  if (next === undefined) {
    if (nodes >= MAX_NODES) return undefined;
    byPosition.set(position, (next = {}));
    nodes++;
  }
  return next;
}
