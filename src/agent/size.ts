// Cheap size estimates for a message, without serializing it: a walk over strings, numbers, typed
// arrays and plain objects/arrays (close to V8's serialized size, within a few bytes per value),
// with v8.serialize only for other objects (Map, Date, class instances...) or when the walk passes
// its node budget. SharedArrayBuffers (and views on them) are counted apart: they are shared, not
// copied. Only received values are sized: the clone Node made (or IPC's parsed JSON) holds no
// accessor and no Proxy, so the walk runs no user code. Walking the sender's value instead would run
// its getters a second time.

import { types } from 'node:util';

// for…in also visits what a program added to Object.prototype as enumerable (a getter there would be
// user code): own keys only, as structured clone reads them (~5 ns a key)
const hasOwn = Object.hasOwn;

// node:v8 is loaded on first need: every thread pays for each module the agent loads at start
let serialize: ((v: unknown) => Buffer) | undefined;

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
    let n: number;
    // the common message, a plain object, without a recursive call per property, so walk() stays
    // cold (each hot function is optimised again in every thread); same reads, same figures
    if (v !== null && typeof v === 'object' && isPlain(v)) {
      n = 3;
      this.nodes = 1;
      for (const key in v as Record<string, unknown>) {
        if (!hasOwn(v, key)) continue;
        const x = (v as Record<string, unknown>)[key];
        n += 2 + key.length + (typeof x === 'string' ? 2 + x.length : typeof x === 'number' ? 9 : this.walk(x, 1));
      }
    } else n = this.walk(v, 0);
    if (!this.fallback) return n;
    try {
      serialize ??= (require('node:v8') as typeof import('node:v8')).serialize;
      return serialize(v).length;
    } catch {
      return n; // holds ports or other uncloneables: the walk's figure
    }
  }

  private walk(v: unknown, depth: number): number {
    switch (typeof v) {
      case 'string':
        return 2 + v.length;
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
    if (ArrayBuffer.isView(v)) {
      if (typeof SharedArrayBuffer !== 'undefined' && v.buffer instanceof SharedArrayBuffer) {
        this.shared += v.byteLength;
        return 8;
      }
      return 8 + v.byteLength;
    }
    if (v instanceof ArrayBuffer) return 5 + v.byteLength;
    if (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer) {
      this.shared += v.byteLength;
      return 5;
    }
    if (Array.isArray(v)) {
      let n = 3;
      for (let k = 0; k < v.length; k++) n += this.walk(v[k], depth + 1);
      return n;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      let n = 3;
      for (const key in v as Record<string, unknown>) if (hasOwn(v, key)) n += 2 + key.length + this.walk((v as Record<string, unknown>)[key], depth + 1);
      return n;
    }
    this.fallback = true;
    return 0;
  }
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Bytes moved (not copied) by a transfer list: ArrayBuffers and the buffers of views. */
export function transferredBytes(transfer: unknown): number {
  if (!Array.isArray(transfer)) {
    // postMessage(value, { transfer: [...] })
    const t = transfer !== null && typeof transfer === 'object' && !types.isProxy(transfer) ? (transfer as { transfer?: unknown }).transfer : undefined;
    if (!Array.isArray(t)) return 0;
    transfer = t;
  }
  let n = 0;
  for (const x of transfer as unknown[]) {
    if (x === null || typeof x !== 'object' || types.isProxy(x)) continue;
    if (x instanceof ArrayBuffer) n += x.byteLength;
    else if (ArrayBuffer.isView(x)) n += x.buffer.byteLength;
  }
  return n;
}
