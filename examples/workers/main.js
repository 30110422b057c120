// The CPU-bound job (hash 8 chunks of data, 2000 SHA-256 rounds each) split over 2 worker threads
// that talk to the main thread with postMessage. Deterministic shape, used by the demo and tests:
//   threads:  main + 2 workers (threadId 1 and 2, named 'hasher 0' and 'hasher 1'), both exit code 0
//   messages: main -> worker: 4 'job' + 1 'stop' each = 10 sends on channel kind 'worker'
//             worker -> main: 1 'ready' + 4 'result' each = 10 sends
// Prints the combined digest, which is the same whatever the scheduling.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');

const WORKERS = 2;
const CHUNKS = 8;
const ROUNDS = 2000;

function hashChunk(index) {
  let h = Buffer.from(`chunk-${index}`);
  for (let r = 0; r < ROUNDS; r++) h = crypto.createHash('sha256').update(h).digest();
  return h.toString('hex');
}

if (!isMainThread) {
  parentPort.on('message', (msg) => {
    if (msg.type === 'stop') return parentPort.close();
    parentPort.postMessage({ type: 'result', index: msg.index, digest: hashChunk(msg.index) });
  });
  parentPort.postMessage({ type: 'ready', worker: workerData.n });
} else {
  const results = new Array(CHUNKS);
  let done = 0;
  for (let n = 0; n < WORKERS; n++) {
    const worker = new Worker(__filename, { workerData: { n }, name: `hasher ${n}` });
    let pending = 0;
    worker.on('message', (msg) => {
      if (msg.type === 'ready') {
        // Chunks are dealt round-robin so each worker gets the same fixed set.
        for (let i = n; i < CHUNKS; i += WORKERS, pending++) worker.postMessage({ type: 'job', index: i });
        return;
      }
      results[msg.index] = msg.digest;
      done++;
      if (--pending === 0) worker.postMessage({ type: 'stop' });
      if (done === CHUNKS) {
        const all = crypto.createHash('sha256').update(results.join('')).digest('hex');
        console.log(`workers: ${CHUNKS} chunks hashed by ${WORKERS} workers: ${all.slice(0, 16)}`);
      }
    });
  }
}
