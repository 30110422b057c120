// Cheap size estimates for a message, without serializing it: a walk over strings, numbers, typed
// arrays, Maps, Sets, Errors and plain objects/arrays (close to V8's serialized size, within a few
// bytes per value), with v8.serialize only for other objects (Date and RegExp are cheap to walk, boxed
// primitives are not) or when the walk passes its budget. SharedArrayBuffers (and views on them) are
// counted apart: they are shared, not copied.
//
// Only received values are sized: the clone Node made (or IPC's parsed JSON) holds no accessor and no
// Proxy. The walk still must not reach user code through what a program may patch after the agent
// loaded: prototypes (an array's hole reads Array.prototype; `byteLength` and `buffer` are
// prototype getters; `instanceof` calls Symbol.hasInstance) and globals (Object.getPrototypeOf,
// ArrayBuffer.isView). So it reads own properties only and uses the functions and getters captured
// below, when the agent loads, before the program's code runs.

import { types } from 'node:util';
import { builtin, hasOwn, ownData, uncurry } from './pristine';

const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;
const ObjectPrototype = Object.prototype;
const { isArrayBuffer, isSharedArrayBuffer, isArrayBufferView, isDataView, isMap, isSet, isNativeError, isDate } = types;
const getter = (o: object, name: string) => uncurry(Object.getOwnPropertyDescriptor(o, name)?.get);
const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedByteLength = getter(TypedArrayPrototype, 'byteLength') as (v: unknown) => number;
const typedBuffer = getter(TypedArrayPrototype, 'buffer');
const viewByteLength = getter(DataView.prototype, 'byteLength') as (v: unknown) => number;
const viewBuffer = getter(DataView.prototype, 'buffer');
const bufferByteLength = getter(ArrayBuffer.prototype, 'byteLength') as (v: unknown) => number;
const sharedByteLength = typeof SharedArrayBuffer === 'function' ? (getter(SharedArrayBuffer.prototype, 'byteLength') as (v: unknown) => number) : () => 0;
const mapSize = getter(Map.prototype, 'size') as (v: unknown) => number;
const setSize = getter(Set.prototype, 'size') as (v: unknown) => number;
const mapForEach = uncurry(Map.prototype.forEach);
const setForEach = uncurry(Set.prototype.forEach);

// node:v8 is loaded on first need (every thread pays for each module the agent loads at start: ~0.5
// ms for this one in a worker), through builtin() (not Module._load, which a program may patch)
let serialize: ((v: unknown) => Buffer) | undefined;

/** Objects, array elements, object keys and collection entries one estimate visits at most. */
const BUDGET = 256;

export class SizeEstimator {
  /** SharedArrayBuffer bytes seen by the last estimate() */
  shared = 0;
  private nodes = 0;
  private fallback = false;

  /** The size of a received message (see above: never a value of the program's own). */
  estimate(v: unknown): number {
    this.shared = 0;
    this.nodes = 0;
    this.fallback = false;
    // estimate() is small and V8 inlines it into the delivery wrapper; walk() is too big to be
    // inlined (over V8's 460 bytes of bytecode), so it is compiled once per thread and the wrapper
    // stays small: with the walk of a plain object inlined, the wrapper was the agent's costliest
    // compilation, in every thread.
    const n = this.walk(v, 0);
    if (!this.fallback) return n;
    try {
      serialize ??= builtin<typeof import('node:v8')>('node:v8').serialize;
      return serialize(v).length;
    } catch {
      return n; // holds ports or other uncloneables: the walk's figure
    }
  }

  private walk(v: unknown, depth: number): number {
    switch (typeof v) {
      case 'string':
        return v.length > SHORT ? longString(v) : 2 + v.length;
      case 'number':
        return 9;
      case 'boolean':
      case 'undefined':
        return 1;
      case 'bigint':
        return 10;
      case 'object':
        break;
      default:
        return 1;
    }
    if (v === null) return 1;
    if (++this.nodes > BUDGET || depth > 16) {
      this.fallback = true;
      return 0;
    }
    // the common message first: a plain object, its strings and numbers without a call each
    if (isPlain(v)) {
      let n = 3;
      for (const key in v as Record<string, unknown>) {
        if (!hasOwn(v, key)) continue;
        if (++this.nodes > BUDGET) {
          this.fallback = true;
          return 0;
        }
        const x = (v as Record<string, unknown>)[key];
        n += 2 + key.length + (typeof x === 'string' && x.length <= SHORT ? 2 + x.length : typeof x === 'number' ? 9 : this.walk(x, depth + 1));
      }
      return n;
    }
    if (isArrayBufferView(v)) {
      const view = isDataView(v);
      const bytes = view ? viewByteLength(v) : typedByteLength(v);
      if (isSharedArrayBuffer(view ? viewBuffer(v) : typedBuffer(v))) {
        this.shared += bytes;
        return 8;
      }
      return 8 + bytes;
    }
    if (isArrayBuffer(v)) return 5 + bufferByteLength(v);
    if (isSharedArrayBuffer(v)) {
      this.shared += sharedByteLength(v);
      return 5;
    }
    if (isArray(v)) {
      // a length, not a count: a sparse array of length 2^32 - 1 holds one element
      const length = v.length;
      if ((this.nodes += length) > BUDGET) {
        this.fallback = true;
        return 0;
      }
      let n = 3;
      for (let k = 0; k < length; k++) n += hasOwn(v, k) ? this.walk(v[k], depth + 1) : 1;
      return n;
    }
    if (isMap(v) || isSet(v)) {
      const map = isMap(v);
      if ((this.nodes += map ? mapSize(v) : setSize(v)) > BUDGET) {
        this.fallback = true;
        return 0;
      }
      let n = 5;
      if (map) mapForEach(v, (value: unknown, key: unknown) => (n += this.walk(key, depth + 1) + this.walk(value, depth + 1)));
      else setForEach(v, (value: unknown) => (n += this.walk(value, depth + 1)));
      return n;
    }
    // a received Error's message and stack are its own data properties (its name is not: V8's
    // serializer would read it through the prototype, which a program may have patched)
    if (isNativeError(v)) return 16 + ownString(v, 'message') + ownString(v, 'stack');
    if (isDate(v)) return 9;
    this.fallback = true;
    return 0;
  }
}

function isPlain(v: object): boolean {
  const proto = getPrototypeOf(v);
  return proto === ObjectPrototype || proto === null;
}

function ownString(v: object, key: string): number {
  const d = hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  return typeof d === 'string' ? longString(d) : 0;
}

// V8 writes a string holding any character past U+00FF at two bytes a character. Looking for one
// costs a scan, so strings up to SHORT characters are taken as one-byte (off by SHORT bytes at most).
// No RegExp: a match would change the program's RegExp.$1, lastMatch and input (and keep the string).
const SHORT = 16;
const utf8Length = Buffer.byteLength;
const charCodeAt = uncurry(String.prototype.charCodeAt) as (s: string, i: number) => number;

function longString(s: string): number {
  const n = s.length;
  // ASCII, the usual case, in one native pass; other text is looked at character by character
  if (utf8Length(s, 'utf8') === n) return 2 + n;
  for (let i = 0; i < n; i++) if (charCodeAt(s, i) > 0xff) return 3 + 2 * n;
  return 2 + n;
}

/** Bytes moved (not copied) by a transfer list: ArrayBuffers and the buffers of views. */
export function transferredBytes(transfer: unknown): number {
  if (!isArray(transfer)) {
    // postMessage(value, { transfer: [...] })
    const t = transfer !== null && typeof transfer === 'object' && !types.isProxy(transfer) ? ownData(transfer, 'transfer') : undefined;
    if (!isArray(t)) return 0;
    transfer = t;
  }
  let n = 0;
  const list = transfer as unknown[];
  for (let k = 0; k < list.length; k++) {
    const x = list[k];
    if (x === null || typeof x !== 'object' || types.isProxy(x)) continue;
    const b = isArrayBufferView(x) ? (isDataView(x) ? viewBuffer(x) : typedBuffer(x)) : x;
    if (isArrayBuffer(b)) n += bufferByteLength(b);
  }
  return n;
}
