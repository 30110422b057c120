// Builds the recorder's RecordOptions from what the user chose to trace (a file, a package.json script,
// or a resolved launch configuration) and the extension's settings. Pure, so the exact command line
// is unit-tested; probing the disk for tsx / ts-node happens in tsRunner.ts.

import * as path from 'node:path';
import type { CaptureOptions, RecordOptions } from '../recorder/types';
import type { ResolvedLaunch } from './launchConfig';

export interface TraceSettings {
  /** '' = `node` from PATH */
  nodePath: string;
  nodeOptions: string;
  sampleIntervalMs: number;
  capture: Required<Omit<CaptureOptions, 'sampleIntervalMs'>>;
}

/** How a TypeScript entry point is run: a preload found in the workspace, or Node's own type stripping. */
export type TsRunner = { kind: 'import' | 'require'; specifier: string; label: string } | { kind: 'strip'; flag?: string; label: string };

export type TraceTarget =
  | { kind: 'file'; file: string; cwd: string; args?: string[]; tsRunner?: TsRunner }
  | { kind: 'script'; script: string; packageDir: string; packageManager: 'npm' | 'yarn' | 'pnpm' }
  | { kind: 'launch'; launch: ResolvedLaunch };

const TS_EXT = /\.(ts|tsx|mts|cts)$/i;
const JS_EXT = /\.(js|mjs|cjs|jsx)$/i;

export function isTypeScript(file: string): boolean {
  return TS_EXT.test(file);
}

export function isTraceable(file: string): boolean {
  return TS_EXT.test(file) || JS_EXT.test(file);
}

export function nodeExecutable(settings: TraceSettings): string {
  return settings.nodePath.trim() || 'node';
}

/** A short name for the trace file and the terminal ("main.js", "npm test", the launch config's name). */
export function targetLabel(t: TraceTarget): string {
  switch (t.kind) {
    case 'file':
      return path.basename(t.file);
    case 'script':
      return `${t.packageManager} ${t.script === 'test' || t.script === 'start' ? '' : 'run '}${t.script}`;
    case 'launch':
      return t.launch.name;
  }
}

export function buildRecordOptions(t: TraceTarget, settings: TraceSettings, output: string, term?: { columns: number; rows: number }): RecordOptions {
  const node = nodeExecutable(settings);
  let command: string;
  let args: string[];
  let cwd: string;
  let env: Record<string, string | undefined> | undefined;
  switch (t.kind) {
    case 'file': {
      command = node;
      args = [...runnerArgs(t.tsRunner), t.file, ...(t.args ?? [])];
      cwd = t.cwd;
      break;
    }
    case 'script': {
      command = t.packageManager;
      args = ['run', t.script];
      cwd = t.packageDir;
      // npm/yarn spawn the script's node through a shell: the recorder reaches it via NODE_OPTIONS,
      // and a configured Node must come first on PATH to be the one the script runs.
      if (settings.nodePath.trim() && path.isAbsolute(settings.nodePath)) env = { PATH: `${path.dirname(settings.nodePath)}${path.delimiter}${process.env.PATH ?? ''}` };
      break;
    }
    case 'launch': {
      const l = t.launch;
      command = l.runtimeExecutable ?? node;
      args = [...l.runtimeArgs, ...(l.program ? [l.program] : []), ...l.args];
      cwd = l.cwd;
      env = Object.keys(l.env).length ? { ...l.env } : undefined;
      break;
    }
  }
  return {
    command,
    args,
    cwd,
    env,
    output,
    nodeOptions: settings.nodeOptions.trim() || undefined,
    capture: { ...settings.capture, sampleIntervalMs: settings.sampleIntervalMs },
    stdio: 'pipe',
    columns: term?.columns,
    rows: term?.rows,
  };
}

function runnerArgs(r: TsRunner | undefined): string[] {
  if (!r) return [];
  switch (r.kind) {
    case 'import':
      return ['--import', r.specifier];
    case 'require':
      return ['--require', r.specifier];
    case 'strip':
      return r.flag ? [r.flag] : [];
  }
}

/** Node's own TypeScript support: none before 22.6, behind a flag until 23.6, on by default after. */
export function nativeTypeStripping(nodeVersion: string): TsRunner | undefined {
  const [maj, min] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  if (maj > 23 || (maj === 23 && min >= 6)) return { kind: 'strip', label: `Node ${nodeVersion} type stripping` };
  if (maj > 22 || (maj === 22 && min >= 6)) return { kind: 'strip', flag: '--experimental-strip-types', label: `Node ${nodeVersion} --experimental-strip-types` };
  return undefined;
}

export const MIN_NODE_MAJOR = 20;

/** Parses `node -v` output; undefined when it is not a Node version at all. */
export function parseNodeVersion(out: string): { major: number; text: string } | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(out.trim());
  return m ? { major: Number(m[1]), text: `v${m[1]}.${m[2]}.${m[3]}` } : undefined;
}
