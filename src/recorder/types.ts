// The recorder's public surface, shared by the CLI, the extension and the tests. Implementations
// live beside this file (launch, collector, reader, model, summary); sched/ and locks/ plug in here.

import type { TraceEvent } from '../protocol/events';
import type { DeadlockReport, SchedMode, SummaryUntracedNode, TraceMeta, TraceSummary } from '../protocol/trace';
import type { RecordingCounts } from './live-counts';
import type { LostRecords } from '../protocol/session';

/**
 * Which scheduling capture to use (docs/scheduling.md): 'auto' picks the best this machine allows;
 * 'switches' asks for perf (falls back to 'counts' where perf cannot run); 'counts' samples /proc
 * only; 'node' records only what Node reports inside the program (the mode macOS and Windows get);
 * 'off' records nothing.
 */
export type SchedChoice = 'auto' | 'switches' | 'counts' | 'node' | 'off';

export interface CaptureOptions {
  /** per-thread scheduling and memory capture (sched/); true = 'auto', false = 'off'; default 'auto' */
  sched?: boolean | SchedChoice;
  /** sampling interval for /proc counts and memory, ms */
  sampleIntervalMs?: number;
  /**
   * Older switch, read only when `sched` is 'auto' (or true / unset): true asks for 'switches'
   * (perf), false for 'counts'. Unset: 'auto', which is 'counts' on Linux (docs/scheduling.md).
   */
  perf?: boolean;
  /** message send/receive events; default true */
  messages?: boolean;
  /** Atomics / Web Locks / async-mutex events; default true */
  locks?: boolean;
}

export interface RecordOptions {
  /** the program and its arguments, e.g. ['node', 'app.js'] or ['npm', 'test'] */
  command: string;
  args: string[];
  cwd?: string;
  /** extra environment on top of process.env */
  env?: Record<string, string | undefined>;
  /** where the .ctrace goes */
  output: string;
  /** prepended to the program's NODE_OPTIONS */
  nodeOptions?: string;
  capture?: CaptureOptions;
  /**
   * 'inherit': the program uses this process's stdio (the CLI).
   * 'pipe': stdin/stdout/stderr are exposed on the Recording (the extension's pseudoterminal).
   */
  stdio?: 'inherit' | 'pipe';
  /** terminal size for 'pipe' (informational; exported as COLUMNS/LINES) */
  columns?: number;
  rows?: number;
}

export interface RecordingResult {
  tracePath: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** the program's events in the trace; `samples`: the samples of series (CPU, scheduling, memory) apart */
  events: number;
  samples: number;
  bytes: number;
  deadlocks: DeadlockReport[];
  /** what was recorded, counted live (same rules as the summary) */
  counts?: RecordingCounts;
  /** from the recording's start to its end */
  durationMs?: number;
  /** the trace could not be written to the end (a full disk): why; the file holds what came before */
  writeError?: string;
  /** threads whose agent could not write all of their records (a full TMPDIR, no file descriptor): the trace misses the rest */
  lostRecords?: LostRecords[];
  /** Node processes the program spawned that left no records (protocol/untraced-node.ts) */
  untracedNode?: SummaryUntracedNode[];
}

export interface Recording {
  /** pid of the launched program */
  readonly pid: number | undefined;
  readonly tracePath: string;
  readonly stdin?: NodeJS.WritableStream;
  readonly stdout?: NodeJS.ReadableStream;
  readonly stderr?: NodeJS.ReadableStream;
  /** the program's events written to the trace so far (not counting samples) */
  readonly eventCount: number;
  /** bytes appended to the trace file, in order, as they are written (for a live view) */
  onAppend(listener: (bytes: Uint8Array) => void): void;
  /** a deadlock cycle found while the program runs */
  onDeadlock(listener: (report: DeadlockReport) => void): void;
  /** a one-line human message for logs (e.g. "perf not installed: sampling counts") */
  onLog(listener: (line: string) => void): void;
  /** a thread's agent could not write its records (a full TMPDIR): as soon as seen, once per thread; earlier ones replayed */
  onLostRecords(listener: (l: LostRecords) => void): void;
  /**
   * Passes a signal the recorder's process got (SIGINT, SIGTERM, SIGHUP) on to the program, unless
   * the program got it too (sent to the whole process group): then it has it once, as untraced.
   * Known when the program listens for it (its agent leaves a marker); else sent after up to 200 ms.
   * The SIGINTs it has to pass on go as SIGINT, then SIGTERM, then SIGKILL (signal-relay.ts).
   */
  forwardSignal(received: NodeJS.Signals): void;
  /** ends the program (SIGINT, then SIGTERM, then SIGKILL after grace periods) and finishes the trace */
  stop(): Promise<RecordingResult>;
  /** settles when the program has exited and the trace file is complete */
  readonly done: Promise<RecordingResult>;
}

/** A trace read into memory. */
export interface LoadedTrace {
  path?: string;
  bytes: Uint8Array;
  meta: TraceMeta;
  events: TraceEvent[];
  /** true when the file ended in the middle of a chunk (recording cut short) */
  truncated: boolean;
  /** true when the file has no closing index (still being written, or the recorder died) */
  incomplete: boolean;
}

export type { SchedMode, TraceSummary, RecordingCounts };
