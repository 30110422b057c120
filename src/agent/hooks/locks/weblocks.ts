// Web Locks (navigator.locks, Node 24+): request, grant and release of each lock, per thread.
// LockManager.prototype.request is wrapped; the user's callback is wrapped to see the grant, and
// the release is the settling of what the callback returns (that is when the lock is released).
// No handler is ever attached to the promise request() returns, so an unhandled rejection stays
// unhandled. Requests, grants and releases are flushed at once: they are rare, and the deadlock
// detector needs them while the program hangs.

import { EventKind, LockKind } from '../../../protocol/events';
import type { AgentContext } from '../../context';
import { lockSite } from './sites';
import { apply, likeOriginal, slice } from '../../pristine';

type Options = { mode?: unknown; ifAvailable?: unknown; steal?: unknown; signal?: { aborted?: boolean; addEventListener?: Function; removeEventListener?: Function } };

function dataProp(o: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d && 'value' in d ? d.value : undefined;
}

export function installWebLocksHooks(ctx: AgentContext): void {
  const nav = (globalThis as { navigator?: { locks?: object } }).navigator;
  const locks = nav?.locks;
  if (!locks) return;
  const proto = Object.getPrototypeOf(locks) as { request?: Function };
  const origRequest = proto.request;
  if (typeof origRequest !== 'function') return;

  function write(kind: EventKind, lockId: number, name: string, mode: string | undefined, site: string | undefined, stack: string | undefined, waited = 0): void {
    try {
      const enc = ctx.enc;
      enc.begin(kind, ctx.now());
      enc.u(LockKind.WebLock);
      enc.s(name);
      if (kind !== EventKind.LockReleased) enc.s(mode);
      enc.u(lockId);
      if (kind === EventKind.LockAcquired) enc.u(waited);
      enc.s(site);
      if (kind !== EventKind.LockReleased) enc.s(stack);
      ctx.recorded();
      ctx.flush();
    } catch {
      // never throw into the user's code
    }
  }

  // a method, as LockManager's is (it cannot be constructed)
  const request = {
    request(this: unknown, name: unknown, optionsOrCallback?: unknown, maybeCallback?: unknown): unknown {
      const cbIndex = typeof optionsOrCallback === 'function' ? 1 : 2;
      const cb = cbIndex === 1 ? optionsOrCallback : maybeCallback;
      if (typeof cb !== 'function' || ctx.busy) return apply(origRequest, this, arguments);
      let args: unknown[] = apply(slice, arguments, []);
      try {
        const opts = (cbIndex === 2 && optionsOrCallback && typeof optionsOrCallback === 'object' ? optionsOrCallback : {}) as Options;
        // read only what reading twice cannot change: strings and own data properties (no getters)
        const lockName = typeof name === 'string' ? name : typeof name === 'number' || typeof name === 'boolean' || name == null ? String(name) : '[object]';
        const mode = dataProp(opts, 'mode') === 'shared' ? 'shared' : 'exclusive';
        const signal = dataProp(opts, 'signal') as Options['signal'];
        const id = ctx.nextId();
        const cs = lockSite(request);
        const requestedAt = ctx.now();
        let settled = false;
        const done = () => {
          if (settled) return;
          settled = true;
          write(EventKind.LockReleased, id, lockName, mode, undefined, undefined);
        };
        write(EventKind.LockRequest, id, lockName, mode, cs.site, cs.stack);
        // an aborted request that was never granted ends as a release of nothing; the listener goes
        // when the lock is granted, so a long-lived signal does not collect one per request
        let granted = false;
        const onAbort = () => {
          if (!granted) done();
        };
        // each method read once from the program's signal
        const add = signal ? signal.addEventListener : undefined;
        const remove = signal ? signal.removeEventListener : undefined;
        const listening = typeof add === 'function' && typeof remove === 'function' ? signal : undefined;
        if (listening !== undefined) apply(add as Function, listening, ['abort', onAbort, { once: true }]);
        const wrapped = function (this: unknown, lock: unknown): unknown {
          granted = true;
          try {
            if (listening !== undefined) apply(remove as Function, listening, ['abort', onAbort]);
          } catch {
            // the program's signal: never throw from here
          }
          if (lock === null) {
            done(); // ifAvailable and not available: never held
            return apply(cb, this, arguments);
          }
          write(EventKind.LockAcquired, id, lockName, mode, cs.site, cs.stack, ctx.now() - requestedAt > 1e6 ? 1 : 0);
          let r: unknown;
          let returned = false;
          try {
            r = apply(cb, this, arguments);
            returned = true;
          } finally {
            if (!returned) done(); // the callback threw: in `finally`, so its error keeps its own throw site
          }
          if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof (r as { then?: unknown }).then === 'function') {
            // the lock manager itself awaits this value, so observing it does not change handling
            try {
              (r as Promise<unknown>).then(done, done);
            } catch {
              done();
            }
          } else done();
          return r;
        };
        args[cbIndex] = wrapped;
      } catch {
        args = apply(slice, arguments, []);
      }
      return apply(origRequest, this, args);
    },
  }.request;
  proto.request = likeOriginal(request, origRequest);
}
