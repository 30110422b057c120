// One thread's event stream: the AgentContext every hook records through. Records are encoded into
// a StreamEncoder and written to `${CTRACE_DIR}/<pid>-<threadId>.ctc` as whole framed chunks, one
// fs.writeSync per flush, so the recorder tailing the file never sees half a chunk. Flushes happen
// when the buffer passes FLUSH_BYTES, when a record comes FLUSH_NS after the last flush, on an
// unref'd timer armed while records are pending, before blocking calls (ctx.flush) and at exit.

import fs = require('node:fs');
import path = require('node:path');
import { StreamEncoder } from '../protocol/wire';
import type { AgentContext, CallSite } from './context';
import { callSite } from './callsite';
import { WorkerTail } from './tail';
import { performance } from './clock';

const FLUSH_BYTES = 32 * 1024;
const FLUSH_NS = 50e6;
const FLUSH_MS = 50;

export class ThreadStream implements AgentContext {
  readonly enc: StreamEncoder;
  readonly file: string;
  busy = false;
  /** set once the thread's final records are written: later records flush at once */
  ended = false;
  private fd = -1;
  private written = 0;
  private lastFlush: number;
  /** the last now() (hot hooks read the clock themselves and store it here too) */
  lastNow = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ids = 0;
  private broken = false;
  tail: WorkerTail | undefined;

  constructor(
    dir: string,
    readonly pid: number,
    readonly tid: number,
    readonly threadId: number,
    readonly isMainThread: boolean,
    /** see clock.ts: now() is performance.now() * 1e6 + clockOffset */
    readonly clockOffset: number,
  ) {
    this.enc = new StreamEncoder(pid, tid, threadId);
    this.file = path.join(dir, `${pid}-${threadId}.ctc`);
    // A worker opens its file for each flush: a terminated worker runs no code that could close it,
    // and a program that starts thousands of workers must not run out of descriptors because of us.
    try {
      if (isMainThread) this.fd = fs.openSync(this.file, 'a');
      else fs.closeSync(fs.openSync(this.file, 'a'));
    } catch {
      this.broken = true;
    }
    this.lastFlush = this.now();
  }

  now(): number {
    const t = Math.round(performance.now() * 1e6 + this.clockOffset);
    this.lastNow = t;
    return t;
  }

  recorded(): void {
    const tail = this.tail;
    if (tail !== undefined) {
      if (!tail.attached) {
        this.flush();
        return;
      }
      tail.publish();
    }
    if (this.ended || this.enc.pendingBytes >= FLUSH_BYTES || this.lastNow - this.lastFlush >= FLUSH_NS) this.flush();
    else if (this.timer === undefined) this.arm();
  }

  private arm(): void {
    try {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, FLUSH_MS);
      this.timer.unref();
    } catch {
      this.timer = undefined;
    }
  }

  flush(): void {
    if (this.enc.pendingRecords === 0 && this.enc.pendingBytes === 0) return;
    const wasBusy = this.busy;
    this.busy = true;
    try {
      const bytes = this.enc.flush();
      this.lastFlush = this.lastNow || this.now();
      const tail = this.tail;
      if (tail !== undefined) {
        tail.attach();
        if (!tail.beginFlush(this.written + bytes.length)) return; // the creator claimed our buffer
      }
      try {
        if (!this.broken && bytes.length > 0) {
          const fd = this.fd >= 0 ? this.fd : fs.openSync(this.file, 'a');
          try {
            let off = 0;
            while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
            this.written += bytes.length;
          } finally {
            if (fd !== this.fd) fs.closeSync(fd);
          }
        }
      } catch {
        this.broken = true;
      } finally {
        if (tail !== undefined) tail.endFlush();
      }
    } catch {
      // never throw into the program
    } finally {
      this.busy = wasBusy;
    }
  }

  /** AgentContext's: undefined site when the caller is Node itself */
  callSite(wrapper: Function): CallSite {
    return callSite(wrapper, 6, false);
  }

  /** unique within the process: threads count in disjoint ranges */
  nextId(): number {
    return this.threadId * 2 ** 32 + ++this.ids;
  }
}
