// Passes SAB names to new Workers (see sab-names.ts): a subclass of whatever Worker class is in
// place (the agent core's, which already adds NODE_OPTIONS to a custom env) that adds one variable
// to the new thread's environment. The user's options object is never modified: a custom env is
// copied; the default env (a copy of process.env taken by the constructor) gets the variable for
// the duration of the constructor call only.

import module = require('node:module');
import wt = require('node:worker_threads');
import { NAMES_ENV, adoptNames, isShareEnv, namesForWorker } from './sab-names';
import { hasOwn } from '../../pristine';

type WorkerOptions = { workerData?: unknown; env?: unknown } & Record<string, unknown>;

export function installWorkerNames(): void {
  if (!wt.isMainThread) adoptNames(wt.workerData, process.env);
  const Base = wt.Worker;
  class Worker extends Base {
    constructor(filename: string | URL, options?: WorkerOptions) {
      let opts = options;
      let restore: (() => void) | undefined;
      try {
        const names = options && typeof options === 'object' ? namesForWorker(options.workerData) : undefined;
        if (names !== undefined && options) {
          if (options.env === undefined || options.env === null) {
            const had = hasOwn(process.env, NAMES_ENV);
            const before = process.env[NAMES_ENV];
            process.env[NAMES_ENV] = names;
            restore = () => {
              if (had) process.env[NAMES_ENV] = before;
              else delete process.env[NAMES_ENV];
            };
          } else if (!isShareEnv(options.env) && typeof options.env === 'object') {
            opts = { ...options, env: { ...(options.env as object), [NAMES_ENV]: names } };
          }
        }
      } catch {
        opts = options;
      }
      try {
        super(filename, opts as ConstructorParameters<typeof Base>[1]);
      } finally {
        if (restore) restore();
      }
    }
  }
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  Object.defineProperty(Worker, 'length', { value: Base.length });
  (wt as { Worker: unknown }).Worker = Worker;
  try {
    module.syncBuiltinESMExports();
  } catch {
    // older Node: ESM importers keep the previous class, which still works (names stay local)
  }
}
