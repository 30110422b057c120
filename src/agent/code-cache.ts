// Loads the agent's core (dist/agent-core.js) through V8's code cache. Every thread and process of a
// traced program loads the core and compiles it and the functions start() runs; with the cache a
// process and 4 workers start 3 ms sooner and spend 6 ms less CPU (medians of 21). The first thread of a Node
// version that starts a worker or a child writes the cache into the recording's private directory
// (after start(), so it holds the functions compiled so far), and every later load uses it. A cache
// V8 rejects (another V8, other V8 flags) is ignored and left alone; any failure loads the core with
// require(), as without the cache. Only the loader (dist/agent.js) holds this file.

import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');

type Core = typeof import('./start');

export interface LoadedCore {
  core: Core;
  /** what V8 made of the cache file */
  cache: 'absent' | 'used' | 'rejected' | 'failed';
  /** writes the cache, once: undefined when a cache was found (used, or rejected: not ours to replace) */
  save: (() => void) | undefined;
}

const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

export function loadCore(coreFile: string, dir: string, req: NodeJS.Require): LoadedCore {
  const cacheFile = path.join(dir, `agent-${process.version}-${process.arch}.v8cache`);
  let cached: Buffer | undefined;
  try {
    cached = fs.readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  let script: vm.Script;
  let fn: Function;
  try {
    const source = fs.readFileSync(coreFile, 'utf8');
    script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: coreFile, cachedData: cached });
    fn = script.runInThisContext() as Function;
  } catch {
    return { core: req(coreFile) as Core, cache: 'failed', save: undefined };
  }
  const mod = { exports: {} as Core };
  fn.call(mod.exports, mod.exports, req, mod, coreFile, path.dirname(coreFile));
  if (cached !== undefined) return { core: mod.exports, cache: script.cachedDataRejected ? 'rejected' : 'used', save: undefined };
  return { core: mod.exports, cache: 'absent', save: () => saveCache(script, cacheFile) };
}

function saveCache(script: vm.Script, file: string): void {
  try {
    if (fs.existsSync(file)) return; // another process wrote it meanwhile
    // not Math.random(): the program's own sequence (fixed by --random-seed) must not move
    const tmp = `${file}.${process.pid}-${process.hrtime.bigint()}`;
    fs.writeFileSync(tmp, new Uint8Array(script.createCachedData()));
    fs.renameSync(tmp, file);
  } catch {
    // no cache: every load compiles, as without one
  }
}
