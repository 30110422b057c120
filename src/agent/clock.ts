// The trace clock: ns on CLOCK_MONOTONIC as a JS number, the clock of process.hrtime.bigint(),
// shared by every process and by `perf -k mono`. hrtime.bigint() allocates a BigInt per call, so
// the hot path uses performance.now() plus an offset calibrated once per thread (each Worker has
// its own performance.timeOrigin). The offset is a number, not a closure over it: every function on
// the message path is optimised again in every thread, so the agent keeps those functions few.

// the global `performance` (Node >= 16) is the perf_hooks one; naming the module would load more of it
export const performance = globalThis.performance;

/** ns to add to performance.now() * 1e6 to read CLOCK_MONOTONIC in this thread. */
export function clockOffset(): number {
  // take the offset from the closest pair of a few samples, so one preemption does not skew it
  let best = Infinity;
  let offset = 0;
  for (let k = 0; k < 5; k++) {
    const a = performance.now();
    const h = Number(process.hrtime.bigint());
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      offset = h - ((a + b) / 2) * 1e6;
    }
  }
  return offset;
}
