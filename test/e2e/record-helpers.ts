// Shared by the record-*/cli-* end-to-end tests: runs the real CLI (dist/cli.js, with the real agent
// from dist/agent.js) on a real program and reads back what it wrote.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildModel, type TraceModel } from '../../src/recorder/model';
import { readTrace } from '../../src/recorder/reader';
import { summarize } from '../../src/recorder/summary';
import type { LoadedTrace, TraceSummary } from '../../src/recorder/types';
import { EventKind } from '../../src/protocol/events';
import { tempDir } from '../support/temp';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const NODE = process.execPath;

export function built(): boolean {
  return fs.existsSync(CLI) && fs.existsSync(path.join(ROOT, 'dist', 'agent.js'));
}

/** A temp folder, removed when the test file's process exits (test/support/temp.ts). */
export function tmpDir(prefix = 'ctrace-e2e-'): string {
  return tempDir(prefix);
}

export interface Recorded {
  run: SpawnSyncReturns<string>;
  tracePath: string;
  trace: LoadedTrace;
  model: TraceModel;
  summary: TraceSummary;
}

/** `ctrace record -o <tmp> [flags] -- command...`, then the trace read back. */
/** Scheduling capture (perf) costs about a second per recording; tests that are not about it skip it. */
export const FAST = ['--no-sched'];

export async function record(command: string[], opts: { flags?: string[]; cwd?: string; env?: NodeJS.ProcessEnv; input?: string; dir?: string } = {}): Promise<Recorded> {
  const dir = opts.dir ?? tmpDir();
  const tracePath = path.join(dir, 'out.ctrace');
  const run = spawnSync(NODE, [CLI, 'record', '-o', tracePath, ...(opts.flags ?? []), '--', ...command], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (!fs.existsSync(tracePath)) throw new Error(`no trace written; ctrace said:\n${run.stderr}`);
  const trace = await readTrace(tracePath);
  const model = buildModel(trace);
  return { run, tracePath, trace, model, summary: summarize(trace, model) };
}

/** Writes a small program into a fresh temp dir and returns its path. */
export function program(name: string, source: string, dir = tmpDir()): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

/** 1-based line of the first line of `file` containing `marker`. */
export function lineOf(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not in ${file}`);
  return i + 1;
}

/** Every message send has its receipt(s), and every receipt its send. */
export function unpaired(model: TraceModel): string[] {
  return model.messages.filter((m) => !m.send || m.receives.length === 0).map((m) => `${m.channelKind} ${m.channel} #${m.seq} ${m.send ? 'never received' : 'received but never sent'}`);
}

export function kinds(trace: LoadedTrace, kind: EventKind): number {
  return trace.events.filter((e) => e.kind === kind).length;
}
