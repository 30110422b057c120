// Process and thread lifecycle: ProcessStart/ThreadStart at load, crashes (uncaught exception,
// unhandled rejection), and the final ThreadExit/ProcessExit on every exit path Node lets us see.
// We wrap process.emit rather than adding an 'exit' listener so our final records come after every
// user 'exit' handler (which may still send messages); process.exit is wrapped only to learn the
// cause. SIGINT/SIGTERM without a user handler kill the process with no handler running, so the
// main thread listens for them and, if no user listener exists when one arrives, flushes and
// re-raises the signal so the process still dies by it (notes/node-runtime.md §7).

import { EventKind, CrashKind, type ExitCause } from '../../protocol/events';
import type { ThreadStream } from '../stream';
import { throwSite } from '../callsite';

export interface LifecycleHooks {
  /** called after the thread's final records, before the last flush (the main thread drains workers) */
  beforeFinalFlush?: () => void;
  /** a 'message' emitted on process (IPC receipt in a child) */
  onProcessMessage?: (msg: unknown) => void;
  /** called first on exit, before the thread's final records (the last heap sample) */
  beforeFinalRecords?: () => void;
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

  const origExit = process.exit;
  const exit = function exit(this: unknown, code?: number | string | null) {
    exitCalled = true;
    return Reflect.apply(origExit, this, arguments);
  } as typeof process.exit;
  process.exit = exit;

  const origEmit = process.emit;
  const onMessage = hooks.onProcessMessage;
  process.emit = function emit(this: NodeJS.Process, event: string | symbol) {
    if (event === 'exit') {
      try {
        return Reflect.apply(origEmit, this, arguments);
      } finally {
        const code = typeof arguments[1] === 'number' ? arguments[1] : Number(process.exitCode ?? 0) || 0;
        finish(code, undefined, exitCalled ? 'exit' : fatal && code !== 0 ? fatal : 'normal');
      }
    }
    if (event === 'message' && onMessage !== undefined) onMessage(arguments[1]);
    return Reflect.apply(origEmit, this, arguments);
  } as typeof process.emit;

  // a monitor observes without changing whether the exception is fatal
  process.on('uncaughtExceptionMonitor', (err: unknown, origin: string) => {
    try {
      const rejection = origin === 'unhandledRejection';
      if (process.listenerCount('uncaughtException') === 0) fatal = rejection ? 'rejection' : 'uncaught';
      const e = err !== null && typeof err === 'object' ? (err as { name?: unknown; message?: unknown; stack?: unknown }) : undefined;
      const enc = ctx.enc;
      enc.begin(EventKind.Crash, ctx.now());
      enc.u(rejection ? CrashKind.Rejection : CrashKind.Uncaught);
      enc.s(e ? String(e.name ?? 'Error') : typeof err);
      enc.s(e ? String(e.message ?? '') : safeString(err));
      enc.s(e && typeof e.stack === 'string' ? e.stack : undefined);
      enc.s(throwSite(err));
      enc.u(process.pid);
      enc.i(ctx.threadId);
      ctx.recorded();
      ctx.flush();
    } catch {
      // never throw into the program
    }
  });

  if (ctx.isMainThread) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const onSignal = () => {
        // the user's own listener (added after ours) decides what the signal does: just flush
        if (process.listenerCount(sig) > 1) {
          ctx.flush();
          return;
        }
        finish(128 + (sig === 'SIGINT' ? 2 : 15), sig, 'signal');
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      };
      try {
        process.on(sig, onSignal);
      } catch {
        // signals unsupported here (e.g. some Windows setups)
      }
    }
  }
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

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '';
  }
}
