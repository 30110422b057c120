// Whether a process is still running: at the end of a recording (descendants that outlive the
// program) and when session folders of killed recorders are swept.

import fs from 'node:fs';

/**
 * EPERM means it exists and is someone else's. A zombie has exited and only waits to be reaped (by
 * its parent, or by PID 1, which in a container without an init may never do it): not running.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !hasExited(pid);
}

/** Linux: /proc/<pid>/stat's state is Z (zombie) or X (dead). Elsewhere we cannot tell: no. */
function hasExited(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}
