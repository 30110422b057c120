// Scheduling and memory capture (issue 4): plugs into the collector. Until it lands this records
// nothing and says so in the trace (schedMode 'off').
import type { SchedMode } from '../../protocol/trace';
import type { CaptureOptions } from '../types';

export type EmitRecord = (kind: number, ts: number, values: Record<string, number | string | undefined>) => void;

export interface SchedCapture {
  readonly mode: SchedMode;
  /** why this mode (shown in logs, the summary and the UI) */
  readonly note: string;
  /** lets the capture wrap the launched command (e.g. in `perf record`) */
  wrapCommand(command: string, args: string[]): { command: string; args: string[] };
  /** starts sampling the process tree rooted at rootPid; records go through emit */
  start(rootPid: number, emit: EmitRecord): void;
  /** pids the collector learned from the agents (so short-lived ones are sampled too) */
  addProcess(pid: number): void;
  /** stops, emitting final totals */
  stop(): Promise<void>;
}

export function createSchedCapture(_opts: CaptureOptions, _log: (line: string) => void): SchedCapture {
  return {
    mode: 'off',
    note: 'scheduling capture not available',
    wrapCommand: (command, args) => ({ command, args }),
    start: () => {},
    addProcess: () => {},
    stop: async () => {},
  };
}
