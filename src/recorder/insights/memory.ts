// Memory: each process's peak RSS, each JS thread's peak heap, and the largest total RSS of the
// processes alive at one moment (what running the job cost the machine: N processes each carry a
// whole Node runtime, N workers share one).
import { EventKind } from '../../protocol/events';
import type { MemoryInsights, ProcessMemory, ThreadMemory } from '../../protocol/insights';
import { threadKey, type TraceModel } from './model';
import { num } from './stats';

export function memoryInsights(model: TraceModel): MemoryInsights {
  const procs = new Map<number, ProcessMemory>();
  const threads = new Map<string, ThreadMemory>();
  const current = new Map<number, number>();
  let total = 0;
  let peakTotal: { bytes: number; ts: number } | null = null;
  for (const e of model.events) {
    if (e.kind === EventKind.ProcessExit && current.has(e.pid)) {
      total -= current.get(e.pid)!;
      current.delete(e.pid);
      continue;
    }
    if (e.kind !== EventKind.MemorySample) continue;
    // The sampler writes pid in the fields; an agent writing its own samples is the stream's pid.
    const pid = num(e.fields.pid) || e.pid;
    const rss = num(e.fields.rssBytes);
    const heap = num(e.fields.heapUsedBytes);
    if (rss > 0) {
      const p = procs.get(pid);
      if (!p || rss > p.peakRssBytes) procs.set(pid, { pid, command: model.processes.get(pid)?.command ?? '', peakRssBytes: rss, peakTs: e.ts });
      total += rss - (current.get(pid) ?? 0);
      current.set(pid, rss);
      if (!peakTotal || total > peakTotal.bytes) peakTotal = { bytes: total, ts: e.ts };
    }
    if (heap > 0) {
      const threadId = num(e.fields.threadId);
      if (threadId < 0) continue;
      const k = threadKey(pid, threadId);
      const t = threads.get(k);
      if (!t || heap > t.peakHeapUsedBytes) {
        threads.set(k, { pid, threadId, name: model.threads.get(k)?.name ?? (threadId === 0 ? 'main' : `worker ${threadId}`), peakHeapUsedBytes: heap, peakTs: e.ts });
      }
    }
  }
  return {
    recorded: procs.size > 0 || threads.size > 0,
    peakTotalRssBytes: peakTotal?.bytes ?? null,
    peakTotalTs: peakTotal?.ts ?? null,
    processes: [...procs.values()].sort((x, y) => y.peakRssBytes - x.peakRssBytes),
    threads: [...threads.values()].sort((x, y) => y.peakHeapUsedBytes - x.peakHeapUsedBytes),
  };
}
