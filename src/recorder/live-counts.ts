// Counts kept while recording, from the records the collector decodes anyway, so `ctrace record`
// can print its one-line summary and apply --fail-on without reading a large trace back (for the
// 400k-event benchmark that read-back cost more than the recording). The rules match model.ts.

import { CrashKind, EventKind, type TraceEvent } from '../protocol/events';

export interface RecordingCounts {
  processes: number;
  /** JS threads: main threads and workers */
  threads: number;
  spawns: number;
  workers: number;
  messagesSent: number;
  messagesReceived: number;
  crashes: number;
}

export class LiveCounts {
  private readonly processes = new Set<number>();
  private readonly threads = new Set<string>();
  private readonly spawns = new Set<string>();
  private workers = 0;
  private sent = 0;
  private received = 0;
  private otherCrashes = 0;
  private ownCount = 0;
  private readonly ownCrashes = new Set<string>();
  private readonly workerErrors: string[] = [];

  add(e: TraceEvent): void {
    switch (e.kind) {
      case EventKind.MessageSend:
        this.sent++;
        return;
      case EventKind.MessageReceive:
        this.received++;
        return;
      case EventKind.ProcessStart:
        this.processes.add(Number(e.fields.pid) || e.pid);
        break;
      case EventKind.SpawnCall:
      case EventKind.SpawnError:
        this.spawns.add(e.pid + ':' + e.fields.spawnId);
        break;
      case EventKind.WorkerCreate:
        this.workers++;
        break;
      case EventKind.Crash: {
        const k = e.fields.crashKind;
        if (k === CrashKind.Uncaught || k === CrashKind.Rejection) {
          this.ownCount++;
          this.ownCrashes.add(e.pid + ':' + e.threadId);
        }
        else if (k === CrashKind.WorkerError) this.workerErrors.push(e.fields.targetPid + ':' + e.fields.targetThreadId);
        else this.otherCrashes++;
        break;
      }
    }
    if (e.pid !== 0 && e.kind !== EventKind.SchedSample) this.threads.add(e.pid + ':' + e.threadId);
  }

  counts(): RecordingCounts {
    // a worker's uncaught exception is reported by the worker and by its parent's 'error': one crash
    const unmatched = this.workerErrors.filter((k) => !this.ownCrashes.has(k)).length;
    return {
      processes: this.processes.size,
      threads: this.threads.size,
      spawns: this.spawns.size,
      workers: this.workers,
      messagesSent: this.sent,
      messagesReceived: this.received,
      crashes: this.ownCount + unmatched + this.otherCrashes,
    };
  }
}
