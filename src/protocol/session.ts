// The private session folder that the agents and the collector share while a program runs
// (docs/trace-format.md, "How the recorder writes it"): one stream file per JS thread, and a marker
// for each thread whose writes failed. Pure, no imports: the agent, the recorder and the webview use it.

/**
 * Written by the recorder when it makes the folder: the absolute path of the trace it writes. Its
 * presence also tells an agent that a folder is a recording's (a `ctrace record` run by a traced
 * program gives its child a folder of its own: hooks/spawn.ts).
 */
export const SESSION_OUTPUT_FILE = 'output';

/** The variables the recorder gives the agent, which carries them into every child and worker (agent/env.ts). */
export const CARRIED_VARS = ['CTRACE_DIR', 'CTRACE_AGENT', 'CTRACE_CAPTURE', 'CTRACE_CACHE'] as const;
/** Set by the agent in a child's env: `<parentPid>:<spawnId>`, the child's ProcessStart.spawnRef. */
export const SPAWN_REF_VAR = 'CTRACE_SPAWN_REF';
/**
 * execSync/execFileSync return only the output, never the child's pid: for those, the child's agent
 * leaves its pid in `${CTRACE_DIR}/<parentPid>-<spawnId>.pid` (first writer wins), which the parent
 * reads and deletes right after the call (agent/hooks/spawn.ts).
 */
export const PIDFILE_VAR = 'CTRACE_SPAWN_PIDFILE';

/** A thread's stream of framed chunks. */
export const streamFileName = (pid: number, threadId: number): string => `${pid}-${threadId}.ctc`;
export const STREAM_FILE = /^(\d+)-(\d+)\.ctc$/;

/**
 * A process's main thread got its `n`-th `signal` (SIGINT, SIGTERM, SIGHUP) while it listens for it
 * (an empty file: agent/signal-marker.ts). `ctrace record`, sent the same signal, looks for it before
 * forwarding its own: a signal to the whole process group (systemd, a process manager, `kill --
 * -PGID`) reached the program already, and a second would read as "force quit".
 */
export const signalMarkerName = (pid: number, signal: string, n: number): string => `${pid}.${signal}-${n}.sig`;

/**
 * A thread could not write its stream: the error's code (ENOSPC when the disk is full) is in the
 * name, which is all that counts (an empty file, else a symbolic link or a folder: agent/lost.ts),
 * because on a full disk a new name still fits where bytes no longer do.
 */
export const lostMarkerName = (pid: number, threadId: number, code: string): string => `${pid}-${threadId}.lost-${code}`;
export const LOST_MARKER = /^(\d+)-(\d+)\.lost-([A-Z0-9_]{1,32})$/;

/**
 * A thread holds chunks it could not write yet (no file descriptor free: EMFILE, ENFILE) and writes
 * them at a later flush, which removes this marker. One still there when the recording ends means
 * the thread ended holding them (a signal, a crash): they count as lost, for the code in the name.
 */
export const heldMarkerName = (pid: number, threadId: number, code: string): string => `${pid}-${threadId}.held-${code}`;
export const HELD_MARKER = /^(\d+)-(\d+)\.held-([A-Z0-9_]{1,32})$/;

/** A thread whose records stop early because its agent could not write them (final Meta, summary). */
export interface LostRecords {
  pid: number;
  threadId: number;
  /** the errno code of the failed write: ENOSPC (disk full), EFBIG (file size limit), EIO, ... */
  reason: string;
}

/** A Meta's lostRecords, each entry checked (a hand-edited Meta must not crash a reader). */
export function checkedLostRecords(list: unknown): LostRecords[] {
  if (!Array.isArray(list)) return [];
  return list.filter(
    (l): l is LostRecords => l !== null && typeof l === 'object' && Number.isInteger(l.pid) && Number.isInteger(l.threadId) && typeof l.reason === 'string',
  );
}

/** Why writes fail with this code, and what to do about it, in words. */
const CAUSES: Record<string, [why: string, advice: string]> = {
  ENOSPC: ['the disk of the temporary folder was full (ENOSPC)', 'set TMPDIR to a folder on a disk with room'],
  EDQUOT: ['the disk quota was exceeded (EDQUOT)', 'free some of the disk quota'],
  EFBIG: ['a file size limit was reached (EFBIG: ulimit -f)', 'raise the limit (ulimit -f unlimited)'],
  EMFILE: ['the program had as many files open as it may (EMFILE)', 'raise the limit on open files (ulimit -n)'],
  ENFILE: ['the system had as many files open as it may (ENFILE)', 'close other programs or raise the system limit'],
};

/** One or two sentences for people, wherever a trace with lost records is shown. */
export function lostRecordsNote(lost: readonly LostRecords[]): string {
  const one = lost.length === 1;
  const who = one ? `Thread ${lost[0].threadId} of process ${lost[0].pid}` : `${lost.length} threads`;
  const [its, it] = one ? ['its', 'it'] : ['their', 'they'];
  const reasons = [...new Set(lost.map((l) => l.reason))];
  const known = reasons.filter((r) => Object.prototype.hasOwnProperty.call(CAUSES, r)).map((r) => CAUSES[r]);
  const others = reasons.filter((r) => !Object.prototype.hasOwnProperty.call(CAUSES, r));
  const whys = [...known.map(([why]) => why), ...(others.length ? [`${its} writes failed (${others.join(', ')})`] : [])];
  const more = known.length ? ` To record everything, ${inWords(known.map(([, advice]) => advice))}, then record again.` : '';
  return `${who} could not write all of ${its} records, because ${inWords(whys)}: the trace holds what ${it} wrote before that and misses the rest.${more}`;
}

/** "a", "a and b", "a, b and c" */
function inWords(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
