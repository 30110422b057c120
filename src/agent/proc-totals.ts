// A JS thread's own scheduling totals at its exit (Linux, counts and switches modes). The recorder
// samples /proc from outside every few ms, so a worker that lives less than an interval, or ends
// between two sweeps, would otherwise show too little or no CPU and no switches. Issue 4 asks that
// short-lived threads are seen "at least with their totals at exit": the thread reads its own
// /proc/thread-self files as its final records are written (three small reads, ~0.1 ms, once per
// thread) and writes them as one SchedSample, which the model merges with the sampler's (the
// counters are cumulative, so the largest reading is the total). A worker ended by terminate()
// runs no exit code and keeps the sampler's last figures.

import { readAscii } from './pristine';
import { EventKind, ThreadState } from '../protocol/events';
import type { ThreadStream } from './stream';

const TICK_NS = 1e7; // USER_HZ is 100 on every Linux architecture Node supports

export function recordProcTotals(ctx: ThreadStream): void {
  if (process.platform !== 'linux' || ctx.tid <= 0) return;
  try {
    const stat = readAscii('/proc/thread-self/stat');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state); utime is field 14
    const utime = Number(f[11]) * TICK_NS;
    const stime = Number(f[12]) * TICK_NS;
    let runNs = 0;
    try {
      runNs = Number(readAscii('/proc/thread-self/schedstat').split(' ')[0]) || 0;
    } catch {
      // schedstat needs CONFIG_SCHEDSTATS; utime + stime stand in
    }
    const status = readAscii('/proc/thread-self/status');
    const vol = Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1] ?? 0);
    const invol = Number(/^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1] ?? 0);
    if (!(utime >= 0 && stime >= 0)) return;
    const enc = ctx.enc;
    enc.begin(EventKind.SchedSample, ctx.now());
    enc.u(ctx.pid);
    enc.u(ctx.tid);
    enc.u(ThreadState.Running); // it is running: it is reading these files
    enc.u(utime);
    enc.u(stime);
    enc.u(runNs);
    enc.u(vol);
    enc.u(invol);
    enc.s(name);
  } catch {
    // not Linux after all, or /proc hidden: the sampler's figures stand
  }
}
