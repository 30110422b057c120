'use strict';
// A contended mutex: 4 workers increment one shared counter 200 times each under a mutex built on
// a SharedArrayBuffer word (compareExchange 0 -> 1 to take it, Atomics.wait while it is taken,
// store 0 + notify to give it back). The work inside the lock is long enough that the workers queue
// for it: the trace shows who held the lock while the others waited, and `ctrace summary` ranks it.
const { Worker, isMainThread, workerData } = require('node:worker_threads');

const WORKERS = 4;
const ROUNDS = 200;
const LOCK = 0;
const COUNTER = 1;

function lock(word) {
  while (Atomics.compareExchange(word, LOCK, 0, 1) !== 0) Atomics.wait(word, LOCK, 1);
}

function unlock(word) {
  Atomics.store(word, LOCK, 0);
  Atomics.notify(word, LOCK, 1);
}

function busy(us) {
  const end = process.hrtime.bigint() + BigInt(us * 1000);
  while (process.hrtime.bigint() < end);
}

if (isMainThread) {
  const sab = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  let done = 0;
  for (let n = 0; n < WORKERS; n++) {
    new Worker(__filename, { workerData: { sab }, name: `adder ${n + 1}` }).on('exit', () => {
      if (++done === WORKERS) console.log(`counter = ${new Int32Array(sab)[COUNTER]} (expected ${WORKERS * ROUNDS})`);
    });
  }
} else {
  const word = new Int32Array(workerData.sab);
  for (let r = 0; r < ROUNDS; r++) {
    lock(word);
    word[COUNTER]++;
    busy(50);
    unlock(word);
    busy(10);
  }
}
