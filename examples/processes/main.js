// The CPU-bound job (hash 8 chunks of data, 2000 SHA-256 rounds each) split over 2 forked child
// processes that talk to the parent over IPC. Deterministic shape, used by the demo and the tests:
//   processes: 1 parent + 2 children (fork), each child exits normally with code 0
//   messages:  parent -> child: 4 'job' messages each + 1 'stop' = 10 sends on channel 'process'
//              child -> parent: 1 'ready' + 4 'result' each        = 10 sends
// Prints the combined digest, which is the same whatever the scheduling.
'use strict';
const { fork } = require('node:child_process');
const crypto = require('node:crypto');

const CHILDREN = 2;
const CHUNKS = 8;
const ROUNDS = 2000;

function hashChunk(index) {
  let h = Buffer.from(`chunk-${index}`);
  for (let r = 0; r < ROUNDS; r++) h = crypto.createHash('sha256').update(h).digest();
  return h.toString('hex');
}

if (process.argv[2] === 'child') {
  process.on('message', (msg) => {
    if (msg.type === 'stop') return process.disconnect();
    process.send({ type: 'result', index: msg.index, digest: hashChunk(msg.index) });
  });
  process.send({ type: 'ready' });
} else {
  const results = new Array(CHUNKS);
  let done = 0;
  for (let c = 0; c < CHILDREN; c++) {
    const child = fork(__filename, ['child']);
    let pending = 0;
    child.on('message', (msg) => {
      if (msg.type === 'ready') {
        // Chunks are dealt round-robin so each child gets the same fixed set.
        for (let i = c; i < CHUNKS; i += CHILDREN, pending++) child.send({ type: 'job', index: i });
        return;
      }
      results[msg.index] = msg.digest;
      done++;
      if (--pending === 0) child.send({ type: 'stop' });
      if (done === CHUNKS) {
        const all = crypto.createHash('sha256').update(results.join('')).digest('hex');
        console.log(`processes: ${CHUNKS} chunks hashed by ${CHILDREN} children: ${all.slice(0, 16)}`);
      }
    });
  }
}
