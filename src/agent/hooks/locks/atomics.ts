// Atomics hooks: wait / waitAsync / notify, and the lock word of mutexes built on compareExchange.
//
// Waits and notifies are recorded as they are. A mutex built on a SAB word is recognised by its
// transitions, not by wrapping the user's lock function (there is none to find): a successful
// compareExchange(0 -> non-zero) or exchange(non-zero) returning 0 takes the word; a store /
// exchange / compareExchange that puts 0 back into a word this thread took releases it. Every other
// call (spinning CAS, counters, flags) costs one wrapper call and a few comparisons, and writes
// nothing (bench/locks.bench.mjs). The thread flushes before each blocking wait so that a hanging
// program's waits reach the collector.

import { EventKind, LockKind, WaitResult } from '../../../protocol/events';
import type { AgentContext } from '../../context';
import { sabName } from './sab-names';
import { lockSite } from './sites';
import { apply } from '../../pristine';

type AnyAtomics = {
  wait(ta: unknown, index: unknown, value: unknown, timeout?: unknown): string;
  waitAsync?(ta: unknown, index: unknown, value: unknown, timeout?: unknown): { async: boolean; value: unknown };
  notify(ta: unknown, index: unknown, count?: unknown): number;
  compareExchange(ta: unknown, index: unknown, expected: unknown, replacement: unknown): unknown;
  exchange(ta: unknown, index: unknown, value: unknown): unknown;
  store(ta: unknown, index: unknown, value: unknown): unknown;
};

/** a polling loop on one word records a poll at most this often (ns), until the word is taken */
const POLL_NS = 50e6;
/** words remembered per buffer (and as many from before): ~100 KB at most */
const MAX_POLLED_WORDS = 4096;

// tables without a prototype: a lookup of a name not in them must not reach a getter a program put on Object.prototype
const RESULT = table({ ok: WaitResult.Ok, 'not-equal': WaitResult.NotEqual, 'timed-out': WaitResult.TimedOut, interrupted: WaitResult.Interrupted });

// The hooks must never run user code (a getter, valueOf) that the original call would not have
// run, nor run it twice: the buffer is read with the intrinsic TypedArray getter, and values are
// only converted when they are primitives (an object argument is simply not recorded).
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const bufferOf = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'buffer')!.get!;
const byteOffsetOf = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'byteOffset')!.get!;
const typeNameOf = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag)!.get!;
/** the integer arrays Atomics works on, by name: bytes per element */
const ELEMENT_BYTES = table({ Int8Array: 1, Uint8Array: 1, Int16Array: 2, Uint16Array: 2, Int32Array: 4, Uint32Array: 4, BigInt64Array: 8, BigUint64Array: 8 });

function table(entries: Record<string, number>): Record<string, number | undefined> {
  return Object.setPrototypeOf(entries, null) as Record<string, number | undefined>;
}

/**
 * The word's index in the whole buffer, in the view's elements: two views at different offsets of
 * one SharedArrayBuffer (`new Int32Array(sab, 16)`) name different words with the same index.
 * Read with the intrinsic getters. An index Atomics refuses (not a primitive, negative) is left as
 * it is: it must not land on another view's word.
 */
function wordIndex(ta: unknown, index: unknown): unknown {
  if (!isPrimitive(index) || intField(index) < 0) return index;
  try {
    const offset = apply(byteOffsetOf, ta, []) as number;
    if (offset === 0) return index;
    const size = ELEMENT_BYTES[apply(typeNameOf, ta, []) as string];
    return size === undefined ? index : intField(index) + offset / size;
  } catch {
    return index;
  }
}

function sharedBuffer(ta: unknown): SharedArrayBuffer | undefined {
  try {
    const b = apply(bufferOf, ta, []);
    return b instanceof SharedArrayBuffer ? b : undefined;
  } catch {
    return undefined; // not a typed array: the original call throws its own error
  }
}

const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol');

/** 1: converts to 0, 0: converts to something else, -1: unknown without running user code */
function zeroness(v: unknown): number {
  if (v === 0 || v === 0n) return 1;
  if (typeof v === 'number') return Math.trunc(v) === 0 || v !== v ? 1 : 0;
  if (typeof v === 'bigint') return 0;
  if (!isPrimitive(v)) return -1;
  const n = Number(v as string);
  return n !== n || Math.trunc(n) === 0 ? 1 : 0;
}

function timeoutField(t: unknown): number {
  if (t === undefined || !isPrimitive(t) || typeof t === 'bigint') return -1;
  const n = Number(t);
  if (!(n < Infinity) || Number.isNaN(n)) return -1;
  if (n <= 0) return 0;
  return Math.min(Math.ceil(n), 2 ** 52);
}

function intField(v: unknown): number {
  if (!isPrimitive(v)) return 0;
  const n = Number(v as string);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

export function installAtomicsHooks(ctx: AgentContext): void {
  const A = Atomics as unknown as AnyAtomics;
  const origWait = A.wait;
  const origWaitAsync = A.waitAsync;
  const origNotify = A.notify;
  const origCas = A.compareExchange;
  const origExchange = A.exchange;
  const origStore = A.store;

  /** lock words this thread holds: "<sab>[<index>]" -> lockId */
  const held = new Map<string, number>();
  /** lock words this thread waited on since it last took them (for the `waited` flag) */
  const waitedOn = new Set<string>();
  /**
   * When a poll (Atomics.wait or waitAsync with timeout 0, which cannot block) on a word was last recorded: a
   * polling loop records its first poll, then one every POLL_NS until this thread takes the word.
   * Each recorded poll captures its call site (~8 µs), and a loop polls every ~0.2 µs.
   */
  const polls = new WeakMap<SharedArrayBuffer, { now: Map<number, number>; before: Map<number, number> }>();

  /** Whether this poll is to be recorded (see `polls`). */
  function pollDue(sab: SharedArrayBuffer, index: unknown): boolean {
    try {
      const i = intField(index);
      let words = polls.get(sab);
      if (words === undefined) polls.set(sab, (words = { now: new Map(), before: new Map() }));
      const last = words.now.get(i) ?? words.before.get(i);
      const now = ctx.now();
      if (last !== undefined && now - last < POLL_NS) return false;
      // a program polling a great many words: two generations of MAX_POLLED_WORDS, so the map
      // stays bounded and a word polled in turn with thousands of others is still recorded only
      // once per POLL_NS
      if (words.now.size >= MAX_POLLED_WORDS) {
        words.before = words.now;
        words.now = new Map();
      }
      words.now.set(i, now);
    } catch {
      // record it
    }
    return true;
  }

  /** The next contention on this word records its first poll again. */
  function pollsTaken(sab: SharedArrayBuffer, i: number): void {
    const words = polls.get(sab);
    if (words === undefined) return;
    words.now.delete(i);
    words.before.delete(i);
  }
  let inHook = false;

  const quiet = () => inHook || ctx.busy;

  function waitBegin(wrapper: Function, sab: SharedArrayBuffer, index: unknown, value: unknown, timeout: unknown, isAsync: number): number {
    inHook = true;
    try {
      const name = sabName(sab);
      const i = intField(index);
      const cs = lockSite(wrapper);
      if (cs.site === undefined) return 0;
      const id = ctx.nextId();
      const enc = ctx.enc;
      enc.begin(EventKind.AtomicsWaitBegin, ctx.now());
      enc.s(name);
      enc.u(i < 0 ? 0 : i);
      enc.i(intField(value));
      enc.i(timeoutField(timeout));
      enc.u(isAsync);
      enc.u(id);
      enc.s(cs.site);
      enc.s(cs.stack);
      ctx.recorded();
      waitedOn.add(`${name}[${i}]`);
      return id;
    } catch {
      return 0;
    } finally {
      inHook = false;
    }
  }

  function waitEnd(id: number, result: unknown): void {
    if (id === 0) return;
    inHook = true;
    try {
      ctx.enc.begin(EventKind.AtomicsWaitEnd, ctx.now());
      ctx.enc.u(id);
      ctx.enc.u(RESULT[String(result)] ?? WaitResult.Ok);
      ctx.recorded();
    } catch {
      // never throw into the user's code
    } finally {
      inHook = false;
    }
  }

  function lockEvent(wrapper: Function, sab: SharedArrayBuffer, index: unknown, acquire: boolean): void {
    inHook = true;
    try {
      if (!isPrimitive(index)) return;
      const key = `${sabName(sab)}[${intField(index)}]`;
      const enc = ctx.enc;
      if (acquire) {
        const cs = lockSite(wrapper);
        if (cs.site === undefined) return; // the agent's own memory
        const previous = held.get(key);
        if (previous !== undefined) {
          // the word was 0 again, so it was released in a way we do not watch (Atomics.sub, a plain
          // write, another thread): close that hold before this one
          enc.begin(EventKind.LockReleased, ctx.now());
          enc.u(LockKind.Atomics);
          enc.s(key);
          enc.u(previous);
          enc.s(undefined);
          ctx.recorded();
        }
        const id = ctx.nextId();
        held.set(key, id);
        const waited = waitedOn.delete(key) ? 1 : 0;
        if (waited) pollsTaken(sab, intField(index));
        enc.begin(EventKind.LockAcquired, ctx.now());
        enc.u(LockKind.Atomics);
        enc.s(key);
        enc.s(undefined);
        enc.u(id);
        enc.u(waited);
        enc.s(cs.site);
        enc.s(cs.stack);
      } else {
        const id = held.get(key);
        if (id === undefined) return;
        held.delete(key);
        enc.begin(EventKind.LockReleased, ctx.now());
        enc.u(LockKind.Atomics);
        enc.s(key);
        enc.u(id);
        enc.s(undefined);
      }
      ctx.recorded();
    } catch {
      // never throw into the user's code
    } finally {
      inHook = false;
    }
  }

  // a method, as the builtin is: `new Atomics.wait()` is not a constructor call
  const wait = {
    wait(ta: unknown, index: unknown, value: unknown, timeout?: unknown): string {
      const sab = quiet() ? undefined : sharedBuffer(ta);
      if (sab === undefined) return apply(origWait, Atomics, arguments);
      const poll = timeoutField(timeout) === 0;
      const word = wordIndex(ta, index);
      if (poll && !pollDue(sab, word)) return apply(origWait, Atomics, arguments);
      const id = waitBegin(wait, sab, word, value, timeout, 0);
      // a wait that may block flushes first (a hanging program's waits reach the collector); a poll
      // cannot block, and a flush per poll made a polling loop ~50x slower
      if (!poll) {
        try {
          ctx.flush();
        } catch {
          // a failed flush must not stop the user's wait
        }
      }
      let result: string | undefined;
      try {
        result = apply(origWait, Atomics, arguments) as string;
      } finally {
        // undefined: it threw (e.g. a TypeError for a typed array Atomics.wait does not accept); in
        // `finally`, so the error keeps the place Node reports it from
        waitEnd(id, result ?? 'interrupted');
      }
      return result;
    },
  }.wait;
  A.wait = wait;

  if (typeof origWaitAsync === 'function') {
    // a method, as the builtin is: `new Atomics.waitAsync()` is not a constructor call
    const waitAsync = {
      waitAsync(ta: unknown, index: unknown, value: unknown, timeout?: unknown) {
        const sab = quiet() ? undefined : sharedBuffer(ta);
        if (sab === undefined) return apply(origWaitAsync, Atomics, arguments);
        const word = wordIndex(ta, index);
        if (timeoutField(timeout) === 0 && !pollDue(sab, word)) return apply(origWaitAsync, Atomics, arguments);
        const id = waitBegin(waitAsync, sab, word, value, timeout, 1);
        const r = apply(origWaitAsync, Atomics, arguments) as { async: boolean; value: unknown };
        try {
          if (r && r.async && r.value && typeof (r.value as Promise<unknown>).then === 'function') {
            // this promise never rejects, so observing it changes nothing the user sees
            (r.value as Promise<unknown>).then((v) => waitEnd(id, v));
          } else if (r) waitEnd(id, r.value);
        } catch {
          // never throw into the user's code
        }
        return r;
      },
    }.waitAsync;
    A.waitAsync = waitAsync;
  }

  // a method, as the builtin is: `new Atomics.notify()` is not a constructor call
  const notify = {
    notify(ta: unknown, index: unknown, count?: unknown): number {
      // the time of the call, not of its return: a woken thread may record its wake-up before we do
      const ts = ctx.now();
      const woken = apply(origNotify, Atomics, arguments) as number;
      // a notify that woke nobody is the uncontended unlock path: not worth a record
      if (woken > 0 && !quiet()) {
        const sab = sharedBuffer(ta);
        if (sab !== undefined) {
          inHook = true;
          try {
            const cs = lockSite(notify);
            if (cs.site === undefined) return woken;
            const enc = ctx.enc;
            enc.begin(EventKind.AtomicsNotify, ts);
            enc.s(sabName(sab));
            enc.u(intField(wordIndex(ta, index)));
            enc.i(count === undefined || !isPrimitive(count) || typeof count === "bigint" || !(Number(count) < Infinity) ? -1 : intField(count));
            enc.u(woken);
            enc.s(cs.site);
            ctx.recorded();
          } catch {
            // never throw into the user's code
          } finally {
            inHook = false;
          }
        }
      }
      return woken;
    },
  }.notify;
  A.notify = notify;

  // a method, as the builtin is: `new Atomics.compareExchange()` is not a constructor call
  const compareExchange = {
    compareExchange(ta: unknown, index: unknown, expected: unknown, replacement: unknown): unknown {
      const old = origCas(ta, index, expected, replacement);
      if (old === 0 || old === 0n) {
        if (zeroness(expected) === 1 && zeroness(replacement) === 0 && !quiet()) {
          const sab = sharedBuffer(ta);
          if (sab !== undefined) lockEvent(compareExchange, sab, wordIndex(ta, index), true);
        }
      } else if (held.size > 0 && zeroness(replacement) === 1 && !quiet()) {
        // success means `old` equals the converted `expected`; only plain numbers / bigints are compared
        if ((typeof expected === 'number' || typeof expected === 'bigint') && old == expected) {
          const sab = sharedBuffer(ta);
          if (sab !== undefined) lockEvent(compareExchange, sab, wordIndex(ta, index), false);
        }
      }
      return old;
    },
  }.compareExchange;
  A.compareExchange = compareExchange;

  // a method, as the builtin is: `new Atomics.exchange()` is not a constructor call
  const exchange = {
    exchange(ta: unknown, index: unknown, value: unknown): unknown {
      const old = origExchange(ta, index, value);
      if (old === 0 || old === 0n) {
        if (zeroness(value) === 0 && !quiet()) {
          const sab = sharedBuffer(ta);
          if (sab !== undefined) lockEvent(exchange, sab, wordIndex(ta, index), true);
        }
      } else if (held.size > 0 && zeroness(value) === 1 && !quiet()) {
        const sab = sharedBuffer(ta);
        if (sab !== undefined) lockEvent(exchange, sab, wordIndex(ta, index), false);
      }
      return old;
    },
  }.exchange;
  A.exchange = exchange;

  // a method, as the builtin is: `new Atomics.store()` is not a constructor call
  const store = {
    store(ta: unknown, index: unknown, value: unknown): unknown {
      const r = origStore(ta, index, value);
      if (held.size > 0 && zeroness(value) === 1 && !quiet()) {
        const sab = sharedBuffer(ta);
        if (sab !== undefined) lockEvent(store, sab, wordIndex(ta, index), false);
      }
      return r;
    },
  }.store;
  A.store = store;
}
