// Switches mode: every context switch of every thread, with its timestamp, from
// `perf record --switch-events` (works unprivileged on the user's own processes).
//
// perf is attached to the program (`-p PID`, inherited by every later thread and child) rather than
// made its parent: a parent perf turns SIGINT into SIGTERM for the program and hides the program's
// pid. To lose nothing at start-up, the launched command is `sh -c 'kill -STOP $$; exec "$@"'`: the
// shell stops itself, perf attaches and confirms through its control fd that events are on, and only
// then is the shell continued into the program (same pid, so the collector's pid is the program's).
// perf runs in its own process group so a terminal Ctrl-C reaches the program, not perf.
// At stop the file is read directly (perf-data.ts), or through `perf script` if its layout is unusual.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventKind } from '../../protocol/events';
import type { EmitRecord } from './index';
import { readPerfData } from './perf-data';

const PERF_EVENTS = ['--switch-events', '-e', 'dummy', '-k', 'mono'];

let probeCache: { ok: boolean; note: string } | undefined;

/** Can this user record switch events with perf here? Asked once per collector process. */
export function probePerf(): { ok: boolean; note: string } {
  if (probeCache) return probeCache;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-perf-probe-'));
  try {
    const r = spawnSync('perf', ['record', '-q', ...PERF_EVENTS, '-o', path.join(dir, 'probe.data'), '--', 'true'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
      encoding: 'utf8',
    });
    const err = r.error as NodeJS.ErrnoException | undefined;
    if (err && err.code === 'ENOENT') probeCache = { ok: false, note: 'perf is not installed (Debian/Ubuntu: apt-get install linux-perf)' };
    else if (err) probeCache = { ok: false, note: `perf could not run: ${err.message}` };
    else if (r.status !== 0) {
      const first = (r.stderr || '').split('\n').find((l) => l.trim()) ?? `exit ${r.status}`;
      probeCache = { ok: false, note: `perf --switch-events is not permitted here (${first.trim()}); see /proc/sys/kernel/perf_event_paranoid` };
    } else probeCache = { ok: true, note: 'every context switch recorded with perf --switch-events' };
  } catch (e) {
    probeCache = { ok: false, note: `perf could not run: ${(e as Error).message}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return probeCache;
}

/** The launched command: a shell that stops itself until perf is attached, then becomes the program. */
export function stopThenExec(command: string, args: string[]): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', 'kill -STOP $$ && exec "$@"', 'ctrace-launch', command, ...args] };
}

function procState(pid: number): string | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PerfSwitches {
  readonly dir: string;
  readonly dataFile: string;
  private perf: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private stderr = '';

  /** dataFile: an existing perf.data to convert (tests); otherwise a new temporary directory holds it */
  constructor(
    private readonly log: (line: string) => void,
    dataFile?: string,
  ) {
    this.dir = dataFile ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-perf-'));
    this.dataFile = dataFile ?? path.join(this.dir, 'switches.data');
  }

  /**
   * Attaches perf to the stopped launcher, then continues it. Resolves true when switches are being
   * recorded; false (program continued anyway) when perf failed, so the caller can fall back.
   */
  async attach(pid: number): Promise<boolean> {
    try {
      // the launcher stops itself right after it starts; wait for that (a few ms) before attaching
      for (let i = 0; i < 1000 && procState(pid) !== 'T'; i++) {
        if (procState(pid) === undefined) return false;
        await sleep(2);
      }
      const perf = spawn('perf', ['record', '-q', ...PERF_EVENTS, '-D', '-1', '--control', 'fd:3,4', '-p', String(pid), '-o', this.dataFile], {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
      this.perf = perf;
      this.exited = new Promise((resolve) => perf.once('close', () => resolve()));
      perf.once('error', () => {});
      perf.stderr!.on('data', (d) => (this.stderr += d));
      const ctl = perf.stdio[3] as NodeJS.WritableStream & { unref?: () => void };
      const ack = perf.stdio[4] as NodeJS.ReadableStream;
      const acked = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 10_000);
        ack.on('data', (d: Buffer) => {
          if (d.toString().includes('ack')) {
            clearTimeout(t);
            resolve(true);
          }
        });
        ack.on('error', () => {});
        this.exited!.then(() => {
          clearTimeout(t);
          resolve(false);
        });
        (ctl as NodeJS.WritableStream).on('error', () => {});
        ctl.write('enable\n');
      });
      if (!acked) {
        this.log(`perf did not start recording switches${this.stderr ? `: ${this.stderr.trim().split('\n')[0]}` : ''}; sampling counts instead`);
        await this.kill();
      }
      return acked;
    } catch (e) {
      this.log(`perf could not attach: ${(e as Error).message}; sampling counts instead`);
      await this.kill();
      return false;
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* the program is already gone */
      }
    }
  }

  /** Ends recording (perf writes its file and exits). */
  async stop(): Promise<void> {
    const perf = this.perf;
    if (!perf || !this.exited) return;
    if (perf.exitCode === null && perf.signalCode === null) {
      try {
        perf.kill('SIGINT');
      } catch {
        /* gone */
      }
    }
    const t = setTimeout(() => perf.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
    for (const s of perf.stdio) (s as { destroy?: () => void } | null)?.destroy?.();
  }

  private async kill(): Promise<void> {
    const perf = this.perf;
    this.perf = undefined;
    if (!perf) return;
    try {
      perf.kill('SIGKILL');
    } catch {
      /* gone */
    }
    await this.exited;
    for (const s of perf.stdio) (s as { destroy?: () => void } | null)?.destroy?.();
  }

  /** Converts perf's file into SchedSwitch and ThreadName records; returns how many switches. */
  async convert(emit: EmitRecord): Promise<number> {
    if (!fs.existsSync(this.dataFile)) return 0;
    const direct = readPerfData(this.dataFile, {
      switch: (pid, tid, ts, direction, preempt) => emit(EventKind.SchedSwitch, ts, { tid, pid, direction, preempt }),
      comm: (pid, tid, ts, name) => emit(EventKind.ThreadName, ts, { pid, tid, name, threadId: 0 }),
    });
    if (direct) {
      if (direct.lost) this.log(`perf: ${direct.lost} switch records lost (the program switched faster than perf could drain its buffers)`);
      return direct.switches;
    }
    return this.convertWithScript(emit);
  }

  /** The general path, for any perf.data layout perf itself understands (slower: text per switch). */
  async convertWithScript(emit: EmitRecord): Promise<number> {
    const ps = spawn('perf', ['script', '-i', this.dataFile, '--show-switch-events', '--show-task-events', '-F', 'pid,tid,time', '--ns'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    ps.stderr!.on('data', (d) => (err += d));
    ps.once('error', (e) => (err += e.message));
    const closed = new Promise<number | null>((resolve) => ps.once('close', (code) => resolve(code)));
    let switches = 0;
    const rl = readline.createInterface({ input: ps.stdout!, crlfDelay: Infinity });
    for await (const line of rl) {
      const r = parsePerfLine(line);
      if (!r) continue;
      if (r.kind === 'switch') {
        switches++;
        emit(EventKind.SchedSwitch, r.ts, { tid: r.tid, pid: r.pid, direction: r.direction, preempt: r.preempt });
      } else emit(EventKind.ThreadName, r.ts, { pid: r.pid, tid: r.tid, name: r.name, threadId: 0 });
    }
    const code = await closed;
    const lost = /lost[^\n]*/i.exec(err);
    if (code !== 0) this.log(`perf script failed (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`);
    else if (lost) this.log(`perf: ${lost[0].trim()} (some switches were not recorded)`);
    return switches;
  }

  dispose(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export type PerfLine =
  | { kind: 'switch'; pid: number; tid: number; ts: number; direction: 0 | 1; preempt: 0 | 1 }
  | { kind: 'comm'; pid: number; tid: number; ts: number; name: string };

const LINE = /^\s*(\d+)\/(\d+)\s+(\d+)\.(\d{9}):\s+PERF_RECORD_(SWITCH|COMM)(.*)$/;

/**
 * One line of `perf script --show-switch-events --show-task-events -F pid,tid,time --ns`, e.g.
 * " 8658/8658    643.567060768: PERF_RECORD_SWITCH OUT preempt" or
 * " 8658/8667    643.6: PERF_RECORD_COMM: DelayedTaskSche:8658/8667".
 */
export function parsePerfLine(line: string): PerfLine | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const pid = Number(m[1]);
  const tid = Number(m[2]);
  const ts = Number(m[3]) * 1e9 + Number(m[4]);
  const rest = m[6];
  if (m[5] === 'SWITCH') {
    const r = rest.trim();
    if (r.startsWith('IN')) return { kind: 'switch', pid, tid, ts, direction: 1, preempt: 0 };
    if (r.startsWith('OUT')) return { kind: 'switch', pid, tid, ts, direction: 0, preempt: r.includes('preempt') ? 1 : 0 };
    return undefined;
  }
  // COMM: ": name:pid/tid" or " exec: name:pid/tid"
  const colon = rest.indexOf(': ');
  const body = rest.slice(colon + 2);
  const last = body.lastIndexOf(':');
  if (colon < 0 || last < 0) return undefined;
  // the record's own pid/tid follow the name (the line prefix is 0/0 for threads that existed at attach)
  const ids = /^(\d+)\/(\d+)/.exec(body.slice(last + 1).trim());
  if (!ids || ts === 0) return undefined;
  return { kind: 'comm', pid: Number(ids[1]), tid: Number(ids[2]), ts, name: body.slice(0, last) };
}
