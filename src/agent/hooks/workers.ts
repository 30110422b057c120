// Worker threads: carries the agent into workers given a custom env (they re-read NODE_OPTIONS from
// it), hands each worker its name and parent in environment data (worker-options.ts), records create /
// online / terminate / exit / 'error', and writes a terminated worker's unflushed tail (tail.ts).
// `Worker` is replaced by a subclass before any user code runs, so `import { Worker }` gets it too.
// We override emit rather than adding listeners: an 'error' listener would make the error handled.

import { apply, inDir, statSync, writeAll } from '../pristine';
import { EmitChain } from '../emit-chain';
import wt = require('node:worker_threads');
import { EventKind, CrashKind } from '../../protocol/events';
import type { ThreadStream } from '../stream';
import { markLost } from '../lost';
import { streamFileName } from '../../protocol/session';
import { carriedVars, type AgentEnv } from '../env';
import { SeenOptions, takeEnvironmentData } from './worker-options';
import { callSite } from '../callsite';
import { errorFields } from '../error-fields';
import { claimTail, tailFinished, unwrittenReason, TAIL_BYTES, TAIL_CHANNEL_PREFIX, TAIL_KEY, type TailRegistration } from '../tail';
import type { MessageHooks } from './messages';
import { childComing } from '../first-child';

/** Tails of workers this thread knows about, by threadId; the main thread knows them all. */
export class TailRegistry {
  private readonly tails = new Map<number, SharedArrayBuffer>();
  private channel: InstanceType<typeof wt.BroadcastChannel> | undefined;
  /** threadIds of workers this thread created and saw exit before their tail registered */
  private readonly pendingExit = new Map<number, number>();

  constructor(private readonly ctx: ThreadStream, private readonly dir: string) {}

  /**
   * The main thread opens the private channel on which nested workers (made by other workers)
   * register, before the first worker starts so that their registrations reach it.
   */
  listen(): void {
    if (this.channel || !this.ctx.isMainThread) return;
    try {
      const bc = new wt.BroadcastChannel(TAIL_CHANNEL_PREFIX + process.pid);
      bc.onmessage = (e: unknown) => {
        const d = (e as { data?: TailRegistration }).data;
        if (!d || typeof d.threadId !== 'number' || !(d.sab instanceof SharedArrayBuffer)) return;
        // the main thread hears of every worker; forget those that have ended (128 KB each)
        if (this.tails.size > 16) for (const [id, sab] of this.tails) if (tailFinished(sab)) this.tails.delete(id);
        this.tails.set(d.threadId, d.sab);
        const code = this.pendingExit.get(d.threadId);
        if (code !== undefined) {
          this.pendingExit.delete(d.threadId);
          this.recover(d.threadId, code);
        }
      };
      (bc as unknown as { unref?: () => void }).unref?.();
      this.channel = bc;
    } catch {
      this.channel = undefined;
    }
  }

  /** A worker this thread created, with the buffer it handed over (see tail.ts). */
  created(threadId: number, sab: SharedArrayBuffer | undefined): void {
    if (sab !== undefined) this.tails.set(threadId, sab);
  }

  /** The worker is gone: append what it could not write, and a ThreadExit if it wrote none. */
  exited(threadId: number, code: number): void {
    if (!this.tails.has(threadId)) {
      this.pendingExit.set(threadId, code);
      return;
    }
    this.recover(threadId, code);
  }

  private recover(threadId: number, code: number | undefined): void {
    const sab = this.tails.get(threadId);
    if (!sab) return;
    this.tails.delete(threadId);
    const wasBusy = this.ctx.busy;
    this.ctx.busy = true;
    try {
      const file = inDir(this.dir, streamFileName(process.pid, threadId));
      const size = () => {
        try {
          return statSync(file).size;
        } catch {
          return 0;
        }
      };
      const bytes = claimTail(sab, process.pid, threadId, size, code === undefined ? undefined : { ts: this.ctx.now(), code });
      const held = unwrittenReason(sab);
      if (held !== undefined) markLost(this.dir, process.pid, threadId, { code: held });
      if (bytes) {
        try {
          writeAll(file, bytes, 'a');
        } catch (e) {
          markLost(this.dir, process.pid, threadId, e);
        }
      }
    } catch {
      // never throw into the program
    } finally {
      this.ctx.busy = wasBusy;
    }
  }

  /** At process end (main thread): claim every worker still registered. */
  drainAll(): void {
    for (const threadId of [...this.tails.keys()]) this.recover(threadId, undefined);
  }
}

/** The buffer this worker's creator allocated for its tail (taken: the worker's own workers get theirs). */
export function takeTailBuffer(): SharedArrayBuffer | undefined {
  const sab = takeEnvironmentData(TAIL_KEY);
  return sab instanceof SharedArrayBuffer ? sab : undefined;
}

/** A nested worker's side: tell the main thread where our tail lives. */
export function registerTail(reg: TailRegistration): void {
  try {
    const bc = new wt.BroadcastChannel(TAIL_CHANNEL_PREFIX + reg.pid);
    bc.postMessage(reg);
    bc.close();
  } catch {
    // without it, a terminate() loses this worker's last <= 50 ms of events
  }
}

export function installWorkerHooks(
  ctx: ThreadStream,
  env: AgentEnv,
  tails: TailRegistry,
  messages: MessageHooks | undefined,
  /** the lock hooks' SAB names for a worker's workerData (locks/worker-names.ts) */
  namesFor?: (workerData: unknown) => unknown,
): void {
  const OrigWorker = wt.Worker;
  const carried = carriedVars(env.agentPath);

  // the threadId getter returns -1 once the worker has exited: remember it at creation
  const ids = new WeakMap<object, number>();
  const idOf = (w: InstanceType<typeof OrigWorker>) => ids.get(w) ?? w.threadId;

  class Worker extends OrigWorker {
    constructor(filename: string | URL, options?: wt.WorkerOptions) {
      // Node reads the options itself, several of them more than once (env and name three times).
      // The agent reads none of them: a Proxy forwards Node's own reads and sees what they return,
      // so a getter on the options runs exactly as often as untraced (worker-options.ts).
      const seen = new SeenOptions(ctx.threadId, carried, env.preload, namesFor);
      let opts = options;
      let where: { site: string | undefined; stack: string | undefined } = { site: undefined, stack: undefined };
      let tail: SharedArrayBuffer | undefined;
      try {
        childComing();
        tails.listen();
        tail = new SharedArrayBuffer(TAIL_BYTES);
        seen.begin(tail);
        // no options object: Node takes the env from process.env, so ours goes there for the call
        if (options === null || typeof options !== 'object') seen.defaultEnv();
        else opts = seen.watch(options);
        where = callSite(new.target);
      } catch {
        // never throw into the program
      }
      try {
        super(filename, opts);
      } finally {
        seen.end();
      }
      try {
        const id = this.threadId;
        ids.set(this, id);
        tails.created(id, tail);
        messages?.onWorker(this, id);
        const enc = ctx.enc;
        enc.begin(EventKind.WorkerCreate, ctx.now());
        enc.u(id);
        enc.s(seen.eval ? '[eval] ' + String(filename).slice(0, 200) : String(filename));
        enc.u(seen.eval ? 1 : 0);
        enc.s(seen.limits ? JSON.stringify(seen.limits) : undefined);
        enc.s(where.site);
        enc.s(where.stack);
        ctx.recorded();
      } catch {
        // never throw into the program
      }
    }

    // the deprecated callback form too (Node calls it and warns): every argument goes through
    override terminate(...args: unknown[]): Promise<number> {
      try {
        const where = callSite(Worker.prototype.terminate);
        const enc = ctx.enc;
        enc.begin(EventKind.WorkerTerminate, ctx.now());
        enc.u(idOf(this));
        enc.s(where.site);
        enc.s(where.stack);
        ctx.recorded();
      } catch {
        // never throw into the program
      }
      return apply(OrigWorker.prototype.terminate, this, args) as Promise<number>;
    }

  }
  // the same arity as Node's, for code that looks (Worker(filename, options = {}), terminate(callback))
  try {
    Object.defineProperty(Worker, 'length', { value: OrigWorker.length });
    Object.defineProperty(Worker.prototype.terminate, 'length', { value: OrigWorker.prototype.terminate.length });
  } catch {
    // leave them
  }
  // emit runs for every message the worker sends up: no rest parameter, no spread (no array per call);
  // it passes on to the emit Worker inherits as it is at each call (emit-chain.ts)
  const origProto = OrigWorker.prototype;
  const chain = new EmitChain(origProto.emit);
  Object.defineProperty(Worker.prototype, 'emit', {
    configurable: true,
    writable: true,
    value: function emit(this: InstanceType<typeof OrigWorker>, event: string | symbol): boolean {
      if (chain.reentered(this, event)) return apply(chain.atLoad, this, arguments);
      if (event === 'online' || event === 'exit' || event === 'error') onEvent(this, event, arguments[1]);
      return chain.passOn(origProto.emit, this, event, arguments);
    },
  });

  function onEvent(w: InstanceType<typeof OrigWorker>, event: string, arg: unknown): void {
    try {
      const id = idOf(w);
      const enc = ctx.enc;
      const ts = ctx.now();
      if (event === 'online') {
        enc.begin(EventKind.WorkerOnline, ts);
        enc.u(id);
      } else if (event === 'exit') {
        enc.begin(EventKind.WorkerExit, ts);
        enc.u(id);
        enc.i(typeof arg === 'number' ? arg : 0);
        ctx.recorded();
        tails.exited(id, typeof arg === 'number' ? arg : 0);
        return;
      } else {
        const f = errorFields(arg);
        enc.begin(EventKind.Crash, ts);
        enc.u(CrashKind.WorkerError);
        enc.s(f.name);
        enc.s(f.message);
        enc.s(f.stack);
        enc.s(f.site);
        enc.u(process.pid);
        enc.i(id);
      }
      ctx.recorded();
    } catch {
      // never throw into the program
    }
  }

  (wt as { Worker: unknown }).Worker = Worker;
}
