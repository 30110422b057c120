// `ctrace record [options] -- <command> [args...]`: runs the program with its stdio untouched,
// records it, and exits with its exit code. Ctrl-C goes to the program (a second one escalates to
// SIGTERM, a third to SIGKILL) and the trace is finished whatever happens.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentMissingError, countsLine, formatDeadlock, LaunchError, lostRecordsNote, startRecording, untracedNodeNote } from '../recorder';
import type { CaptureOptions } from '../recorder';
import { EXIT_FAIL_ON, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, EXIT_USAGE, fail } from './common';
import { countOf } from '../protocol/figures';

interface RecordArgs {
  output?: string;
  failOn: Set<'deadlock' | 'crash'>;
  capture: CaptureOptions;
  verbose: boolean;
  command: string[];
}

const USAGE =
  'Usage: ctrace record [-o FILE] [--fail-on deadlock,crash] [--sched auto|switches|counts|node|off] [--switches] [--no-sched] [--no-perf] [--interval MS] [--no-messages] [--no-locks] [--verbose] -- <command> [args...]';
const SCHED_CHOICES = ['auto', 'switches', 'counts', 'node', 'off'] as const;

export function parseRecordArgs(argv: string[]): RecordArgs | string {
  const out: RecordArgs = { failOn: new Set(), capture: {}, verbose: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    // an option's value, never the `--` that starts the command
    const value = (): string | undefined => (argv[i + 1] === '--' ? undefined : argv[++i]);
    if (a === '--') {
      out.command = argv.slice(i + 1);
      break;
    }
    if (a === '--help' || a === '-h') return 'help';
    if (a === '-o' || a === '--output') {
      const v = value();
      if (!v) return `${a} needs a file name`;
      out.output = v;
    } else if (a.startsWith('--output=')) out.output = a.slice(9);
    else if (a === '--fail-on' || a.startsWith('--fail-on=')) {
      const v = a.includes('=') ? a.slice(10) : value();
      if (!v) return '--fail-on needs a list: deadlock, crash';
      for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (item !== 'deadlock' && item !== 'crash') return `--fail-on: unknown condition "${item}" (use deadlock, crash)`;
        out.failOn.add(item);
      }
    } else if (a === '--sched' || a.startsWith('--sched=')) {
      const v = a.includes('=') ? a.slice(8) : value();
      const choice = SCHED_CHOICES.find((c) => c === v);
      if (!choice) return `--sched needs one of ${SCHED_CHOICES.join(', ')}, got "${v ?? ''}"`;
      out.capture.sched = choice;
    } else if (a === '--switches') out.capture.sched = 'switches';
    else if (a === '--no-sched') out.capture.sched = false;
    else if (a === '--no-perf') out.capture.perf = false;
    else if (a === '--no-messages') out.capture.messages = false;
    else if (a === '--no-locks') out.capture.locks = false;
    else if (a === '--verbose') out.verbose = true;
    else if (a === '--interval' || a.startsWith('--interval=')) {
      const v = a.includes('=') ? a.slice(11) : value();
      const ms = Number(v);
      if (!v || !Number.isFinite(ms) || ms <= 0) return `--interval needs a number of milliseconds, got "${v ?? ''}"`;
      // the samplers' floor (sched/index.ts): below it the capture would only be switched off
      if (ms < 1) return `--interval must be at least 1 ms, got ${v}`;
      out.capture.sampleIntervalMs = ms;
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else {
      // no "--": the command starts at the first word that is not an option
      out.command = argv.slice(i);
      break;
    }
  }
  if (out.command.length === 0) return 'no command given: put the program after --, e.g. ctrace record -- node app.js';
  return out;
}

/** Node's options whose value is the next word (`-r ./setup.js app.js`: the script is app.js). */
const NODE_VALUE_OPTIONS = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file', '--env-file-if-exists',
  '--input-type', '--experimental-default-type', '--title', '--watch-path', '--unhandled-rejections', '--disable-warning',
  '--redirect-warnings', '--inspect-port', '--debug-port', '--openssl-config', '--experimental-config-file', '--icu-data-dir',
  '--diagnostic-dir', '--report-dir', '--report-directory', '--report-filename', '--report-signal', '--cpu-prof-dir',
  '--cpu-prof-name', '--heap-prof-dir', '--heap-prof-name', '--dns-result-order', '--tls-cipher-list', '--tls-keylog',
  '--secure-heap', '--secure-heap-min', '--test-reporter', '--test-reporter-destination', '--test-name-pattern',
  '--test-skip-pattern', '--trace-event-categories', '--trace-event-file-pattern', '--localstorage-file', '--snapshot-blob',
  '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit', '--max-http-header-size', '--v8-pool-size', '--test-concurrency',
  '--test-isolation', '--test-timeout', '--test-shard', '--test-coverage-include', '--test-coverage-exclude',
  '--network-family-autoselection-attempt-timeout', '--allow-fs-read', '--allow-fs-write',
]);
const EVAL = Symbol('eval');

/** The script in node's arguments, EVAL for `-e`/`-p` code, or undefined (a REPL, `--test`). */
function nodeScript(args: string[]): string | typeof EVAL | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1];
    // -e, -p, -pe, --eval, --print, --eval=code
    if (/^-[ep]+$/.test(a) || /^--(eval|print)(=|$)/.test(a)) return EVAL;
    if (NODE_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** "app-20261125-040512.ctrace" from `node app.js`, "npm-test-…" from `npm test`. */
export function defaultOutput(command: string[], date = new Date()): string {
  const base = path.basename(command[0]).replace(/\.(exe|cmd)$/i, '');
  let name = base;
  if (/^node\d*$/.test(base)) {
    const script = nodeScript(command.slice(1));
    if (script === EVAL) name = 'node-eval';
    else if (script) {
      name = path.basename(script).replace(/\.[cm]?[jt]sx?$/, '');
      if (name === 'main' || name === 'index') name = path.basename(path.dirname(path.resolve(script))) + '-' + name;
    }
  } else if (command[1] && /^\w[\w-]*$/.test(command[1])) name = `${base}-${command[1]}`;
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${name.replace(/[^\w.-]+/g, '_').replace(/^[-.]+/, '') || 'trace'}-${stamp}.ctrace`;
}

/**
 * The default name made unique: recordings started in the same second (a loop, two terminals) get
 * `-2`, `-3`, ... The file is created empty here (exclusively), so two recorders never share one.
 * Undefined when it cannot be created: startRecording() then says why.
 */
export function reserveName(name: string): string | undefined {
  const stem = name.replace(/\.ctrace$/, '');
  for (let k = 1; k < 1000; k++) {
    const candidate = k === 1 ? name : `${stem}-${k}.ctrace`;
    try {
      fs.closeSync(fs.openSync(candidate, 'wx'));
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  }
  return undefined;
}

/**
 * True when this process is in the foreground process group of its controlling terminal, i.e. a
 * Ctrl-C typed there reaches the program too. Linux: /proc/self/stat's pgrp and tpgid; elsewhere we
 * cannot tell and say no (ctrace then forwards SIGINT itself).
 */
export function inTerminalForeground(): boolean {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // fields after "(comm)": state ppid pgrp session tty_nr tpgid
    const [, , pgrp, , ttyNr, tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ttyNr !== '0' && pgrp === tpgid;
  } catch {
    return false;
  }
}

export async function runRecord(argv: string[]): Promise<number> {
  const args = parseRecordArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${USAGE}\nOptions and exit codes: docs/cli.md, or ctrace help\n`);
    return 0;
  }
  if (typeof args === 'string') return fail(`record: ${args}. ${USAGE}`, EXIT_USAGE);
  const reserved = args.output === undefined ? reserveName(defaultOutput(args.command)) : undefined;
  const output = args.output ?? reserved ?? defaultOutput(args.command);

  let rec;
  try {
    rec = startRecording({ command: args.command[0], args: args.command.slice(1), output, capture: args.capture, stdio: 'inherit' });
  } catch (e) {
    if (reserved !== undefined) fs.rmSync(reserved, { force: true });
    if (e instanceof LaunchError) {
      const code = e.reason === 'not-found' ? EXIT_NOT_FOUND : e.reason === 'not-executable' ? EXIT_NOT_EXECUTABLE : e.reason === 'usage' ? EXIT_USAGE : 1;
      return fail(e.message, code);
    }
    if (e instanceof AgentMissingError) return fail(e.message, 1);
    throw e;
  }
  if (args.verbose) rec.onLog((l) => process.stderr.write(`ctrace: ${l}\n`));
  // said at once (the end repeats it for every thread): a program that hangs must not hide it
  let lostSeen = false;
  rec.onLostRecords((l) => {
    if (lostSeen) return;
    lostSeen = true;
    const failOn = args.failOn.size ? `; --fail-on ${[...args.failOn].join(',')} cannot see what is missing` : '';
    process.stderr.write(`ctrace: warning: thread ${l.threadId} of process ${l.pid} cannot write its records (${l.reason}); the trace will miss them${failOn}\n`);
  });
  rec.onDeadlock((r) => {
    process.stderr.write(`ctrace: DEADLOCK: ${formatDeadlock(r)}\n`);
    // A deadlocked program never ends on its own; in CI (--fail-on deadlock) that would be a hang
    // until the job's timeout, so end it now (SIGINT, then SIGTERM, then SIGKILL) and fail.
    if (args.failOn.has('deadlock')) {
      process.stderr.write('ctrace: --fail-on deadlock: stopping the program\n');
      void rec.stop();
    }
  });

  // A terminal's Ctrl-C goes to the whole foreground process group, the program included, so there
  // ctrace must not send it again (a program would see two and might take the second as "force
  // quit"); only a third Ctrl-C, for a program stuck for good, makes ctrace send SIGKILL. Anywhere
  // else (kill -INT <ctrace>, an IDE, CI) ctrace forwards it, and the SIGINTs it had to forward
  // escalate to SIGTERM, SIGKILL. A signal sent to the whole process group there (systemd stopping a
  // service, a process manager, `kill -- -PGID`) reaches the program as well as ctrace:
  // forwardSignal() then sends nothing (recorder/signal-relay.ts).
  let interrupts = 0;
  const fromTerminal = inTerminalForeground();
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig !== 'SIGINT' || !fromTerminal) return rec.forwardSignal(sig);
    if (++interrupts >= 3 && rec.pid !== undefined) {
      try {
        process.kill(rec.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  let result;
  try {
    result = await rec.done;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }

  let code = result.signal ? 128 + (os.constants.signals[result.signal] ?? 0) : (result.exitCode ?? 1);
  const c = result.counts!;
  if (result.writeError !== undefined) {
    const kept = result.bytes > 0 ? `It holds the first ${result.bytes} bytes, which open as a trace cut short` : 'Nothing was written';
    const advice = /ENOSPC/.test(result.writeError)
      ? 'free some space or record to another disk with -o'
      : /EFBIG/.test(result.writeError)
        ? 'raise the file size limit (ulimit -f)'
        : 'record to a regular file with -o';
    process.stderr.write(`ctrace: error: could not write the whole trace to ${result.tracePath}: ${result.writeError}. ${kept}; ${advice}.\n`);
  } else {
    const samples = result.samples ? `, ${countOf(result.samples, 'sample')}` : '';
    process.stderr.write(`ctrace: trace written to ${result.tracePath} (${countOf(result.events, 'event')}${samples}, ${countOf(result.bytes, 'byte')})\n`);
  }
  if (result.lostRecords?.length) process.stderr.write(`ctrace: warning: ${lostRecordsNote(result.lostRecords)}\n`);
  if (result.untracedNode?.length) process.stderr.write(`ctrace: warning: ${untracedNodeNote(result.untracedNode)}\n`);
  process.stderr.write(`ctrace: ${countsLine({ ...c, deadlocks: result.deadlocks.length, durationMs: result.durationMs })}\n`);
  if (c.processes === 0 && result.lostRecords?.length) {
    process.stderr.write('ctrace: note: no process start was recorded: Node loaded the agent, but its records could not be written (see the warning above).\n');
  } else if (c.processes === 0) {
    process.stderr.write(
      `ctrace: note: no Node.js process was traced. ${args.command[0]} is not Node and started none, or Node did not load the agent ` +
        `(NODE_OPTIONS replaced rather than extended, or --permission without write access to the trace's session folder), ` +
        `or the agent could not create its files in TMPDIR (no space or inodes left).\n`,
    );
  }
  const reasons: string[] = [];
  if (args.failOn.has('deadlock') && result.deadlocks.length) reasons.push(countOf(result.deadlocks.length, 'deadlock'));
  if (args.failOn.has('crash') && c.crashes > 0) reasons.push(countOf(c.crashes, 'crash', 'crashes'));
  if (reasons.length) {
    process.stderr.write(`ctrace: --fail-on: ${reasons.join(' and ')} recorded; exiting with ${EXIT_FAIL_ON}\n`);
    code = EXIT_FAIL_ON;
  } else if (args.failOn.size && result.lostRecords?.length) {
    // what was lost may hold a crash or a deadlock: a check that could not see everything fails
    process.stderr.write(`ctrace: --fail-on: records were lost (see the warning above), so the run could not be checked in full; exiting with ${EXIT_FAIL_ON}\n`);
    code = EXIT_FAIL_ON;
  }
  return code;
}
