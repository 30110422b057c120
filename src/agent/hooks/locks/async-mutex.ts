// async-mutex (Mutex, Semaphore): acquire requested, granted, released, per thread.
//
// Finding the package costs each thread little: a few stat calls for node_modules/async-mutex from
// the program's directory and the cwd upwards. When it is there:
//   - its CJS build is patched when the program requires it: Module._load is wrapped and looks at
//     nothing but the request string until a request for the package comes (loading the CJS build up
//     front cost ~3 ms per thread, paid by every worker that never uses it);
//   - its separate ESM build is loaded at start through require(esm) (Node >= 20.19 / 22.12, which
//     shares the ESM loader's cache with a later `import`) and patched, because no in-thread hook
//     sees an ESM import on Node 20 (~1 ms, only where the package is installed).
// The agent's wrapper of Module._load is hidden from stack traces like every agent frame.
//
// What is patched: Mutex and Semaphore delegate to Semaphore.prototype.acquire/release; the grant
// is seen in _dispatchItem (called synchronously by acquire or release), so no handler is attached
// to the promise the user gets (a cancelled acquire stays an unhandled rejection if it was one).
// The user's call site is taken at the outermost public entry (Mutex/Semaphore acquire or
// runExclusive), not inside the library.

import fs = require('node:fs');
import module = require('node:module');
import path = require('node:path');
import { pathToFileURL } from 'node:url';
import { EventKind, LockKind } from '../../../protocol/events';
import type { AgentContext, CallSite } from '../../context';
import { lockSite } from './sites';
import { apply } from '../../pristine';

type SemProto = {
  acquire?: Function;
  runExclusive?: Function;
  release?: Function;
  _dispatchItem?: Function;
  __ctraceLocks?: boolean;
};
type Task = object;


export function installAsyncMutexHooks(ctx: AgentContext): void {
  const dir = findPackage();
  if (dir === undefined) return;
  const patch = patcher(ctx, dir);
  const esm = loadEsmBuild(dir);
  if (esm !== undefined) patch(esm);
  watchRequire(patch);
}

/** Patches the exports of one build (once per build: a second call with it does nothing). */
function patcher(ctx: AgentContext, dir: string): (exp: unknown) => void {
  // frames inside the package (either build) are the library's, not the user's call site
  const PKG_DIR = [dir + path.sep, pathToFileURL(dir).href + '/'];

  const semNames = new WeakMap<object, string>();
  let counter = 0;
  const nameOf = (sem: object): string => {
    let n = semNames.get(sem);
    if (n === undefined) {
      n = `${ctx.pid}.${ctx.threadId}.${++counter}`;
      semNames.set(sem, n);
    }
    return n;
  };
  /** grants not yet released, per semaphore, oldest first (release() does not say which) */
  const holding = new WeakMap<object, number[]>();
  /** request id of each queued task (Semaphore internals: one task object per acquire) */
  const taskReq = new WeakMap<Task, { id: number; cs: CallSite; queued: boolean }>();
  let entrySite: CallSite | undefined;
  let pending: { id: number; cs: CallSite; queued: boolean } | undefined;

  function write(kind: EventKind, sem: object, id: number, cs: CallSite | undefined, waited = 0): void {
    try {
      const enc = ctx.enc;
      enc.begin(kind, ctx.now());
      enc.u(LockKind.AsyncMutex);
      enc.s(nameOf(sem));
      if (kind !== EventKind.LockReleased) enc.s(undefined);
      enc.u(id);
      if (kind === EventKind.LockAcquired) enc.u(waited);
      enc.s(cs?.site);
      if (kind !== EventKind.LockReleased) enc.s(cs?.stack);
      ctx.recorded();
    } catch {
      // never throw into the user's code
    }
  }

  /** Public entry points take the user's call site once, for the nested library calls below them. */
  const entry = (orig: Function): Function => {
    const wrapper = function (this: unknown): unknown {
      if (entrySite !== undefined || ctx.busy) return apply(orig, this, arguments);
      try {
        entrySite = lockSite(wrapper, PKG_DIR);
      } catch {
        entrySite = undefined;
      }
      try {
        return apply(orig, this, arguments);
      } finally {
        entrySite = undefined;
      }
    };
    Object.defineProperty(wrapper, 'name', { value: orig.name });
    return wrapper;
  };

  return (exp: unknown) => {
    if (exp === null || typeof exp !== 'object') return;
    const Sem = (exp as { Semaphore?: { prototype?: SemProto } }).Semaphore;
    const Mut = (exp as { Mutex?: { prototype?: SemProto } }).Mutex;
    const sp = Sem?.prototype;
    if (!sp || sp.__ctraceLocks || typeof sp.acquire !== 'function' || typeof sp.release !== 'function') return;
    Object.defineProperty(sp, '__ctraceLocks', { value: true });
    const origAcquire = sp.acquire;
    const origRelease = sp.release;
    const origDispatch = sp._dispatchItem;

    const acquire = function (this: object & { _queue?: Task[] }): unknown {
      if (ctx.busy) return apply(origAcquire, this, arguments);
      let req: { id: number; cs: CallSite; queued: boolean } | undefined;
      try {
        const cs = entrySite ?? lockSite(acquire, PKG_DIR);
        req = { id: ctx.nextId(), cs, queued: false };
        write(EventKind.LockRequest, this, req.id, cs);
      } catch {
        req = undefined;
      }
      pending = req;
      const queueBefore = Array.isArray(this._queue) ? this._queue.slice() : undefined;
      let p: unknown;
      try {
        p = apply(origAcquire, this, arguments);
      } finally {
        // not dispatched synchronously: the new task is the queue entry that was not there before
        if (pending !== undefined && req !== undefined && queueBefore && Array.isArray(this._queue)) {
          for (const t of this._queue) {
            if (!queueBefore.includes(t)) {
              req.queued = true;
              taskReq.set(t, req);
              break;
            }
          }
        }
        pending = undefined;
      }
      return p;
    };
    sp.acquire = acquire;

    if (typeof origDispatch === 'function') {
      sp._dispatchItem = function _dispatchItem(this: object, item: Task): unknown {
        try {
          const req = pending ?? taskReq.get(item);
          if (req !== undefined && !ctx.busy) {
            if (pending === req) pending = undefined;
            let h = holding.get(this);
            if (!h) holding.set(this, (h = []));
            h.push(req.id);
            write(EventKind.LockAcquired, this, req.id, req.cs, req.queued ? 1 : 0);
          }
        } catch {
          // never throw into the user's code
        }
        return apply(origDispatch, this, arguments);
      };
    }

    sp.release = function release(this: object): unknown {
      try {
        const h = holding.get(this);
        if (h && h.length > 0 && !ctx.busy) write(EventKind.LockReleased, this, h.shift()!, undefined);
      } catch {
        // never throw into the user's code
      }
      return apply(origRelease, this, arguments);
    };

    for (const proto of [sp, Mut?.prototype]) {
      if (!proto) continue;
      for (const m of ['acquire', 'runExclusive'] as const) {
        const own = Object.getOwnPropertyDescriptor(proto, m);
        if (!own || typeof own.value !== 'function') continue;
        const wrapped = entry(own.value);
        Object.defineProperty(proto, m, { ...own, value: wrapped });
      }
    }
  };
}

/** The package's real directory, found as Node would from the program's directory or the cwd. */
function findPackage(): string | undefined {
  const bases = new Set<string>();
  if (process.argv[1]) bases.add(path.dirname(path.resolve(process.argv[1])));
  bases.add(process.cwd());
  for (let dir of bases) {
    for (;;) {
      const candidate = path.join(dir, 'node_modules', 'async-mutex');
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        try {
          return fs.realpathSync(candidate);
        } catch {
          return undefined;
        }
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** The ESM build as `import 'async-mutex'` will get it, where require(esm) exists. */
function loadEsmBuild(dir: string): unknown {
  const features = process.features as { require_module?: boolean };
  if (!features.require_module) return undefined; // ESM importers are not traced there
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: { '.'?: { import?: string } } };
    const esm = pkg.exports?.['.']?.import;
    if (typeof esm !== 'string') return undefined;
    return module.createRequire(path.join(dir, 'package.json'))(path.join(dir, esm));
  } catch {
    return undefined; // no ESM build, or it does not load this way
  }
}

/** Patches the CJS build when the program requires the package (by name or a path inside it). */
function watchRequire(patch: (exp: unknown) => void): void {
  const M = module as unknown as { _load?: Function };
  const orig = M._load;
  if (typeof orig !== 'function') return;
  let done = false;
  const _load = function (this: unknown, request: unknown): unknown {
    const exp = apply(orig, this, arguments);
    if (!done && typeof request === 'string' && request.startsWith('async-mutex')) {
      try {
        if (request === 'async-mutex' || request.startsWith('async-mutex/')) {
          patch(exp);
          done = (exp as { Semaphore?: { prototype?: SemProto } } | null)?.Semaphore?.prototype?.__ctraceLocks === true;
        }
      } catch {
        // never throw into the program
      }
    }
    return exp;
  };
  Object.defineProperty(_load, 'name', { value: orig.name });
  keepFrameName(orig);
  M._load = _load;
}

/**
 * Node 22 and 24 define Module._load without a name, and V8 names its frames after the property that
 * holds it (`Function._load`, `Module._load`), which the wrapper now is: `<anonymous>` traced. The
 * original, which only the wrapper can reach, is given the name those frames show untraced. Node 20's
 * has a name V8 inferred from its assignment (`Module._load`), which a name property would replace.
 */
function keepFrameName(orig: Function): void {
  try {
    if (orig.name === '' && Number(process.versions.node.split('.')[0]) >= 22) Object.defineProperty(orig, 'name', { value: '_load' });
  } catch {
    // frames keep the name V8 finds
  }
}
