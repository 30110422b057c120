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

const names = new WeakMap<SharedArrayBuffer, string>();
let prefix = '';
let counter = 0;

export function initNames(pid: number, threadId: number): void {
  prefix = `${pid}.${threadId}.`;
  counter = 0;
}

/** The name of a SAB, giving it a new one the first time this thread sees it. */
export function sabName(sab: SharedArrayBuffer): string {
  let n = names.get(sab);
  if (n === undefined) {
    n = prefix + ++counter;
    names.set(sab, n);
  }
  return n;
}

const MAX_NODES = 2000;
const MAX_DEPTH = 8;

/**
 * SABs reachable from a structured-clone value, in a deterministic order that the clone keeps
 * (own enumerable keys, array order, Map/Set insertion order). Getters are skipped on the sending
 * side (reading them could run user code); the receiver checks the count and gives up on mismatch.
 */
export function collectSabs(value: unknown): SharedArrayBuffer[] {
  const out: SharedArrayBuffer[] = [];
  const seen = new Set<object>();
  let budget = MAX_NODES;
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || --budget < 0 || depth > MAX_DEPTH) return;
    if (v instanceof SharedArrayBuffer) {
      out.push(v);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof SharedArrayBuffer) out.push(v.buffer);
      return;
    }
    if (seen.has(v)) return;
    seen.add(v);
    if (v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp || v instanceof Error) return;
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) walk(v[k], depth + 1);
      return;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        walk(k, depth + 1);
        walk(x, depth + 1);
      }
      return;
    }
    if (v instanceof Set) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const key of Object.keys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) walk(d.value, depth + 1);
    }
  };
  try {
    walk(value, 0);
  } catch {
    // a Proxy or exotic object: name what was found so far
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
  return sabs.map(sabName);
}

/** Worker side: adopt the names the creating thread chose. Runs before any user code. */
export function adoptNames(workerData: unknown, list: unknown): void {
  if (!Array.isArray(list)) return;
  const sabs = collectSabs(workerData);
  if (sabs.length !== list.length) return;
  for (let k = 0; k < sabs.length; k++) if (typeof list[k] === 'string' && !names.has(sabs[k])) names.set(sabs[k], list[k]);
}
