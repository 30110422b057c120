// The processes and threads of a trace with their lifetimes and names, and the OS-thread ->
// JS-thread map: what several insights need to say "who" and "until when". Built once per trace.
import { EventKind, type TraceEvent } from '../../protocol/events';
import { commandLine } from '../model';
import { num, str } from './stats';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
  startTs: number;
  /** ProcessExit, else null (the process was still running, or died without a word) */
  exitTs: number | null;
  lastTs: number;
}

export interface ThreadInfo {
  pid: number;
  threadId: number;
  /** OS thread id, when known */
  tid: number;
  name: string;
  startTs: number;
  exitTs: number | null;
  lastTs: number;
}

export interface TraceModel {
  /** events sorted by time (stable: equal timestamps keep file order) */
  events: TraceEvent[];
  startTs: number;
  endTs: number;
  processes: Map<number, ProcessInfo>;
  /** key `${pid}:${threadId}` */
  threads: Map<string, ThreadInfo>;
  /** key `${pid}:${tid}` -> JS threadId (main thread: tid === pid -> 0) */
  jsThreadOfTid: Map<string, number>;
  /** key `${pid}:${tid}` -> the OS's (or the sampler's) name of the thread */
  osNames: Map<string, string>;
}

export const threadKey = (pid: number, threadId: number): string => pid + ':' + threadId;

function commandOf(argv: string | undefined, title: string | undefined, cwd: string | undefined): string {
  if (argv) {
    try {
      const a = JSON.parse(argv);
      // shown as the summary shows it: node by base name, paths under the recording's cwd relative
      if (Array.isArray(a)) return commandLine(a.map(String), cwd);
    } catch {
      // not JSON: show it as it came
    }
    return argv;
  }
  return title ?? '';
}

export function buildModel(input: readonly TraceEvent[], t0?: number, t1?: number, cwd?: string): TraceModel {
  // Readers hand events over sorted already; sort (stably) only when they are not.
  let sorted = true;
  for (let i = 1; i < input.length && sorted; i++) if (input[i].ts < input[i - 1].ts) sorted = false;
  const events = sorted ? (input as TraceEvent[]) : input.map((e, i) => ({ e, i })).sort((x, y) => x.e.ts - y.e.ts || x.i - y.i).map((x) => x.e);
  const processes = new Map<number, ProcessInfo>();
  const threads = new Map<string, ThreadInfo>();
  const jsThreadOfTid = new Map<string, number>();
  const osNames = new Map<string, string>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if (e.ts < first) first = e.ts;
    if (e.ts > last) last = e.ts;
    if (e.pid === 0) {
      // the collector's own stream: samplers name OS threads and map them to JS threads
      if (e.kind === EventKind.ThreadName) {
        const pid = num(e.fields.pid);
        const tid = num(e.fields.tid);
        const name = str(e.fields.name);
        if (name) osNames.set(pid + ':' + tid, name);
        const threadId = num(e.fields.threadId);
        if (threadId > 0 || tid === pid) jsThreadOfTid.set(pid + ':' + tid, threadId);
      } else if (e.kind === EventKind.SchedSample) {
        const key = num(e.fields.pid) + ':' + num(e.fields.tid);
        const name = str(e.fields.name);
        if (name && !osNames.has(key)) osNames.set(key, name);
      }
      continue;
    }
    let p = processes.get(e.pid);
    if (!p) {
      p = { pid: e.pid, ppid: 0, command: '', startTs: e.ts, exitTs: null, lastTs: e.ts };
      processes.set(e.pid, p);
    }
    p.lastTs = e.ts;
    const key = threadKey(e.pid, e.threadId);
    let t = threads.get(key);
    if (!t) {
      t = { pid: e.pid, threadId: e.threadId, tid: e.tid, name: e.threadId === 0 ? 'main' : `worker ${e.threadId}`, startTs: e.ts, exitTs: null, lastTs: e.ts };
      threads.set(key, t);
    }
    t.lastTs = e.ts;
    if (e.tid > 0) jsThreadOfTid.set(e.pid + ':' + e.tid, e.threadId);
    switch (e.kind) {
      case EventKind.ProcessStart:
        p.startTs = Math.min(p.startTs, e.ts);
        p.ppid = num(e.fields.ppid);
        p.command = commandOf(str(e.fields.argv), str(e.fields.title), cwd);
        break;
      case EventKind.ProcessExit:
        p.exitTs = e.ts;
        break;
      case EventKind.ThreadStart: {
        const name = str(e.fields.name);
        if (name) t.name = name;
        break;
      }
      case EventKind.ThreadExit:
        t.exitTs = e.ts;
        break;
    }
  }
  // A child killed from outside (SIGKILL) writes no exit of its own: its parent saw it end.
  for (const e of events) {
    if (e.kind !== EventKind.SpawnExit) continue;
    const p = processes.get(num(e.fields.childPid));
    if (p && p.exitTs === null) p.exitTs = Math.max(p.lastTs, e.ts);
  }
  // A process's main thread ends with it; a worker whose own exit record was lost (terminate())
  // ends when its parent saw it exit.
  for (const e of events) {
    if (e.kind !== EventKind.WorkerExit) continue;
    const t = threads.get(threadKey(e.pid, num(e.fields.workerThreadId)));
    if (t && t.exitTs === null) t.exitTs = e.ts;
  }
  for (const t of threads.values()) {
    if (t.exitTs !== null) continue;
    const p = processes.get(t.pid);
    if (p && p.exitTs !== null) t.exitTs = Math.max(t.lastTs, p.exitTs);
  }
  const startTs = t0 !== undefined && Number.isFinite(t0) && t0 <= first ? t0 : Number.isFinite(first) ? first : 0;
  const endTs = t1 !== undefined && Number.isFinite(t1) && t1 >= last ? t1 : Number.isFinite(last) ? last : startTs;
  return { events, startTs, endTs, processes, threads, jsThreadOfTid, osNames };
}

/** When a process or thread stopped being seen: its exit, else its last event. */
export function endOf(x: { exitTs: number | null; lastTs: number }): number {
  return x.exitTs ?? x.lastTs;
}
