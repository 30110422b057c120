// When a thread cannot write its records (a full TMPDIR: ENOSPC; ulimit -f: EFBIG; EMFILE), the
// recorder is told by a marker beside the thread's stream file (protocol/session.ts), whose name is
// all it reads: on a full disk a new name still fits where bytes no longer do. The program is never
// told: it runs on untouched.

import { heldMarkerName, lostMarkerName } from '../protocol/session';
import { closeSync, inDir, mkdirSync, openSync, ownData, rmdirSync, symlinkSync, unlinkSync } from './pristine';

/**
 * Leaves the marker for thread `threadId` of `pid` in the session folder `dir`: an empty file; when
 * no file can be opened (EMFILE: the program holds every descriptor it may), a symbolic link, which
 * takes no descriptor; where links are not allowed (--permission, Windows), a folder. Only the name
 * counts. Never throws.
 */
export function markLost(dir: string, pid: number, threadId: number, e: unknown): void {
  const marker = inDir(dir, lostMarkerName(pid, threadId, errnoCode(e)));
  const ways = [() => closeSync(openSync(marker, 'w')), () => symlinkSync('lost', marker, 'file'), () => mkdirSync(marker)];
  for (let k = 0; k < ways.length; k++) {
    try {
      ways[k]();
      return;
    } catch {
      // the next way, or nothing more can be done from here
    }
  }
}

/**
 * Leaves the marker that thread `threadId` holds chunks it could not write for the reason of `e`
 * (EMFILE, ENFILE: no descriptor, so a link, else a folder). Returns its path, for unmarkHeld(), or
 * undefined if it could not be made. Never throws.
 */
export function markHeld(dir: string, pid: number, threadId: number, e: unknown): string | undefined {
  const marker = inDir(dir, heldMarkerName(pid, threadId, errnoCode(e)));
  try {
    symlinkSync('held', marker, 'file');
    return marker;
  } catch {
    try {
      mkdirSync(marker);
      return marker;
    } catch {
      return undefined;
    }
  }
}

/** Removes a marker markHeld() left (the held chunks are written). Never throws. */
export function unmarkHeld(marker: string): void {
  try {
    unlinkSync(marker);
  } catch {
    try {
      rmdirSync(marker);
    } catch {
      // the recorder then counts them as lost: a false alarm, never a silent loss
    }
  }
}

/** The error's code (ENOSPC), read as data; UNKNOWN if it has none that fits in a file name. */
function errnoCode(e: unknown): string {
  const code = e !== null && typeof e === 'object' ? ownData(e, 'code') : undefined;
  return typeof code === 'string' && isErrnoCode(code) ? code : 'UNKNOWN';
}

/** Upper-case letters, digits and '_', 1 to 32 of them: what LOST_MARKER accepts. */
function isErrnoCode(s: string): boolean {
  if (s.length === 0 || s.length > 32) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_')) return false;
  }
  return true;
}
