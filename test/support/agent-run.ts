// Runs a real program with the agent (dist/agent.js, from `npm run build`) and a temp CTRACE_DIR,
// then decodes every per-thread file with the protocol's TraceDecoder. The agent e2e tests use this
// in place of the recorder so they test the agent's files exactly as the recorder will read them.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SCHEMA, KIND_NAMES, type TraceEvent } from '../../src/protocol/events';
import { scanChunks, TraceDecoder } from '../../src/protocol/wire';

export const ROOT = path.resolve(__dirname, '..', '..');
export const AGENT = path.join(ROOT, 'dist', 'agent.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'agent');

export interface AgentRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: TraceEvent[];
  /** the per-thread files, by name */
  files: string[];
  dir: string;
}

export interface RunOptions {
  node?: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** no agent at all: the baseline run */
  traced?: boolean;
  timeoutMs?: number;
  capture?: string;
  input?: string;
  /** record into this directory and keep it (the caller removes it) */
  dir?: string;
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Runs `node <script> ...args` (traced unless told otherwise) and decodes what the agent wrote. */
export function runAgent(script: string, opts: RunOptions = {}): AgentRun {
  if (!fs.existsSync(AGENT)) throw new Error(`${AGENT} is missing: run \`npm run build\` first`);
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace agent '));
  const traced = opts.traced !== false;
  const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: undefined, CTRACE_DIR: undefined, CTRACE_AGENT: undefined, CTRACE_CAPTURE: undefined, CTRACE_CACHE: undefined, CTRACE_SPAWN_REF: undefined };
  if (traced) {
    env.CTRACE_DIR = dir;
    env.CTRACE_AGENT = AGENT;
    env.NODE_OPTIONS = `--require ${JSON.stringify(AGENT)}`;
    if (opts.capture) env.CTRACE_CAPTURE = opts.capture;
  }
  Object.assign(env, opts.env ?? {});
  const so: SpawnSyncOptions = { env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, cwd: FIXTURES, input: opts.input };
  const r = spawnSync(opts.node ?? process.execPath, [script, ...(opts.args ?? [])], so);
  const { events, files } = decodeDir(dir);
  if (opts.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr), events, files, dir };
}

/** Decodes every `.ctc` file of a directory into events (each file's records in file order). */
export function decodeDir(dir: string): { events: TraceEvent[]; files: string[] } {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ctc')).sort();
  const events: TraceEvent[] = [];
  for (const f of files) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, f)));
    const scan = scanChunks(bytes, 0);
    if (scan.corruptAt !== undefined) throw new Error(`${f}: corrupt at ${scan.corruptAt}: ${scan.corruptReason}`);
    if (scan.truncatedBytes) throw new Error(`${f}: ${scan.truncatedBytes} trailing bytes (a chunk split across writes?)`);
    const dec = new TraceDecoder();
    for (const c of scan.chunks) {
      dec.chunk(bytes, c, (kind, ts, pid, tid, threadId, values, strings) => {
        const fields: Record<string, number | string | undefined> = {};
        const schema = SCHEMA[kind];
        schema.forEach(([name, type], k) => {
          fields[name] = type === 's' ? (values[k] === 0 ? undefined : strings[values[k]]) : values[k];
        });
        events.push({ kind, ts, pid, tid, threadId, fields });
      });
    }
  }
  return { events, files };
}

export function ofKind(events: TraceEvent[], kind: number): TraceEvent[] {
  return events.filter((e) => e.kind === kind);
}

/** One line per event, for debugging a failing test. */
export function dump(events: TraceEvent[]): string {
  return events.map((e) => `${e.pid}/${e.threadId} ${KIND_NAMES[e.kind]} ${JSON.stringify(e.fields)}`).join('\n');
}
