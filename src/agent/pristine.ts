// What the agent uses of Node and of the language after the program's code has started, as it was
// when the agent loaded, before that code ran. A program may replace fs.writeSync and the rest (a
// test's mock, a wrapper counting calls), the global timers (sinon's and Jest's fake timers),
// Function.prototype.call or Reflect.apply: the agent must neither reach that code nor let it see
// the agent's own calls.

import fs = require('node:fs');
import path = require('node:path');

// fs.readFileSync opens and reads through fs.openSync and fs.readSync as the program has them (with
// 'utf8' too, before Node 20.8 or so), and writeFileSync writes through fs.writeSync: the agent uses
// readFileSync only while it loads, and readAll()/readAscii()/writeAll() after
export const { openSync, closeSync, fstatSync, statSync, readSync, writeSync, readFileSync, existsSync, renameSync, unlinkSync, symlinkSync, mkdirSync, rmdirSync } = fs;
export const { setInterval: startInterval, clearInterval: stopInterval } = globalThis;

export const apply = Reflect.apply;
export const construct = Reflect.construct;
const SEP = path.sep;
/**
 * `name` in the folder `dir` (CTRACE_DIR: absolute, made by mkdtemp). Not path.join, which calls
 * path.normalize as the program has it.
 */
export const inDir = (dir: string, name: string): string => dir + SEP + name;
/** `f` as a function taking its `this` first: calling it looks nothing up (not even `call`). */
export const uncurry = (f: Function | undefined) => Function.prototype.call.bind(f as Function) as (self: unknown, ...args: unknown[]) => unknown;
// bound, not Object.hasOwn: TurboFan folds this one inside a for-in over the same object (the size
// walk of a received object: ~16 ns, against ~25 with Object.hasOwn)
export const hasOwn = uncurry(Object.prototype.hasOwnProperty) as (o: unknown, key: PropertyKey) => boolean;
export const slice = Array.prototype.slice;
const { setPrototypeOf, getOwnPropertyDescriptor, defineProperties } = Object;

/**
 * Gives a wrapper the `name` and `length` of the function it stands in for: the bundler renames a
 * function whose name another one in the bundle has (`exit2`), and util.inspect shows the name. A
 * wrapper of a function that cannot be constructed (a builtin, a class method) is written as a
 * method (`{ f() {} }.f`), which cannot be either.
 */
export function likeOriginal<F extends Function>(wrapper: F, orig: Function): F {
  defineProperties(wrapper, { name: { value: orig.name }, length: { value: orig.length } });
  return wrapper;
}

/**
 * o's own data property `key`, read without running anything of the program's: undefined when it
 * is missing, inherited or a getter (Node reads those itself; a second read would run a getter twice).
 * `o` must not be a Proxy (its traps would run).
 */
export function ownData(o: object, key: string): unknown {
  const d = getOwnPropertyDescriptor(o, key);
  return d === undefined ? undefined : d.value;
}

/**
 * A copy of the program's options as Node's spawns make it before reading them: own properties only,
 * no prototype (an inherited `env`, even one on Object.prototype, is not an option there).
 */
export function ownCopy<T extends object>(o: T): T {
  const copy = { ...o };
  setPrototypeOf(copy, null);
  return copy;
}

const getBuiltinModule = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
/**
 * A Node builtin loaded when first needed, through process.getBuiltinModule (Node 20.16+): require()
 * would go through Module._load, which a program may have patched (a module mock would hand the
 * agent its stub). Older runtimes use require().
 */
export function builtin<T>(id: string): T {
  return (getBuiltinModule ? getBuiltinModule(id) : require(id)) as T;
}

/** A whole file's bytes, read with the functions above. Throws as fs does. */
export function readAll(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    let buf = new Uint8Array(64 * 1024);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) return buf.subarray(0, n);
      n += got;
    }
  } finally {
    closeSync(fd);
  }
}

const fromCharCode = String.fromCharCode;
/** A small ASCII file (a /proc file, a pid file) as a string, read as readAll() reads. */
export function readAscii(file: string): string {
  const b = readAll(file);
  let s = '';
  for (let k = 0; k < b.length; k++) s += fromCharCode(b[k]);
  return s;
}

/** Writes all of `bytes` to an open descriptor (writeSync may write part). Throws as fs does. */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Writes `bytes` to `file` (`flag` as fs.openSync takes it), with the functions above. Throws as fs does. */
export function writeAll(file: string, bytes: Uint8Array, flag = 'w'): void {
  const fd = openSync(file, flag);
  try {
    writeFully(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
