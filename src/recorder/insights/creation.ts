// Creation cost: how long from `spawn()` / `fork()` / `new Worker()` to the child running its first
// line. The child's own start record (written by the agent preloaded into it) is the moment it runs;
// when the child was not traced (not a Node program) the parent's "it has a pid / it is online"
// stands in, and the item says so.
import { EventKind, type TraceEvent } from '../../protocol/events';
import type { Creation, CreationGroup, CreationInsights, CreationSite, CreatedKind } from '../../protocol/insights';
import type { TraceModel } from './model';
import { evidence, median, ms, num, round, siteKey, spread, str } from './stats';

const SLOWEST_SITES = 5;

export function creationInsights(model: TraceModel): CreationInsights {
  const { events } = model;
  // First sight of every process (by pid) and every thread (by pid:threadId), and the start records.
  const processStart = new Map<number, number>();
  const processFirst = new Map<number, number>();
  const startBySpawnRef = new Map<string, { ts: number; pid: number }>();
  const threadStart = new Map<string, number>();
  const threadFirst = new Map<string, number>();
  const spawnRunning = new Map<string, TraceEvent>();
  const spawnError = new Map<string, TraceEvent>();
  const workerOnline = new Map<string, number>();
  for (const e of events) {
    if (e.pid === 0) continue;
    if (!processFirst.has(e.pid)) processFirst.set(e.pid, e.ts);
    const tk = e.pid + ':' + e.threadId;
    if (!threadFirst.has(tk)) threadFirst.set(tk, e.ts);
    switch (e.kind) {
      case EventKind.ProcessStart: {
        if (!processStart.has(e.pid)) processStart.set(e.pid, e.ts);
        const ref = str(e.fields.spawnRef);
        if (ref && !startBySpawnRef.has(ref)) startBySpawnRef.set(ref, { ts: e.ts, pid: e.pid });
        break;
      }
      case EventKind.ThreadStart:
        if (!threadStart.has(tk)) threadStart.set(tk, e.ts);
        break;
      case EventKind.SpawnRunning:
        spawnRunning.set(e.pid + ':' + num(e.fields.spawnId), e);
        break;
      case EventKind.SpawnError:
        spawnError.set(e.pid + ':' + num(e.fields.spawnId), e);
        break;
      case EventKind.WorkerOnline:
        workerOnline.set(e.pid + ':' + num(e.fields.workerThreadId), e.ts);
        break;
    }
  }

  const items: Creation[] = [];
  for (const e of events) {
    if (e.kind === EventKind.SpawnCall) {
      const spawnId = num(e.fields.spawnId);
      const key = e.pid + ':' + spawnId;
      const running = spawnRunning.get(key);
      const error = spawnError.get(key);
      const childPid = running ? num(running.fields.childPid) : undefined;
      let runningTs: number | null = null;
      let measuredBy: Creation['measuredBy'] = 'error';
      // A spawnRef names the spawn that made a process even through a shell (exec) in between.
      const byRef = startBySpawnRef.get(key) ?? startBySpawnRef.get(`${e.pid}:${e.threadId}:${spawnId}`);
      if (byRef) {
        runningTs = byRef.ts;
        measuredBy = 'start';
      } else if (childPid !== undefined && processStart.has(childPid)) {
        runningTs = processStart.get(childPid)!;
        measuredBy = 'start';
      } else if (childPid !== undefined && processFirst.has(childPid)) {
        runningTs = processFirst.get(childPid)!;
        measuredBy = 'first-event';
      } else if (running) {
        runningTs = running.ts;
        measuredBy = 'online';
      }
      if (runningTs !== null && runningTs < e.ts) runningTs = e.ts; // clock skew guard: never negative
      const command = [str(e.fields.command), ...jsonArgs(str(e.fields.args))].filter(Boolean).join(' ');
      items.push({
        kind: 'process',
        api: str(e.fields.api) ?? 'spawn',
        pid: e.pid,
        threadId: e.threadId,
        callTs: e.ts,
        runningTs,
        ms: runningTs === null ? null : ms(runningTs - e.ts),
        measuredBy,
        childPid: byRef?.pid ?? childPid,
        target: command || undefined,
        error: error ? [str(error.fields.code), str(error.fields.message)].filter(Boolean).join(': ') : undefined,
        evidence: evidence(e),
      });
    } else if (e.kind === EventKind.WorkerCreate) {
      const wid = num(e.fields.workerThreadId);
      const key = e.pid + ':' + wid;
      let runningTs: number | null = null;
      let measuredBy: Creation['measuredBy'] = 'error';
      if (threadStart.has(key)) {
        runningTs = threadStart.get(key)!;
        measuredBy = 'start';
      } else if (threadFirst.has(key)) {
        runningTs = threadFirst.get(key)!;
        measuredBy = 'first-event';
      } else if (workerOnline.has(key)) {
        runningTs = workerOnline.get(key)!;
        measuredBy = 'online';
      }
      if (runningTs !== null && runningTs < e.ts) runningTs = e.ts;
      items.push({
        kind: 'worker',
        api: 'Worker',
        pid: e.pid,
        threadId: e.threadId,
        callTs: e.ts,
        runningTs,
        ms: runningTs === null ? null : ms(runningTs - e.ts),
        measuredBy,
        workerThreadId: wid,
        target: e.fields.eval ? '(eval)' : str(e.fields.url),
        evidence: evidence(e),
      });
    }
  }

  const groups: CreationGroup[] = [];
  for (const kind of ['process', 'worker'] as CreatedKind[]) {
    const mine = items.filter((c) => c.kind === kind && c.ms !== null);
    const s = spread(mine.map((c) => c.ms!));
    if (!s) continue;
    groups.push({ kind, ...s, slowestSites: slowestSites(mine) });
  }
  return { items, groups };
}

function slowestSites(items: Creation[]): CreationSite[] {
  const bySite = new Map<string, Creation[]>();
  for (const c of items) {
    const k = siteKey(c.evidence.site);
    let list = bySite.get(k);
    if (!list) bySite.set(k, (list = []));
    list.push(c);
  }
  const out: CreationSite[] = [];
  for (const list of bySite.values()) {
    const sorted = list.map((c) => c.ms!).sort((x, y) => x - y);
    const slowest = list.reduce((a, b) => (b.ms! > a.ms! ? b : a));
    out.push({ site: list[0].evidence.site, count: list.length, medianMs: round(median(sorted)), maxMs: sorted[sorted.length - 1], evidence: slowest.evidence });
  }
  return out.sort((x, y) => y.maxMs - x.maxMs).slice(0, SLOWEST_SITES);
}

function jsonArgs(args: string | undefined): string[] {
  if (!args) return [];
  try {
    const a = JSON.parse(args);
    return Array.isArray(a) ? a.map(String) : [args];
  } catch {
    return [args];
  }
}

