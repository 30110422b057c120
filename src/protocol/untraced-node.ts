// Node processes the traced program started that left no records of their own. The agent reaches
// every Node child through NODE_OPTIONS, so a child that ran Node and wrote nothing could not write
// into the recording's private folder (it ran as another user: the agent then leaves it untraced on
// purpose, hooks/spawn.ts; no inode left), never loaded the agent (NODE_OPTIONS rebuilt by a wrapper,
// a Node the agent does not support), or was killed before Node read its options. Without a word,
// the trace would look complete while a crash or a deadlock in that process went unseen: `ctrace
// record`, the extension, the timeline and `ctrace summary` name them. Only a spawn's own records
// count (its command and pid); a Node started through a shell is a grandchild whose arguments are
// unknown (`node --version` loads no preload), so it is not judged.

import { EventKind, parseSite, type TraceEvent } from './events';
import type { SummaryUntracedNode } from './trace';

/** Node's options that exit before any preload runs: such a child is never traced, and rightly. */
const NO_PRELOAD = new Set(['--version', '-v', '--v8-options', '--completion-bash', '--run', '--build-snapshot', '--build-snapshot-config', '--experimental-sea-config']);
/** options after which the rest is the program's code or arguments: the child runs (and preloads) */
const PROGRAM_FOLLOWS = new Set(['-e', '--eval', '-p', '--print', '-']);

/** Whether a spawn of `command args` starts Node and lets it load a preload. */
export function startsNode(api: string, command: string, args: readonly string[], nodePaths: ReadonlySet<string>): boolean {
  const base = command.slice(Math.max(command.lastIndexOf('/'), command.lastIndexOf('\\')) + 1);
  if (api !== 'fork' && !/^node(js)?(\.exe)?$/i.test(base) && !nodePaths.has(command)) return false;
  for (const a of args) {
    if (NO_PRELOAD.has(a)) return false;
    if (PROGRAM_FOLLOWS.has(a) || !a.startsWith('-')) return true;
  }
  return true;
}

interface Spawned {
  ppid: number;
  api: string;
  command: string;
  args: string[];
  site?: string;
  pid?: number;
  exitCode?: number;
  signal?: string;
  failed?: boolean;
}

/** Fed the trace's records in any order (live or read back); found() tells the untraced Node children. */
export class UntracedNodeFinder {
  private readonly spawns = new Map<string, Spawned>();
  private readonly started = new Set<number>();
  /** the spawns (`pid:spawnId`) whose child started the agent: a sync spawn's pid may be unknown */
  private readonly startedRefs = new Set<string>();
  private readonly nodePaths = new Set<string>();

  add(e: TraceEvent): void {
    const f = e.fields;
    switch (e.kind) {
      case EventKind.ProcessStart:
        this.started.add(Number(f.pid) || e.pid);
        if (typeof f.spawnRef === 'string' && f.spawnRef) this.startedRefs.add(f.spawnRef);
        if (typeof f.execPath === 'string' && f.execPath) this.nodePaths.add(f.execPath);
        return;
      case EventKind.SpawnError:
        this.spawn(e).failed = true;
        return;
      case EventKind.SpawnCall: {
        const s = this.spawn(e);
        s.api = String(f.api ?? '');
        s.command = String(f.command ?? '');
        s.args = argList(f.args);
        s.site = typeof f.site === 'string' ? f.site : undefined;
        return;
      }
      case EventKind.SpawnRunning:
        if (typeof f.childPid === 'number' && f.childPid > 0) this.spawn(e).pid = f.childPid;
        return;
      case EventKind.SpawnExit: {
        const s = this.spawn(e);
        if (typeof f.childPid === 'number' && f.childPid > 0) s.pid = f.childPid;
        if (typeof f.signal === 'string' && f.signal) s.signal = f.signal;
        else if (typeof f.code === 'number') s.exitCode = f.code;
        return;
      }
    }
  }

  /** `lostPids`: processes already reported as unable to write (their records are lost, not absent). */
  found(lostPids: ReadonlySet<number> = new Set()): SummaryUntracedNode[] {
    const out: SummaryUntracedNode[] = [];
    for (const [ref, s] of this.spawns) {
      if (s.failed || !s.command || this.startedRefs.has(ref)) continue;
      // execSync and execFileSync tell no pid: the child's agent does (a pid file), or nothing does
      if (s.pid === undefined ? !s.api.endsWith('Sync') : this.started.has(s.pid) || lostPids.has(s.pid)) continue;
      if (!startsNode(s.api, s.command, s.args, this.nodePaths)) continue;
      const site = parseSite(s.site);
      out.push({
        pid: s.pid ?? null,
        ppid: s.ppid,
        command: [s.command, ...s.args].join(' '),
        site: site ? { file: site.file, line: site.line, column: site.column } : null,
        exitCode: s.signal === undefined ? (s.exitCode ?? null) : null,
        signal: s.signal ?? null,
      });
    }
    return out;
  }

  private spawn(e: TraceEvent): Spawned {
    const key = `${e.pid}:${e.fields.spawnId}`;
    let s = this.spawns.get(key);
    if (s === undefined) this.spawns.set(key, (s = { ppid: e.pid, api: '', command: '', args: [] }));
    return s;
  }
}

function argList(json: unknown): string[] {
  try {
    const a = typeof json === 'string' ? (JSON.parse(json) as unknown) : undefined;
    return Array.isArray(a) ? a.map(String) : [];
  } catch {
    return [];
  }
}

/** One line per process, for `ctrace record` and the summary's note; the causes once, after them. */
export function untracedNodeNote(list: readonly SummaryUntracedNode[], maxListed = 5): string {
  const one = (u: SummaryUntracedNode) => {
    const cmd = u.command.length > 60 ? `${u.command.slice(0, 59)}…` : u.command;
    const where = u.site ? `, spawned at ${u.site.file}:${u.site.line}` : '';
    const end = u.signal ? `, killed by ${u.signal}` : u.exitCode !== null ? `, exit ${u.exitCode}` : '';
    return `${u.pid === null ? 'a process' : `pid ${u.pid}`} (${cmd}${where}${end})`;
  };
  const listed = list.slice(0, maxListed).map(one).join('; ');
  const more = list.length > maxListed ? `; and ${list.length - maxListed} more` : '';
  const n = list.length === 1 ? '1 Node.js process' : `${list.length} Node.js processes`;
  return (
    `${n} ran without being traced: ${listed}${more}. A process running as another user (the spawn's uid option, or ` +
    `after process.setuid()) cannot write to the recording's private folder; NODE_OPTIONS removed by a wrapper, a Node ` +
    `the agent does not support, or a kill before Node started also leave no records, and a child that a nested ` +
    `ctrace record traces is in that recording (docs/capture.md, "Processes that run untraced").`
  );
}
