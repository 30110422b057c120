// When a thread cannot write its records (a full TMPDIR: ENOSPC; ulimit -f: EFBIG), the recorder is
// told by an empty marker beside the thread's stream file (protocol/session.ts): on a full disk a
// new name still fits where bytes no longer do. The program is never told: it runs on untouched.

import { lostMarkerName } from '../protocol/session';
import { closeSync, inDir, openSync, ownData, symlinkSync } from './pristine';

/**
 * Leaves the marker for thread `threadId` of `pid` in the session folder `dir`: an empty file, or,
 * when no file can be opened (EMFILE: the program holds every descriptor it may), a symbolic link,
 * which takes no descriptor and, on a full disk, no block either. Never throws.
 */
export function markLost(dir: string, pid: number, threadId: number, e: unknown): void {
  const marker = inDir(dir, lostMarkerName(pid, threadId, errnoCode(e)));
  try {
    closeSync(openSync(marker, 'w'));
  } catch {
    try {
      symlinkSync('lost', marker);
    } catch {
      // nothing more can be done from here
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
