// JS heap per thread (issue 4): the recorder's /proc sampler sees RSS per process but not which
// thread's heap grew, so each JS thread reports its own isolate's used heap about every 100 ms, on
// every second tick of its stream's unref'd interval (it never keeps the process or worker alive),
// and once more at exit. The summary keeps
// the peak (peakHeapUsedBytes); the timeline draws the series. In schedMode 'node' (nothing read
// from outside the program) the same tick also records Node's CPU and event-loop figures (usage.ts)
// and the main thread's sample carries the process's RSS.

import { EventKind } from '../protocol/events';
import type { ThreadStream } from './stream';
import { procTotalsWanted, usageWanted } from './env';
import { recordProcTotals } from './proc-totals';
import { prepareUsage, processRss, sampleUsage } from './usage';

/** every second tick of the stream's 47 ms interval: ~94 ms */
const HEAP_TICKS = 2;
// as it was when the agent loaded: a program that replaces process.memoryUsage must not see our calls
const memoryUsage = process.memoryUsage;

export class HeapSampler {
  private readonly usage = usageWanted();
  private readonly procTotals = procTotalsWanted();

  constructor(private readonly ctx: ThreadStream) {
    if (this.usage) prepareUsage();
  }

  start(): void {
    this.ctx.tickEvery(HEAP_TICKS, () => this.sample());
  }

  /** One MemorySample record (`final`: the thread's last, at exit). Never throws. */
  sample(final = false): void {
    const ctx = this.ctx;
    try {
      if (ctx.ended) return;
      // per isolate, so per thread. memoryUsage() also reads RSS (~7 µs a call, every 100 ms) but
      // spares every thread loading node:v8 at start (~0.3 ms) for getHeapStatistics()
      const used = memoryUsage().heapUsed;
      const rss = this.usage && ctx.isMainThread ? processRss() : 0;
      const enc = ctx.enc;
      enc.begin(EventKind.MemorySample, ctx.now());
      enc.u(ctx.pid);
      enc.i(ctx.threadId);
      enc.u(rss);
      enc.u(used);
      if (this.usage) sampleUsage(ctx, ctx.isMainThread);
      if (final && this.procTotals) recordProcTotals(ctx);
      if (!final) ctx.recorded();
    } catch {
      // never throw into the program
    }
  }
}
