// Tells `ctrace record` that the program got a signal it listens for (protocol/session.ts,
// signalMarkerName): the recorder forwards a SIGINT, SIGTERM or SIGHUP it gets only when the program
// did not get the same one already, from a signal sent to the whole process group.

import { signalMarkerName } from '../protocol/session';
import { closeSync, inDir, openSync } from './pristine';

const counts: Record<string, number> = { SIGINT: 0, SIGTERM: 0, SIGHUP: 0 };

/** Leaves the marker for `signal` (SIGINT, SIGTERM or SIGHUP). Never throws. */
export function markSignal(dir: string, pid: number, signal: string): void {
  try {
    closeSync(openSync(inDir(dir, signalMarkerName(pid, signal, ++counts[signal])), 'w'));
  } catch {
    // the recorder then forwards its own: two signals, as before markers
  }
}
