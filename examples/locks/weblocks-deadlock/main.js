'use strict';
// Web Locks deadlock (Node 24+, where navigator.locks exists): two workers each hold one named lock
// and request the other. A barrier on a SharedArrayBuffer (waitAsync, so nothing blocks) makes the
// interleaving certain. The workers keep listening for messages, so the program hangs instead of
// quietly dropping the requests; `ctrace record` reports the cycle; Ctrl-C ends it.
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');

if (typeof navigator === 'undefined' || !navigator.locks) {
  console.error(`navigator.locks is not available in Node ${process.version}: run this example with Node 24 or newer`);
  process.exit(2);
}

async function meet(word) {
  Atomics.add(word, 0, 1);
  Atomics.notify(word, 0);
  for (let v = Atomics.load(word, 0); v < 2; v = Atomics.load(word, 0)) await Atomics.waitAsync(word, 0, v).value;
}

async function inventoryThenOrders(word) {
  await navigator.locks.request('inventory', async () => {
    await meet(word);
    await navigator.locks.request('orders', async () => {});
  });
}

async function ordersThenInventory(word) {
  await navigator.locks.request('orders', async () => {
    await meet(word);
    await navigator.locks.request('inventory', async () => {});
  });
}

if (isMainThread) {
  const sab = new SharedArrayBuffer(4);
  for (const job of ['inventoryThenOrders', 'ordersThenInventory']) new Worker(__filename, { workerData: { sab, job }, name: job });
  console.log('started two workers');
} else {
  parentPort.on('message', () => process.exit(0)); // a worker that serves messages stays alive
  const word = new Int32Array(workerData.sab);
  (workerData.job === 'inventoryThenOrders' ? inventoryThenOrders : ordersThenInventory)(word).then(() => parentPort.close());
}
