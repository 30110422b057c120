// The directory where the agent keeps its V8 code cache from one recording to the next (CTRACE_CACHE;
// code-cache.ts in the agent). Without it every recording's first process compiles the agent's core
// itself; with it that process starts ~3-6 ms sooner (docs/capture.md). The agent runs code from this
// directory's files, so it must be the user's own and writable by no one else: a directory that is
// not (another owner, group or world write permission, a symlink) is not used, and recording goes on
// without it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** cache files kept: one per Node version and agent build in use; the oldest go first */
export const KEEP_CACHE_FILES = 8;

/** The platform's per-user cache root: XDG_CACHE_HOME or ~/.cache, ~/Library/Caches, %LOCALAPPDATA%. */
export function userCacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return env.LOCALAPPDATA || path.join(home, 'AppData', 'Local');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches');
  const xdg = env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache');
}

/**
 * The agent's cache directory under `root`, created private (0700) if missing; undefined if it
 * cannot be made or is not private. Trims it to the KEEP_CACHE_FILES newest cache files.
 */
export function agentCacheDir(root: string = userCacheRoot()): string | undefined {
  const dir = path.join(root, 'concurrency-timeline', 'agent-cache');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) return undefined;
    if (process.platform !== 'win32') {
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return undefined;
      if ((st.mode & 0o022) !== 0) return undefined;
    }
    trim(dir);
    return dir;
  } catch {
    return undefined;
  }
}

/** a cache being written (the agent renames it into place): left by a process killed meanwhile */
const PARTIAL = /\.v8cache\.\d+-\d+$/;
const PARTIAL_MAX_AGE_MS = 3600_000;

function trim(dir: string): void {
  const names = fs.readdirSync(dir);
  for (const f of names.filter((n) => PARTIAL.test(n))) {
    try {
      if (Date.now() - fs.statSync(path.join(dir, f)).mtimeMs > PARTIAL_MAX_AGE_MS) fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      // gone already
    }
  }
  const files = names
    .filter((f) => f.endsWith('.v8cache'))
    .map((f) => {
      try {
        return { f, t: fs.statSync(path.join(dir, f)).mtimeMs };
      } catch {
        return { f, t: 0 };
      }
    })
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(KEEP_CACHE_FILES)) {
    try {
      fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      // another recording removed it, or it is in use on Windows: next time
    }
  }
}
