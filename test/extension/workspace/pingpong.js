// 3000 round trips with a worker: far more records than a 16 KB stream file holds (node-fsize.sh)
const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  let n = 0;
  w.on('message', () => (++n < 3000 ? w.postMessage({ n }) : w.terminate()));
  w.postMessage({ n });
} else parentPort.on('message', (m) => parentPort.postMessage(m));
