// Lock and wait hooks (Atomics, Web Locks, async-mutex). Owned by the locks work (issue 5); the
// agent core calls installLockHooks once per thread after its own hooks are in place.
import type { AgentContext } from '../context';

export function installLockHooks(_ctx: AgentContext): void {
  // filled in by the locks capability
}
