// Starts the agent in this thread: the core, dist/agent-core.js, which the loader (index.ts, dist/agent.js)
// loads only when CTRACE_DIR is set. Each thread
// records into its own file `${CTRACE_DIR}/<pid>-<threadId>.ctc` that the recorder tails. Hooks
// install in this order: the stream (so every later record has a place to go), messages, spawns,
// workers, the lifecycle (last, so its exit wrapper sees everything), then the lock hooks of issue 5.

import fs = require('node:fs');
import { syncBuiltinESMExports } from 'node:module';
import wt = require('node:worker_threads');
import { readEnv } from './env';
import { ThreadStream } from './stream';
import { hideAgentFrames } from './hide-frames';
import { setAgentFile } from './callsite';
import { WorkerTail } from './tail';
import { installLifecycle, recordStart } from './hooks/lifecycle';
import { MessageHooks, installUnwrapOnly } from './hooks/messages';
import { installSpawnHooks, writePidFile } from './hooks/spawn';
import { SPAWN_REF_VAR } from '../protocol/session';
import { installWorkerHooks, registerTail, takeTailBuffer, TailRegistry } from './hooks/workers';
import { takeWorkerInfo } from './hooks/worker-options';
import { namesForWorker } from './hooks/locks/sab-names';
import { installLockHooks } from './hooks/locks';
import { HeapSampler } from './heap';
import { beforeFirstChild } from './first-child';
import { markSignal } from './signal-marker';

const LOADED = Symbol.for('ctrace.agent.loaded');

function osThreadId(isMain: boolean): number {
  if (process.platform === 'linux') {
    try {
      return Number(fs.readlinkSync('/proc/thread-self').split('/').pop()) || (isMain ? process.pid : 0);
    } catch {
      // fall through
    }
  }
  return isMain ? process.pid : 0;
}

export interface AgentFiles {
  /** this bundle: its frames are the agent's */
  core: string;
  /** what NODE_OPTIONS preloads (the loader), re-injected into children and workers */
  preload: string;
  /** run once before this thread starts its first worker or child (the loader's code cache) */
  beforeFirstChild?: () => void;
}

export function start(files: AgentFiles): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[LOADED]) return; // preloaded twice (NODE_OPTIONS given twice): once is enough
  // not enumerable: console.log(globalThis) and a spread of it show nothing of ours
  Object.defineProperty(g, LOADED, { value: true, writable: true, configurable: true, enumerable: false });
  const env = readEnv(process.env, files.preload);
  if (!env) return;
  // the ESM loader-hooks thread (module.register) runs preloads too; it is not traced, but what
  // traced threads send it must arrive as the program sent it
  if (!wt.isMainThread && wt.parentPort === null) {
    installUnwrapOnly();
    return;
  }

  setAgentFile(files.core);
  hideAgentFrames(files.core);
  beforeFirstChild(files.beforeFirstChild);
  const isMain = wt.isMainThread;
  const tid = osThreadId(isMain);
  const ctx = new ThreadStream(env.dir, process.pid, tid, wt.threadId, isMain);

  if (isMain) {
    recordStart(ctx, { name: 'main', parentThreadId: -1, workerRef: undefined }, process.env[SPAWN_REF_VAR]);
    writePidFile(env.dir, process.env[SPAWN_REF_VAR]);
  } else {
    const handed = takeTailBuffer();
    const tail = new WorkerTail(ctx.encoder, tid, handed);
    ctx.tail = tail;
    ctx.stage = tail.stage;
    const info = takeWorkerInfo();
    // the creator knows the buffer it handed over; the main thread must hear of nested workers too
    if (handed === undefined || tail.sab !== handed || (info !== undefined && info.p !== 0)) {
      registerTail({ pid: process.pid, threadId: wt.threadId, sab: tail.sab });
    }
    recordStart(
      ctx,
      { name: info?.n ?? `worker ${wt.threadId}`, parentThreadId: info ? info.p : -1, workerRef: `${process.pid}:${wt.threadId}` },
      undefined,
    );
  }

  const messages = env.messages ? new MessageHooks(ctx) : undefined;
  messages?.install();
  const tails = new TailRegistry(ctx, env.dir);
  installSpawnHooks(ctx, env, {
    onChild: messages ? (child) => messages.onChild(child) : undefined,
    onChildMessage: messages ? (child, msg) => messages.onIpcMessage(child, msg) : undefined,
  });
  installWorkerHooks(ctx, env, tails, messages, env.locks ? namesForWorker : undefined);
  const heap = new HeapSampler(ctx);
  heap.start();
  installLifecycle(ctx, {
    beforeFinalRecords: () => heap.sample(true),
    beforeFinalFlush: isMain ? () => tails.drainAll() : undefined,
    onProcessMessage: messages ? (msg) => messages.onIpcMessage(process, msg) : undefined,
    onSignal: isMain ? (signal) => markSignal(env.dir, process.pid, signal) : undefined,
  });
  if (env.locks) installLockHooks(ctx);
  // once, after every patch: ESM `import { Worker, spawn } from ...` then sees the patched exports
  try {
    syncBuiltinESMExports();
  } catch {
    // older runtimes
  }
}
