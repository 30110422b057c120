// The trace as entities instead of records: processes (a tree by parent), threads, spawns linked to
// the children they made, workers linked to their threads' streams, messages paired with their
// receipts, and crashes in time order. The summary, the timeline and the tests all read this, so the
// linking rules (docs/trace-format.md, "Linking") live here and nowhere else.

import path from 'node:path';
import { CrashKind, EventKind, CHANNEL_NAMES, CRASH_KIND_NAMES, THREAD_KIND_NAMES, parseSite, type ExitCause, type SourceSite, type TraceEvent } from '../protocol/events';
import type { TraceMeta } from '../protocol/trace';
import { checkedLostRecords } from '../protocol/session';
import type { LoadedTrace } from './types';

export interface ProcessNode {
  pid: number;
  ppid: number;
  /** pid of the nearest traced ancestor (the tree's edge); undefined for a root */
  parentPid?: number;
  children: number[];
  argv: string[];
  /** argv for people: "node app.js" (the node binary by its base name, paths under cwd relative) */
  command: string;
  cwd?: string;
  nodeVersion?: string;
  startTs: number;
  endTs?: number;
  exitCode: number | null;
  signal: string | null;
  cause: ExitCause | null;
  /** the spawn that made this process, when it was traced */
  spawn?: SpawnNode;
  /** "<parentPid>:<spawnId>" from the agent, inherited through shells (ProcessStart.spawnRef) */
  spawnRef?: string;
  /** still running when the recording ended (the final Meta's stillRunning): no end, no cause */
  stillRunning?: boolean;
  /** its exit record may be among the records its agent could not write (lostRecords): cause unknown */
  recordsLost?: boolean;
}

export interface ThreadNode {
  pid: number;
  tid: number;
  threadId: number;
  name: string;
  kind: 'main' | 'worker' | 'os';
  startTs?: number;
  endTs?: number;
  exitCode?: number;
  /** for a worker: the WorkerCreate that made it */
  worker?: WorkerNode;
}

export interface SpawnNode {
  pid: number;
  threadId: number;
  spawnId: number;
  api: string;
  command: string;
  args: string[];
  site?: SourceSite;
  stack?: string;
  callTs: number;
  runningTs?: number;
  exitTs?: number;
  childPid?: number;
  exitCode?: number;
  signal?: string;
  error?: { code: string; message: string; ts: number };
  /** the traced Node process it started (directly, or further down when through a shell) */
  childProcess?: number;
}

export interface WorkerNode {
  pid: number;
  /** the creating thread */
  threadId: number;
  workerThreadId: number;
  url?: string;
  eval: boolean;
  resourceLimits?: string;
  site?: SourceSite;
  stack?: string;
  createTs: number;
  onlineTs?: number;
  terminateTs?: number;
  terminateSite?: SourceSite;
  exitTs?: number;
  exitCode?: number;
}

export interface MessagePair {
  channelKind: 'process' | 'worker' | 'port' | 'broadcast';
  channel: string;
  seq: number;
  send?: TraceEvent;
  /** a broadcast has one send and many receipts */
  receives: TraceEvent[];
  /** ns from the send to the first receipt */
  latencyNs?: number;
  bytes: number;
}

export interface CrashNode {
  ts: number;
  /** where the crash happened: for a worker error seen by its parent, the worker's pid/threadId */
  pid: number;
  threadId: number;
  kind: (typeof CRASH_KIND_NAMES)[number];
  name: string;
  message: string;
  stack?: string;
  site?: SourceSite;
  /** the record itself */
  event: TraceEvent;
}

export interface TraceModel {
  meta: TraceMeta;
  processes: ProcessNode[];
  threads: ThreadNode[];
  spawns: SpawnNode[];
  workers: WorkerNode[];
  messages: MessagePair[];
  crashes: CrashNode[];
  startTs: number;
  endTs: number;
}

type Trace = Pick<LoadedTrace, 'meta' | 'events'>;

const str = (e: TraceEvent, f: string): string | undefined => e.fields[f] as string | undefined;
const num = (e: TraceEvent, f: string): number => (e.fields[f] as number | undefined) ?? 0;

function parseArgs(json: string | undefined): string[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [json];
  }
}

/** "node app.js": the node binary by base name, arguments under cwd made relative. */
export function commandLine(argv: readonly string[], cwd?: string): string {
  return argv
    .map((a, i) => {
      if (i === 0) return path.basename(a).replace(/\.exe$/i, '');
      if (cwd && path.isAbsolute(a) && a.startsWith(cwd + path.sep)) a = path.relative(cwd, a);
      return /[\s"'$]/.test(a) ? JSON.stringify(a) : a;
    })
    .join(' ');
}

export function buildModel(trace: Trace): TraceModel {
  const { events, meta } = trace;
  const procs = new Map<number, ProcessNode>();
  const threads = new Map<string, ThreadNode>();
  /** main threads the sampler named, by pid: those of processes no agent traced become 'os' threads */
  const outsideMain = new Map<number, ThreadNode>();
  const spawns = new Map<string, SpawnNode>();
  const workers = new Map<string, WorkerNode>();
  const pairs = new Map<string, MessagePair>();
  const rawCrashes: TraceEvent[] = [];
  let startTs = meta.t0 ?? Infinity;
  let endTs = meta.t1 ?? 0;

  const threadKey = (pid: number, threadId: number) => pid + ':' + threadId;
  const threadOf = (pid: number, tid: number, threadId: number): ThreadNode => {
    const key = threadKey(pid, threadId);
    let t = threads.get(key);
    if (!t) {
      t = { pid, tid, threadId, name: threadId === 0 ? 'main' : `worker ${threadId}`, kind: threadId === 0 ? 'main' : 'worker' };
      threads.set(key, t);
    }
    return t;
  };
  const pairOf = (e: TraceEvent): MessagePair => {
    const ck = num(e, 'channelKind');
    const channel = str(e, 'channel') ?? '';
    const seq = num(e, 'seq');
    const key = ck + '\0' + channel + '\0' + seq;
    let p = pairs.get(key);
    if (!p) {
      p = { channelKind: CHANNEL_NAMES[ck] ?? 'port', channel, seq, receives: [], bytes: num(e, 'bytes') };
      pairs.set(key, p);
    }
    return p;
  };

  for (const e of events) {
    if (e.ts < startTs) startTs = e.ts;
    if (e.ts > endTs) endTs = e.ts;
    // Every stream except the collector's belongs to a thread of a traced process.
    if (e.pid !== 0 && e.kind !== EventKind.SchedSample) {
      const t = threadOf(e.pid, e.tid, e.threadId);
      if (t.startTs === undefined) t.startTs = e.ts;
    }
    switch (e.kind) {
      case EventKind.ProcessStart: {
        const pid = num(e, 'pid') || e.pid;
        const argv = parseArgs(str(e, 'argv'));
        const cwd = str(e, 'cwd');
        procs.set(pid, {
          pid,
          ppid: num(e, 'ppid'),
          children: [],
          argv,
          command: commandLine(argv, meta.cwd ?? cwd),
          cwd,
          nodeVersion: str(e, 'nodeVersion'),
          startTs: e.ts,
          exitCode: null,
          signal: null,
          cause: null,
          spawnRef: str(e, 'spawnRef'),
        });
        break;
      }
      case EventKind.ProcessExit: {
        const p = procs.get(e.pid);
        if (p) {
          p.endTs = e.ts;
          p.exitCode = str(e, 'signal') ? null : num(e, 'code');
          p.signal = str(e, 'signal') ?? null;
          p.cause = (str(e, 'cause') as ExitCause | undefined) ?? 'normal';
        }
        break;
      }
      case EventKind.ThreadStart: {
        const t = threadOf(e.pid, e.tid, e.threadId);
        t.startTs = e.ts;
        t.tid = e.tid;
        t.kind = THREAD_KIND_NAMES[num(e, 'kind')] ?? t.kind;
        const name = str(e, 'name');
        if (name) t.name = name;
        break;
      }
      case EventKind.ThreadExit: {
        const t = threadOf(e.pid, e.tid, e.threadId);
        t.endTs = e.ts;
        t.exitCode = num(e, 'code');
        break;
      }
      case EventKind.ThreadName: {
        const pid = num(e, 'pid');
        const tid = num(e, 'tid');
        const threadId = num(e, 'threadId');
        const name = str(e, 'name') ?? '';
        if (threadId > 0 || (threadId === 0 && tid === pid)) {
          // a JS thread the sampler saw: it tells us the OS tid, the agent already named it
          const t = threads.get(threadKey(pid, threadId));
          if (t && !t.tid) t.tid = tid;
          // or the main thread of a process no agent traced (known only at the end: the sampler
          // sees a Node process before its agent has written anything)
          else if (!t && threadId === 0 && !outsideMain.has(pid)) outsideMain.set(pid, { pid, tid, threadId: -1, name: name || `thread ${tid}`, kind: 'os', startTs: e.ts });
          else if (!t && threadId === 0 && name) outsideMain.get(pid)!.name = name;
        } else {
          const key = pid + ':os:' + tid;
          const t = threads.get(key);
          if (t) t.name = name || t.name;
          else threads.set(key, { pid, tid, threadId: -1, name: name || `thread ${tid}`, kind: 'os', startTs: e.ts });
        }
        break;
      }
      case EventKind.SpawnCall: {
        const s: SpawnNode = {
          pid: e.pid,
          threadId: e.threadId,
          spawnId: num(e, 'spawnId'),
          api: str(e, 'api') ?? 'spawn',
          command: str(e, 'command') ?? '',
          args: parseArgs(str(e, 'args')),
          site: parseSite(str(e, 'site')),
          stack: str(e, 'stack'),
          callTs: e.ts,
        };
        spawns.set(e.pid + ':' + s.spawnId, s);
        break;
      }
      case EventKind.SpawnRunning: {
        const s = spawns.get(e.pid + ':' + num(e, 'spawnId'));
        if (s) {
          s.runningTs = e.ts;
          s.childPid = num(e, 'childPid');
        }
        break;
      }
      case EventKind.SpawnExit: {
        const s = spawns.get(e.pid + ':' + num(e, 'spawnId'));
        if (s) {
          s.exitTs = e.ts;
          s.childPid ??= num(e, 'childPid');
          s.exitCode = str(e, 'signal') ? undefined : num(e, 'code');
          s.signal = str(e, 'signal');
        }
        break;
      }
      case EventKind.SpawnError: {
        const s = spawns.get(e.pid + ':' + num(e, 'spawnId'));
        const error = { code: str(e, 'code') ?? 'UNKNOWN', message: str(e, 'message') ?? '', ts: e.ts };
        if (s) s.error = error;
        else
          spawns.set(e.pid + ':' + num(e, 'spawnId'), {
            pid: e.pid,
            threadId: e.threadId,
            spawnId: num(e, 'spawnId'),
            api: 'spawn',
            command: '',
            args: [],
            site: parseSite(str(e, 'site')),
            stack: str(e, 'stack'),
            callTs: e.ts,
            error,
          });
        break;
      }
      case EventKind.WorkerCreate: {
        const w: WorkerNode = {
          pid: e.pid,
          threadId: e.threadId,
          workerThreadId: num(e, 'workerThreadId'),
          url: str(e, 'url'),
          eval: num(e, 'eval') === 1,
          resourceLimits: str(e, 'resourceLimits'),
          site: parseSite(str(e, 'site')),
          stack: str(e, 'stack'),
          createTs: e.ts,
        };
        workers.set(threadKey(e.pid, w.workerThreadId), w);
        break;
      }
      case EventKind.WorkerOnline: {
        const w = workers.get(threadKey(e.pid, num(e, 'workerThreadId')));
        if (w) w.onlineTs = e.ts;
        break;
      }
      case EventKind.WorkerTerminate: {
        const w = workers.get(threadKey(e.pid, num(e, 'workerThreadId')));
        if (w) {
          w.terminateTs = e.ts;
          w.terminateSite = parseSite(str(e, 'site'));
        }
        break;
      }
      case EventKind.WorkerExit: {
        const w = workers.get(threadKey(e.pid, num(e, 'workerThreadId')));
        if (w) {
          w.exitTs = e.ts;
          w.exitCode = num(e, 'code');
        }
        break;
      }
      case EventKind.MessageSend: {
        const p = pairOf(e);
        p.send = e;
        p.bytes = num(e, 'bytes');
        break;
      }
      case EventKind.MessageReceive:
        pairOf(e).receives.push(e);
        break;
      case EventKind.Crash:
        rawCrashes.push(e);
        break;
    }
  }

  for (const [pid, t] of outsideMain) if (!procs.has(pid) && !threads.has(threadKey(pid, 0))) threads.set(pid + ':os:' + t.tid, t);
  linkProcesses(procs, spawns, meta);
  // Processes whose agent never wrote an exit died of a signal (the agent leaves signals alone:
  // docs/capture.md) or were ended from outside (SIGKILL, or the recorder stopped before they
  // finished); their parent's spawn, or the recorder itself for the root, saw how. A signal other
  // than SIGKILL is `signal`, as the program would have died of it untraced; the rest is `killed`,
  // except those the recorder saw still running at its end and those whose agent could not write.
  const running = new Set(Array.isArray(meta.stillRunning) ? meta.stillRunning : []);
  const lost = new Set(checkedLostRecords(meta.lostRecords).map((l) => l.pid));
  for (const p of procs.values()) {
    if (p.cause !== null) continue;
    const s = p.spawn && p.spawn.childPid === p.pid ? p.spawn : undefined;
    if (s?.exitTs === undefined && running.has(p.pid)) {
      p.stillRunning = true;
      continue;
    }
    if (s?.exitTs !== undefined) {
      p.endTs = s.exitTs;
      p.exitCode = s.signal ? null : (s.exitCode ?? null);
      p.signal = s.signal ?? null;
    } else if (p.parentPid === undefined && (meta.exitCode !== undefined || meta.exitSignal !== undefined)) {
      p.exitCode = meta.exitSignal ? null : (meta.exitCode ?? null);
      p.signal = meta.exitSignal ?? null;
      p.endTs = meta.t1;
    }
    // no exit record because it was not written (a full disk), not because something ended it: unknown
    if (!p.signal && lost.has(p.pid)) p.recordsLost = true;
    else p.cause = p.signal && p.signal !== 'SIGKILL' ? 'signal' : 'killed';
  }

  for (const w of workers.values()) {
    const t = threads.get(threadKey(w.pid, w.workerThreadId));
    if (t) {
      t.worker = w;
      t.kind = 'worker';
      if (t.exitCode === undefined && w.exitCode !== undefined) t.exitCode = w.exitCode;
      if (t.endTs === undefined) t.endTs = w.exitTs;
    }
  }
  // The sampler names every OS thread it sees, workers included (it cannot know their threadId);
  // a tid that belongs to a JS thread is that thread, not another one.
  const jsTids = new Set<string>();
  for (const t of threads.values()) if (t.kind !== 'os' && t.tid) jsTids.add(t.pid + ':' + t.tid);
  for (const [key, t] of threads) if (t.kind === 'os' && jsTids.has(t.pid + ':' + t.tid)) threads.delete(key);
  for (const t of threads.values()) {
    if (t.kind === 'main') {
      const p = procs.get(t.pid);
      if (p) {
        if (!t.tid) t.tid = p.pid;
        t.endTs ??= p.endTs;
      }
    }
  }

  const messages = [...pairs.values()];
  for (const m of messages) {
    if (!m.send || !m.receives.length) continue;
    m.latencyNs = m.receives[0].ts - m.send.ts;
    // since format 2 a message is sized where it lands (format 1 sized the send)
    if (!m.bytes) m.bytes = num(m.receives[0], 'bytes');
  }

  return {
    meta,
    processes: [...procs.values()].sort((a, b) => a.startTs - b.startTs || a.pid - b.pid),
    threads: [...threads.values()].sort((a, b) => a.pid - b.pid || kindOrder(a) - kindOrder(b) || a.threadId - b.threadId || a.tid - b.tid),
    spawns: [...spawns.values()].sort((a, b) => a.callTs - b.callTs),
    workers: [...workers.values()].sort((a, b) => a.createTs - b.createTs),
    messages,
    crashes: crashesOf(rawCrashes),
    startTs: startTs === Infinity ? 0 : startTs,
    endTs,
  };
}

function kindOrder(t: ThreadNode): number {
  return t.kind === 'main' ? 0 : t.kind === 'worker' ? 1 : 2;
}

/**
 * Parent links: a spawn whose childPid is the process; else the spawn named by the process's
 * spawnRef ("<parentPid>:<spawnId>", inherited through shells); else the traced process whose pid is
 * its ppid. The spawn that started `sh -c "node x"` is linked to the node grandchild this way.
 */
function linkProcesses(procs: Map<number, ProcessNode>, spawns: Map<string, SpawnNode>, _meta: TraceMeta): void {
  const byChild = new Map<number, SpawnNode>();
  for (const s of spawns.values()) if (s.childPid) byChild.set(s.childPid, s);
  for (const p of procs.values()) {
    let s = byChild.get(p.pid);
    const ref = p.spawnRef;
    if (!s && ref) {
      const m = /^(\d+):(\d+)$/.exec(ref);
      if (m) s = spawns.get(m[1] + ':' + m[2]);
    }
    if (s) {
      p.spawn = s;
      s.childProcess ??= p.pid;
      if (procs.has(s.pid) && s.pid !== p.pid) p.parentPid = s.pid;
    }
    if (p.parentPid === undefined && procs.has(p.ppid) && p.ppid !== p.pid) p.parentPid = p.ppid;
  }
  for (const p of procs.values()) if (p.parentPid !== undefined) procs.get(p.parentPid)!.children.push(p.pid);
}

/**
 * Crashes in time order. A worker that dies of an uncaught exception is reported twice, by its own
 * agent (with the throw site) and by its parent's 'error' event; it is one crash, kept as the
 * worker's own record.
 */
function crashesOf(raw: TraceEvent[]): CrashNode[] {
  const own = new Set<string>();
  for (const e of raw) {
    const k = num(e, 'crashKind');
    if (k === CrashKind.Uncaught || k === CrashKind.Rejection) own.add(e.pid + ':' + e.threadId);
  }
  const out: CrashNode[] = [];
  for (const e of raw) {
    const k = num(e, 'crashKind');
    let pid = e.pid;
    let threadId = e.threadId;
    if (k === CrashKind.WorkerError || k === CrashKind.ChildSignal) {
      pid = num(e, 'targetPid') || pid;
      threadId = k === CrashKind.ChildSignal ? 0 : num(e, 'targetThreadId');
      if (k === CrashKind.WorkerError && own.has(pid + ':' + threadId)) continue;
    }
    out.push({
      ts: e.ts,
      pid,
      threadId,
      kind: CRASH_KIND_NAMES[k] ?? 'uncaught',
      name: str(e, 'name') ?? 'Error',
      message: str(e, 'message') ?? '',
      stack: str(e, 'stack'),
      site: parseSite(str(e, 'site')),
      event: e,
    });
  }
  return out.sort((a, b) => a.ts - b.ts);
}
