// Starting the recorded program: checking the command before anything is launched (so a typo gets a
// clear message instead of a spawn error event), and the environment that preloads the agent into it
// and, through NODE_OPTIONS, into every Node process and thread it starts.

import fs from 'node:fs';
import path from 'node:path';
import type { CaptureOptions } from './types';
import { CARRIED_VARS, PIDFILE_VAR, SPAWN_REF_VAR } from '../protocol/session';

export class LaunchError extends Error {
  constructor(message: string, readonly reason: 'not-found' | 'not-executable' | 'output' | 'usage') {
    super(message);
    this.name = 'LaunchError';
  }
}

/** Throws a LaunchError when `command` cannot be run from `cwd`. */
export function checkCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): void {
  if (!command) throw new LaunchError('no command given: put the program after --, e.g. ctrace record -- node app.js', 'usage');
  const win = process.platform === 'win32';
  if (command.includes('/') || (win && command.includes('\\'))) {
    const abs = path.resolve(cwd, command);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new LaunchError(`program not found: ${command} (no such file ${abs})`, 'not-found');
    }
    if (st.isDirectory()) throw new LaunchError(`${command} is a directory, not a program`, 'not-executable');
    if (!win) {
      try {
        fs.accessSync(abs, fs.constants.X_OK);
      } catch {
        const hint = /\.[cm]?[jt]s$/.test(command) ? `run it with node: ctrace record -- node ${command}` : `make it executable: chmod +x ${command}`;
        throw new LaunchError(`${command} is not executable; ${hint}`, 'not-executable');
      }
    }
    return;
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = win ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').concat(['']) : [''];
  for (const d of dirs) {
    for (const ext of exts) {
      const p = path.join(d, command + ext);
      try {
        if (fs.statSync(p).isFile()) {
          if (!win) fs.accessSync(p, fs.constants.X_OK);
          return;
        }
      } catch {
        // not here
      }
    }
  }
  const hint = /\.[cm]?[jt]s$/.test(command) ? `; to run a script, use: ctrace record -- node ${command}` : '';
  throw new LaunchError(`program not found: ${command} is not on PATH${hint}`, 'not-found');
}

/** what an agent reads or leaves in a child's env: an outer recording's, when a traced program records */
const OUTER_VARS = [...CARRIED_VARS, SPAWN_REF_VAR, PIDFILE_VAR];

/**
 * NODE_OPTIONS and the CTRACE_* variables the agent reads. `nodeUsage`: schedMode is 'node', so the
 * agent samples Node's own CPU / event-loop / resource figures in every thread ('usage').
 * `procTotals`: /proc is sampled from outside (counts or switches), so each JS thread adds its own
 * /proc totals at exit ('proc'): a thread shorter than the sampling interval still has its totals.
 * `cacheDir`: the agent's private code cache kept across recordings (agent-cache.ts); without it the
 * agent keeps its cache in the session directory, and a CTRACE_CACHE inherited from outside is dropped.
 */
export function agentEnv(
  base: NodeJS.ProcessEnv,
  agent: string,
  sessionDir: string,
  nodeOptions: string | undefined,
  capture: CaptureOptions,
  nodeUsage = false,
  procTotals = false,
  cacheDir?: string,
): NodeJS.ProcessEnv {
  const opts = [`--require ${JSON.stringify(agent)}`, base.NODE_OPTIONS, nodeOptions].filter((s) => s && s.trim()).join(' ');
  // 'none' rather than '' when all are off: the agent reads an empty list as "everything".
  const captures = [capture.messages !== false ? 'messages' : '', capture.locks !== false ? 'locks' : '', nodeUsage ? 'usage' : '', procTotals ? 'proc' : ''].filter(Boolean).join(',') || 'none';
  // a recording started inside a traced program (the program runs `ctrace record` itself) starts
  // clean: the outer recording's variables (its spawn reference above all) are not its own
  const clean: NodeJS.ProcessEnv = { ...base };
  for (const k of OUTER_VARS) delete clean[k];
  const env: NodeJS.ProcessEnv = { ...clean, NODE_OPTIONS: opts, CTRACE_DIR: sessionDir, CTRACE_AGENT: agent, CTRACE_CAPTURE: captures, CTRACE_CACHE: cacheDir };
  if (cacheDir === undefined) delete env.CTRACE_CACHE;
  return env;
}
