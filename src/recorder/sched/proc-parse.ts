// Parsers for the Linux /proc files the counts sampler reads (stat, status, schedstat, statm,
// children). Pure string -> numbers, kept apart from the file handling so they are unit-tested on
// fixed text and never touch the file system.

import { ThreadState } from '../../protocol/events';

export interface StatFields {
  /** comm, as the OS names the thread (15 chars at most) */
  name: string;
  state: ThreadState;
  /** the raw state letter (R, S, D, Z, T, ...) */
  stateChar: string;
  ppid: number;
  /** clock ticks (CLK_TCK, 100 per second on Linux) */
  utimeTicks: number;
  stimeTicks: number;
  /** last CPU the thread ran on */
  cpu: number;
}

/** Maps the kernel's state letter to the trace's ThreadState. */
export function threadStateOf(c: string): ThreadState {
  switch (c) {
    case 'R':
      return ThreadState.Running;
    case 'S':
    case 'I': // idle kernel-style wait: sleeping as far as the user is concerned
      return ThreadState.Sleeping;
    case 'D':
      return ThreadState.Uninterruptible;
    case 'T':
    case 't':
      return ThreadState.Stopped;
    case 'Z':
    case 'X':
    case 'x':
      return ThreadState.Dead;
    default:
      return ThreadState.Unknown;
  }
}

/**
 * /proc/PID/task/TID/stat. The name sits in parentheses and may itself hold spaces and ')', so
 * fields are counted from the last ')'.
 */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3]
  if (rest.length < 13) return undefined;
  const stateChar = rest[0];
  return {
    name: text.slice(open + 1, close),
    state: threadStateOf(stateChar),
    stateChar,
    ppid: Number(rest[1]),
    utimeTicks: Number(rest[11]),
    stimeTicks: Number(rest[12]),
    cpu: rest.length > 36 ? Number(rest[36]) : -1,
  };
}

/** voluntary_ctxt_switches and nonvoluntary_ctxt_switches from /proc/PID/task/TID/status. */
export function parseStatusSwitches(text: string): { voluntary: number; involuntary: number } | undefined {
  const v = numberAfter(text, 'voluntary_ctxt_switches:');
  const n = numberAfter(text, 'nonvoluntary_ctxt_switches:');
  if (v === undefined || n === undefined) return undefined;
  return { voluntary: v, involuntary: n };
}

function numberAfter(text: string, key: string): number | undefined {
  // 'voluntary_ctxt_switches:' is a suffix of 'nonvoluntary_ctxt_switches:', so anchor at a line start
  const at = text.startsWith(key) ? 0 : text.indexOf('\n' + key);
  if (at < 0) return undefined;
  const from = at === 0 ? key.length : at + 1 + key.length;
  const end = text.indexOf('\n', from);
  const n = Number(text.slice(from, end < 0 ? undefined : end).trim());
  return Number.isFinite(n) ? n : undefined;
}

/** /proc/PID/task/TID/schedstat: "run_ns wait_ns timeslices". */
export function parseSchedstat(text: string): { runNs: number; waitNs: number; timeslices: number } | undefined {
  const p = text.trim().split(' ');
  if (p.length < 3) return undefined;
  const runNs = Number(p[0]);
  const waitNs = Number(p[1]);
  const timeslices = Number(p[2]);
  if (!Number.isFinite(runNs) || !Number.isFinite(timeslices)) return undefined;
  return { runNs, waitNs, timeslices };
}

/** /proc/PID/statm: resident pages are the second field. */
export function parseStatmResidentPages(text: string): number | undefined {
  const p = text.split(' ');
  const n = Number(p[1]);
  return p.length >= 2 && Number.isFinite(n) ? n : undefined;
}

/** /proc/PID/task/TID/children: space-separated child pids. */
export function parseChildren(text: string): number[] {
  const out: number[] = [];
  for (const s of text.split(' ')) {
    const n = Number(s);
    if (s && Number.isInteger(n) && n > 0) out.push(n);
  }
  return out;
}
