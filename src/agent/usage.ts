// What Node itself reports about CPU and the event loop, for schedMode 'node' (macOS, Windows, or
// `--sched node`): there the recorder cannot read threads from outside the program, so each thread
// writes these figures into its own stream from the heap sampler's 100 ms timer (heap.ts) and once
// at exit. All figures are cumulative since the thread (or process) started, so the last record is
// the total and a thread that lives less than one tick still has its totals.
//
// Per thread: event-loop utilization (active vs idle time of this thread's loop) and, where Node has
// process.threadCpuUsage() (22.x, 24+), this thread's CPU time. Node 20 has no per-thread CPU, so
// only the process record below carries CPU there; nothing pretends it belongs to a thread.
// Per process (main thread only): process.cpuUsage() and process.resourceUsage() (voluntary and
// involuntary context switches, max RSS), all summed over every thread of the process by the OS.

import { EventKind } from '../protocol/events';
import type { ThreadStream } from './stream';
import { apply } from './pristine';

type CpuReader = () => { user: number; system: number };

// process's readers as they were when the agent loaded (a program may replace them, or
// Function.prototype.call, later: it must not see the agent's calls)
const resourceUsage = process.resourceUsage;
const rss = process.memoryUsage.rss;

const threadCpu: CpuReader | undefined = (() => {
  const f = (process as unknown as { threadCpuUsage?: CpuReader }).threadCpuUsage;
  return typeof f === 'function' ? () => apply(f, process, []) : undefined;
})();

type Elu = { active: number; idle: number };
let eventLoopUtilization: (() => Elu) | undefined;
/**
 * Takes performance.eventLoopUtilization as it is now, in a thread that samples usage, at start:
 * fake-timer libraries replace `performance` too, and their stand-in would stop the records. The
 * global loads perf_hooks on first use, so threads that do not sample usage never load it (~0.4 ms).
 */
export function prepareUsage(): void {
  try {
    const perf = globalThis.performance as unknown as typeof import('node:perf_hooks').performance;
    const elu = perf.eventLoopUtilization;
    eventLoopUtilization = () => apply(elu, perf, []) as Elu;
  } catch {
    eventLoopUtilization = undefined;
  }
}

/** Writes a ThreadUsage record (and in the main thread a ProcessUsage record). Never throws. */
export function sampleUsage(ctx: ThreadStream, isMain: boolean): void {
  try {
    // read everything first: a throw between begin() and the last field would leave half a record
    // ms as doubles, cumulative since the loop started
    if (eventLoopUtilization === undefined) return;
    const elu = eventLoopUtilization();
    const cpu = threadCpu !== undefined ? threadCpu() : undefined;
    const r = isMain ? resourceUsage() : undefined;
    const enc = ctx.enc;
    const ts = ctx.now();
    enc.begin(EventKind.ThreadUsage, ts);
    enc.u(ctx.pid);
    enc.i(ctx.threadId);
    enc.u(Math.round(elu.active * 1e6));
    enc.u(Math.round(elu.idle * 1e6));
    enc.u(cpu !== undefined ? 1 : 0);
    enc.u(cpu !== undefined ? cpu.user * 1000 : 0);
    enc.u(cpu !== undefined ? cpu.system * 1000 : 0);
    if (r === undefined) return;
    enc.begin(EventKind.ProcessUsage, ts);
    enc.u(ctx.pid);
    // the same getrusage() as process.cpuUsage(): one call gives times, switches and max RSS
    enc.u(r.userCPUTime * 1000);
    enc.u(r.systemCPUTime * 1000);
    enc.u(r.voluntaryContextSwitches);
    enc.u(r.involuntaryContextSwitches);
    // KiB on every platform (libuv converts macOS's bytes)
    enc.u(r.maxRSS * 1024);
  } catch {
    // never throw into the program
  }
}

/** Resident set size of the whole process, for the main thread's MemorySample. 0 if unknown. */
export function processRss(): number {
  try {
    return rss();
  } catch {
    return 0;
  }
}
