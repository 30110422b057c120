// The worker's side of SAB names (sab-names.ts): the names its creator gave the SharedArrayBuffers
// in its workerData arrive in environment data (hooks/worker-options.ts hands them over from the
// creator's `new Worker`), and are adopted before any user code runs.

import wt = require('node:worker_threads');
import { adoptNames } from './sab-names';
import { NAMES_KEY, takeEnvironmentData } from '../worker-options';

export function adoptWorkerNames(): void {
  if (!wt.isMainThread) adoptNames(wt.workerData, takeEnvironmentData(NAMES_KEY));
}
