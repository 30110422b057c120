// async-mutex (Mutex, Semaphore): acquire requested, granted, released, per thread.
//
// Finding the package: it is resolved from the program's directory and the cwd once per thread; when
// present, its CJS build (require) and its separate ESM build (require(esm), Node >= 20.19 / 22.12,
// which shares the ESM loader's cache with a later `import`) are loaded and their Semaphore
// prototypes patched, so the program's own require/import gets the same, patched classes. This
// avoids wrapping Module._load (an agent frame in every require's stack) at the cost of loading
// the package (a few small files, no side effects) in a thread that may never use it.
//
// What is patched: Mutex and Semaphore delegate to Semaphore.prototype.acquire/release; the grant
// is seen in _dispatchItem (called synchronously by acquire or release), so no handler is attached
// to the promise the user gets (a cancelled acquire stays an unhandled rejection if it was one).
// The user's call site is taken at the outermost public entry (Mutex/Semaphore acquire or
// runExclusive), not inside the library.

import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EventKind, LockKind } from '../../../protocol/events';
import type { AgentContext, CallSite } from '../../context';
import { lockSite } from './sites';

type SemProto = {
  acquire?: Function;
  runExclusive?: Function;
  release?: Function;
  _dispatchItem?: Function;
  __ctraceLocks?: boolean;
};
type Task = object;


export function installAsyncMutexHooks(ctx: AgentContext): void {
  const found = loadBuilds();
  if (!found) return;
  const exportsList = found.builds;
  // frames inside the package (either build) are the library's, not the user's call site
  const PKG_DIR = [found.dir + path.sep, pathToFileURL(found.dir).href + '/'];

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
      if (entrySite !== undefined || ctx.busy) return Reflect.apply(orig, this, arguments);
      try {
        entrySite = lockSite(wrapper, PKG_DIR);
      } catch {
        entrySite = undefined;
      }
      try {
        return Reflect.apply(orig, this, arguments);
      } finally {
        entrySite = undefined;
      }
    };
    Object.defineProperty(wrapper, 'name', { value: orig.name });
    return wrapper;
  };

  for (const exp of exportsList) {
    const Sem = (exp as { Semaphore?: { prototype?: SemProto } }).Semaphore;
    const Mut = (exp as { Mutex?: { prototype?: SemProto } }).Mutex;
    const sp = Sem?.prototype;
    if (!sp || sp.__ctraceLocks || typeof sp.acquire !== 'function' || typeof sp.release !== 'function') continue;
    Object.defineProperty(sp, '__ctraceLocks', { value: true });
    const origAcquire = sp.acquire;
    const origRelease = sp.release;
    const origDispatch = sp._dispatchItem;

    const acquire = function (this: object & { _queue?: Task[] }): unknown {
      if (ctx.busy) return Reflect.apply(origAcquire, this, arguments);
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
        p = Reflect.apply(origAcquire, this, arguments);
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
        return Reflect.apply(origDispatch, this, arguments);
      };
    }

    sp.release = function release(this: object): unknown {
      try {
        const h = holding.get(this);
        if (h && h.length > 0 && !ctx.busy) write(EventKind.LockReleased, this, h.shift()!, undefined);
      } catch {
        // never throw into the user's code
      }
      return Reflect.apply(origRelease, this, arguments);
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
  }
}

/** The package's CJS and ESM builds, as the program would get them; undefined when not installed. */
function loadBuilds(): { dir: string; builds: unknown[] } | undefined {
  const bases = new Set<string>();
  if (process.argv[1]) bases.add(path.dirname(path.resolve(process.argv[1])));
  bases.add(process.cwd());
  let pkgJson: string | undefined;
  for (const b of bases) {
    try {
      pkgJson = module.createRequire(path.join(b, 'noop.js')).resolve('async-mutex/package.json');
      break;
    } catch {
      // not resolvable from here
    }
  }
  if (!pkgJson) return undefined;
  const out: unknown[] = [];
  const req = module.createRequire(pkgJson);
  try {
    out.push(req(path.dirname(pkgJson)));
  } catch {
    // not loadable as CJS
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { exports?: { '.'?: { import?: string } } };
    const esm = pkg.exports?.['.']?.import;
    const features = process.features as { require_module?: boolean };
    if (typeof esm === 'string' && features.require_module) out.push(req(path.join(path.dirname(pkgJson), esm)));
  } catch {
    // no ESM build, or require(esm) unavailable: ESM importers are not traced
  }
  return { dir: fs.realpathSync(path.dirname(pkgJson)), builds: out };
}
