// Pure parts of the lock capture: which frame is "the acquire" (the caller of a lock helper), and
// SAB naming across a structured clone (sender and receiver walk workerData in the same order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireSite } from '../../src/recorder/locks';
import { adoptNames, collectSabs, initNames, namesForWorker, sabName } from '../../src/agent/hooks/locks/sab-names';

test('the acquire site skips lock helpers by name and keeps the first other frame', () => {
  const line = (s: ReturnType<typeof acquireSite>) => s?.line;
  assert.equal(line(acquireSite('/a.js:3:9', 'lock (/a.js:3:9)\npay (/a.js:20:3)')), 20);
  assert.equal(line(acquireSite('/a.js:3:9', 'Mutex.acquire (/a.js:3:9)\nspinLock (/a.js:9:1)\nasync worker (/a.js:30:5)')), 30);
  assert.equal(line(acquireSite('/a.js:3:9', 'transfer (/a.js:3:9)\nmain (/a.js:40:1)')), 3, 'not a helper name: the call itself');
  assert.equal(line(acquireSite('/a.js:3:9', 'blocking (/a.js:3:9)\nlocker (/a.js:8:1)')), 3, '"blocking" and "locker" are not helpers');
  assert.equal(line(acquireSite('/a.js:3:9', 'lock (/a.js:3:9)')), 3, 'only helpers: the outermost one');
  assert.equal(line(acquireSite('/a.js:3:9', undefined)), 3);
  assert.equal(acquireSite(undefined, undefined), undefined);
});

test('SABs are found in workerData in clone order, getters are never run, and names are adopted by the receiver', () => {
  initNames(42, 0);
  const s1 = new SharedArrayBuffer(8);
  const s2 = new SharedArrayBuffer(8);
  const data = { a: new Int32Array(s1), list: [1, { s2 }], m: new Map([['k', s1]]) };
  Object.defineProperty(data, 'trap', { enumerable: true, get: () => assert.fail('getter ran') });
  assert.deepEqual(collectSabs(data), [s1, s2, s1]);
  const names = namesForWorker(data)!;
  assert.deepEqual(names, ['42.0.1', '42.0.2', '42.0.1']);
  // the receiver's copy: other objects over the same memory, in the same shape
  const copy = structuredClone({ a: data.a, list: data.list, m: data.m });
  initNames(42, 1);
  adoptNames(copy, structuredClone(names));
  assert.equal(sabName(copy.a.buffer as SharedArrayBuffer), '42.0.1');
  assert.equal(sabName((copy.list[1] as { s2: SharedArrayBuffer }).s2), '42.0.2');
  assert.equal(sabName(new SharedArrayBuffer(8)), '42.1.1', 'a SAB of its own gets a local name');
});

test('a shape mismatch adopts nothing rather than the wrong names', () => {
  initNames(43, 2);
  const mine = new SharedArrayBuffer(4);
  adoptNames({ x: mine }, ['43.0.1', '43.0.2']);
  assert.equal(sabName(mine), '43.2.1');
});
