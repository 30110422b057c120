// JS heap per thread (issue 4): the recorder's /proc sampler sees RSS per process but not which
// thread's heap grew, so each JS thread reports its own isolate's used heap about every 100 ms from an
// unref'd timer (it never keeps the process or worker alive) and once more at exit. The summary keeps
// the peak (peakHeapUsedBytes); the timeline draws the series.

import v8 from 'node:v8';
import { EventKind } from '../protocol/events';
import type { ThreadStream } from './stream';

const HEAP_MS = 100;

export class HeapSampler {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly ctx: ThreadStream) {}

  start(): void {
    try {
      this.timer = setInterval(() => this.sample(), HEAP_MS);
      this.timer.unref();
    } catch {
      this.timer = undefined;
    }
  }

  /** One MemorySample record; at exit `final` also stops the timer. Never throws. */
  sample(final = false): void {
    const ctx = this.ctx;
    try {
      if (final && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
      if (ctx.ended) return;
      // per isolate, so per thread; process.memoryUsage() would also read /proc for RSS
      const used = v8.getHeapStatistics().used_heap_size;
      const enc = ctx.enc;
      enc.begin(EventKind.MemorySample, ctx.now());
      enc.u(ctx.pid);
      enc.i(ctx.threadId);
      enc.u(0);
      enc.u(used);
      if (!final) ctx.recorded();
    } catch {
      // never throw into the program
    }
  }
}
