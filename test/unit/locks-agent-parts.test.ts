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

test("the walk of workerData runs none of the program's code, as the clone after it runs none", () => {
  const ran: string[] = [];
  const s1 = new SharedArrayBuffer(4);
  const s2 = new SharedArrayBuffer(4);
  const s3 = new SharedArrayBuffer(4);
  class LoggedMap extends Map<unknown, unknown> {
    override entries(): MapIterator<[unknown, unknown]> {
      ran.push('Map entries');
      return super.entries();
    }
    override [Symbol.iterator](): MapIterator<[unknown, unknown]> {
      ran.push('Map iterator');
      return super.entries();
    }
  }
  class LoggedSet extends Set<unknown> {
    override values(): SetIterator<unknown> {
      ran.push('Set values');
      return super.values();
    }
    override [Symbol.iterator](): SetIterator<unknown> {
      ran.push('Set iterator');
      return super.values();
    }
  }
  class LoggedView extends Int32Array<ArrayBufferLike> {
    override get buffer(): ArrayBufferLike {
      ran.push('buffer getter');
      return super.buffer;
    }
  }
  const traps = new Proxy({ s: new SharedArrayBuffer(4) }, {
    getPrototypeOf: (t) => (ran.push('getPrototypeOf trap'), Reflect.getPrototypeOf(t)),
    ownKeys: (t) => (ran.push('ownKeys trap'), Reflect.ownKeys(t)),
    get: (t, k, r) => (ran.push('get trap'), Reflect.get(t, k, r)),
  });
  const list: unknown[] = [s3];
  Object.defineProperty(list, 1, { get: () => (ran.push('element getter'), 1), enumerable: true });
  const data = { m: new LoggedMap([['k', s1]]), set: new LoggedSet([s2]), view: new LoggedView(s3), traps, list };
  const entries = Map.prototype.entries;
  const add = Set.prototype.add;
  Map.prototype.entries = function (this: Map<unknown, unknown>) {
    ran.push('Map.prototype.entries');
    return entries.call(this);
  };
  Set.prototype.add = function (this: Set<unknown>, v: unknown) {
    ran.push('Set.prototype.add');
    return add.call(this, v);
  };
  try {
    assert.deepEqual(collectSabs(data), [s1, s2, s3, s3], 'found through Node\'s own iteration, the Proxy left alone');
  } finally {
    Map.prototype.entries = entries;
    Set.prototype.add = add;
  }
  assert.deepEqual(ran, []);
  // the walk looks at 100,000 elements and keys at most, holes included: a sparse array's length can
  // be 2^32 - 1, which took the constructor 100 s when only objects counted; a dense array of numbers
  // longer than the 2000 objects the walk visits still lets it reach what follows
  const sparse: unknown[] = [];
  sparse[200_000] = s1;
  assert.deepEqual(collectSabs({ before: s2, sparse }), [s2]);
  assert.deepEqual(collectSabs({ numbers: new Array(3000).fill(0), after: s1 }), [s1]);
});
