// A TypeScript program run through tsx: its worker's call site must open on this file's line, not on
// the line of tsx's compiled output.
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

interface Job {
  id: number;
  label: string;
}

type Result = { id: number; sum: number };

function work(job: Job): Result {
  let sum = 0;
  for (let i = 0; i < 1000; i++) sum += i * job.id;
  return { id: job.id, sum };
}

if (isMainThread) {
  const job: Job = { id: 7, label: 'seven' };
  const worker = new Worker(__filename, { workerData: job }); // the call site the test clicks
  worker.on('message', (r: Result) => console.log(`typed: ${job.label} -> ${r.sum}`));
} else {
  parentPort!.postMessage(work({ id: 7, label: 'seven' }));
}
