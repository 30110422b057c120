// Crashes in the order they happened, what each took down, and what kept running after it: the
// article's "one tab dying does not kill the browser" (a child's crash spares its parent) versus
// "a fault in one thread can take down the whole process" (main's uncaught exception ends every worker).
import { CRASH_KIND_NAMES, CrashKind, EventKind } from '../../protocol/events';
import type { CrashEntity, CrashInsight, CrashInsights } from '../../protocol/insights';
import { endOf, threadKey, type ProcessInfo, type ThreadInfo, type TraceModel } from './model';
import { evidence, num, str } from './stats';

const MAX_LISTED = 50;

function processEntity(p: ProcessInfo | undefined, pid: number): CrashEntity {
  return { pid, threadId: -1, name: p?.command || `pid ${pid}`, endTs: p ? p.exitTs ?? null : null };
}

function threadEntity(t: ThreadInfo | undefined, pid: number, threadId: number): CrashEntity {
  return { pid, threadId, name: t?.name ?? `thread ${threadId}`, endTs: t ? t.exitTs ?? null : null };
}

export function crashInsights(model: TraceModel): CrashInsights {
  const crashes: CrashInsight[] = [];
  // A worker dying of an uncaught exception is reported by its own agent (with the throw site) and
  // by its parent's 'error' event: one crash, kept as the worker's record (as in the summary).
  const own = new Set<string>();
  for (const e of model.events) {
    const k = num(e.fields.crashKind);
    if (e.kind === EventKind.Crash && (k === CrashKind.Uncaught || k === CrashKind.Rejection)) own.add(threadKey(e.pid, e.threadId));
  }
  for (const e of model.events) {
    if (e.kind !== EventKind.Crash) continue;
    const kind = num(e.fields.crashKind);
    // Which process or thread this crash is about.
    let vPid = e.pid;
    let vThread = e.threadId;
    if (kind === CrashKind.WorkerError || kind === CrashKind.ChildSignal) {
      vPid = num(e.fields.targetPid) || e.pid;
      vThread = kind === CrashKind.ChildSignal ? 0 : num(e.fields.targetThreadId);
      if (kind === CrashKind.WorkerError && own.has(threadKey(vPid, vThread))) continue;
    }
    const wholeProcess = vThread === 0;
    const proc = model.processes.get(vPid);
    const thread = model.threads.get(threadKey(vPid, vThread));
    const victim = wholeProcess ? processEntity(proc, vPid) : threadEntity(thread, vPid, vThread);
    const victimEnd = wholeProcess ? (proc ? endOf(proc) : e.ts) : thread ? endOf(thread) : e.ts;
    const endedWith: CrashEntity[] = [];
    const outlived: CrashEntity[] = [];
    if (wholeProcess) {
      for (const t of model.threads.values()) if (t.pid === vPid && t.threadId !== 0) endedWith.push(threadEntity(t, t.pid, t.threadId));
    }
    const aliveAfter = (x: { startTs: number; exitTs: number | null; lastTs: number }) => x.startTs <= victimEnd && endOf(x) > victimEnd;
    for (const p of model.processes.values()) {
      if ((p.pid !== vPid || !wholeProcess) && aliveAfter(p)) outlived.push(processEntity(p, p.pid));
    }
    for (const t of model.threads.values()) {
      if (t.threadId === 0) continue; // a main thread is its process, listed above
      if (t.pid === vPid && (wholeProcess || t.threadId === vThread)) continue;
      if (aliveAfter(t)) outlived.push(threadEntity(t, t.pid, t.threadId));
    }
    crashes.push({
      order: crashes.length + 1,
      kind: CRASH_KIND_NAMES[kind] ?? 'uncaught',
      name: str(e.fields.name) ?? '',
      message: str(e.fields.message) ?? '',
      pid: vPid,
      threadId: vThread,
      ts: e.ts,
      victim,
      endedWith: endedWith.slice(0, MAX_LISTED),
      outlived: outlived.slice(0, MAX_LISTED),
      evidence: evidence(e),
    });
  }
  return { crashes };
}
