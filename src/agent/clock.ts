// The trace clock: ns on CLOCK_MONOTONIC as a JS number, the clock of process.hrtime.bigint(),
// shared by every process and by `perf -k mono`. Read through hrtime.bigint() itself: a BigInt per
// call costs no more than performance.now() (~40 ns each here), needs no per-thread offset, and
// leaves perf_hooks unloaded (~0.6 ms per thread) and fewer Node functions for each thread's V8 to
// optimise on the message path.

export const hrtimeNs = process.hrtime.bigint;
