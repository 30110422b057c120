'use strict';
// ABBA deadlock: two workers share two mutexes built on one SharedArrayBuffer (word 0 = account A,
// word 1 = account B). The "pay" worker takes A then B, the "refund" worker takes B then A. A barrier
// makes sure each holds its first lock before asking for the second, so they wait for each other
// forever and the program hangs. `ctrace record` reports the cycle while it hangs; Ctrl-C ends it.
const { Worker, isMainThread, workerData } = require('node:worker_threads');

const A = 0;
const B = 1;
const BARRIER = 2;

function lock(word, i) {
  while (Atomics.compareExchange(word, i, 0, 1) !== 0) Atomics.wait(word, i, 1);
}

function unlock(word, i) {
  Atomics.store(word, i, 0);
  Atomics.notify(word, i, 1);
}

/** returns once both workers have arrived */
function meet(word) {
  Atomics.add(word, BARRIER, 1);
  Atomics.notify(word, BARRIER);
  for (let v = Atomics.load(word, BARRIER); v < 2; v = Atomics.load(word, BARRIER)) Atomics.wait(word, BARRIER, v);
}

function pay(word) {
  lock(word, A);
  meet(word);
  lock(word, B);
  unlock(word, B);
  unlock(word, A);
}

function refund(word) {
  lock(word, B);
  meet(word);
  lock(word, A);
  unlock(word, A);
  unlock(word, B);
}

if (isMainThread) {
  const sab = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  for (const job of ['pay', 'refund']) {
    const w = new Worker(__filename, { workerData: { sab, job }, name: job });
    w.on('exit', () => console.log(`${job} finished`));
  }
  console.log('started pay and refund');
} else {
  const word = new Int32Array(workerData.sab);
  if (workerData.job === 'pay') pay(word);
  else refund(word);
}
