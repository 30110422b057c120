// startRecording: launches the program with the agent preloaded, runs the collector and the
// plug-ins (scheduling capture, live deadlock detection) while it runs, and finishes the trace
// however the program ends: on its own, through stop(), or killed from outside.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind, type TraceEvent } from '../protocol/events';
import type { DeadlockReport, TraceMeta } from '../protocol/trace';
import { FORMAT_VERSION, MAGIC } from '../protocol/wire';
import { agentCacheDir } from './agent-cache';
import { agentPath } from './agent-path';
import { Collector } from './collector';
import { LiveCounts } from './live-counts';
import { UntracedNodeFinder } from '../protocol/untraced-node';
import { agentEnv, checkCommand, LaunchError } from './launch';
import { DeadlockDetector } from './locks';
import { createSchedCapture, type SchedCapture } from './sched';
import type { CaptureOptions, Recording, RecordingResult, RecordOptions } from './types';
import { RECORDER_VERSION } from './version';
import { fileHead } from './file-head';
import { makeSessionDir, otherRecordingOf, otherSessions, rivalOf, sweepStaleSessions, touchSessionDir, TOUCH_MS } from './session-dir';
import { isAlive } from './process-alive';
import type { LostRecords } from '../protocol/session';
import { SignalRelay } from './signal-relay';

const POLL_MS = 20;
const DEADLOCK_CHECK_MS = 200;
/** stop(): how long the program gets after SIGINT, then after SIGTERM, before SIGKILL */
export const STOP_GRACE_MS = 2000;
/** after the program exits, how long descendants that are still running may keep writing */
const DESCENDANT_GRACE_MS = 1000;

/** how long the scheduling capture may take to stop (perf writing out its data) */
const SCHED_STOP_TIMEOUT_MS = 10_000;

const now = (): number => Number(process.hrtime.bigint());

/** The scheduling plug-in, or a capture that records nothing if the plug-in fails to start. */
function schedOrOff(capture: CaptureOptions, log: (line: string) => void): SchedCapture {
  try {
    return createSchedCapture(capture, log);
  } catch (e) {
    log(`scheduling capture failed to start (${(e as Error).message}); recording without it`);
    return { mode: 'off', note: 'scheduling capture failed to start', wrapCommand: (command, args) => ({ command, args }), start() {}, addProcess() {}, stop: async () => {} };
  }
}

/** Launches opts.command with the agent and records it into opts.output. Throws LaunchError for bad input. */
export function startRecording(opts: RecordOptions): Recording {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of Object.keys(baseEnv)) if (baseEnv[k] === undefined) delete baseEnv[k];
  checkCommand(opts.command, cwd, baseEnv);
  const agent = agentPath();
  const output = path.resolve(cwd, opts.output);
  checkOutput(output);
  const capture = opts.capture ?? {};

  // one read of TMPDIR: remove folders left by recorders that were killed (SIGKILL), and refuse to
  // write a trace another recording is writing
  const sessions = otherSessions();
  sweepStaleSessions(sessions);
  const other = otherRecordingOf(output, sessions);
  if (other !== undefined) {
    throw outputTaken(output, other);
  }
  let sessionDir: string;
  try {
    sessionDir = makeSessionDir(output);
  } catch (e) {
    // the agents write there while the program runs (TMPDIR, or the system's temporary folder)
    const code = (e as NodeJS.ErrnoException).code;
    const advice = code === 'ENOSPC' || code === 'EDQUOT' ? 'Free some space there, or set TMPDIR to a folder on another disk' : 'Set TMPDIR to an existing folder you can write to';
    throw new LaunchError(`cannot create the recording's session folder in ${os.tmpdir()}: ${code ?? (e as Error).message}. ${advice}`, 'output');
  }
  // a recording of the same trace that started at this very instant (see rivalOf)
  const rival = rivalOf(output, sessionDir, otherSessions());
  if (rival !== undefined) {
    fs.rmSync(sessionDir, { recursive: true, force: true });
    throw outputTaken(output, rival);
  }

  const appendListeners: ((b: Uint8Array) => void)[] = [];
  const deadlockListeners: ((r: DeadlockReport) => void)[] = [];
  const logListeners: ((l: string) => void)[] = [];
  const lostListeners: ((l: LostRecords) => void)[] = [];
  const lost: LostRecords[] = [];
  const logs: string[] = [];
  const deadlocks: DeadlockReport[] = [];
  const detector = new DeadlockDetector();
  const ended = new Set<number>();
  /** children the program started (SpawnRunning): one may not have written anything yet */
  const spawned = new Set<number>();
  const counts = new LiveCounts();
  /** whether the launched process is traced (Node), else the first traced process it started (under perf) */
  let launchedTraced = false;
  let wrappedPid: number | undefined;
  const untraced = new UntracedNodeFinder();
  const log = (line: string) => {
    logs.push(line);
    for (const l of logListeners) safe(() => l(line));
  };

  let collector: Collector;
  const sched = schedOrOff(capture, log);
  const onReports = (reports: DeadlockReport[]) => {
    for (const r of reports) {
      deadlocks.push(r);
      collector.emit(EventKind.Deadlock, r.ts ?? now(), { json: JSON.stringify(r) });
      for (const l of deadlockListeners) safe(() => l(r));
    }
  };
  try {
    collector = new Collector(output, sessionDir, {
      append: (b) => {
        for (const l of appendListeners) safe(() => l(b));
      },
      event: (e: TraceEvent) => {
        counts.add(e);
        untraced.add(e);
        if (e.kind === EventKind.ProcessStart) {
          const pid = Number(e.fields.pid) || e.pid;
          safe(() => sched.addProcess(pid));
          if (pid === child.pid) launchedTraced = true;
          else if (wrappedPid === undefined && Number(e.fields.ppid) === child.pid) wrappedPid = pid;
        } else if (e.kind === EventKind.ProcessExit) ended.add(e.pid);
        else if (e.kind === EventKind.SpawnRunning && Number(e.fields.childPid) > 0) spawned.add(Number(e.fields.childPid));
        safe(() => onReports(detector.add(e)));
      },
      log,
      lost: (l) => {
        lost.push(l);
        for (const listener of lostListeners) safe(() => listener(l));
      },
    });
  } catch (e) {
    fs.rmSync(sessionDir, { recursive: true, force: true });
    throw new LaunchError(`cannot write the trace to ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Choose another path with -o`, 'output');
  }

  const t0 = now();
  let wrapped = { command: opts.command, args: opts.args };
  safe(() => (wrapped = sched.wrapCommand(opts.command, opts.args)));
  const meta: TraceMeta = {
    formatVersion: FORMAT_VERSION,
    command: [opts.command, ...opts.args],
    cwd,
    startedAt: new Date().toISOString(),
    t0,
    platform: process.platform,
    cpus: os.cpus().length,
    recorderVersion: RECORDER_VERSION,
    schedMode: sched.mode,
    schedNote: sched.note,
    ...(sched.sampleIntervalMs ?? capture.sampleIntervalMs ? { sampleIntervalMs: sched.sampleIntervalMs ?? capture.sampleIntervalMs } : {}),
  };
  collector.begin(meta);

  const env = agentEnv(baseEnv, agent, sessionDir, opts.nodeOptions, capture, sched.mode === 'node', sched.mode === 'counts' || sched.mode === 'switches', agentCacheDir());
  if (opts.stdio === 'pipe') {
    if (opts.columns) env.COLUMNS = String(opts.columns);
    if (opts.rows) env.LINES = String(opts.rows);
  }
  let child: ChildProcess;
  try {
    child = spawn(wrapped.command, wrapped.args, { cwd, env, stdio: opts.stdio === 'pipe' ? 'pipe' : 'inherit' });
  } catch (e) {
    collector.finish({ t1: now(), complete: true, exitCode: null, exitSignal: null });
    throw new LaunchError(`cannot start ${opts.command}: ${(e as Error).message}`, 'not-found');
  }

  if (child.pid !== undefined) safe(() => sched.start(child.pid!, (kind, ts, values) => collector.emit(kind, ts, values)));
  const pollTimer = setInterval(() => safe(() => collector.poll()), POLL_MS);
  const checkTimer = setInterval(() => safe(() => onReports(detector.check(now()))), DEADLOCK_CHECK_MS);
  // the folder is in use while this runs, even when the program writes nothing (session-dir.ts)
  const touchTimer = setInterval(() => safe(() => touchSessionDir(sessionDir)), TOUCH_MS);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve((exited = { code, signal })));
    child.on('error', (e) => {
      log(`cannot start ${opts.command}: ${e.message}`);
      resolve((exited = { code: 127, signal: null }));
    });
  });

  const done: Promise<RecordingResult> = exitPromise.then(async (ex) => {
    // safely: a failure here (a full disk while polling) must not leave the timers keeping ctrace alive
    const mayStillWrite = (pid: number) => pid !== child.pid && !ended.has(pid);
    await safeAsync(() => waitForDescendants(collector, spawned, mayStillWrite));
    clearInterval(pollTimer);
    clearInterval(checkTimer);
    clearInterval(touchTimer);
    safe(() => collector.poll());
    // a sampler that cannot stop must not keep the trace from being finished
    await Promise.race([safeAsync(() => sched.stop()), delay(SCHED_STOP_TIMEOUT_MS, true)]);
    safe(() => onReports(detector.check(now())));
    const t1 = now();
    // the capture may have fallen back (perf failed to attach): the final Meta says what was recorded.
    // Built after the collector's last poll, so an exit it brings in counts: descendants still
    // running past the grace period (a detached child) are running, not killed.
    collector.finish(() => {
      const stillRunning = aliveDescendants(collector, spawned, mayStillWrite).sort((a, b) => a - b);
      return { t1, complete: true, exitCode: ex.code, exitSignal: ex.signal, schedMode: sched.mode, schedNote: sched.note, ...(stillRunning.length ? { stillRunning } : {}) };
    });
    const durationMs = Math.round((t1 - t0) / 1e4) / 100;
    return { tracePath: output, exitCode: ex.code, signal: ex.signal, events: collector.events, samples: collector.samples, bytes: collector.bytes, deadlocks, counts: counts.counts(), durationMs, writeError: collector.writeError, lostRecords: collector.lostRecords, untracedNode: untraced.found(new Set(collector.lostRecords.map((l) => l.pid))) };
  });

  const relay = new SignalRelay({
    dir: sessionDir,
    programPid: () => (launchedTraced || wrappedPid === undefined ? child.pid : wrappedPid),
    kill: (signal) => safe(() => child.kill(signal)),
    ended: () => exited !== undefined,
  });

  let stopping: Promise<RecordingResult> | undefined;
  const stop = (): Promise<RecordingResult> => {
    if (stopping) return stopping;
    stopping = (async () => {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        if (exited) break;
        relay.sending(sig);
        safe(() => child.kill(sig));
        // unref'd: a pending grace timer must not keep the CLI alive after the program is gone
        await Promise.race([exitPromise, delay(STOP_GRACE_MS, true)]);
      }
      return done;
    })();
    return stopping;
  };

  return {
    get pid() {
      return child.pid;
    },
    forwardSignal: (received) => relay.relay(received),
    tracePath: output,
    stdin: child.stdin ?? undefined,
    stdout: child.stdout ?? undefined,
    stderr: child.stderr ?? undefined,
    get eventCount() {
      return collector.events;
    },
    onAppend(listener) {
      // A late listener first gets everything written so far, so it always sees a whole file.
      if (collector.bytes > 0 && !collector.closed) {
        const sofar = fs.readFileSync(output);
        safe(() => listener(new Uint8Array(sofar.buffer, sofar.byteOffset, sofar.byteLength)));
      }
      appendListeners.push(listener);
    },
    onDeadlock(listener) {
      deadlockListeners.push(listener);
      for (const r of deadlocks) safe(() => listener(r));
    },
    onLog(listener) {
      logListeners.push(listener);
      for (const l of logs) safe(() => listener(l));
    },
    onLostRecords(listener) {
      lostListeners.push(listener);
      for (const l of lost) safe(() => listener(l));
    },
    stop,
    done,
  };
}

function checkOutput(output: string): void {
  const dir = path.dirname(output);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new LaunchError(`cannot write the trace to ${output}: the directory ${dir} does not exist. Create it or choose another path with -o`, 'output');
  }
  if (!st.isDirectory()) throw new LaunchError(`cannot write the trace to ${output}: ${dir} is not a directory`, 'output');
  try {
    if (fs.existsSync(output) && fs.statSync(output).isDirectory()) throw new Error('EISDIR');
    fs.accessSync(dir, fs.constants.W_OK);
    if (fs.existsSync(output)) fs.accessSync(output, fs.constants.W_OK);
  } catch (e) {
    const what = (e as Error).message === 'EISDIR' ? `${output} is a directory` : 'permission denied';
    throw new LaunchError(`cannot write the trace to ${output}: ${what}. Choose another path with -o`, 'output');
  }
  // an earlier trace may be replaced; any other file (a mistyped -o naming a source file) may not
  // (one we cannot read: the access check above let it through, and the open says why)
  const was = fileHead(output, MAGIC.length);
  if (was.kind === 'file' && !MAGIC.startsWith(was.head)) {
    throw new LaunchError(`${output} exists and is not a trace: not overwriting it. Choose another path with -o, or remove the file first`, 'output');
  }
}


/**
 * The program's own process has exited, but processes it started may still be running and writing
 * (a shell's last command, a child outliving its parent), or not have written yet (a detached child
 * whose agent starts after its parent is gone). Keep collecting while any process that has a stream,
 * or that the program started, is alive, up to a grace period, so their events land in the trace.
 */
async function waitForDescendants(collector: Collector, spawned: ReadonlySet<number>, mayStillWrite: (pid: number) => boolean): Promise<void> {
  const until = Date.now() + DESCENDANT_GRACE_MS;
  for (;;) {
    collector.poll();
    if (aliveDescendants(collector, spawned, mayStillWrite).length === 0 || Date.now() >= until) return;
    await delay(POLL_MS);
  }
}

/** The processes with a stream, or that the program started, that may still write and are running. */
function aliveDescendants(collector: Collector, spawned: ReadonlySet<number>, mayStillWrite: (pid: number) => boolean): number[] {
  return [...new Set([...collector.pids(), ...spawned])].filter((pid) => mayStillWrite(pid) && pid !== process.pid && isAlive(pid));
}

function delay(ms: number, unref = false): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    if (unref) t.unref();
  });
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // a plug-in or a listener failing must not lose the trace
  }
}

async function safeAsync(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch {
    // as above
  }
}

function outputTaken(output: string, pid: number): LaunchError {
  return new LaunchError(`cannot write the trace to ${output}: another recording (ctrace pid ${pid}) is writing it. Choose another path with -o, or wait until it ends`, 'output');
}
