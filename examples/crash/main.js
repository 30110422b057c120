// Crash isolation: a worker that throws and a child process killed by a signal, both of which the
// parent survives. Deterministic shape, in this order:
//   1. worker (threadId 1) throws `Error: boom in worker` at the `throw` below (the line marked
//      CRASH-SITE); the parent sees it on the worker's 'error' event; the worker exits with code 1
//   2. then a forked child (argv 'child') says 'ready' over IPC (1 send) and the parent kills it
//      with SIGKILL; the child's exit is signal SIGKILL, which no handler in the child can see
//   3. the parent prints what happened and exits normally with code 0
'use strict';
const { Worker, isMainThread } = require('node:worker_threads');
const { fork } = require('node:child_process');

function failingStep(n) {
  if (n > 2) throw new Error('boom in worker'); // CRASH-SITE
  return failingStep(n + 1);
}

if (process.argv[2] === 'child') {
  process.send({ type: 'ready' });
  setInterval(() => {}, 1000); // stays alive until killed
} else if (!isMainThread) {
  failingStep(0);
} else {
  const worker = new Worker(__filename);
  worker.on('error', (err) => console.log(`crash: worker failed: ${err.message}`));
  worker.on('exit', (code) => {
    console.log(`crash: worker exited with code ${code}`);
    const child = fork(__filename, ['child']);
    child.on('message', () => child.kill('SIGKILL'));
    child.on('exit', (code, signal) => {
      console.log(`crash: child exited with ${signal}; the parent is still running`);
      process.exitCode = 0;
    });
  });
}
