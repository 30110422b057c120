// The agent: preloaded with NODE_OPTIONS=--require into every Node process and worker thread of the
// traced program (docs/capture.md). This file (dist/agent.js) only loads the core (dist/agent-core.js,
// from start.ts) through V8's code cache (code-cache.ts). Without CTRACE_DIR it does nothing at all:
// not even loading the modules the hooks need.

/** the core's content hash, set by esbuild.js (empty in a watch build): names the persistent code cache */
declare const CTRACE_CORE_ID: string;

if (process.env.CTRACE_DIR) {
  try {
    const { cacheFileFor, loadCore } = require('./code-cache') as typeof import('./code-cache');
    const path = require('node:path') as typeof import('node:path');
    const coreFile = path.join(__dirname, 'agent-core.js');
    const cacheFile = cacheFileFor(process.env.CTRACE_DIR, process.env.CTRACE_CACHE, typeof CTRACE_CORE_ID === 'string' ? CTRACE_CORE_ID : '', coreFile);
    const { core, save } = loadCore(coreFile, cacheFile, require);
    core.start({ core: coreFile, preload: __filename, beforeFirstChild: save });
  } catch {
    // the agent must never stop the program from starting
  }
}
