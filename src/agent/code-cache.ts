// Loads the agent's core (dist/agent-core.js) through V8's code cache. Every thread and process of a
// traced program loads the core and compiles it and the functions start() runs; with the cache a
// process and 4 workers start 3 ms sooner and spend 6 ms less CPU (medians of 21), and the main
// thread of a recording that finds a cache from an earlier one another ~3-6 ms (docs/capture.md).
// The cache lives in CTRACE_CACHE, a private directory the recorder keeps across recordings, under
// the core's build id (V8 checks only the source's length, so a cache must never meet another
// build's core); without either, in the recording's own directory. The first thread of a Node version
// that starts a worker or a child without having found a usable cache writes it (after start(), so
// it holds the functions compiled so far), and every later load uses it. A cache V8 rejects (another
// V8, other V8 flags, a damaged file) is replaced the same way; any failure loads the core with
// require(), as without the cache. Only the loader (dist/agent.js) holds this file.

import { apply, existsSync, readAll, readFileSync, renameSync, writeAll } from './pristine';
import { nowNs } from './clock';
import path = require('node:path');
import vm = require('node:vm');

type Core = typeof import('./start');

export interface LoadedCore {
  core: Core;
  /** what V8 made of the cache file */
  cache: 'absent' | 'used' | 'rejected' | 'failed';
  /** writes the cache, once: undefined when V8 used the one found */
  save: (() => void) | undefined;
}

// the cache is written when the program starts its first child or worker, long after its code began:
// through what the agent found at load (pristine.ts), not what the program may have replaced since
const scriptCreateCachedData = vm.Script.prototype.createCachedData;
const createCachedData = (script: vm.Script): Buffer => apply(scriptCreateCachedData, script, []) as Buffer;

const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/**
 * The cache file for this Node version: in `cacheDir` (CTRACE_CACHE) under `coreId`, the core's
 * content hash that esbuild.js gives the loader, and a hash of the core's path (V8 before 12 names
 * the code it deserialises after the file the cache was made from: another copy's frames would not
 * be recognised as the agent's); else in the recording's directory (CTRACE_DIR), which a build
 * without an id (esbuild --watch) always uses.
 */
export function cacheFileFor(recordingDir: string, cacheDir: string | undefined, coreId: string, coreFile: string): string {
  const name = `agent-${process.version}-${process.arch}`;
  return cacheDir && coreId ? path.join(cacheDir, `${name}-${coreId}-${fnv1a(coreFile)}.v8cache`) : path.join(recordingDir, `${name}.v8cache`);
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits: a short, stable name, not a secret. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export function loadCore(coreFile: string, cacheFile: string, req: NodeJS.Require): LoadedCore {
  let cached: Uint8Array | undefined;
  try {
    cached = readAll(cacheFile);
  } catch {
    cached = undefined;
  }
  let script: vm.Script;
  let fn: Function;
  try {
    const source = readFileSync(coreFile, 'utf8');
    // the core is one line (esbuild.js): the wrapper's head would move every column of it, and the
    // source map would point a debugger at the wrong code
    script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: coreFile, cachedData: cached, columnOffset: -WRAP_HEAD.length });
    fn = script.runInThisContext() as Function;
  } catch {
    return { core: req(coreFile) as Core, cache: 'failed', save: undefined };
  }
  const mod = { exports: {} as Core };
  fn.call(mod.exports, mod.exports, req, mod, coreFile, path.dirname(coreFile));
  if (cached === undefined) return { core: mod.exports, cache: 'absent', save: () => saveCache(script, cacheFile, undefined) };
  if (!script.cachedDataRejected) return { core: mod.exports, cache: 'used', save: undefined };
  return { core: mod.exports, cache: 'rejected', save: () => saveCache(script, cacheFile, cached) };
}

/** `replacing`: the rejected cache this load found, replaced unless another process has done so meanwhile. */
function saveCache(script: vm.Script, file: string, replacing: Uint8Array | undefined): void {
  try {
    if (replacing === undefined ? existsSync(file) : !sameFile(file, replacing)) return; // another process wrote it meanwhile
    // not Math.random(): the program's own sequence (fixed by --random-seed) must not move
    const tmp = `${file}.${process.pid}-${nowNs()}`;
    writeAll(tmp, new Uint8Array(createCachedData(script)));
    renameSync(tmp, file);
  } catch {
    // no cache: every load compiles, as without one
  }
}

function sameFile(file: string, bytes: Uint8Array): boolean {
  try {
    const found = readAll(file);
    if (found.length !== bytes.length) return false;
    for (let k = 0; k < found.length; k++) if (found[k] !== bytes[k]) return false;
    return true;
  } catch {
    return false;
  }
}
