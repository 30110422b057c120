// Insights (issue 8): pure functions from a decoded trace to the answers the insights panel, the
// editor hints, `ctrace summary --json` and `ctrace compare` show. No I/O here: callers decode the
// trace (src/recorder reader, or ./load for the CLI) and pass its events and meta.
import type { TraceEvent } from '../../protocol/events';
import type { Insights } from '../../protocol/insights';
import type { TraceMeta } from '../../protocol/trace';
import { creationInsights } from './creation';
import { crashInsights } from './crashes';
import { lockInsights } from './locks';
import type { LockAnalysis } from '../locks';
import { memoryInsights } from './memory';
import { messageInsights } from './messages';
import { buildModel } from './model';
import { schedInsights } from './sched';
import { ms } from './stats';

export interface InsightOptions {
  /** the lock analysis of these events, when the caller has it already (summarize() does) */
  locks?: LockAnalysis;
}

export function computeInsights(events: readonly TraceEvent[], meta: TraceMeta = {}, opts: InsightOptions = {}): Insights {
  const model = buildModel(events, meta.t0, meta.t1, meta.cwd);
  const sched = schedInsights(model, meta);
  return {
    version: 1,
    durationMs: ms(model.endTs - model.startTs),
    creation: creationInsights(model),
    messages: messageInsights(model),
    parallelism: sched.parallelism,
    contextSwitches: sched.contextSwitches,
    locks: lockInsights(model, opts.locks),
    crashes: crashInsights(model),
    memory: memoryInsights(model),
  };
}

export { compareTraces } from './compare';
export { LARGE_COPY_BYTES } from './messages';
export { formatComparison, formatInsightNotes, formatRatio, formatValue } from './format';
export { editorHints } from './hints';
