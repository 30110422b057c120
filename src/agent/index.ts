// The agent: preloaded with NODE_OPTIONS=--require into every Node process and worker thread of the
// traced program (docs/capture.md). Without CTRACE_DIR it does nothing at all: not even loading the
// modules the hooks need (start.ts and its imports are only evaluated when required here).

if (process.env.CTRACE_DIR) {
  try {
    (require('./start') as typeof import('./start')).start(__filename);
  } catch {
    // the agent must never stop the program from starting
  }
}
