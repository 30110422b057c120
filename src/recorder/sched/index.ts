// Scheduling and memory capture (issue 4): plugs into the collector. At creation it finds out what
// this machine lets it see, in order: every switch with perf ('switches'), sampled /proc counts
// ('counts'), or, off Linux (or when asked for), what Node reports inside the program, sampled by
// the agent ('node'; the recorder only tells the agent to). docs/scheduling.md has the
// modes, their costs and their limits. The pure functions over recorded events (totals for the
// summary, busy cores, running fraction, switch rate) are re-exported from derive.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { SchedMode } from '../../protocol/trace';
import type { CaptureOptions, SchedChoice } from '../types';
import { PerfSwitches, probePerf, stopThenExec } from './perf';
import { ProcSampler } from './proc-sampler';

export * from './derive';

export type EmitRecord = (kind: number, ts: number, values: Record<string, number | string | undefined>) => void;

export interface SchedCapture {
  readonly mode: SchedMode;
  /** why this mode (shown in logs, the summary and the UI) */
  readonly note: string;
  /** the /proc sampling interval in use, ms (undefined when nothing is sampled); for the Meta chunk */
  readonly sampleIntervalMs?: number;
  /** lets the capture wrap the launched command (e.g. in `perf record`) */
  wrapCommand(command: string, args: string[]): { command: string; args: string[] };
  /** starts sampling the process tree rooted at rootPid; records go through emit */
  start(rootPid: number, emit: EmitRecord): void;
  /** pids the collector learned from the agents (so short-lived ones are sampled too) */
  addProcess(pid: number): void;
  /** stops, emitting final totals */
  stop(): Promise<void>;
}

/**
 * Default sweep interval of the /proc sampler. 10 ms: the note's measurements put a collector-side
 * sweep at ~3.6% of one core at 10 ms versus 4.6% at 5 ms, and bench/sched.bench.mjs shows the
 * traced program's slowdown at 10 ms within noise (docs/scheduling.md).
 */
export const DEFAULT_SAMPLE_INTERVAL_MS = 10;
/**
 * In 'switches' mode the running spans and the state off-CPU (blocked vs preempted) come from perf,
 * so /proc is sampled only for memory and cumulative counts, at this slower default.
 */
export const DEFAULT_SWITCHES_SAMPLE_INTERVAL_MS = 50;
/**
 * Whether 'auto' records every switch with perf where it can. No: perf charges every switch to the
 * switching thread, +28% program CPU on the message-heavy benchmark against ~0% for counts, and no
 * perf option brought it near the 1% target (docs/scheduling.md, "The default").
 */
export const DEFAULT_SWITCHES = false;

/**
 * In 'node' mode the agent samples inside every thread on its heap timer (src/agent/heap.ts, 100 ms)
 * and at exit; recorded as the trace's sampleIntervalMs.
 */
export const NODE_SAMPLE_INTERVAL_MS = 100;

/** What 'node' mode holds, said in the trace (schedNote) and the summary; `why` says why this mode. */
const nodeNote = (why: string) =>
  `Node mode (${why}): event-loop utilization per thread; CPU per thread where the program's Node has process.threadCpuUsage() (22+), ` +
  'else per process only (process.cpuUsage()); context-switch counts and max RSS per process (process.resourceUsage()); ' +
  `sampled inside the program every ${NODE_SAMPLE_INTERVAL_MS} ms and at exit; no individual switches or thread states`;

/** The capture asked for: CaptureOptions.sched, with the older `perf` flag deciding what 'auto' means. */
export function schedChoice(opts: CaptureOptions): Exclude<SchedChoice, 'auto'> | 'auto' {
  const s = opts.sched;
  if (s === false || s === 'off') return 'off';
  if (s === 'node' || s === 'counts' || s === 'switches') return s;
  if (s !== undefined && s !== true && s !== 'auto') throw new Error(`capture.sched must be one of auto, switches, counts, node, off (got ${String(s)})`);
  if (opts.perf === false) return 'counts';
  if (opts.perf === true) return 'switches';
  return 'auto';
}

export function createSchedCapture(opts: CaptureOptions, log: (line: string) => void): SchedCapture {
  const explicit = opts.sampleIntervalMs !== undefined;
  const interval = opts.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 1) {
    throw new Error(`sampleIntervalMs must be a number of milliseconds >= 1 (got ${String(opts.sampleIntervalMs)}); the default is ${DEFAULT_SAMPLE_INTERVAL_MS}`);
  }
  const choice = schedChoice(opts);
  if (choice === 'off') return inert('off', 'scheduling capture turned off');
  if (choice === 'node') return inert('node', nodeNote('asked for'), NODE_SAMPLE_INTERVAL_MS, log);
  if (process.platform !== 'linux' || !fs.existsSync('/proc/self/task')) {
    return inert('node', nodeNote(`no /proc on ${process.platform}`), NODE_SAMPLE_INTERVAL_MS, log);
  }
  const wantPerf = choice === 'switches' || (choice === 'auto' && DEFAULT_SWITCHES);
  const probe = !wantPerf
    ? { ok: false, note: choice === 'counts' ? 'counts asked for' : 'counts by default (every switch with perf only when asked for: --sched switches)' }
    : probePerf();
  const switchesInterval = explicit ? interval : DEFAULT_SWITCHES_SAMPLE_INTERVAL_MS;
  return new LinuxCapture(
    probe.ok,
    probe.ok ? `${probe.note}; memory and counts sampled every ${switchesInterval} ms` : `${probe.note}: sampling /proc counts every ${interval} ms`,
    probe.ok ? switchesInterval : interval,
    interval,
    log,
  );
}

function inert(mode: SchedMode, note: string, sampleIntervalMs?: number, log?: (line: string) => void): SchedCapture {
  log?.(`scheduling: ${note}`);
  return {
    mode,
    note,
    sampleIntervalMs,
    wrapCommand: (command, args) => ({ command, args }),
    start: () => {},
    addProcess: () => {},
    stop: async () => {},
  };
}

class LinuxCapture implements SchedCapture {
  private currentMode: SchedMode;
  private currentNote: string;
  private readonly sampler: ProcSampler;
  private perf: PerfSwitches | undefined;
  private wrapped = false;
  private attached: Promise<void> | undefined;
  private emit: EmitRecord | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    switches: boolean,
    note: string,
    interval: number,
    private readonly countsInterval: number,
    private readonly log: (line: string) => void,
  ) {
    this.currentMode = switches ? 'switches' : 'counts';
    this.currentNote = note;
    this.sampler = new ProcSampler(interval);
    log(`scheduling: ${note}`);
  }

  get mode(): SchedMode {
    return this.currentMode;
  }
  get note(): string {
    return this.currentNote;
  }
  get sampleIntervalMs(): number {
    return this.sampler.intervalMs;
  }

  wrapCommand(command: string, args: string[]): { command: string; args: string[] } {
    if (this.currentMode !== 'switches') return { command, args };
    // a command that cannot run must still fail the way the caller expects (spawn ENOENT), not as
    // a shell's "not found", so only resolvable commands are wrapped
    if (!resolvable(command)) {
      this.fallBack(`"${command}" was not found on PATH`);
      return { command, args };
    }
    this.wrapped = true;
    return stopThenExec(command, args);
  }

  start(rootPid: number, emit: EmitRecord): void {
    this.emit = emit;
    if (this.currentMode === 'switches' && this.wrapped) {
      this.perf = new PerfSwitches(this.log);
      this.attached = this.perf
        .attach(rootPid)
        .then((ok) => {
          if (!ok) this.fallBack('perf could not attach');
          // after the program was continued, so the first sample is the program, not the launcher
          if (!this.stopped) this.sampler.start(rootPid, emit);
        })
        .catch((e) => this.log(`scheduling capture failed to start: ${(e as Error).message}`));
      return;
    }
    if (this.currentMode === 'switches') this.fallBack('the command was not launched through wrapCommand');
    this.sampler.start(rootPid, emit);
  }

  addProcess(pid: number): void {
    this.sampler.addProcess(pid);
  }

  stop(): Promise<void> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<void> {
    try {
      await this.attached;
      this.sampler.stop();
      const perf = this.perf;
      if (perf && this.currentMode === 'switches' && this.emit) {
        await perf.stop();
        const n = await perf.convert(this.emit);
        this.log(`scheduling: ${n} context switches recorded by perf`);
      }
      const s = this.sampler.stats;
      if (s.sweeps) this.log(`scheduling: ${s.sweeps} sweeps, ${(s.sweepNs / s.sweeps / 1000).toFixed(0)} µs each on average, ${s.records} records`);
    } catch (e) {
      this.log(`scheduling capture failed at stop: ${(e as Error).message}`);
    } finally {
      this.perf?.dispose();
    }
  }

  private fallBack(why: string): void {
    if (this.currentMode !== 'switches') return;
    this.currentMode = 'counts';
    this.sampler.intervalMs = this.countsInterval;
    this.currentNote = `${why}: sampling /proc counts every ${this.sampler.intervalMs} ms instead of recording each switch`;
    this.log(`scheduling: ${this.currentNote}`);
  }
}

function resolvable(command: string): boolean {
  const executable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && executable(path.join(dir, command))) return true;
  return false;
}
