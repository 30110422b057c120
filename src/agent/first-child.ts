// Work to do once, just before this thread starts its first worker or child process: the loader's
// code cache (code-cache.ts) is written then, so that a program that starts no other thread never
// pays for it, and every thread started after it finds it.

let pending: (() => void) | undefined;

export function beforeFirstChild(work: (() => void) | undefined): void {
  pending = work;
}

/** Called by the hooks before a Worker or a child process starts. */
export function childComing(): void {
  const work = pending;
  if (work === undefined) return;
  pending = undefined;
  try {
    work();
  } catch {
    // never throw into the program
  }
}
