// Lock and wait hooks (Atomics, Web Locks, async-mutex). Owned by the locks work (issue 5); the
// agent core calls installLockHooks once per thread after its own hooks are in place. Each family
// installs on its own, so a failure in one (an unexpected Node or package version) leaves the
// program untouched by it and the others working. What is recorded: docs/locks.md.
import type { AgentContext } from '../context';
import { installAsyncMutexHooks } from './locks/async-mutex';
import { installAtomicsHooks } from './locks/atomics';
import { initNames } from './locks/sab-names';
import { installWebLocksHooks } from './locks/weblocks';
import { adoptWorkerNames } from './locks/worker-names';

export function installLockHooks(ctx: AgentContext): void {
  initNames(ctx.pid, ctx.threadId);
  for (const install of [adoptWorkerNames, () => installAtomicsHooks(ctx), () => installWebLocksHooks(ctx), () => installAsyncMutexHooks(ctx)]) {
    try {
      install();
    } catch {
      // a hook family that cannot install is skipped; the program must run as without the agent
    }
  }
}
