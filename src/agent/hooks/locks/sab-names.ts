// Stable names for SharedArrayBuffers, the same in every thread that sees the same memory.
//
// A SAB received by another thread is a different JS object over the same memory, and JS offers no
// way to learn that two objects alias (short of writing into the user's memory, which the agent
// never does). So the thread that *shares* a SAB names it: when a Worker is created, the agent
// walks its workerData (bounded), names every SAB it finds (`<pid>.<threadId>.<n>`, reusing a name
// this thread already gave) and passes the list to the new thread in environment data (hooks/worker-options.ts); the
// new thread walks its copy of workerData in the same order and adopts those names before any user
// code runs. A SAB first seen any other way (postMessage, or created locally) gets a name local to
// the thread; two threads then see two names for one buffer (docs/locks.md, "Limits").

import { types } from 'node:util';
import { uncurry } from '../../pristine';

// Everything the walk below calls, taken when the agent loads: by the time a worker is made, the
// program may have replaced any of these (a Map subclass's iterator, Set.prototype.add, a typed
// array's buffer getter), and the walk must run none of the program's code. Node's structured
// clone, which copies workerData after the walk, reads through none of them either.
const { isProxy, isSharedArrayBuffer, isArrayBufferView, isDataView, isMap, isSet, isArrayBuffer, isDate, isRegExp, isNativeError } = types;
const isArray = Array.isArray;
const keys = Object.keys;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const proto = Object.getPrototypeOf;
const typedArrayBuffer = uncurry(getOwnPropertyDescriptor(proto(Uint8Array.prototype), 'buffer')?.get);
const dataViewBuffer = uncurry(getOwnPropertyDescriptor(DataView.prototype, 'buffer')?.get);
const mapEntries = uncurry(Map.prototype.entries);
const mapIteratorNext = uncurry(proto(new Map().entries()).next);
const setValues = uncurry(Set.prototype.values);
const setIteratorNext = uncurry(proto(new Set().values()).next);
const setHas = uncurry(Set.prototype.has) as (s: Set<object>, v: object) => boolean;
const setAdd = uncurry(Set.prototype.add) as (s: Set<object>, v: object) => void;
const weakGet = uncurry(WeakMap.prototype.get) as (m: WeakMap<object, string>, k: object) => string | undefined;
const weakSet = uncurry(WeakMap.prototype.set) as (m: WeakMap<object, string>, k: object, v: string) => void;
const weakHas = uncurry(WeakMap.prototype.has) as (m: WeakMap<object, string>, k: object) => boolean;
type Step = { done?: boolean; value?: unknown };

const names = new WeakMap<SharedArrayBuffer, string>();
let prefix = '';
let counter = 0;

export function initNames(pid: number, threadId: number): void {
  prefix = `${pid}.${threadId}.`;
  counter = 0;
}

/** The name of a SAB, giving it a new one the first time this thread sees it. */
export function sabName(sab: SharedArrayBuffer): string {
  let n = weakGet(names, sab);
  if (n === undefined) {
    n = prefix + ++counter;
    weakSet(names, sab, n);
  }
  return n;
}

const MAX_NODES = 2000;
/** array elements and keys looked at, holes included: a sparse array's length can be 2^32 - 1 */
const MAX_STEPS = 100_000;
const MAX_DEPTH = 8;

/**
 * SABs reachable from a structured-clone value, in a deterministic order that the clone keeps
 * (own enumerable keys, array order, Map/Set insertion order). Getters are skipped on the sending
 * side (reading them could run user code); the receiver checks the count and gives up on mismatch.
 * A Proxy is not looked into (its traps are the program's code; the clone refuses it anyway).
 */
export function collectSabs(value: unknown): SharedArrayBuffer[] {
  const out: SharedArrayBuffer[] = [];
  const seen = new Set<object>();
  let budget = MAX_NODES;
  let steps = MAX_STEPS;
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || --budget < 0 || depth > MAX_DEPTH || isProxy(v)) return;
    if (isSharedArrayBuffer(v)) {
      out[out.length] = v;
      return;
    }
    if (isArrayBufferView(v)) {
      const buffer = isDataView(v) ? dataViewBuffer(v) : typedArrayBuffer(v);
      if (isSharedArrayBuffer(buffer)) out[out.length] = buffer;
      return;
    }
    if (setHas(seen, v)) return;
    setAdd(seen, v);
    if (isArrayBuffer(v) || isDate(v) || isRegExp(v) || isNativeError(v)) return;
    if (isMap(v)) {
      const it = mapEntries(v);
      for (let step = mapIteratorNext(it) as Step; !step.done; step = mapIteratorNext(it) as Step) {
        const entry = step.value as [unknown, unknown];
        walk(entry[0], depth + 1);
        walk(entry[1], depth + 1);
      }
      return;
    }
    if (isSet(v)) {
      const it = setValues(v);
      for (let step = setIteratorNext(it) as Step; !step.done; step = setIteratorNext(it) as Step) walk(step.value, depth + 1);
      return;
    }
    // an array's elements and an object's keys alike, as data: an element can be a getter too
    const own = isArray(v) ? undefined : keys(v);
    const n = own === undefined ? (v as unknown[]).length : own.length;
    for (let k = 0; k < n && --steps >= 0; k++) {
      const d = getOwnPropertyDescriptor(v, own === undefined ? k : own[k]);
      if (d !== undefined && 'value' in d) walk(d.value, depth + 1);
    }
  };
  try {
    walk(value, 0);
  } catch {
    // an exotic object: name what was found so far
  }
  return out;
}

/**
 * Sender side: the names of the SABs in a new Worker's workerData, which it adopts (handed over in
 * environment data, hooks/worker-options.ts). Undefined when there are none.
 */
export function namesForWorker(workerData: unknown): string[] | undefined {
  const sabs = collectSabs(workerData);
  if (sabs.length === 0) return undefined;
  const list: string[] = [];
  for (let k = 0; k < sabs.length; k++) list[k] = sabName(sabs[k]);
  return list;
}

/** Worker side: adopt the names the creating thread chose. Runs before any user code. */
export function adoptNames(workerData: unknown, list: unknown): void {
  if (!Array.isArray(list)) return;
  const sabs = collectSabs(workerData);
  if (sabs.length !== list.length) return;
  for (let k = 0; k < sabs.length; k++) if (typeof list[k] === 'string' && !weakHas(names, sabs[k])) weakSet(names, sabs[k], list[k]);
}
