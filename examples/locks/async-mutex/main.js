'use strict';
// Async-mutex contention in one thread: five jobs share one Mutex (runExclusive) and six downloads
// share a Semaphore of 2 (acquire / release). Nothing blocks the thread, yet most jobs wait for the
// lock: the trace shows each request, grant and release, and `ctrace summary` counts the waits.
const { Mutex, Semaphore } = require('async-mutex');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const db = new Mutex();
const downloads = new Semaphore(2);

async function save(n) {
  await db.runExclusive(async () => {
    await sleep(5);
  });
  return n;
}

async function download(n) {
  const [, release] = await downloads.acquire();
  try {
    await sleep(5);
  } finally {
    release();
  }
  return n;
}

async function main() {
  const saved = await Promise.all([1, 2, 3, 4, 5].map(save));
  const fetched = await Promise.all([1, 2, 3, 4, 5, 6].map(download));
  console.log(`saved ${saved.length}, downloaded ${fetched.length}`);
}

main();
