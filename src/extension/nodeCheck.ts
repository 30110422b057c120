// Checks that the configured Node exists and is new enough before anything is launched, so the user
// reads "Node.js not found" or "too old" instead of an empty timeline.

import { execFile } from 'node:child_process';
import { MIN_NODE_MAJOR, parseNodeVersion } from './args';

export type NodeCheck = { ok: true; version: string } | { ok: false; message: string };

export function checkNode(executable: string, env?: NodeJS.ProcessEnv): Promise<NodeCheck> {
  return new Promise((resolve) => {
    const child = execFile(executable, ['-v'], { timeout: 15000, env: env ?? process.env }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'was not found' : code === 'EACCES' ? 'is not executable' : `did not run (${err.message.split('\n')[0]})`;
        resolve({
          ok: false,
          message: `Node.js ${why}: "${executable}". Install Node.js ${MIN_NODE_MAJOR} or newer, or set "concurrencyTimeline.nodePath" to its full path.`,
        });
        return;
      }
      const v = parseNodeVersion(String(stdout));
      const printed = String(stdout).trim().split('\n')[0].slice(0, 80);
      if (!v) {
        resolve({
          ok: false,
          message: `"${executable}" is not Node.js: "${executable} -v" printed ${printed ? `"${printed}"` : 'no version'}. Set "concurrencyTimeline.nodePath" to a Node.js executable.`,
        });
      } else if (v.major < MIN_NODE_MAJOR) {
        resolve({ ok: false, message: `Node.js ${v.text} at "${executable}" is too old: tracing needs Node.js ${MIN_NODE_MAJOR} or newer. Install a newer Node.js or set "concurrencyTimeline.nodePath".` });
      } else resolve({ ok: true, version: v.text });
    });
    // another program given as Node (python3 -v starts its REPL) must not wait for input until the timeout
    child.stdin?.end();
  });
}
