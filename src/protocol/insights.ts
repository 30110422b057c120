// The answers a trace gives (issue 8): creation cost, message cost, CPU parallelism, context switches,
// locks, crashes and memory, computed by src/recorder/insights and shown by the insights panel, the
// editor hints, `ctrace summary --json` (field `insights`) and `ctrace compare`. Every figure that
// points at something in the trace carries an Evidence so a UI can select it on the timeline and
// open its source. Durations are ms, sizes bytes, timestamps ns (CLOCK_MONOTONIC, as in events).
// Fields are only ever added, never renamed: tools read this JSON.

import type { ContentionEntry, ContentionSite, DeadlockReport, SiteJson } from './trace';

/** What to select on the timeline (and open in the editor) to see a figure's cause. */
export interface Evidence {
  pid: number;
  threadId: number;
  ts: number;
  /** EventKind of the event to select */
  kind?: number;
  site: SiteJson | null;
}

/** Distribution of a set of durations, ms. */
export interface Spread {
  count: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

// ---------------------------------------------------------------- creation cost
export type CreatedKind = 'process' | 'worker';

/** One spawn or `new Worker`: from the call to the moment the child runs its first line. */
export interface Creation {
  kind: CreatedKind;
  /** spawn | fork | exec | execFile | cluster.fork | ... for processes; 'Worker' for workers */
  api: string;
  /** the creating process and thread */
  pid: number;
  threadId: number;
  callTs: number;
  /** when the child process / worker thread started running; null if it never did (spawn error) */
  runningTs: number | null;
  /** runningTs - callTs; null when not known */
  ms: number | null;
  /**
   * how runningTs was found: 'start' (the child's own ProcessStart / ThreadStart), 'first-event'
   * (its first recorded event), 'online' (the parent's WorkerOnline / SpawnRunning: the child was
   * not traced), 'error' (never ran)
   */
  measuredBy: 'start' | 'first-event' | 'online' | 'error';
  childPid?: number;
  workerThreadId?: number;
  /** what was started: the command, or the worker's script */
  target?: string;
  error?: string;
  evidence: Evidence;
}

export interface CreationSite {
  site: SiteJson | null;
  count: number;
  medianMs: number;
  maxMs: number;
  evidence: Evidence;
}

export interface CreationGroup extends Spread {
  kind: CreatedKind;
  /** call sites, slowest (by max) first, at most 5 */
  slowestSites: CreationSite[];
}

export interface CreationInsights {
  /** every creation, in call order */
  items: Creation[];
  /** one per kind present, processes first */
  groups: CreationGroup[];
}

// ---------------------------------------------------------------- messages
export type ChannelKindName = 'process' | 'worker' | 'port' | 'broadcast';

export interface MessageFigures {
  /** sends */
  count: number;
  /** receipts matched to a send (a broadcast may have several per send) */
  received: number;
  /** serialized (copied) bytes, bytes moved by a transfer list, bytes of SharedArrayBuffers passed */
  copiedBytes: number;
  transferredBytes: number;
  sharedBytes: number;
  /** send -> receipt, over matched pairs; null when none matched */
  latency: Spread | null;
}

export interface ChannelMessages extends MessageFigures {
  channel: string;
  channelKind: ChannelKindName;
  /** the first send on the channel */
  evidence: Evidence;
}

export interface SiteMessages extends MessageFigures {
  site: SiteJson | null;
  channelKind: ChannelKindName;
  /** the slowest matched send from this site, else its first send */
  evidence: Evidence;
}

/** A send that copied enough bytes that transferring or sharing them would likely help. */
export interface LargeCopy {
  channel: string;
  channelKind: ChannelKindName;
  copiedBytes: number;
  /** latency of this send, when its receipt was recorded */
  latencyMs: number | null;
  /** what to do instead, in words */
  advice: string;
  evidence: Evidence;
}

export interface MessageInsights {
  totals: MessageFigures;
  /** busiest (by copied bytes, then count) first */
  channels: ChannelMessages[];
  sites: SiteMessages[];
  /** the threshold used for largeCopies */
  largeCopyBytes: number;
  /** largest first, at most 20 */
  largeCopies: LargeCopy[];
  /** how many sends crossed the threshold (largeCopies may list fewer) */
  largeCopyCount: number;
}

// ---------------------------------------------------------------- CPU and scheduling
export interface ThreadRef {
  pid: number;
  tid: number;
  /** JS threadId, or -1 for an OS thread that runs no JS */
  threadId: number;
  name: string;
}

export interface WaitingThread extends ThreadRef {
  /** share of its lifetime spent not running, 0..1 */
  waitingFraction: number;
  cpuMs: number;
  lifetimeMs: number;
  evidence: Evidence;
}

export interface ParallelismInsights {
  /** false when the trace holds no scheduling records (schedMode 'off'); every figure is then null */
  recorded: boolean;
  /**
   * 'switches': from every switch; 'samples': from sampled counts; 'node': from Node's own per-process
   * figures inside the program (schedMode 'node': no per-thread CPU states, no oversubscription)
   */
  source: 'switches' | 'samples' | 'node' | null;
  note: string;
  cores: number | null;
  /** CPU time of all threads / traced time */
  averageBusyCores: number | null;
  peakBusyCores: number | null;
  peakTs: number | null;
  /** time with more runnable (running or ready) threads than cores */
  oversubscribedMs: number | null;
  cpuMs: number | null;
  /** JS threads that spent at least half their life not running, most waiting first */
  mostlyWaiting: WaitingThread[];
}

export interface SwitchFigures {
  voluntary: number;
  involuntary: number;
  cpuMs: number;
  /** (voluntary + involuntary) per second of CPU time; null with no CPU time */
  perCpuSecond: number | null;
}

export interface ThreadSwitches extends ThreadRef, SwitchFigures {}
export interface ProcessSwitches extends SwitchFigures {
  pid: number;
  command: string;
}

export interface ContextSwitchInsights {
  recorded: boolean;
  note: string;
  total: SwitchFigures;
  /** most switches first */
  processes: ProcessSwitches[];
  threads: ThreadSwitches[];
}

// ---------------------------------------------------------------- locks
export interface DeadlockExplained extends DeadlockReport {
  /** one sentence per participant: who holds what and waits for what, where */
  explanation: string[];
  /** what a click selects: the record that reported it, else the first participant's last wait */
  evidence: Evidence | null;
}

/** A contended lock (as in TraceSummary.contention) with the events that show its waits. */
export interface ContendedLock extends ContentionEntry {
  /** the first wait on this lock */
  evidence: Evidence | null;
  sites: (ContentionSite & { evidence: Evidence | null })[];
}

export interface LockInsights {
  /** most total wait first, at most 10 */
  contended: ContendedLock[];
  deadlocks: DeadlockExplained[];
}

// ---------------------------------------------------------------- crashes
export interface CrashEntity {
  pid: number;
  /** -1 for "the whole process" */
  threadId: number;
  name: string;
  /** when it ended; null if it ran to the end of the trace */
  endTs: number | null;
}

export interface CrashInsight {
  /** 1-based, in time order */
  order: number;
  kind: 'uncaught' | 'rejection' | 'worker-error' | 'child-signal';
  name: string;
  message: string;
  /** where it happened (for worker-error and child-signal: the worker or child, not the parent that saw it) */
  pid: number;
  threadId: number;
  ts: number;
  /** the process or thread the crash took down (for worker-error / child-signal: the target) */
  victim: CrashEntity;
  /** processes and threads that ended with the victim (e.g. the workers of a crashed process) */
  endedWith: CrashEntity[];
  /** processes and threads alive when the victim ended that kept running after it */
  outlived: CrashEntity[];
  evidence: Evidence;
}

export interface CrashInsights {
  crashes: CrashInsight[];
}

// ---------------------------------------------------------------- memory
export interface ProcessMemory {
  pid: number;
  command: string;
  peakRssBytes: number;
  peakTs: number;
}

export interface ThreadMemory {
  pid: number;
  threadId: number;
  name: string;
  peakHeapUsedBytes: number;
  peakTs: number;
}

export interface MemoryInsights {
  recorded: boolean;
  /** the largest sum of the live processes' RSS at one moment */
  peakTotalRssBytes: number | null;
  peakTotalTs: number | null;
  /** largest first */
  processes: ProcessMemory[];
  threads: ThreadMemory[];
}

// ---------------------------------------------------------------- all of it
export interface Insights {
  version: 1;
  /** traced time, ms */
  durationMs: number;
  creation: CreationInsights;
  messages: MessageInsights;
  parallelism: ParallelismInsights;
  contextSwitches: ContextSwitchInsights;
  locks: LockInsights;
  crashes: CrashInsights;
  memory: MemoryInsights;
}

// ---------------------------------------------------------------- comparing two traces
export type CompareUnit = 'ms' | 'bytes' | 'count' | 'cores' | 'per-s';

export interface CompareRow {
  /** stable id, e.g. "creation.medianMs" */
  id: string;
  /** group shown as a heading: creation, memory, context switches, messages, CPU, time */
  group: string;
  /** in words, e.g. "creation cost, median" */
  metric: string;
  unit: CompareUnit;
  a: number | null;
  b: number | null;
  /** b / a; null when either is missing or a is 0 */
  ratio: number | null;
}

export interface CompareSide {
  /** what to call the trace (file name) */
  name: string;
  command?: string;
}

export interface Comparison {
  a: CompareSide;
  b: CompareSide;
  rows: CompareRow[];
  /** what makes the figures less than they seem (a side cut short or still being written, one file twice) */
  warnings?: string[];
}

// ---------------------------------------------------------------- editor hints
/** One line of text to show at a call site in the editor (CodeLens / inline), linking to its event. */
export interface EditorHint {
  site: SiteJson;
  /** e.g. "spawned 3 workers · 12 ms", "1,204 messages · p95 0.4 ms", "waited 2.1 s on lock" */
  text: string;
  topic: 'creation' | 'messages' | 'large-copy' | 'lock' | 'crash';
  /** the event to reveal when the hint is clicked */
  evidence: Evidence;
}
