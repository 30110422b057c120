// What every ctrace command shares: exit codes, the help text and error printing.
import fs from 'node:fs';
import path from 'node:path';
import { fileHead } from '../recorder/file-head';
import { isCtracePage } from '../recorder/view-page';

export const EXIT_USAGE = 2;
/** --fail-on matched (a deadlock or a crash happened) */
export const EXIT_FAIL_ON = 3;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

export const HELP = `ctrace: record what a Node.js program's processes and threads do, and look at it

usage:
  ctrace record [options] -- <command> [args...]   run the command and record it into a .ctrace
      -o, --output FILE      where the trace goes (default: <program>-<date>-<time>.ctrace here)
      --fail-on LIST         exit ${EXIT_FAIL_ON} if any of these happened: deadlock, crash (comma-separated)
      --sched MODE           how scheduling, CPU and memory are captured: auto (default: counts on Linux,
                             node elsewhere), switches (every context switch, with perf; costs programs
                             that switch often real CPU), counts (/proc), node (Node's own figures), off
                             (see docs/scheduling.md)
      --switches             the same as --sched switches
      --no-sched             the same as --sched off
      --no-perf              the same as --sched counts (kept for older scripts)
      --interval MS          sampling interval for scheduling and memory (default: the sampler's)
      --no-messages          do not record messages
      --no-locks             do not record locks and waits
      --verbose              print the recorder's own notes (e.g. how scheduling is captured)
  ctrace summary FILE [--json]   what a trace holds, for people or (--json) for tools
  ctrace view FILE [-o out.html] the timeline as a standalone HTML page
  ctrace compare A B [--json] [-o compare.html]
                                 two traces side by side (a table; --json for tools; -o writes a page)
  ctrace help                    this text
  ctrace version                 the version (also --version, -v, -V)

The program's stdio passes through untouched and ctrace exits with its exit code
(128 + the signal number when a signal ended it). Ctrl-C reaches the program and the
trace is still written. See docs/cli.md.
`;

/** Whether an output path names one of the input files (writing it would destroy the input). */
export function sameFile(output: string, inputs: readonly string[]): string | undefined {
  const key = (f: string) => {
    try {
      const st = fs.statSync(f);
      return `${st.dev}:${st.ino}`;
    } catch {
      return path.resolve(f);
    }
  };
  const o = key(output);
  return inputs.find((f) => key(f) === o);
}

/**
 * Writes a page (`view`, `compare -o`), never over a file ctrace did not write (a mistyped `-o`
 * naming a source file): returns why it did not, or undefined once written.
 */
export function writePage(target: string, html: string): string | undefined {
  const refused = whyNotReplace(target);
  if (refused) return `${target} ${refused}: not overwriting it. Choose another name with -o, or remove the file first`;
  try {
    fs.writeFileSync(target, html);
    return undefined;
  } catch (e) {
    return cannotWrite(target, e);
  }
}

/** Why an existing file may not be replaced by a page, or undefined when it may. */
function whyNotReplace(file: string): string | undefined {
  const was = fileHead(file, 1024);
  if (was.kind === 'unreadable') return `exists, and ctrace cannot read it to see whether it wrote it (${was.code})`;
  return was.kind === 'file' && was.head !== '' && !isCtracePage(was.head) ? 'exists and is not a page written by ctrace' : undefined;
}

/** "cannot write out.html: the folder /x does not exist", and the like. */
export function cannotWrite(target: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return `cannot write ${target}: ${WRITE_PROBLEMS.get(code ?? '')?.(target) ?? code ?? (e as Error).message}`;
}

const WRITE_PROBLEMS = new Map<string, (target: string) => string>([
  ['ENOENT', (target) => `the folder ${path.dirname(linkTarget(target))} does not exist`],
  ['ENOTDIR', () => 'a part of that path is a file, not a folder'],
  ['EACCES', () => 'permission denied'],
  ['EPERM', () => 'permission denied'],
  ['EISDIR', () => 'it is a folder'],
  ['ENOSPC', () => 'no space left on the device'],
]);

/** Where a symbolic link points (what a write to it creates), else the path itself; absolute. */
function linkTarget(file: string): string {
  try {
    return path.resolve(path.dirname(file), fs.readlinkSync(file));
  } catch {
    return path.resolve(file);
  }
}

export function fail(message: string, code: number): number {
  process.stderr.write(`ctrace: ${message}\n`);
  return code;
}
