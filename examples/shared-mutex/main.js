// The CPU-bound job (hash 8 chunks of data, 2000 SHA-256 rounds each) split over 2 worker threads
// that share their results through a SharedArrayBuffer guarded by an Atomics-based mutex, instead of
// sending them back as messages. Deterministic shape, used by the demo and tests:
//   threads:  main + 2 workers (threadId 1 and 2), both exit code 0
//   locks:    one mutex (Int32 slot 0 of the SAB); each worker takes it 8 times per chunk
//             (once per 250 rounds, to publish progress) = 32 acquisitions per worker, 64 in all
//   messages: each worker posts one 'done' to main = 2 sends on channel kind 'worker'
// Prints the combined digest (the same as examples/workers) and the progress counter (16000).
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');

const WORKERS = 2;
const CHUNKS = 8;
const ROUNDS = 2000;
const PUBLISH_EVERY = 250;
const DIGEST = 32;
// SAB layout (Int32 slots): 0 = mutex (0 free, 1 held), 1 = progress counter; digests from byte 8.
const HEADER = 8;

class Mutex {
  constructor(i32, index) {
    this.i32 = i32;
    this.index = index;
  }
  lock() {
    while (Atomics.compareExchange(this.i32, this.index, 0, 1) !== 0) Atomics.wait(this.i32, this.index, 1);
  }
  unlock() {
    Atomics.store(this.i32, this.index, 0);
    Atomics.notify(this.i32, this.index, 1);
  }
}

if (!isMainThread) {
  const { sab, n } = workerData;
  const i32 = new Int32Array(sab);
  const bytes = new Uint8Array(sab);
  const mutex = new Mutex(i32, 0);
  for (let index = n; index < CHUNKS; index += WORKERS) {
    let h = Buffer.from(`chunk-${index}`);
    for (let r = 1; r <= ROUNDS; r++) {
      h = crypto.createHash('sha256').update(h).digest();
      if (r % PUBLISH_EVERY === 0) {
        mutex.lock();
        i32[1] += PUBLISH_EVERY; // a plain read-modify-write: only correct under the mutex
        if (r === ROUNDS) bytes.set(h, HEADER + index * DIGEST);
        mutex.unlock();
      }
    }
  }
  parentPort.postMessage({ type: 'done', worker: n });
} else {
  const sab = new SharedArrayBuffer(HEADER + CHUNKS * DIGEST);
  let exited = 0;
  for (let n = 0; n < WORKERS; n++) {
    const worker = new Worker(__filename, { workerData: { sab, n } });
    worker.on('message', () => {});
    worker.on('exit', () => {
      if (++exited < WORKERS) return;
      const i32 = new Int32Array(sab);
      const hex = [];
      for (let i = 0; i < CHUNKS; i++) hex.push(Buffer.from(sab, HEADER + i * DIGEST, DIGEST).toString('hex'));
      const all = crypto.createHash('sha256').update(hex.join('')).digest('hex');
      console.log(`shared-mutex: ${CHUNKS} chunks hashed by ${WORKERS} workers: ${all.slice(0, 16)}, progress ${i32[1]}`);
    });
  }
}
