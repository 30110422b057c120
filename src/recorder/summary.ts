// `ctrace summary --json` (docs/cli.md): what was recorded, as a stable JSON object for CI jobs and
// tests, plus the one-line and multi-line renderings people read. Fields are only ever added.

import { EventKind, type TraceEvent } from '../protocol/events';
import { countOf, formatFigure } from '../protocol/figures';
import type { SummaryCrash, SummaryOsProcess, SummaryProcess, SummaryThread, TraceSummary } from '../protocol/trace';
import { checkedLostRecords, lostRecordsNote } from '../protocol/session';
import { UntracedNodeFinder, untracedNodeNote } from '../protocol/untraced-node';
import { FORMAT_VERSION } from '../protocol/wire';
import { analyzeLocks } from './locks';
import { computeInsights } from './insights';
import { applySchedTotals } from './sched';
import { buildModel, type TraceModel } from './model';
import type { LoadedTrace } from './types';

type Trace = Pick<LoadedTrace, 'meta' | 'events'> & Partial<Pick<LoadedTrace, 'truncated' | 'incomplete'>>;

export function summarize(trace: Trace, model: TraceModel = buildModel(trace)): TraceSummary {
  const processes: SummaryProcess[] = model.processes.map((p) => ({
    pid: p.pid,
    ppid: p.ppid,
    command: p.command,
    exitCode: p.exitCode,
    signal: p.signal,
    cause: p.cause,
    startTs: p.startTs,
    ...(p.endTs !== undefined ? { endTs: p.endTs } : {}),
    ...(p.nodeVersion ? { nodeVersion: p.nodeVersion } : {}),
    ...(p.stillRunning ? { stillRunning: true } : {}),
    ...(p.recordsLost ? { recordsLost: true } : {}),
  }));
  const threads: SummaryThread[] = model.threads.map((t) => ({ pid: t.pid, tid: t.tid, threadId: t.threadId, name: t.name, kind: t.kind }));
  const osProcesses = osProcessesOf(trace.events, threads, new Set(processes.map((p) => p.pid)));

  const byChannel = { process: 0, worker: 0, port: 0, broadcast: 0 };
  let sent = 0;
  let received = 0;
  for (const m of model.messages) {
    if (m.send) {
      sent++;
      byChannel[m.channelKind]++;
    }
    received += m.receives.length;
  }
  const crashes: SummaryCrash[] = model.crashes.map((c) => ({
    pid: c.pid,
    threadId: c.threadId,
    kind: c.kind,
    ts: c.ts,
    name: c.name,
    message: c.message,
    ...(c.stack ? { stack: c.stack } : {}),
    site: c.site ? { file: c.site.file, line: c.site.line, column: c.site.column } : null,
  }));
  const locks = analyzeLocks(trace.events);
  // Deadlocks found live were written as records; analysis of the whole trace may find more.
  const deadlocks = [...locks.deadlocks];
  if (deadlocks.length === 0) {
    for (const e of trace.events) {
      if (e.kind !== EventKind.Deadlock || typeof e.fields.json !== 'string') continue;
      try {
        deadlocks.push(JSON.parse(e.fields.json));
      } catch {
        // a damaged record is not a deadlock
      }
    }
  }

  const { meta } = trace;
  const lost = checkedLostRecords(meta.lostRecords);
  const finder = new UntracedNodeFinder();
  for (const e of trace.events) finder.add(e);
  const untracedNode = finder.found(new Set(lost.map((l) => l.pid)));
  const summary: TraceSummary = {
    formatVersion: meta.formatVersion ?? FORMAT_VERSION,
    schedMode: meta.schedMode ?? 'off',
    ...(meta.schedNote ? { schedNote: meta.schedNote } : {}),
    ...(meta.t0 !== undefined && meta.t1 !== undefined ? { durationMs: Math.round((meta.t1 - meta.t0) / 1e4) / 100 } : {}),
    ...(trace.truncated ? { truncated: true } : {}),
    ...(trace.incomplete ? { incomplete: true } : {}),
    ...(lost.length ? { lostRecords: lost } : {}),
    processes,
    ...(osProcesses.length ? { osProcesses } : {}),
    ...(untracedNode.length ? { untracedNode } : {}),
    threads,
    counts: {
      spawns: model.spawns.length,
      workers: model.workers.length,
      messagesSent: sent,
      messagesReceived: received,
      crashes: crashes.length,
      events: trace.events.length,
    },
    messagesByChannel: byChannel,
    crashes,
    deadlocks,
    contention: locks.contention,
    insights: computeInsights(trace.events, meta, { locks }),
  };
  // CPU time, context switches and peak memory per thread and process, from the sampler's records
  return applySchedTotals(summary, trace.events, meta.schedMode);
}

/** Past this many, the text says how many more processes were seen from outside (a build runs hundreds). */
const MAX_OS_LISTED = 40;

/** Processes with threads the sampler saw but no agent's records: named by their main thread, parent from ProcessSeen. */
function osProcessesOf(events: readonly TraceEvent[], threads: readonly SummaryThread[], traced: ReadonlySet<number>): SummaryOsProcess[] {
  const parents = new Map<number, number>();
  for (const e of events) if (e.kind === EventKind.ProcessSeen && typeof e.fields.pid === 'number' && typeof e.fields.ppid === 'number') parents.set(e.fields.pid, e.fields.ppid);
  const out = new Map<number, SummaryOsProcess>();
  for (const t of threads) {
    if (t.pid <= 0 || traced.has(t.pid)) continue;
    const known = out.get(t.pid);
    if (!known) out.set(t.pid, { pid: t.pid, ...(parents.has(t.pid) ? { ppid: parents.get(t.pid) } : {}), command: t.name || 'process' });
    else if (t.tid === t.pid && t.name) known.command = t.name;
  }
  return [...out.values()];
}

export interface LineCounts {
  processes: number;
  /** JS threads (main and workers) */
  threads: number;
  spawns: number;
  workers: number;
  messagesSent: number;
  crashes: number;
  deadlocks: number;
  durationMs?: number;
}

/** "3 processes, 5 threads, 2 workers, 40 messages, 1 crash, 120.5 ms" */
export function countsLine(c: LineCounts): string {
  const parts = [countOf(c.processes, 'process', 'processes'), countOf(c.threads, 'thread')];
  if (c.spawns) parts.push(countOf(c.spawns, 'spawn'));
  if (c.workers) parts.push(countOf(c.workers, 'worker'));
  parts.push(countOf(c.messagesSent, 'message'));
  parts.push(countOf(c.crashes, 'crash', 'crashes'));
  if (c.deadlocks) parts.push(countOf(c.deadlocks, 'deadlock'));
  if (c.durationMs !== undefined) parts.push(`${c.durationMs} ms`);
  return parts.join(', ');
}

export function oneLine(s: TraceSummary): string {
  return countsLine({
    processes: s.processes.length,
    threads: s.threads.filter((t) => t.kind !== 'os').length,
    spawns: s.counts.spawns,
    workers: s.counts.workers,
    messagesSent: s.counts.messagesSent,
    crashes: s.counts.crashes,
    deadlocks: s.deadlocks?.length ?? 0,
    durationMs: s.durationMs,
  });
}

/** The human rendering of `ctrace summary FILE`. */
export function formatSummary(
  s: TraceSummary,
  meta: { command?: string[]; truncated?: boolean; incomplete?: boolean; model?: TraceModel } = {},
): string {
  const lines: string[] = [];
  if (meta.command) lines.push(`recorded: ${meta.command.map(shellWord).join(' ')}`);
  if (meta.truncated) lines.push('note: the file ends in the middle of a chunk (recording cut short); everything complete before that is shown');
  else if (meta.incomplete) lines.push('note: the file has no closing index (still being written, or the recorder was stopped hard)');
  if (s.lostRecords?.length) lines.push(`note: ${lostRecordsNote(s.lostRecords)}`);
  if (s.untracedNode?.length) lines.push(`note: ${untracedNodeNote(s.untracedNode)}`);
  lines.push(oneLine(s));
  lines.push(`scheduling: ${s.schedMode ?? 'off'}${s.schedMode === 'node' && s.schedNote ? ` (${s.schedNote})` : ''}`);
  if (s.processes.length === 0) {
    lines.push('', 'processes: none traced: the command is not Node and started no Node process, or Node did not load the agent (see `ctrace record`\'s note when it ran)');
  } else lines.push('', 'processes:');
  const children = new Map<number, SummaryProcess[]>();
  const pids = new Set(s.processes.map((p) => p.pid));
  // the model knows parents the OS does not show (node started through a shell)
  const linked = new Map(meta.model?.processes.map((p) => [p.pid, p.parentPid]) ?? []);
  for (const p of s.processes) {
    const parent = linked.get(p.pid) ?? (pids.has(p.ppid) ? p.ppid : -1);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(p);
  }
  const end = (p: SummaryProcess) =>
    p.stillRunning
      ? 'still running when the recording ended'
      : (p.signal ? `signal ${p.signal}` : `exit ${p.exitCode ?? '?'}`) + (p.recordsLost ? ' (its records were lost)' : p.cause && p.cause !== 'normal' ? ` (${p.cause})` : '');
  const walk = (parent: number, depth: number) => {
    for (const p of children.get(parent) ?? []) {
      const rss = p.peakRssBytes ? `, peak RSS ${formatFigure(p.peakRssBytes, 'bytes')}` : '';
      // schedMode 'node': the OS's figures for the whole process (threads may have none of their own)
      const own = s.schedMode === 'node' && p.cpuMs !== undefined ? `, cpu ${p.cpuMs.toFixed(1)} ms, ${p.voluntarySwitches ?? 0} voluntary / ${p.involuntarySwitches ?? 0} involuntary switches` : '';
      lines.push(`${'  '.repeat(depth + 1)}${p.pid} ${p.command}  [${end(p)}${rss}${own}]`);
      for (const t of s.threads) {
        if (t.pid !== p.pid || t.kind === 'os') continue;
        const sw = t.voluntarySwitches !== undefined ? `, ${t.voluntarySwitches} voluntary / ${t.involuntarySwitches ?? 0} involuntary switches` : '';
        const elu = t.eventLoopUtilization !== undefined ? `  event loop ${Math.round(t.eventLoopUtilization * 100)}% busy` : '';
        const cpu = (t.cpuMs !== undefined ? `  cpu ${t.cpuMs.toFixed(1)} ms${sw}` : '') + elu;
        if (t.kind === 'worker' || cpu) lines.push(`${'  '.repeat(depth + 2)}${t.kind === 'main' ? 'main thread' : `thread ${t.threadId} ${t.name}`}${cpu}`);
      }
      // the process as a whole, Node's own threads (V8's compiler and GC, libuv's pool) included: the
      // figures compare and the insights add up, which the JS threads above do not reach
      const all = s.schedMode !== 'node' ? s.insights?.contextSwitches.processes.find((x) => x.pid === p.pid) : undefined;
      if (all && s.threads.some((t) => t.pid === p.pid && t.kind === 'os')) {
        const n = s.threads.filter((t) => t.pid === p.pid).length;
        lines.push(`${'  '.repeat(depth + 2)}all ${n} threads, Node's own included  cpu ${all.cpuMs.toFixed(1)} ms, ${all.voluntary} voluntary / ${all.involuntary} involuntary switches`);
      }
      walk(p.pid, depth + 1);
      outside(p.pid, depth + 1);
    }
  };
  // processes no agent traced (a shell and what it ran), under their parent where the capture saw it
  const os = s.osProcesses ?? [];
  const known = new Set([...pids, ...os.map((o) => o.pid)]);
  let listed = 0;
  const outside = (parent: number, depth: number) => {
    for (const o of os) {
      if ((o.ppid !== undefined && known.has(o.ppid) ? o.ppid : -1) !== parent) continue;
      if (++listed > MAX_OS_LISTED) continue;
      lines.push(`${'  '.repeat(depth + 1)}${o.pid} ${o.command}  [not traced: seen from outside]`);
      outside(o.pid, depth + 1);
    }
  };
  walk(-1, 0);
  outside(-1, 0);
  if (listed > MAX_OS_LISTED) lines.push(`  … and ${countOf(listed - MAX_OS_LISTED, 'more process', 'more processes')} not traced (summary --json lists them all)`);
  const ch = s.messagesByChannel;
  lines.push('', `messages: ${s.counts.messagesSent} sent, ${s.counts.messagesReceived} received (process ${ch.process}, worker ${ch.worker}, port ${ch.port}, broadcast ${ch.broadcast})`);
  if (s.crashes.length) {
    lines.push('', 'crashes:');
    for (const c of s.crashes) {
      const where = c.site ? ` at ${c.site.file}:${c.site.line}:${c.site.column}` : '';
      lines.push(`  pid ${c.pid} thread ${c.threadId}: ${c.kind} ${c.name}: ${c.message}${where}`);
    }
  }
  // where the insights explain them (thread names, who holds what), they say it once, below
  if (s.deadlocks?.length && !s.insights?.locks.deadlocks.length) {
    lines.push('', 'deadlocks:');
    for (const d of s.deadlocks) lines.push(`  ${formatDeadlock(d)}`);
  }
  return lines.join('\n');
}

export function formatDeadlock(d: { cycle: { pid: number; threadId: number; holds: string[]; waitsFor: string; site: { file: string; line: number; column: number } | null }[] }): string {
  return d.cycle
    .map((p) => `pid ${p.pid} thread ${p.threadId} holds [${p.holds.join(', ')}] and waits for ${p.waitsFor}${p.site ? ` at ${p.site.file}:${p.site.line}` : ''}`)
    .join('; ');
}

/** An argument as a shell would need it written: as is when plain, else in single quotes. */
function shellWord(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
