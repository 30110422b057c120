// What a trace says about itself (Meta chunks), and the stable JSON of `ctrace summary --json`
// (docs/cli.md). Tools and CI jobs read the summary, so fields are only ever added, never renamed.

import type { ExitCause } from './events';
import type { Insights } from './insights';
import type { LostRecords } from './session';

export type SchedMode = 'switches' | 'counts' | 'node' | 'off';

/** Merged from every Meta chunk in file order. */
export interface TraceMeta {
  formatVersion?: number;
  /** the command line that was recorded */
  command?: string[];
  cwd?: string;
  /** wall-clock ISO time at t0 */
  startedAt?: string;
  /** CLOCK_MONOTONIC ns when recording started */
  t0?: number;
  /** CLOCK_MONOTONIC ns when recording ended (absent while live or when cut short) */
  t1?: number;
  schedMode?: SchedMode;
  /** why schedMode is what it is, in words (e.g. "perf not installed") */
  schedNote?: string;
  sampleIntervalMs?: number;
  platform?: string;
  cpus?: number;
  recorderVersion?: string;
  /** the recorded program's exit code / signal, as the CLI saw it */
  exitCode?: number | null;
  exitSignal?: string | null;
  /** set on the final Meta chunk, so readers know the file is complete */
  complete?: boolean;
  /** final Meta: pids of the program's processes still running when the recording ended (a detached child) */
  stillRunning?: number[];
  /** final Meta: threads whose agent could not write all of their records (a full disk) */
  lostRecords?: LostRecords[];
}

export interface SiteJson {
  file: string;
  line: number;
  column: number;
}

export interface SummaryProcess {
  pid: number;
  ppid: number;
  command: string;
  exitCode: number | null;
  signal: string | null;
  /** null only with stillRunning or recordsLost */
  cause: ExitCause | null;
  startTs?: number;
  endTs?: number;
  nodeVersion?: string;
  /** present (true) when it was still running when the recording ended: no exit code, signal or cause */
  stillRunning?: boolean;
  /** present (true) when its agent could not write all of its records (lostRecords) and its exit record is missing: cause unknown (null) */
  recordsLost?: boolean;
  peakRssBytes?: number;
  /** whole-process totals: the sum over its threads, or in schedMode 'node' what the OS reports per process */
  cpuMs?: number;
  voluntarySwitches?: number;
  involuntarySwitches?: number;
}

/** A process no agent traced (a shell, `sleep`), seen from outside by the scheduling capture. */
export interface SummaryOsProcess {
  pid: number;
  /** its parent, when the capture found it in a sampled process's children (ProcessSeen) */
  ppid?: number;
  /** the OS's name for it (comm: at most 15 characters) */
  command: string;
}

/** A Node process the program spawned that left no records (src/protocol/untraced-node.ts). */
export interface SummaryUntracedNode {
  /** null when the spawn API does not tell it (execSync, execFileSync) */
  pid: number | null;
  /** the process that spawned it */
  ppid: number;
  /** the command and its arguments, as the spawn was given them */
  command: string;
  /** the spawn's call site */
  site: SiteJson | null;
  /** how it ended as its parent saw it; both null when it was still running when recording stopped */
  exitCode: number | null;
  signal: string | null;
}

export interface SummaryThread {
  pid: number;
  tid: number;
  threadId: number;
  name: string;
  kind: 'main' | 'worker' | 'os';
  cpuMs?: number;
  voluntarySwitches?: number;
  involuntarySwitches?: number;
  peakHeapUsedBytes?: number;
  /** schedMode 'node': share of the thread's event-loop time that was not idle (0..1) */
  eventLoopUtilization?: number;
}

export interface SummaryCrash {
  pid: number;
  threadId: number;
  kind: 'uncaught' | 'rejection' | 'worker-error' | 'child-signal';
  ts: number;
  name: string;
  message: string;
  stack?: string;
  site: SiteJson | null;
}

export interface DeadlockParticipant {
  pid: number;
  threadId: number;
  holds: string[];
  waitsFor: string;
  /** where this thread is blocked: the acquire of `waitsFor` (the caller of a lock helper) */
  site: SiteJson | null;
  /** where each lock in `holds` was taken, in the same order (absent in older traces) */
  heldAt?: (SiteJson | null)[];
}

export interface DeadlockReport {
  /** ns when the cycle was found */
  ts?: number;
  cycle: DeadlockParticipant[];
}

export interface ContentionSite {
  file: string;
  line: number;
  column: number;
  waited: number;
  totalWaitMs: number;
}

export interface ContentionEntry {
  lock: string;
  kind: 'atomics' | 'weblock' | 'async-mutex';
  acquisitions: number;
  waited: number;
  totalWaitMs: number;
  maxWaitMs: number;
  totalHoldMs: number;
  sites: ContentionSite[];
}

export interface TraceSummary {
  formatVersion: number;
  schedMode?: SchedMode;
  /** what schedMode holds and why, in words (e.g. which figures are per process) */
  schedNote?: string;
  durationMs?: number;
  /** present (true) when the file ends in the middle of a chunk: the recording was cut short */
  truncated?: boolean;
  /** present (true) when the file has no index: the recorder did not finish it (killed, or still recording) */
  incomplete?: boolean;
  /** present when threads could not write all of their records (a full disk): which, and why */
  lostRecords?: LostRecords[];
  processes: SummaryProcess[];
  /** processes only the scheduling capture saw, in the order it found them */
  osProcesses?: SummaryOsProcess[];
  /** Node processes the program spawned that left no records (another user's, or started without the agent) */
  untracedNode?: SummaryUntracedNode[];
  threads: SummaryThread[];
  counts: { spawns: number; workers: number; messagesSent: number; messagesReceived: number; crashes: number; events?: number };
  messagesByChannel: { process: number; worker: number; port: number; broadcast: number };
  crashes: SummaryCrash[];
  deadlocks?: DeadlockReport[];
  contention?: ContentionEntry[];
  /** issue "Answers, not raw data": see src/protocol/insights.ts and docs/insights.md */
  insights?: Insights;
}
