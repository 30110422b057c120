// What a hook module gets from the agent core. Hooks (spawn, workers, messages, crashes, locks)
// record through this and nothing else, so the hot path (clock, encoding, call sites, flushing)
// lives in one place and every hook gets the same guarantees: never throw into the user's code,
// never show an agent frame in the user's stack.

import type { StreamEncoder } from '../protocol/wire';

export interface CallSite {
  /** "file:line:column" of the user's call, or undefined when no user frame exists (Node internals) */
  site: string | undefined;
  /** a short stack ("fn (file:line:col)" lines joined by '\n'), cached per call-site location */
  stack: string | undefined;
}

export interface AgentContext {
  readonly pid: number;
  /** OS thread id of this thread */
  readonly tid: number;
  /** Node threadId (0 = main thread) */
  readonly threadId: number;
  readonly isMainThread: boolean;
  /** ns on CLOCK_MONOTONIC, comparable across processes */
  now(): number;
  /**
   * The encoder of this thread's stream. Write a whole record at once:
   * enc.begin(kind, ts) then one enc.u/i/s per SCHEMA field, with no other record in between.
   */
  readonly enc: StreamEncoder;
  /** call this after each record: it flushes when the buffer is big or old enough */
  recorded(): void;
  /** writes everything buffered now, synchronously (before blocking, on exit) */
  flush(): void;
  /** the user's call site of `wrapper` (frames above it, i.e. the agent's, are skipped) */
  callSite(wrapper: Function): CallSite;
  /** a process-unique id for spawns, waits, locks */
  nextId(): number;
  /** true while the agent itself is running (hooks ignore what the agent does) */
  readonly busy: boolean;
}
