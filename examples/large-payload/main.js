// Large messages three ways, so the insights can tell copying from transferring and sharing. The main
// thread sends one worker a 4 MB Float64Array:
//   3 times copied      postMessage({ data })            -> flagged: "transfer or share it instead"
//   1 time transferred  postMessage({ data }, [buffer])  -> not flagged (the buffer moves, no copy)
//   1 time shared       a SharedArrayBuffer view          -> not flagged (both threads see the same memory)
// The worker answers each with the sum (a small message). Deterministic shape for the tests:
//   threads: main + 1 worker; messages: 6 sends main -> worker (5 payloads, then 'stop'), 5 sends
//   worker -> main (the sums).
'use strict';
const { Worker, isMainThread, parentPort } = require('node:worker_threads');

const BYTES = 4 * 1024 * 1024;
const LENGTH = BYTES / Float64Array.BYTES_PER_ELEMENT;

if (!isMainThread) {
  parentPort.on('message', (msg) => {
    if (msg.type === 'stop') return parentPort.close();
    let sum = 0;
    for (let i = 0; i < msg.data.length; i++) sum += msg.data[i];
    parentPort.postMessage({ type: 'sum', how: msg.how, sum });
  });
} else {
  const filled = (buffer) => {
    const a = new Float64Array(buffer);
    for (let i = 0; i < a.length; i++) a[i] = i % 7;
    return a;
  };
  const worker = new Worker(__filename);
  const sends = [
    () => worker.postMessage({ type: 'work', how: 'copied', data: filled(new ArrayBuffer(BYTES)) }),
    () => worker.postMessage({ type: 'work', how: 'copied', data: filled(new ArrayBuffer(BYTES)) }),
    () => worker.postMessage({ type: 'work', how: 'copied', data: filled(new ArrayBuffer(BYTES)) }),
    () => {
      const data = filled(new ArrayBuffer(BYTES));
      worker.postMessage({ type: 'work', how: 'transferred', data }, [data.buffer]);
    },
    () => worker.postMessage({ type: 'work', how: 'shared', data: filled(new SharedArrayBuffer(BYTES)) }),
  ];
  let next = 0;
  worker.on('message', (msg) => {
    console.log(`large-payload: ${msg.how} ${LENGTH} doubles, sum ${msg.sum}`);
    if (next < sends.length) sends[next++]();
    else worker.postMessage({ type: 'stop' });
  });
  sends[next++]();
}
