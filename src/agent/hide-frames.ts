// Keeps the agent's frames out of the user's stack traces. Errors thrown through a wrapped API, or
// by a user listener that the agent's emit/dispatch wrappers call, would otherwise show a frame in
// dist/agent.js. Node exposes its default formatter as Error.prepareStackTrace (v20, v22, v24); we
// put a filter in front of it that drops frames from this file and delegates the rest unchanged.
// A user who installs their own Error.prepareStackTrace replaces the filter, which is their choice.

import { apply } from './pristine';

export function hideAgentFrames(agentFile: string): void {
  const E = Error as unknown as { prepareStackTrace?: (err: Error, frames: NodeJS.CallSite[]) => unknown };
  const original = E.prepareStackTrace;
  if (typeof original !== 'function') return;
  const prepareStackTrace = function (this: unknown, err: Error, frames: NodeJS.CallSite[]): unknown {
    let keep = frames;
    for (let k = 0; k < frames.length; k++) {
      if (frames[k].getFileName() === agentFile) {
        keep = frames.filter((f) => f.getFileName() !== agentFile);
        break;
      }
    }
    return apply(original, this, [err, keep]);
  };
  Object.defineProperty(prepareStackTrace, 'name', { value: original.name });
  E.prepareStackTrace = prepareStackTrace;
}
