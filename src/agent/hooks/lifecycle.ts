// Process and thread lifecycle: ProcessStart/ThreadStart at load, crashes (uncaught exception,
// unhandled rejection), and the final ThreadExit/ProcessExit on every exit path Node lets us see.
// We wrap process.emit rather than adding an 'exit' listener so our final records come after every
// user 'exit' handler (which may still send messages); process.exit is wrapped to learn the cause,
// and to write the final records when an 'exit' handler calls it (Node then ends the process at once).
// SIGINT/SIGTERM are left alone: a listener, even one that re-raises the signal, would change what
// the program does (the signal would wait for the event loop: synchronous work would go on, and a
// loop with nothing left to do would exit 0; libraries that count signal listeners, such as
// signal-exit, would stop re-raising). A process that dies of a signal therefore writes no exit
// record; the recorder takes the signal from the parent's view, and what the thread had not written
// in its last 50 ms is lost, as on SIGKILL, with any chunks it held for want of a descriptor (those
// are reported: docs/capture.md, exit paths).

import { EventKind, CrashKind, type ExitCause } from '../../protocol/events';
import type { ThreadStream } from '../stream';
import { errorFields } from '../error-fields';
import { EmitChain } from '../emit-chain';
import { apply, hasOwn, likeOriginal } from '../pristine';

export interface LifecycleHooks {
  /** called after the thread's final records, before the last flush (the main thread drains workers) */
  beforeFinalFlush?: () => void;
  /** a 'message' emitted on process (IPC receipt in a child) */
  onProcessMessage?: (msg: unknown) => void;
  /** called first on exit, before the thread's final records (the last heap sample) */
  beforeFinalRecords?: () => void;
  /** a SIGINT, SIGTERM or SIGHUP emitted on process (the program listens for it), before its listeners run */
  onSignal?: (signal: string) => void;
}

export interface ThreadInfo {
  name: string;
  parentThreadId: number;
  workerRef: string | undefined;
}

export function recordStart(ctx: ThreadStream, info: ThreadInfo, spawnRef: string | undefined): void {
  const enc = ctx.enc;
  const ts = ctx.now();
  if (ctx.isMainThread) {
    enc.begin(EventKind.ProcessStart, ts);
    enc.u(process.pid);
    enc.u(process.ppid);
    enc.s(safeJson(process.argv));
    enc.s(safeCwd());
    enc.s(process.version);
    enc.s(process.execPath);
    enc.s(spawnRef);
    enc.s(process.title);
  }
  enc.begin(EventKind.ThreadStart, ts);
  enc.s(info.name);
  enc.u(ctx.isMainThread ? 0 : 1);
  enc.i(info.parentThreadId);
  enc.s(info.workerRef);
  ctx.flush();
}

export function installLifecycle(ctx: ThreadStream, hooks: LifecycleHooks): void {
  let exitCalled = false;
  let fatal: 'uncaught' | 'rejection' | undefined;
  let finished = false;

  const finish = (code: number, signal: string | undefined, cause: ExitCause) => {
    if (finished) return;
    finished = true;
    try {
      hooks.beforeFinalRecords?.();
      const enc = ctx.enc;
      const ts = ctx.now();
      enc.begin(EventKind.ThreadExit, ts);
      enc.i(code);
      if (ctx.isMainThread) {
        enc.begin(EventKind.ProcessExit, ts);
        enc.i(code);
        enc.s(signal);
        enc.s(cause);
      }
      ctx.tail?.markExited();
      ctx.ended = true;
      ctx.recorded();
      hooks.beforeFinalFlush?.();
      ctx.flush();
    } catch {
      // never throw into the program
    }
  };

  /** 'exit' is being emitted: a process.exit() now ends the process inside the handler */
  let emittingExit = false;
  const origExit = process.exit;
  const exit = function exit(this: unknown, code?: number | string | null) {
    exitCalled = true;
    if (emittingExit) {
      // Node sets exitCode from a valid code and ends the process without returning here
      const n = code === undefined || code === null ? exitCodeNow(0) : typeof code === 'number' || (typeof code === 'string' && isInteger(code)) ? Number(code) : undefined;
      if (n !== undefined && Number.isInteger(n)) finish(n, undefined, 'exit');
    }
    return apply(origExit, this, arguments);
  } as typeof process.exit;
  process.exit = likeOriginal(exit, origExit);

  // process.emit passes on to EventEmitter.prototype.emit as it is at each call (emit-chain.ts); one
  // that was process's own before the agent loaded (an earlier preload's) is kept
  const ownEmit = hasOwn(process, 'emit') ? process.emit : undefined;
  // Node's getter of process._exiting (v20, v22, v24), as it was at load
  const exiting = Object.getOwnPropertyDescriptor(process, '_exiting')?.get;
  const getPrototypeOf = Object.getPrototypeOf;
  const nextEmit = (): Function => ownEmit ?? (getPrototypeOf(process) as { emit: Function }).emit;
  const onMessage = hooks.onProcessMessage;
  const onSignal = hooks.onSignal;
  const chain = new EmitChain(nextEmit());
  process.emit = function emit(this: NodeJS.Process, event: string | symbol) {
    if (chain.reentered(this, event)) return apply(chain.atLoad, this, arguments);
    // Node's own 'exit' (it sets _exiting first), not one a program emits itself
    if (event === 'exit' && (exiting === undefined || apply(exiting, process, []) !== false)) {
      let threw = true;
      emittingExit = true;
      try {
        const r = chain.passOn(nextEmit(), this, event, arguments);
        threw = false;
        return r;
      } finally {
        emittingExit = false;
        // the code Node exits with: exitCode as the handlers left it, else the one emitted; a throw
        // from a handler is an uncaught exception, which Node ends with 1
        const emitted = typeof arguments[1] === 'number' ? arguments[1] : 0;
        if (threw && process.listenerCount('uncaughtException') === 0) finish(1, undefined, 'uncaught');
        else {
          const code = exitCodeNow(emitted);
          finish(code, undefined, exitCalled ? 'exit' : fatal && code !== 0 ? fatal : 'normal');
        }
      }
    }
    if (event === 'message' && onMessage !== undefined) onMessage(arguments[1]);
    // before the program's listeners, which may end the process
    else if (onSignal !== undefined && (event === 'SIGINT' || event === 'SIGTERM' || event === 'SIGHUP')) onSignal(event);
    // Node emits it for every uncaught exception and unhandled rejection, listened to or not; seen
    // here rather than through a listener of the agent's, which counted against the program's
    // max-listeners limit (MaxListenersExceededWarning at its 10th) and in listenerCount()
    else if (event === 'uncaughtExceptionMonitor') onUncaught(arguments[1], arguments[2]);
    return chain.passOn(nextEmit(), this, event, arguments);
  } as typeof process.emit;
  likeOriginal(process.emit, chain.atLoad);

  // observes without changing whether the exception is fatal
  function onUncaught(err: unknown, origin: unknown): void {
    try {
      const rejection = origin === 'unhandledRejection';
      if (process.listenerCount('uncaughtException') === 0) fatal = rejection ? 'rejection' : 'uncaught';
      const f = errorFields(err);
      const enc = ctx.enc;
      enc.begin(EventKind.Crash, ctx.now());
      enc.u(rejection ? CrashKind.Rejection : CrashKind.Uncaught);
      enc.s(f.name);
      enc.s(f.message);
      enc.s(f.stack);
      enc.s(f.site);
      enc.u(process.pid);
      enc.i(ctx.threadId);
      ctx.recorded();
      ctx.flush();
    } catch {
      // never throw into the program
    }
  }
}

/** process.exitCode as an integer, if the program set one Node accepts; else `otherwise`. */
function exitCodeNow(otherwise: number): number {
  try {
    const c = process.exitCode as unknown;
    const n = typeof c === 'number' ? c : typeof c === 'string' && isInteger(c) ? Number(c) : NaN;
    return Number.isInteger(n) ? n : otherwise;
  } catch {
    return otherwise;
  }
}

/** /^-?\d+$/ without a RegExp: a match would change the program's RegExp.$1 and lastMatch. */
function isInteger(s: string): boolean {
  let k = s.charCodeAt(0) === 45 ? 1 : 0; // '-'
  if (k === s.length) return false;
  for (; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

function safeCwd(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}
