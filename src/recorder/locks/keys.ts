// How lock events name their lock, turned into one identity per lock (`key`, internal) and one
// label for people and reports (`label`, e.g. "atomics:4242.0.1[0]", "weblock:accounts",
// "async-mutex:4242.0.3"). Deadlock reports and contention entries use labels, so a report's
// `waitsFor` equals the holder's entry in `holds`.
//
// Also: which frame of a recorded stack is "the acquire". A lock word is usually taken inside a
// small helper (`function lock(i32, i) { while (CAS...) Atomics.wait(...) }`); every caller then
// shares the helper's line, which says nothing. The acquire site is the first frame outside such a
// helper, judged by its function name (lock, unlock, acquire, mutex, spin, wait, enter, take).

import { EventKind, LockKind, LOCK_KIND_NAMES, parseSite, type SourceSite, type TraceEvent } from '../../protocol/events';

export type LockKindName = (typeof LOCK_KIND_NAMES)[number];

export interface LockRef {
  key: string;
  label: string;
  kind: LockKindName;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export function atomicsRef(sab: string, index: number): LockRef {
  let bySab = atomicsRefs.get(sab);
  if (!bySab) {
    if (atomicsRefs.size >= REF_CACHE_MAX) atomicsRefs.clear();
    atomicsRefs.set(sab, (bySab = new Map()));
  }
  let ref = bySab.get(index);
  if (!ref) {
    const word = `${sab}[${index}]`;
    bySab.set(index, (ref = Object.freeze({ key: `a|${word}`, label: `atomics:${word}`, kind: 'atomics' as const })));
  }
  return ref;
}

/** The lock an event is about, or undefined for events that are not about a lock. */
export function lockOf(e: TraceEvent): LockRef | undefined {
  switch (e.kind) {
    case EventKind.AtomicsWaitBegin:
    case EventKind.AtomicsNotify:
      return atomicsRef(str(e.fields.lock), num(e.fields.index));
    case EventKind.LockAcquired:
    case EventKind.LockReleased:
    case EventKind.LockRequest: {
      const k = num(e.fields.lockKind);
      const name = str(e.fields.lock);
      // Web Locks are scoped to a process (its agent cluster); async-mutex names already hold the pid
      const refs = k === LockKind.Atomics ? words : k === LockKind.WebLock ? webLocksOf(e.pid) : mutexes;
      let ref = refs.get(name);
      if (!ref) {
        if (refs.size >= REF_CACHE_MAX) refs.clear();
        if (k === LockKind.Atomics) ref = { key: `a|${name}`, label: `atomics:${name}`, kind: 'atomics' };
        else if (k === LockKind.WebLock) ref = { key: `w|${e.pid}|${name}`, label: `weblock:${name}`, kind: 'weblock' };
        else ref = { key: `m|${name}`, label: `async-mutex:${name}`, kind: 'async-mutex' };
        refs.set(name, Object.freeze(ref));
      }
      return ref;
    }
    default:
      return undefined;
  }
}

// Every lock event names its lock; one frozen LockRef per lock spares building its key and label
// strings again for each of them (and hashing them again in every map they key).
const REF_CACHE_MAX = 100_000;
const atomicsRefs = new Map<string, Map<number, LockRef>>();
const words = new Map<string, LockRef>();
const mutexes = new Map<string, LockRef>();
const webLocks = new Map<number, Map<string, LockRef>>();
function webLocksOf(pid: number): Map<string, LockRef> {
  let m = webLocks.get(pid);
  if (!m) {
    if (webLocks.size >= REF_CACHE_MAX) webLocks.clear();
    webLocks.set(pid, (m = new Map()));
  }
  return m;
}

export function threadKey(pid: number, threadId: number): string {
  return `${pid}:${threadId}`;
}

const HELPER_START = /^(?:[uU]n)?(?:[lL]ock|[aA]cquire|[mM]utex|[sS]pin|[wW]ait|[eE]nter|[tT]ake|[rR]elease|[wW]ith)(?:[A-Z_0-9]|$)/;
const HELPER_END = /(?:Lock|Mutex|Acquire|Wait)$/;
const isHelper = (fn: string): boolean => {
  const last = fn.slice(fn.lastIndexOf('.') + 1);
  return HELPER_START.test(last) || HELPER_END.test(last);
};
const FRAME = /^(.*?) \((.+):(\d+):(\d+)\)$/;

/** The acquire's source line: the first frame of `stack` outside a lock helper, else `site`. */
export function acquireSite(site: unknown, stack: unknown): SourceSite | undefined {
  if (typeof stack === 'string' && stack.length > 0) {
    // a program takes its locks from a few places, so the same stacks come back again and again
    let s = stackSites.get(stack);
    if (s === undefined) {
      if (stackSites.size >= STACK_CACHE_MAX) stackSites.clear();
      stackSites.set(stack, (s = stackSite(stack)));
    }
    if (s) return { file: s.file, line: s.line, column: s.column };
  }
  return parseSite(str(site));
}

const STACK_CACHE_MAX = 10_000;
const stackSites = new Map<string, SourceSite | null>();

function stackSite(stack: string): SourceSite | null {
  let chosen: SourceSite | null = null;
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const s = { file: m[2], line: Number(m[3]), column: Number(m[4]) };
    chosen = s;
    const fn = m[1].replace(/^async /, '');
    if (!isHelper(fn)) return s;
  }
  return chosen;
}
