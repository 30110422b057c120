// What a crash record says about the thrown value: its name, message, stack and throw site, read
// without running the program's code. A thrown object may have getters (a plain object, or an error
// class with `get name()`), or be a Proxy; Node itself prints an uncaught non-error through
// util.inspect, which calls no getter, so reading them here would add output the program never
// makes. Data properties are read along the prototype chain; an accessor only if it is native (V8's
// own `stack`); a Proxy not at all. String() is not applied to objects for the same reason.

import { types } from 'node:util';
import { throwSite } from './callsite';
import { apply } from './pristine';

const getPrototypeOf = Object.getPrototypeOf;
const describe = Object.getOwnPropertyDescriptor;
const fnToString = Function.prototype.toString;

export interface ErrorFields {
  name: string;
  message: string;
  stack: string | undefined;
  site: string | undefined;
}

export function errorFields(err: unknown): ErrorFields {
  if (err === null || typeof err !== 'object') {
    const text = typeof err === 'symbol' ? err.toString() : String(err);
    return { name: typeof err, message: text, stack: undefined, site: undefined };
  }
  if (types.isProxy(err)) return { name: 'Proxy', message: '', stack: undefined, site: undefined };
  const name = read(err, 'name');
  const message = read(err, 'message');
  const stack = read(err, 'stack');
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : typeof message === 'number' ? String(message) : '',
    stack: typeof stack === 'string' ? stack : undefined,
    site: typeof stack === 'string' ? throwSite({ stack }) : undefined,
  };
}

function read(obj: object, key: string): unknown {
  try {
    for (let o: object | null = obj, depth = 0; o !== null && depth < 32; o = getPrototypeOf(o), depth++) {
      if (types.isProxy(o)) return undefined;
      const d = describe(o, key);
      if (d === undefined) continue;
      if ('value' in d) return d.value;
      return d.get !== undefined && isNative(d.get) ? apply(d.get, obj, []) : undefined;
    }
  } catch {
    // a getter of V8's that threw
  }
  return undefined;
}

function isNative(f: Function): boolean {
  try {
    return apply(fnToString, f, []).endsWith('{ [native code] }');
  } catch {
    return false;
  }
}
