// Child processes: carries the agent into every child (NODE_OPTIONS plus the CTRACE_* variables, even
// when the user passes an env without them) and records spawn call -> running -> exit, failed spawns
// and children killed by a signal. ChildProcess.prototype.spawn is the one path under spawn, fork,
// exec, execFile and cluster.fork; the sync variants bypass it and are wrapped one by one. The
// exported async functions are wrapped only to learn which API the user called.

import cp = require('node:child_process');
import { apply, existsSync, inDir, likeOriginal, ownCopy, ownData, readAscii, statSync, unlinkSync, writeAll } from '../pristine';
import { EmitChain } from '../emit-chain';
import util = require('node:util');
import { EventKind, CrashKind } from '../../protocol/events';
import { CARRIED_VARS, PIDFILE_VAR, SESSION_OUTPUT_FILE, SPAWN_REF_VAR } from '../../protocol/session';
import type { ThreadStream } from '../stream';
import { carriedVars, withPreload, withoutPreload, type AgentEnv } from '../env';
import { callSite } from '../callsite';
import { childComing } from '../first-child';

const PROMISIFY_CUSTOM = Symbol.for('nodejs.util.promisify.custom');

const SPAWN = Symbol('ctrace.spawn');
const defineProperty = Object.defineProperty;
const DIR_PAIR = 'CTRACE_DIR=';

interface SpawnState {
  id: number;
  pid: number;
}

export interface SpawnHooks {
  /** a child with an IPC channel was started (messages.ts wraps its send) */
  onChild?: (child: cp.ChildProcess) => void;
  /** a 'message' emitted on a ChildProcess (IPC receipt in the parent) */
  onChildMessage?: (child: cp.ChildProcess, msg: unknown) => void;
}

export function installSpawnHooks(ctx: ThreadStream, env: AgentEnv, hooks: SpawnHooks): void {
  const carried = carriedVars(env.agentPath);
  const carriedValue = new Map(carried);

  // A child whose env names another recording's session folder was prepared by a recorder the
  // program runs itself (a nested `ctrace record`): it is left as the program made it, so that
  // recording gets its records, as untraced. This recording sees the child from outside, as an OS
  // process. Any other CTRACE_DIR is the program's change, and the child still records here.
  const ownDir = carriedValue.get('CTRACE_DIR');
  const foreignDir = (dir: unknown) => typeof dir === 'string' && dir !== '' && dir !== ownDir && existsSync(inDir(dir, SESSION_OUTPUT_FILE));

  // A child that will run as another user (the spawn's uid option, or this process after
  // process.setuid()) cannot write into the recording's folder, which only its owner may enter; and
  // the preload itself may be out of its reach (an extension under a private home), which would stop
  // Node before the program starts. It gets the environment it would have had untraced: the
  // recording's variables and the preload taken out. Its parent's records still show the spawn, and
  // the recorder names it as a Node process that ran untraced. Root can write anywhere.
  const geteuid = process.geteuid;
  // read now, while this thread still runs as the recording's user (a later setuid() may take the
  // folder out of its reach)
  let dirOwner: number | undefined;
  try {
    dirOwner = typeof geteuid === 'function' ? statSync(env.dir).uid : undefined;
  } catch {
    dirOwner = undefined;
  }
  const asOtherUser = (options: object | undefined): boolean => {
    if (dirOwner === undefined) return false;
    const given = options ? ownData(options, 'uid') : undefined;
    const uid = typeof given === 'number' ? given : apply(geteuid as () => number, process, []);
    return uid !== 0 && uid !== dirOwner;
  };
  const ours = new Set<string>([...CARRIED_VARS, SPAWN_REF_VAR, PIDFILE_VAR]);
  const untracedPairs = (pairs: string[]) => {
    for (let k = 0; k < pairs.length; k++) {
      const p = pairs[k];
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      if (ours.has(name)) pairs.splice(k--, 1);
      else if (name === 'NODE_OPTIONS') {
        const rest = withoutPreload(p.slice(eq + 1), env.preload);
        if (rest === undefined) pairs.splice(k--, 1);
        else pairs[k] = 'NODE_OPTIONS=' + rest;
      }
    }
  };

  const fixEnvPairs = (pairs: string[], ref: string, options: object) => {
    for (let k = 0; k < pairs.length; k++) if (pairs[k].indexOf(DIR_PAIR) === 0 && foreignDir(pairs[k].slice(DIR_PAIR.length))) return;
    if (asOtherUser(options)) return untracedPairs(pairs);
    childComing();
    let hasNodeOptions = false;
    const have = new Set<string>();
    for (let k = 0; k < pairs.length; k++) {
      const p = pairs[k];
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      have.add(name);
      if (name === 'NODE_OPTIONS') {
        hasNodeOptions = true;
        pairs[k] = 'NODE_OPTIONS=' + withPreload(p.slice(eq + 1), env.preload);
      } else if (name === SPAWN_REF_VAR) pairs[k] = `${SPAWN_REF_VAR}=${ref}`;
      else if (carriedValue.has(name)) pairs[k] = `${name}=${carriedValue.get(name)}`;
      else if (name === PIDFILE_VAR) pairs.splice(k--, 1);
    }
    if (!hasNodeOptions) pairs.push('NODE_OPTIONS=' + env.preload);
    for (const [k, v] of carried) if (!have.has(k)) pairs.push(`${k}=${v}`);
    if (!have.has(SPAWN_REF_VAR)) pairs.push(`${SPAWN_REF_VAR}=${ref}`);
  };

  const fixEnvObject = (e: NodeJS.ProcessEnv | undefined, ref: string, pidFile: boolean, options: object): NodeJS.ProcessEnv | undefined => {
    // every enumerable key, inherited ones too: Node reads a spawn's env with for-in ("prototype
    // values are intentionally included"), and a spread would drop, say, PATH from { __proto__: process.env }
    const src = e ?? process.env;
    // no prototype: a variable named __proto__ is copied, not taken for the setter
    const out = ownCopy({}) as NodeJS.ProcessEnv;
    for (const k in src) out[k] = src[k];
    // read from the copy: the program's env is read once, as Node would (a getter, a Proxy trap)
    if (foreignDir(out.CTRACE_DIR)) return out;
    if (asOtherUser(options)) {
      for (const k of ours) delete out[k];
      const rest = withoutPreload(out.NODE_OPTIONS, env.preload);
      if (rest === undefined) delete out.NODE_OPTIONS;
      else out.NODE_OPTIONS = rest;
      return out;
    }
    childComing();
    out.NODE_OPTIONS = withPreload(out.NODE_OPTIONS, env.preload);
    for (const [k, v] of carried) out[k] = v;
    out[SPAWN_REF_VAR] = ref;
    if (pidFile) out[PIDFILE_VAR] = '1';
    else delete out[PIDFILE_VAR];
    return out;
  };

  // which exported API the current (synchronous) spawn came through; the outermost wins
  let api: string | undefined;
  const tagApi = <F extends Function>(name: string, orig: F): F => {
    const wrapped = function (this: unknown) {
      if (api !== undefined) return apply(orig, this, arguments);
      api = name;
      try {
        return apply(orig, this, arguments);
      } finally {
        api = undefined;
      }
    };
    Object.defineProperty(wrapped, 'name', { value: orig.name });
    Object.defineProperty(wrapped, 'length', { value: orig.length });
    // util.promisify(exec) resolves to { stdout, stderr } through Node's own custom form, which calls
    // the original: kept, tagged with the same API (ChildProcess.prototype.spawn, under every API, sees the child)
    const custom = (orig as unknown as Record<symbol, unknown>)[PROMISIFY_CUSTOM];
    if (typeof custom === 'function') Object.defineProperty(wrapped, PROMISIFY_CUSTOM, { value: tagApi(name, custom), configurable: true, enumerable: false, writable: false });
    return wrapped as unknown as F;
  };
  const mod = cp as unknown as Record<string, Function>;
  for (const name of ['spawn', 'fork', 'exec', 'execFile']) if (typeof mod[name] === 'function') mod[name] = tagApi(name, mod[name]);

  const proto = cp.ChildProcess.prototype as unknown as { spawn: Function; emit: Function; [SPAWN]?: SpawnState };
  const origSpawn = proto.spawn;
  const spawn = function spawn(this: cp.ChildProcess & { [SPAWN]?: SpawnState }, options: { file?: string; args?: string[]; envPairs?: string[] }) {
    let state: SpawnState | undefined;
    try {
      if (!ctx.busy) {
        state = { id: ctx.nextId(), pid: 0 };
        const ref = `${process.pid}:${state.id}`;
        if (options && Array.isArray(options.envPairs)) fixEnvPairs(options.envPairs, ref, options);
        const where = callSite(spawn);
        const enc = ctx.enc;
        enc.begin(EventKind.SpawnCall, ctx.now());
        enc.u(state.id);
        enc.s(api ?? 'spawn');
        enc.s(options?.file);
        enc.s(safeJson(Array.isArray(options?.args) ? options.args.slice(1) : []));
        enc.s(where.site);
        enc.s(where.stack);
        ctx.recorded();
        // not enumerable: console.log of the program's child shows nothing of ours
        defineProperty(this, SPAWN, { value: state, writable: true, configurable: true, enumerable: false });
      }
    } catch {
      // never throw into the program
    }
    const result = apply(origSpawn, this, arguments);
    if (state !== undefined) {
      try {
        if (typeof this.pid === 'number') {
          state.pid = this.pid;
          const enc = ctx.enc;
          enc.begin(EventKind.SpawnRunning, ctx.now());
          enc.u(state.id);
          enc.u(this.pid);
          ctx.recorded();
          if (typeof (this as { send?: unknown }).send === 'function') hooks.onChild?.(this);
        } else if (typeof result === 'number' && result < 0) {
          recordSpawnError(ctx, state.id, errName(result), `spawn ${options?.file} ${errName(result)}`, spawn);
        }
      } catch {
        // never throw into the program
      }
    }
    return result;
  };
  // Node 20's is anonymous
  proto.spawn = likeOriginal(spawn, origSpawn);

  // passes on to the emit ChildProcess inherits as it is at each call (emit-chain.ts)
  const ownEmit = Object.prototype.hasOwnProperty.call(proto, 'emit') ? proto.emit : undefined;
  const inherited = Object.getPrototypeOf(proto) as { emit: Function };
  const chain = new EmitChain(ownEmit ?? inherited.emit);
  const onChildMessage = hooks.onChildMessage;
  proto.emit = function emit(this: cp.ChildProcess & { [SPAWN]?: SpawnState }, event: string | symbol) {
    if (chain.reentered(this, event)) return apply(chain.atLoad, this, arguments);
    if (event === 'exit') {
      const state = this[SPAWN];
      if (state !== undefined && state.pid > 0) recordChildExit(ctx, state, arguments[1], arguments[2]);
    } else if (event === 'message' && onChildMessage !== undefined) onChildMessage(this, arguments[1]);
    return chain.passOn(ownEmit ?? inherited.emit, this, event, arguments);
  };

  // ---- sync variants: no ChildProcess object, so env goes in through the options argument
  const wrapSync = (name: 'spawnSync' | 'execSync' | 'execFileSync') => {
    const orig = mod[name];
    if (typeof orig !== 'function') return;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      let state: SpawnState | undefined;
      try {
        if (!ctx.busy) {
          state = { id: ctx.nextId(), pid: 0 };
          const ref = `${process.pid}:${state.id}`;
          // (file, args?, options?) or execSync(command, options?)
          const at = name !== 'execSync' && (Array.isArray(args[1]) || (args[1] == null && args.length > 2)) ? 2 : 1;
          const given = args[at];
          // spawnSync refuses null options (execSync and execFileSync take them as none): left for Node to refuse
          if (given === undefined || (given === null && name !== 'spawnSync') || (typeof given === 'object' && given !== null && !Array.isArray(given))) {
            // Node copies a spawn's options (own properties, no prototype) and reads them there:
            // so does this, once, and the env comes from the copy
            const opts = ownCopy((given ?? {}) as { env?: NodeJS.ProcessEnv });
            opts.env = fixEnvObject(opts.env, ref, name !== 'spawnSync', opts);
            args[at] = opts;
          }
          const where = callSite(wrapped);
          const enc = ctx.enc;
          enc.begin(EventKind.SpawnCall, ctx.now());
          enc.u(state.id);
          enc.s(name);
          enc.s(typeof args[0] === 'string' ? args[0] : undefined);
          enc.s(safeJson(Array.isArray(args[1]) ? args[1] : []));
          enc.s(where.site);
          enc.s(where.stack);
          ctx.recorded();
        }
      } catch {
        // never throw into the program
      }
      let result: unknown;
      try {
        result = apply(orig, this, args);
      } catch (err) {
        if (state !== undefined) syncDone(ctx, state, err, wrapped, env.dir);
        throw err;
      }
      if (state !== undefined) syncDone(ctx, state, result, wrapped, env.dir);
      return result;
    };
    Object.defineProperty(wrapped, 'name', { value: orig.name });
    Object.defineProperty(wrapped, 'length', { value: orig.length });
    mod[name] = wrapped;
  };
  wrapSync('spawnSync');
  wrapSync('execSync');
  wrapSync('execFileSync');
}

function syncDone(ctx: ThreadStream, state: SpawnState, r: unknown, wrapper: Function, dir: string): void {
  try {
    const isResult = r !== null && typeof r === 'object' && !(r instanceof Uint8Array);
    const res = (isResult ? r : { status: 0 }) as { pid?: number; status?: number | null; signal?: string | null; error?: { code?: string; message?: string }; code?: string };
    const pidFile = inDir(dir, `${process.pid}-${state.id}.pid`);
    let pid = typeof res.pid === 'number' ? res.pid : 0;
    if (pid === 0) pid = readPidFile(pidFile);
    try {
      unlinkSync(pidFile);
    } catch {
      // spawnSync children write none
    }
    const ts = ctx.now();
    if (pid > 0) {
      const enc = ctx.enc;
      enc.begin(EventKind.SpawnRunning, ts);
      enc.u(state.id);
      enc.u(pid);
      state.pid = pid;
      ctx.recorded();
      recordChildExit(ctx, state, res.status ?? null, res.signal ?? null);
    } else {
      const e = res.error ?? (r instanceof Error ? (r as { code?: string; message?: string }) : undefined);
      if (e) recordSpawnError(ctx, state.id, String(e.code ?? 'ERROR'), String(e.message ?? ''), wrapper);
    }
  } catch {
    // never throw into the program
  }
}

function readPidFile(file: string): number {
  try {
    return Number(readAscii(file)) || 0;
  } catch {
    return 0;
  }
}

/** The child's side of PIDFILE_VAR. */
export function writePidFile(dir: string, ref: string | undefined): void {
  try {
    if (process.env[PIDFILE_VAR] === undefined) return;
    delete process.env[PIDFILE_VAR];
    if (!ref) return;
    writeAll(inDir(dir, ref.replace(':', '-') + '.pid'), new TextEncoder().encode(String(process.pid)), 'wx');
  } catch {
    // another process of the same spawn wrote it first
  }
}

function recordChildExit(ctx: ThreadStream, state: SpawnState, code: unknown, signal: unknown): void {
  try {
    const enc = ctx.enc;
    const ts = ctx.now();
    enc.begin(EventKind.SpawnExit, ts);
    enc.u(state.id);
    enc.u(state.pid);
    enc.i(typeof code === 'number' ? code : -1);
    enc.s(typeof signal === 'string' ? signal : undefined);
    if (typeof signal === 'string') {
      enc.begin(EventKind.Crash, ts);
      enc.u(CrashKind.ChildSignal);
      enc.s('Signal');
      enc.s(`child ${state.pid} killed by ${signal}`);
      enc.s(undefined);
      enc.s(undefined);
      enc.u(state.pid);
      enc.i(0);
    }
    ctx.recorded();
  } catch {
    // never throw into the program
  }
}

function recordSpawnError(ctx: ThreadStream, id: number, code: string, message: string, wrapper: Function): void {
  const where = callSite(wrapper);
  const enc = ctx.enc;
  enc.begin(EventKind.SpawnError, ctx.now());
  enc.u(id);
  enc.s(code);
  enc.s(message);
  enc.s(where.site);
  enc.s(where.stack);
  ctx.recorded();
}

function errName(errno: number): string {
  try {
    return util.getSystemErrorName(errno);
  } catch {
    return String(errno);
  }
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}
