// What the agent learns from a `new Worker(filename, options)` and hands the new thread, without
// reading the program's options itself. Node's constructor reads `env` and `name` three times each
// and the others once; reading them again (or copying the options) ran a program's getters more
// often than untraced, and a copy dropped options a class provides through its prototype. So the
// options reach Node through a Proxy whose `get` forwards each of Node's reads and looks at what it
// returned:
//   env:        a custom env gets the preload and the recording's variables (a copy: the program's
//               object is never changed); no env means process.env, which gets them for the call;
//   name:       the thread's name, handed over with its parent's threadId in environment data;
//   workerData: the lock hooks' names for the SharedArrayBuffers in it (environment data too);
//   eval, resourceLimits: for the WorkerCreate record.
// Environment data (with the worker's tail buffer, tail.ts) is cloned into the worker when Node posts
// its first message, after every read above, and it needs no variable in the env (which SHARE_ENV
// would share with every thread). Our keys hold it only for the call, then what they held before.

import wt = require('node:worker_threads');
import { types } from 'node:util';
import { hasOwn, uncurry } from '../pristine';
import { withPreload } from '../env';
import { TAIL_KEY } from '../tail';

/** environment data keys (tail.ts has the tail's) */
export const INFO_KEY = 'ctrace:worker';
export const NAMES_KEY = 'ctrace:sab-names';
const KEYS = [TAIL_KEY, INFO_KEY, NAMES_KEY];

export interface WorkerInfo {
  /** parent threadId */
  p: number;
  /** name option */
  n?: string;
}

// captured at load: a program may replace them later
const reflectOwnKeys = Reflect.ownKeys;
const reflectGOPD = Reflect.getOwnPropertyDescriptor;
const reflectGetProto = Reflect.getPrototypeOf;
const isArray = Array.isArray;
const trim = uncurry(String.prototype.trim) as (s: string) => string;
const ProxyCtor = Proxy;
const { isProxy } = types;
const getOwnPropertyDescriptors = Object.getOwnPropertyDescriptors;
const objectCreate = Object.create;
const { setEnvironmentData, getEnvironmentData } = wt;

/**
 * The program's object as Node reads it: each property read goes to `real` itself (a getter runs
 * with it as `this`, a Proxy's own trap runs once) and its value through `seen`. The Proxy's target
 * is a stand-in, not `real`: V8 checks what a `get` returns against the target's own property, so a
 * frozen option could not be replaced, and a Proxy given as options would have its
 * getOwnPropertyDescriptor trap run after every read.
 */
function readThrough<T extends object>(real: T, seen: (key: string | symbol, v: unknown) => unknown): T {
  return new ProxyCtor(standIn(real), {
    get(_t, key) {
      const v = (real as Record<PropertyKey, unknown>)[key];
      try {
        return seen(key, v);
      } catch {
        return v; // never throw into the program
      }
    },
    has: (_t, key) => key in real,
    ownKeys: () => reflectOwnKeys(real),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = reflectGOPD(real, key);
      // a property the stand-in lacks may not be reported non-configurable
      if (d !== undefined) d.configurable = true;
      return d;
    },
    getPrototypeOf: () => reflectGetProto(real),
  });
}

/**
 * The target readThrough() gives its Proxy: for an ordinary object, a copy of its own properties
 * (getters copied, not run), all configurable, on its prototype, because util.inspect shows a
 * Proxy's target (NODE_DEBUG=worker prints the options: `{}` it was); for a Proxy, whose traps
 * copying would run, an empty object.
 */
function standIn<T extends object>(real: T): T {
  if (isArray(real)) return [] as unknown as T;
  if (isProxy(real)) return {} as T;
  try {
    const descriptors = getOwnPropertyDescriptors(real) as Record<PropertyKey, PropertyDescriptor>;
    for (const key of reflectOwnKeys(descriptors)) descriptors[key as string].configurable = true;
    return objectCreate(reflectGetProto(real), descriptors) as T;
  } catch {
    return {} as T;
  }
}

/** What the program passed, as Node read it, during one Worker constructor call. */
export class SeenOptions {
  eval: unknown;
  /** the resource limits Node read from the program's object (reading it again would run its getters) */
  limits: Record<string, number> | undefined;
  private limitsFor: object | undefined;
  private limitsView: object | undefined;
  private name: unknown;
  private envFor: object | undefined;
  private envCopy: Record<string, string | undefined> | undefined;
  private saved: [string, boolean, string | undefined][] | undefined;
  /** environment data under our keys before this call (a worker made inside another's constructor, or the program's own) */
  private before: unknown[] = [];

  constructor(
    private readonly parent: number,
    private readonly carried: [string, string][],
    private readonly preload: string,
    /** the lock hooks' SAB names for a workerData, if any (locks/sab-names.ts) */
    private readonly namesFor: ((workerData: unknown) => unknown) | undefined,
  ) {}

  /**
   * Before the constructor runs: what the worker takes from environment data at start, its tail
   * buffer (tail.ts) and its info (without a name so far). What the keys held is put back by end().
   */
  begin(tail: SharedArrayBuffer): void {
    this.before = KEYS.map((k) => getEnvironmentData(k));
    setEnvironmentData(TAIL_KEY, tail);
    this.putInfo();
  }

  /** The program's options, as Node will read them. */
  watch<T extends object>(options: T): T {
    return readThrough(options, (key, v) => this.saw(key, v));
  }

  /** No env given: the worker copies process.env while the constructor runs. */
  defaultEnv(): void {
    if (this.saved !== undefined) return;
    this.saved = [];
    // the recording's variables as they were at start (the program may have changed them)
    for (const [k, v] of this.carried) {
      if (process.env[k] === v) continue;
      this.saved.push([k, hasOwn(process.env, k), process.env[k]]);
      process.env[k] = v;
    }
  }

  /** After the constructor (even one that threw): the program's process.env and environment data as they were. */
  end(): void {
    const saved = this.saved;
    if (saved !== undefined) {
      for (let i = saved.length - 1; i >= 0; i--) {
        const [k, had, before] = saved[i];
        if (had) process.env[k] = before;
        else delete process.env[k];
      }
    }
    for (let k = 0; k < this.before.length; k++) restore(KEYS[k], this.before[k]);
  }

  private saw(key: string | symbol, v: unknown): unknown {
    switch (key) {
      case 'env':
        if (v !== null && typeof v === 'object') {
          // the same copy for each read of one object: Node checks it, then copies its entries
          if (v !== this.envFor) {
            this.envFor = v;
            const copy: Record<string, string | undefined> = { ...(v as Record<string, string | undefined>) };
            copy.NODE_OPTIONS = withPreload(copy.NODE_OPTIONS, this.preload);
            for (const [k, x] of this.carried) copy[k] = x;
            this.envCopy = copy;
          }
          return this.envCopy;
        }
        if (v === undefined || v === null) this.defaultEnv();
        return v;
      case 'name':
        this.name = v;
        this.putInfo();
        return v;
      case 'eval':
        this.eval = v;
        return v;
      case 'resourceLimits':
        // Node reads each limit it knows (twice: a type check, then the value); what it read is recorded
        if (v === null || typeof v !== 'object') return v;
        if (v !== this.limitsFor) {
          this.limitsFor = v;
          const limits: Record<string, number> = (this.limits = {});
          this.limitsView = readThrough(v, (key, x) => {
            if (typeof key === 'string' && typeof x === 'number') limits[key] = x;
            return x;
          });
        }
        return this.limitsView;
      case 'workerData': {
        const names = this.namesFor?.(v);
        if (names !== undefined) setEnvironmentData(NAMES_KEY, names as wt.Serializable);
        return v;
      }
      default:
        return v;
    }
  }

  private putInfo(): void {
    // trimmed, as Node names the thread
    const n = typeof this.name === 'string' ? trim(this.name) : '';
    setEnvironmentData(INFO_KEY, { p: this.parent, n: n || undefined } satisfies WorkerInfo);
  }
}

/** The worker's side: what its creator handed over (taken: its own workers get theirs). */
export function takeEnvironmentData(key: string): unknown {
  try {
    const v = getEnvironmentData(key);
    if (v !== undefined) restore(key, undefined);
    return v;
  } catch {
    return undefined;
  }
}

/** The worker's info, if a traced thread created it. */
export function takeWorkerInfo(): WorkerInfo | undefined {
  const v = takeEnvironmentData(INFO_KEY) as Partial<WorkerInfo> | undefined;
  if (v === null || typeof v !== 'object' || typeof v.p !== 'number') return undefined;
  return { p: v.p, n: typeof v.n === 'string' ? v.n : undefined };
}

/** Puts back what a key held before (undefined removes it). */
export function restore(key: string, v: unknown): void {
  try {
    setEnvironmentData(key, v as wt.Serializable);
  } catch {
    // never throw into the program
  }
}
