// The trace clock: ns on CLOCK_MONOTONIC as a JS number, the clock of process.hrtime() and
// hrtime.bigint(), shared by every process and by `perf -k mono`. Read through process.hrtime(): its
// [seconds, nanoseconds] pair costs ~33 ns here against ~50 ns for hrtime.bigint() turned into a
// number (Node 20, 22 and 24 alike), and the clock is read once per message event. The sum is exact
// below 2^53 ns (104 days of uptime), as Number(bigint) is. Taken at load: a program that fakes
// process.hrtime later (fake timers) does not move the trace's clock.

/** process.hrtime as the agent loaded; the hottest hooks read the clock through it written out */
export const hrtime = process.hrtime;

export function nowNs(): number {
  const t = hrtime();
  return t[0] * 1e9 + t[1];
}
