// The trace clock: ns on CLOCK_MONOTONIC as a JS number, the clock of process.hrtime.bigint(),
// shared by every process and by `perf -k mono`. hrtime.bigint() allocates a BigInt per call, so
// the hot path uses performance.now() plus an offset calibrated once per thread (each Worker has
// its own performance.timeOrigin).

// the global `performance` (Node >= 16) is the perf_hooks one; naming the module would load more of it
const performance = globalThis.performance;

export function makeClock(): () => number {
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
  return () => Math.round(performance.now() * 1e6 + offset);
}
