// The trace clock: ns on CLOCK_MONOTONIC as a JS number, the clock of process.hrtime() and
// hrtime.bigint(), shared by every process and by `perf -k mono`. Read through process.hrtime(): its
// [seconds, nanoseconds] pair costs ~33 ns here against ~50 ns for hrtime.bigint() turned into a
// number (Node 20, 22 and 24 alike), and the clock is read once per message event. The sum is exact
// below 2^53 ns (104 days of uptime), as Number(bigint) is. Taken at load: a program that fakes
// process.hrtime later (fake timers) does not move the trace's clock.
//
// Every hook reads the clock through nowNs(), the hot wrappers too: V8 inlines this small function
// and then removes the pair, whereas the same two lines written out inside the send and delivery
// wrappers left it allocated, 64 bytes per message event (Node 20: +30 scavenges per 400k events,
// ~45 ns per event in a one-thread ping-pong; docs/capture.md).

const hrtime = process.hrtime;

export function nowNs(): number {
  const t = hrtime();
  return t[0] * 1e9 + t[1];
}
