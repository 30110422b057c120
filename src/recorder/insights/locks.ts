// Locks: the most contended locks and call sites, and every deadlock with its explanation. The
// analysis itself is src/recorder/locks (analyzeLocks); this adds the deadlocks the live detector
// wrote into the trace (Deadlock records) and says each cycle in words.
import { EventKind, type TraceEvent } from '../../protocol/events';
import type { ContentionEntry, DeadlockReport } from '../../protocol/trace';
import type { ContendedLock, DeadlockExplained, Evidence, LockInsights } from '../../protocol/insights';
import { analyzeLocks, type LockAnalysis } from '../locks';
import type { TraceModel } from './model';
import { acquireSite, lockOf } from '../locks/keys';
import { evidence, siteKey, str } from './stats';

const MAX_CONTENDED = 10;

export function lockInsights(model: TraceModel, analysis: LockAnalysis = analyzeLocks(model.events)): LockInsights {
  const reports: DeadlockReport[] = [...analysis.deadlocks];
  // the Deadlock record that reported each cycle: what a click on the deadlock selects
  const records = new Map<string, TraceEvent>();
  for (const e of model.events) {
    if (e.kind !== EventKind.Deadlock) continue;
    try {
      const r = JSON.parse(str(e.fields.json) ?? '') as DeadlockReport;
      if (r && Array.isArray(r.cycle)) {
        reports.push({ ts: r.ts ?? e.ts, cycle: r.cycle });
        if (!records.has(cycleKey(r))) records.set(cycleKey(r), e);
      }
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
    deadlocks.push({ ...r, explanation: explain(r, model), evidence: deadlockEvidence(r, records.get(key), model) });
  }
  const contended = [...analysis.contention].sort((x, y) => y.totalWaitMs - x.totalWaitMs || y.waited - x.waited).slice(0, MAX_CONTENDED);
  return { contended: withEvidence(contended, model), deadlocks };
}

const WAIT_KINDS = new Set<number>([EventKind.LockRequest, EventKind.AtomicsWaitBegin]);

/** The first wait on each lock and at each of its sites: what a click on the figure reveals. */
function withEvidence(entries: ContentionEntry[], model: TraceModel): ContendedLock[] {
  if (entries.length === 0) return [];
  const byLock = new Map<string, Evidence>();
  const bySite = new Map<string, Evidence>();
  for (const e of model.events) {
    if (!WAIT_KINDS.has(e.kind)) continue;
    // named and placed as the lock analysis names and places them: its label, and the acquire's
    // line (the first frame outside a lock helper), not the helper's Atomics.wait
    const lock = lockOf(e)?.label ?? '';
    const s = acquireSite(e.fields.site, e.fields.stack);
    const site = s ? { file: s.file, line: s.line, column: s.column } : null;
    if (!byLock.has(lock)) byLock.set(lock, evidence(e, site));
    const k = lock + '\u0000' + siteKey(site);
    if (!bySite.has(k)) bySite.set(k, evidence(e, site));
  }
  return entries.map((c) => ({
    ...c,
    evidence: byLock.get(c.lock) ?? null,
    sites: c.sites.map((s) => ({ ...s, evidence: bySite.get(c.lock + '\u0000' + siteKey(s)) ?? null })),
  }));
}

/** The same cycle found live and by the whole-trace analysis is one deadlock. */
function cycleKey(r: DeadlockReport): string {
  return r.cycle
    .map((p) => `${p.pid}/${p.threadId}/${p.waitsFor}`)
    .sort()
    .join('|');
}

/** The Deadlock record, else the first participant's last wait before the cycle was found. */
function deadlockEvidence(r: DeadlockReport, record: TraceEvent | undefined, model: TraceModel): Evidence | null {
  const first = r.cycle[0];
  if (record) return evidence(record, first?.site ?? null);
  if (!first) return null;
  let last: TraceEvent | undefined;
  for (const e of model.events) {
    if (e.ts > (r.ts ?? Infinity)) break;
    if (WAIT_KINDS.has(e.kind) && e.pid === first.pid && e.threadId === first.threadId) last = e;
  }
  return last ? evidence(last) : null;
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
