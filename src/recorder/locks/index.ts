// Lock modelling (issue 5): wait and hold spans, wake-ups, contention, and live deadlock detection.
// The collector feeds every event to a DeadlockDetector while the program runs; summarize() calls
// analyzeLocks on the whole trace.
import type { TraceEvent } from '../../protocol/events';
import type { ContentionEntry, DeadlockReport } from '../../protocol/trace';

export class DeadlockDetector {
  /** feeds one event in time order per thread; returns cycles newly found by it */
  add(_e: TraceEvent): DeadlockReport[] {
    return [];
  }
  /** re-checks the wait-for graph (called on a timer while the program runs, and on Ctrl-C) */
  check(_now: number): DeadlockReport[] {
    return [];
  }
}

export interface LockAnalysis {
  contention: ContentionEntry[];
  deadlocks: DeadlockReport[];
}

export function analyzeLocks(_events: readonly TraceEvent[]): LockAnalysis {
  return { contention: [], deadlocks: [] };
}
