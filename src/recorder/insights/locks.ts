// Locks: the most contended locks and call sites, and every deadlock with its explanation. The
// analysis itself is src/recorder/locks (analyzeLocks); this adds the deadlocks the live detector
// wrote into the trace (Deadlock records) and says each cycle in words.
import { EventKind } from '../../protocol/events';
import type { DeadlockReport } from '../../protocol/trace';
import type { DeadlockExplained, LockInsights } from '../../protocol/insights';
import { analyzeLocks } from '../locks';
import type { TraceModel } from './model';
import { str } from './stats';

const MAX_CONTENDED = 10;

export function lockInsights(model: TraceModel): LockInsights {
  const analysis = analyzeLocks(model.events);
  const reports: DeadlockReport[] = [...analysis.deadlocks];
  for (const e of model.events) {
    if (e.kind !== EventKind.Deadlock) continue;
    try {
      const r = JSON.parse(str(e.fields.json) ?? '') as DeadlockReport;
      if (r && Array.isArray(r.cycle)) reports.push({ ts: r.ts ?? e.ts, cycle: r.cycle });
    } catch {
      // an unreadable report is skipped rather than failing every other insight
    }
  }
  const seen = new Set<string>();
  const deadlocks: DeadlockExplained[] = [];
  for (const r of reports) {
    const key = cycleKey(r);
    if (seen.has(key)) continue;
    seen.add(key);
    deadlocks.push({ ...r, explanation: explain(r, model) });
  }
  const contended = [...analysis.contention].sort((x, y) => y.totalWaitMs - x.totalWaitMs || y.waited - x.waited).slice(0, MAX_CONTENDED);
  return { contended, deadlocks };
}

/** The same cycle found live and by the whole-trace analysis is one deadlock. */
function cycleKey(r: DeadlockReport): string {
  return r.cycle
    .map((p) => `${p.pid}/${p.threadId}/${p.waitsFor}`)
    .sort()
    .join('|');
}

function explain(r: DeadlockReport, model: TraceModel): string[] {
  return r.cycle.map((p) => {
    const who = `${model.threads.get(p.pid + ':' + p.threadId)?.name ?? `thread ${p.threadId}`} (pid ${p.pid})`;
    const holds = p.holds.length ? `holds ${p.holds.join(', ')}` : 'holds nothing';
    const where = p.site ? ` at ${p.site.file}:${p.site.line}:${p.site.column}` : '';
    const holder = r.cycle.find((q) => q !== p && q.holds.includes(p.waitsFor));
    const whom = holder ? `, held by ${model.threads.get(holder.pid + ':' + holder.threadId)?.name ?? `thread ${holder.threadId}`} (pid ${holder.pid})` : '';
    return `${who} ${holds} and waits for ${p.waitsFor}${whom}${where}`;
  });
}
