// The event vocabulary of a trace: every kind of record the agent, the collector and the samplers
// write, with the fields each carries. The binary codec (wire.ts) is driven by this table, so adding
// a kind is one entry here and nothing else in the codec.
//
// Field types:
//   'u'  unsigned integer (varint), up to 2^53
//   'i'  signed integer (zigzag varint)
//   's'  string, written as a per-stream string-table id (interned; 0 means "absent")
// Timestamps are not fields: every record has one (ns, CLOCK_MONOTONIC, shared by all processes).
// Call sites are two string fields: `site` ("file:line:column") and `stack` (short stack, '\n'-joined).

export type FieldType = 'u' | 'i' | 's';

export const enum EventKind {
  // --- processes (written by the agent in the process's main thread) ---
  ProcessStart = 1, // pid, ppid, argv (JSON array), cwd, nodeVersion, execPath, spawnRef, title
  ProcessExit = 2, // code, signal, cause
  // --- threads ---
  ThreadStart = 3, // name, kind (ThreadKind), parentThreadId, workerRef
  ThreadExit = 4, // code
  // --- spawning child processes (in the parent) ---
  SpawnCall = 5, // spawnId, api, command, args (JSON array), site, stack
  SpawnRunning = 6, // spawnId, childPid
  SpawnExit = 7, // spawnId, childPid, code, signal
  SpawnError = 8, // spawnId, code (errno name), message, site, stack
  // --- worker threads (in the creating thread) ---
  WorkerCreate = 9, // workerThreadId, url, eval, resourceLimits (JSON), site, stack
  WorkerOnline = 10, // workerThreadId
  WorkerTerminate = 11, // workerThreadId, site, stack
  WorkerExit = 12, // workerThreadId, code
  // --- messages ---
  MessageSend = 13, // channelKind, channel, seq, bytes, transferredBytes, sharedBytes, site (bytes and sharedBytes: format 1 only)
  MessageReceive = 14, // channelKind, channel, seq, bytes, sharedBytes (sharedBytes: since format 2)
  // --- crashes ---
  Crash = 15, // crashKind, name, message, stack, site, targetPid, targetThreadId
  // --- locks and waits (issue: locks) ---
  AtomicsWaitBegin = 16, // lock, index, expected, timeoutMs (-1 = none), async (0/1), waitId, site, stack
  AtomicsWaitEnd = 17, // waitId, result (WaitResult)
  AtomicsNotify = 18, // lock, index, count, woken, site
  LockAcquired = 19, // lockKind, lock, mode, lockId, waited (0/1), site, stack  -- taken (CAS / grant)
  LockReleased = 20, // lockKind, lock, lockId, site
  LockRequest = 21, // lockKind, lock, mode, lockId, site, stack               -- started waiting
  // --- scheduling and memory (written by the collector's sampler; pid/tid in fields) ---
  SchedSample = 22, // pid, tid, state (ThreadState), utimeNs, stimeNs, runNs, voluntary, involuntary, name
  SchedSwitch = 23, // tid, pid, direction (0 out / 1 in), preempt (0/1)
  MemorySample = 24, // pid, threadId, rssBytes, heapUsedBytes
  ThreadName = 25, // pid, tid, name, threadId (0 = not a JS thread)
  // --- the recorder's own findings ---
  Deadlock = 26, // json (the cycle, see DeadlockReport)
  Mark = 27, // name, detail -- free-form annotation (tests, user marks)
  // --- what Node reports inside the program, written by the agent only in schedMode 'node' ---
  ThreadUsage = 28, // pid, threadId, eluActiveNs, eluIdleNs, cpu (1: userNs/systemNs are this thread's; 0: unknown), userNs, systemNs
  ProcessUsage = 29, // pid, userNs, systemNs, voluntary, involuntary, maxRssBytes -- whole process (main thread writes it)
  // --- the sampler again ---
  ProcessSeen = 30, // pid, ppid -- a child process found under a sampled one (once), so untraced ones nest too
}

export const enum ThreadKind {
  Main = 0,
  Worker = 1,
  Os = 2,
}

export const enum ChannelKind {
  Process = 0, // process.send / child.send (IPC)
  Worker = 1, // worker.postMessage / parentPort.postMessage
  Port = 2, // MessagePort / MessageChannel
  Broadcast = 3, // BroadcastChannel
}

export const enum CrashKind {
  Uncaught = 0,
  Rejection = 1,
  WorkerError = 2, // seen by the parent on worker 'error'
  ChildSignal = 3, // a child process killed by a signal, seen by the parent
}

export const enum WaitResult {
  Ok = 0,
  NotEqual = 1,
  TimedOut = 2,
  Interrupted = 3, // the thread ended while waiting
}

export const enum ThreadState {
  Running = 0,
  Runnable = 1,
  Sleeping = 2,
  Uninterruptible = 3,
  Stopped = 4,
  Dead = 5,
  Unknown = 6,
}

export const enum LockKind {
  Atomics = 0,
  WebLock = 1,
  AsyncMutex = 2,
}

export type ExitCause = 'normal' | 'exit' | 'uncaught' | 'rejection' | 'signal' | 'killed';

/** Field names and types of each kind, in wire order. */
export const SCHEMA: Readonly<Record<number, readonly (readonly [string, FieldType])[]>> = {
  [EventKind.ProcessStart]: [['pid', 'u'], ['ppid', 'u'], ['argv', 's'], ['cwd', 's'], ['nodeVersion', 's'], ['execPath', 's'], ['spawnRef', 's'], ['title', 's']],
  [EventKind.ProcessExit]: [['code', 'i'], ['signal', 's'], ['cause', 's']],
  [EventKind.ThreadStart]: [['name', 's'], ['kind', 'u'], ['parentThreadId', 'i'], ['workerRef', 's']],
  [EventKind.ThreadExit]: [['code', 'i']],
  [EventKind.SpawnCall]: [['spawnId', 'u'], ['api', 's'], ['command', 's'], ['args', 's'], ['site', 's'], ['stack', 's']],
  [EventKind.SpawnRunning]: [['spawnId', 'u'], ['childPid', 'u']],
  [EventKind.SpawnExit]: [['spawnId', 'u'], ['childPid', 'u'], ['code', 'i'], ['signal', 's']],
  [EventKind.SpawnError]: [['spawnId', 'u'], ['code', 's'], ['message', 's'], ['site', 's'], ['stack', 's']],
  [EventKind.WorkerCreate]: [['workerThreadId', 'u'], ['url', 's'], ['eval', 'u'], ['resourceLimits', 's'], ['site', 's'], ['stack', 's']],
  [EventKind.WorkerOnline]: [['workerThreadId', 'u']],
  [EventKind.WorkerTerminate]: [['workerThreadId', 'u'], ['site', 's'], ['stack', 's']],
  [EventKind.WorkerExit]: [['workerThreadId', 'u'], ['code', 'i']],
  [EventKind.MessageSend]: [['channelKind', 'u'], ['channel', 's'], ['seq', 'u'], ['bytes', 'u'], ['transferredBytes', 'u'], ['sharedBytes', 'u'], ['site', 's']],
  [EventKind.MessageReceive]: [['channelKind', 'u'], ['channel', 's'], ['seq', 'u'], ['bytes', 'u'], ['sharedBytes', 'u']],
  [EventKind.Crash]: [['crashKind', 'u'], ['name', 's'], ['message', 's'], ['stack', 's'], ['site', 's'], ['targetPid', 'u'], ['targetThreadId', 'i']],
  [EventKind.AtomicsWaitBegin]: [['lock', 's'], ['index', 'u'], ['expected', 'i'], ['timeoutMs', 'i'], ['async', 'u'], ['waitId', 'u'], ['site', 's'], ['stack', 's']],
  [EventKind.AtomicsWaitEnd]: [['waitId', 'u'], ['result', 'u']],
  [EventKind.AtomicsNotify]: [['lock', 's'], ['index', 'u'], ['count', 'i'], ['woken', 'u'], ['site', 's']],
  [EventKind.LockAcquired]: [['lockKind', 'u'], ['lock', 's'], ['mode', 's'], ['lockId', 'u'], ['waited', 'u'], ['site', 's'], ['stack', 's']],
  [EventKind.LockReleased]: [['lockKind', 'u'], ['lock', 's'], ['lockId', 'u'], ['site', 's']],
  [EventKind.LockRequest]: [['lockKind', 'u'], ['lock', 's'], ['mode', 's'], ['lockId', 'u'], ['site', 's'], ['stack', 's']],
  [EventKind.SchedSample]: [['pid', 'u'], ['tid', 'u'], ['state', 'u'], ['utimeNs', 'u'], ['stimeNs', 'u'], ['runNs', 'u'], ['voluntary', 'u'], ['involuntary', 'u'], ['name', 's']],
  [EventKind.SchedSwitch]: [['tid', 'u'], ['pid', 'u'], ['direction', 'u'], ['preempt', 'u']],
  [EventKind.MemorySample]: [['pid', 'u'], ['threadId', 'i'], ['rssBytes', 'u'], ['heapUsedBytes', 'u']],
  [EventKind.ThreadName]: [['pid', 'u'], ['tid', 'u'], ['name', 's'], ['threadId', 'i']],
  [EventKind.Deadlock]: [['json', 's']],
  [EventKind.Mark]: [['name', 's'], ['detail', 's']],
  [EventKind.ThreadUsage]: [['pid', 'u'], ['threadId', 'i'], ['eluActiveNs', 'u'], ['eluIdleNs', 'u'], ['cpu', 'u'], ['userNs', 'u'], ['systemNs', 'u']],
  [EventKind.ProcessUsage]: [['pid', 'u'], ['userNs', 'u'], ['systemNs', 'u'], ['voluntary', 'u'], ['involuntary', 'u'], ['maxRssBytes', 'u']],
  [EventKind.ProcessSeen]: [['pid', 'u'], ['ppid', 'u']],
};

/**
 * The kinds whose records do not carry every SCHEMA field, per format version: the positions in
 * SCHEMA[kind] of the fields on the wire, in wire order. A field not on the wire decodes as 0.
 * Format 2 sizes a message where it is received (its receiver holds the clone, which runs no user
 * code when read), so a send no longer carries `bytes` and `sharedBytes` and a receipt gained
 * `sharedBytes`; format 1's receipts lack it.
 */
export const WIRE_LAYOUTS: Readonly<Record<number, Readonly<Record<number, readonly number[]>>>> = {
  1: { [EventKind.MessageReceive]: [0, 1, 2, 3] },
  2: { [EventKind.MessageSend]: [0, 1, 2, 4, 6] },
};

export const KIND_NAMES: Readonly<Record<number, string>> = {
  [EventKind.ProcessStart]: 'process-start',
  [EventKind.ProcessExit]: 'process-exit',
  [EventKind.ThreadStart]: 'thread-start',
  [EventKind.ThreadExit]: 'thread-exit',
  [EventKind.SpawnCall]: 'spawn',
  [EventKind.SpawnRunning]: 'spawn-running',
  [EventKind.SpawnExit]: 'spawn-exit',
  [EventKind.SpawnError]: 'spawn-error',
  [EventKind.WorkerCreate]: 'worker-create',
  [EventKind.WorkerOnline]: 'worker-online',
  [EventKind.WorkerTerminate]: 'worker-terminate',
  [EventKind.WorkerExit]: 'worker-exit',
  [EventKind.MessageSend]: 'message-send',
  [EventKind.MessageReceive]: 'message-receive',
  [EventKind.Crash]: 'crash',
  [EventKind.AtomicsWaitBegin]: 'atomics-wait',
  [EventKind.AtomicsWaitEnd]: 'atomics-wait-end',
  [EventKind.AtomicsNotify]: 'atomics-notify',
  [EventKind.LockAcquired]: 'lock-acquired',
  [EventKind.LockReleased]: 'lock-released',
  [EventKind.LockRequest]: 'lock-request',
  [EventKind.SchedSample]: 'sched-sample',
  [EventKind.SchedSwitch]: 'sched-switch',
  [EventKind.MemorySample]: 'memory',
  [EventKind.ThreadName]: 'thread-name',
  [EventKind.Deadlock]: 'deadlock',
  [EventKind.Mark]: 'mark',
  [EventKind.ThreadUsage]: 'thread-usage',
  [EventKind.ProcessUsage]: 'process-usage',
  [EventKind.ProcessSeen]: 'process-seen',
};

export const CHANNEL_NAMES = ['process', 'worker', 'port', 'broadcast'] as const;
export const CRASH_KIND_NAMES = ['uncaught', 'rejection', 'worker-error', 'child-signal'] as const;
export const WAIT_RESULT_NAMES = ['ok', 'not-equal', 'timed-out', 'interrupted'] as const;
export const THREAD_STATE_NAMES = ['running', 'runnable', 'sleeping', 'uninterruptible', 'stopped', 'dead', 'unknown'] as const;
export const LOCK_KIND_NAMES = ['atomics', 'weblock', 'async-mutex'] as const;
export const THREAD_KIND_NAMES = ['main', 'worker', 'os'] as const;

/**
 * Records that are samples of a series (scheduler states and switches, memory, CPU use, thread names),
 * not events of the program: counts of "events" leave them out everywhere (the recorder's, the
 * timeline's), and give them as samples.
 */
const SAMPLE_KINDS = new Set<number>([EventKind.SchedSample, EventKind.SchedSwitch, EventKind.MemorySample, EventKind.ThreadName, EventKind.ThreadUsage, EventKind.ProcessUsage, EventKind.ProcessSeen]);
export function isSampleKind(kind: number): boolean {
  return SAMPLE_KINDS.has(kind);
}

/** One decoded record. `fields` holds numbers for 'u'/'i' and strings (or undefined) for 's'. */
export interface TraceEvent {
  kind: EventKind;
  /** ns on CLOCK_MONOTONIC */
  ts: number;
  /** the stream that wrote it: pid 0 / threadId 0 is the collector */
  pid: number;
  tid: number;
  threadId: number;
  fields: Record<string, number | string | undefined>;
}

/** A call site split out of the `site` string field. */
export interface SourceSite {
  file: string;
  line: number;
  column: number;
}

/** Parses "file:line:column" (file may itself hold colons, e.g. C:\ or file:// URLs). */
export function parseSite(site: string | undefined): SourceSite | undefined {
  if (!site) return undefined;
  const c2 = site.lastIndexOf(':');
  if (c2 <= 0) return undefined;
  const c1 = site.lastIndexOf(':', c2 - 1);
  if (c1 <= 0) return undefined;
  const line = Number(site.slice(c1 + 1, c2));
  const column = Number(site.slice(c2 + 1));
  if (!Number.isInteger(line) || !Number.isInteger(column)) return undefined;
  return { file: site.slice(0, c1), line, column };
}

export function formatSite(file: string, line: number, column: number): string {
  return `${file}:${line}:${column}`;
}
