// Lock modelling (issue 5): wait and hold spans, wake-ups, contention, and live deadlock detection.
// The collector feeds every event to a DeadlockDetector while the program runs; summarize() calls
// analyzeLocks on the whole trace. How each part decides: detector.ts, analyze.ts, docs/locks.md.
export { DeadlockDetector, type DetectorOptions } from './detector';
export { analyzeLocks, type LockAnalysis, type LockSpan, type Wakeup } from './analyze';
export { acquireSite, lockOf, type LockRef } from './keys';
