// computeInsights: every figure of one trace, from its events and meta (pure; see index.ts).
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
