// The recording's private session folder in TMPDIR, where the agents write while the program runs
// (docs/trace-format.md). Its name carries the recorder's pid, so a folder left behind by a
// recorder that was killed (SIGKILL leaves no chance to remove it) can be told from one in use and
// is removed when the next recording starts.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from './process-alive';
import { SESSION_OUTPUT_FILE } from '../protocol/session';

const PREFIX = 'ctrace-session-';
const NAME = new RegExp(`^${PREFIX}(\\d+)-[A-Za-z0-9]{6}$`);
/**
 * A left-behind folder is removed only once nothing has touched it for this long: its program may
 * outlive the killed recorder and still be writing, and a recorder in another pid namespace (a
 * container sharing /tmp) may look dead from here, so a live recorder touches its folder every
 * TOUCH_MS (touchSessionDir) even while its program writes nothing.
 */
export const STALE_MS = 10 * 60_000;
export const TOUCH_MS = 60_000;

/** Creates the session folder (mode 0700) for this recorder, writing `output`. Throws the fs error. */
export function makeSessionDir(output: string, tmp = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
  fs.chmodSync(dir, 0o700);
  fs.writeFileSync(path.join(dir, SESSION_OUTPUT_FILE), output);
  return dir;
}

/** Another recorder's session folder in TMPDIR (this user's or not), and whether that recorder runs. */
export interface OtherSession {
  dir: string;
  pid: number;
  alive: boolean;
}

/** The session folders of other recorders in `tmp`: one read of TMPDIR for the checks below. Never throws. */
export function otherSessions(tmp = os.tmpdir()): OtherSession[] {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return [];
  }
  const found: OtherSession[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    const pid = m ? Number(m[1]) : process.pid;
    if (pid !== process.pid) found.push({ dir: path.join(tmp, name), pid, alive: isAlive(pid) });
  }
  return found;
}

/**
 * The pid of a running recorder of this user that writes `output` (an absolute path), or undefined:
 * two recordings given the same -o would write one file at once. Never throws.
 */
export function otherRecordingOf(output: string, sessions: readonly OtherSession[]): number | undefined {
  for (const s of sessions) {
    if (!s.alive) continue;
    try {
      if (fs.readFileSync(path.join(s.dir, SESSION_OUTPUT_FILE), 'utf8') === output) return s.pid;
    } catch {
      // not ours to read (another user's), or from before this file was written
    }
  }
  return undefined;
}

/**
 * After this recorder wrote its own `output` file into `mine`: a running recorder of this user that
 * writes the same trace and did not claim it strictly after this one, or undefined. Two recordings
 * started at the same instant can both pass otherRecordingOf before either has written its claim;
 * each then looks again, and the later one gives way (both do when the clock cannot order them,
 * which loses a start but never a trace). Never throws.
 */
export function rivalOf(output: string, mine: string, sessions: readonly OtherSession[]): number | undefined {
  let myTime: bigint;
  try {
    myTime = fs.statSync(path.join(mine, SESSION_OUTPUT_FILE), { bigint: true }).mtimeNs;
  } catch {
    return undefined;
  }
  for (const s of sessions) {
    if (!s.alive) continue;
    try {
      const claim = path.join(s.dir, SESSION_OUTPUT_FILE);
      if (fs.readFileSync(claim, 'utf8') === output && fs.statSync(claim, { bigint: true }).mtimeNs <= myTime) return s.pid;
    } catch {
      // not ours to read, or gone
    }
  }
  return undefined;
}

/** Marks the folder as in use (see STALE_MS). Throws the fs error. */
export function touchSessionDir(dir: string): void {
  const now = new Date();
  fs.utimesSync(dir, now, now);
}

/**
 * Removes session folders of this user whose recorder is gone and that nothing has written to for
 * STALE_MS. Returns the folders removed. Never throws: a folder it cannot judge or remove stays.
 */
export function sweepStaleSessions(sessions: readonly OtherSession[], now = Date.now()): string[] {
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const { dir, alive } of sessions) {
    if (alive) continue;
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      if (now - newestWrite(dir, st.mtimeMs) < STALE_MS) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // not ours to judge, or already gone
    }
  }
  return removed;
}

/** The latest mtime of the folder and the files in it (streams grow without touching the folder). */
function newestWrite(dir: string, dirMtime: number): number {
  let newest = dirMtime;
  for (const f of fs.readdirSync(dir)) newest = Math.max(newest, fs.lstatSync(path.join(dir, f)).mtimeMs);
  return newest;
}
