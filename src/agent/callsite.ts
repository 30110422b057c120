// The user's call site of an API the agent wraps. V8's CallSite API (swap Error.prepareStackTrace
// for one call, smallest stackTraceLimit) costs ~1.8 µs against ~6 µs for formatting `.stack`
// (notes/node-runtime.md §6); passing the wrapper to captureStackTrace skips the agent's frames.
// The formatted strings are cached per location so each site is formatted once. Node-internal
// frames (`node:` files) are skipped; when no user frame remains the site is undefined. Sites and
// stack lines are mapped through source maps when Node has one for the file (source-map.ts).

import { fileURLToPath } from 'node:url';
import type { CallSite } from './context';
import { mapSite, mapsMayApply } from './source-map';

type V8CallSite = NodeJS.CallSite;

const cache = new Map<string, CallSite>();
const NONE: CallSite = { site: undefined, stack: undefined };
const holder: { stack?: unknown } = {};
const rawFrames = (_: unknown, cs: V8CallSite[]) => cs;

function capture(wrapper: Function, limit: number): V8CallSite[] | undefined {
  const E = Error as unknown as { prepareStackTrace?: unknown; stackTraceLimit: number };
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = rawFrames;
    E.stackTraceLimit = limit;
    Error.captureStackTrace(holder, wrapper);
    const frames = holder.stack as V8CallSite[] | undefined;
    holder.stack = undefined;
    return Array.isArray(frames) ? frames : undefined;
  } catch {
    return undefined;
  } finally {
    E.prepareStackTrace = savedPrepare;
    E.stackTraceLimit = savedLimit;
  }
}

let agentFile = '';
/** Frames from the agent's own file count as internal (wrappers around wrappers). */
export function setAgentFile(file: string): void {
  agentFile = file;
}

function isInternal(file: string | null | undefined): boolean {
  return !file || file.startsWith('node:') || file.startsWith('internal/') || file === agentFile;
}

/** ESM frames name their file by URL; sites are paths, like CJS ones. */
function fileOf(cs: V8CallSite): string {
  const f = cs.getFileName() ?? '';
  if (!f.startsWith('file://')) return f;
  try {
    return fileURLToPath(f);
  } catch {
    return f;
  }
}

/** "path:line:column" of a user frame, in its original source when it has a source map */
function siteOf(cs: V8CallSite, mapped: boolean): string {
  const line = cs.getLineNumber() ?? 0;
  const column = cs.getColumnNumber() ?? 0;
  const site = `${fileOf(cs)}:${line}:${column}`;
  return mapped ? mapSite(cs.getFileName() ?? '', line, column, site) : site;
}

function frameLine(cs: V8CallSite, mapped: boolean): string {
  const fn = cs.getFunctionName() || '<anonymous>';
  return `${fn} (${siteOf(cs, mapped)})`;
}

/**
 * Site and a short stack (up to `depth` user frames), cached by the top user frame's location.
 * `throughNode`: look past Node's own frames for the user's (a spawn reaches our wrapper through
 * child_process, or through cluster); otherwise a Node-internal caller means no site (AgentContext).
 */
export function callSite(wrapper: Function, depth = 6, throughNode = true): CallSite {
  const frames = capture(wrapper, depth + 4);
  if (!frames) return NONE;
  let top = -1;
  for (let k = 0; k < frames.length; k++) {
    const file = frames[k].getFileName();
    if (!isInternal(file)) {
      top = k;
      break;
    }
    if (!throughNode && file !== agentFile) return NONE;
  }
  if (top < 0) return NONE;
  const f = frames[top];
  const key = `${fileOf(f)}:${f.getLineNumber()}:${f.getColumnNumber()}`;
  let hit = cache.get(key);
  if (hit) return hit;
  const mapped = mapsMayApply();
  const lines: string[] = [];
  for (let k = top; k < frames.length && lines.length < depth; k++) if (!isInternal(frames[k].getFileName())) lines.push(frameLine(frames[k], mapped));
  hit = { site: mapped ? siteOf(f, true) : key, stack: lines.join('\n') };
  if (cache.size < 10000) cache.set(key, hit);
  return hit;
}

/**
 * Only the site, from a capture of a few frames: for hot paths such as message sends. Node's own
 * frames are looked past (Worker.postMessage reaches the port's wrapper through Node's method).
 */
export function siteOnly(wrapper: Function): string | undefined {
  const frames = capture(wrapper, 3);
  if (!frames) return undefined;
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k];
    if (!isInternal(f.getFileName())) return siteOf(f, mapsMayApply());
  }
  return undefined;
}

/**
 * The throw site of an error: its first user frame, from the formatted stack (off the hot path). Read
 * without a RegExp: it runs before the program's uncaughtException handler and a Worker's 'error'
 * listeners, which would find RegExp.$1, lastMatch and input changed.
 */
export function throwSite(err: unknown): string | undefined {
  const stack = err !== null && typeof err === 'object' ? (err as { stack?: unknown }).stack : undefined;
  if (typeof stack !== 'string') return undefined;
  for (let start = 0; start < stack.length; ) {
    let end = stack.indexOf('\n', start);
    if (end < 0) end = stack.length;
    const at = frameLocation(stack.slice(start, end));
    if (at !== undefined && !isInternal(at.file)) return `${at.file.startsWith('file://') ? safePath(at.file) : at.file}:${at.line}:${at.column}`;
    start = end + 1;
  }
  return undefined;
}

/** `file`, line and column of a formatted frame ("    at f (file:3:9)", "    at file:3:9"); undefined if it has none. */
export function frameLocation(text: string): { file: string; line: string; column: string } | undefined {
  let k = 0;
  while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
  if (k === 0 || text.slice(k, k + 3) !== 'at ') return undefined;
  let rest = text.slice(k + 3);
  if (rest.endsWith(')')) rest = rest.slice(0, -1);
  const c = trailingDigits(rest);
  if (c === 0 || rest[rest.length - c - 1] !== ':') return undefined;
  const column = rest.slice(rest.length - c);
  rest = rest.slice(0, rest.length - c - 1);
  const l = trailingDigits(rest);
  if (l === 0 || rest[rest.length - l - 1] !== ':') return undefined;
  const line = rest.slice(rest.length - l);
  let file = rest.slice(0, rest.length - l - 1);
  // "fn (file": the file starts after the first " ("
  const open = file.indexOf(' (');
  if (open >= 0) file = file.slice(open + 2);
  return file === '' ? undefined : { file, line, column };
}

function trailingDigits(s: string): number {
  let n = 0;
  while (n < s.length && s.charCodeAt(s.length - 1 - n) >= 48 && s.charCodeAt(s.length - 1 - n) <= 57) n++;
  return n;
}

function safePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}
