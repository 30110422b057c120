// Resolves a Node launch configuration from launch.json into what to run: program, args, cwd, env and
// runtimeExecutable, with the ${...} variables VS Code users put in them. Pure (files are read through
// the injected readFile), so it is unit-tested without VS Code. Anything we cannot honour faithfully
// (attach, ${input:...}, other debuggers) is refused with a reason rather than run differently.

import * as path from 'node:path';

/** The subset of a launch.json entry we read. */
export interface LaunchConfig {
  type?: string;
  request?: string;
  name?: string;
  program?: string;
  args?: string[] | string;
  cwd?: string;
  env?: Record<string, string | null>;
  envFile?: string;
  runtimeExecutable?: string;
  runtimeArgs?: string[];
  [key: string]: unknown;
}

export interface VariableContext {
  workspaceFolder?: string;
  /** the active editor's file, for ${file} and friends */
  file?: string;
  env: Record<string, string | undefined>;
  userHome?: string;
}

export interface ResolvedLaunch {
  name: string;
  /** the executable: runtimeExecutable, else undefined (= the configured Node) */
  runtimeExecutable?: string;
  runtimeArgs: string[];
  program?: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

export type LaunchResult = { ok: true; launch: ResolvedLaunch } | { ok: false; message: string };

export const NODE_DEBUG_TYPES = ['node', 'pwa-node', 'node2'];

export function isNodeLaunch(c: LaunchConfig): boolean {
  return NODE_DEBUG_TYPES.includes(String(c.type)) && (c.request ?? 'launch') === 'launch';
}

export function resolveLaunchConfig(c: LaunchConfig, ctx: VariableContext, readFile: (p: string) => string | undefined): LaunchResult {
  const name = c.name ?? '(unnamed)';
  if (!NODE_DEBUG_TYPES.includes(String(c.type))) {
    return { ok: false, message: `Launch configuration "${name}" is of type "${c.type}"; only Node.js ("type": "node") configurations can be traced.` };
  }
  if ((c.request ?? 'launch') !== 'launch') {
    return { ok: false, message: `Launch configuration "${name}" attaches to a running program; tracing needs to start the program, so use a "request": "launch" configuration.` };
  }
  try {
    const sub = (v: string) => substitute(v, ctx);
    const cwd = c.cwd ? path.resolve(ctx.workspaceFolder ?? '.', sub(c.cwd)) : (ctx.workspaceFolder ?? (ctx.file ? path.dirname(ctx.file) : process.cwd()));
    const program = c.program ? path.resolve(cwd, sub(c.program)) : undefined;
    const args = typeof c.args === 'string' ? splitArgs(sub(c.args)) : (c.args ?? []).map(sub);
    const runtimeArgs = (c.runtimeArgs ?? []).map(sub);
    const runtimeExecutable = c.runtimeExecutable ? sub(c.runtimeExecutable) : undefined;
    if (!program && !runtimeExecutable) {
      return { ok: false, message: `Launch configuration "${name}" has neither "program" nor "runtimeExecutable", so there is nothing to run.` };
    }
    const env: Record<string, string | undefined> = {};
    if (c.envFile) {
      const envPath = path.resolve(cwd, sub(c.envFile));
      const text = readFile(envPath);
      if (text === undefined) return { ok: false, message: `Launch configuration "${name}": envFile ${envPath} does not exist.` };
      Object.assign(env, parseEnvFile(text));
    }
    for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v === null ? undefined : sub(String(v));
    return { ok: true, launch: { name, runtimeExecutable, runtimeArgs, program, args, cwd, env } };
  } catch (e) {
    return { ok: false, message: `Launch configuration "${name}": ${(e as Error).message}` };
  }
}

/** Replaces VS Code's predefined variables; throws on ones that need VS Code's UI (${input:}, ${command:}). */
export function substitute(value: string, ctx: VariableContext): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    const need = (v: string | undefined, what: string) => {
      if (v === undefined) throw new Error(`${whole} needs ${what}`);
      return v;
    };
    if (name.startsWith('env:')) return ctx.env[name.slice(4)] ?? '';
    const file = ctx.file;
    switch (name) {
      case 'workspaceFolder':
      case 'workspaceRoot':
        return need(ctx.workspaceFolder, 'an open folder');
      case 'workspaceFolderBasename':
        return path.basename(need(ctx.workspaceFolder, 'an open folder'));
      case 'file':
        return need(file, 'an open file');
      case 'fileBasename':
        return path.basename(need(file, 'an open file'));
      case 'fileBasenameNoExtension':
        return path.basename(need(file, 'an open file'), path.extname(file!));
      case 'fileExtname':
        return path.extname(need(file, 'an open file'));
      case 'fileDirname':
        return path.dirname(need(file, 'an open file'));
      case 'relativeFile':
        return path.relative(need(ctx.workspaceFolder, 'an open folder'), need(file, 'an open file'));
      case 'relativeFileDirname':
        return path.relative(need(ctx.workspaceFolder, 'an open folder'), path.dirname(need(file, 'an open file')));
      case 'cwd':
        return need(ctx.workspaceFolder, 'an open folder');
      case 'userHome':
        return need(ctx.userHome, 'a home folder');
      case 'pathSeparator':
      case '/':
        return path.sep;
      default:
        throw new Error(`the variable ${whole} is not supported when tracing; replace it with a value`);
    }
  });
}

/** KEY=VALUE lines, # comments, optional quotes, as the Node debugger reads envFile. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)?\s*$/.exec(raw);
    if (!m) continue;
    let v = (m[2] ?? '').trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1);
      if (raw.includes('"')) v = v.replace(/\\n/g, '\n');
    }
    env[m[1]] = v;
  }
  return env;
}

/** Splits a command-line string the way a POSIX shell would for simple quoting. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}
