// The agent's size estimate of a received message (src/agent/size.ts): close to V8's serialized
// size, SharedArrayBuffers apart, quick on any shape (a sparse array of length 2^32 - 1 included),
// and it never reaches code a program may have put on prototypes or globals after the agent loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { inspect } from 'node:util';
import { SizeEstimator, transferredBytes } from '../../src/agent/size';

const size = new SizeEstimator();
const near = (v: unknown, slack = 16) => {
  const got = size.estimate(structuredClone(v));
  const real = v8.serialize(v).length;
  assert.ok(Math.abs(got - real) <= slack + real * 0.1, `${got} for ${real} serialized bytes: ${inspect(v)}`);
};

test('sizes are close to the serialized size, shared bytes counted apart', () => {
  near({ i: 1, s: 'xyz' });
  near([1, 2, 3, 'four']);
  near({ nested: { deep: [{ a: 1 }, { b: 'two' }] } });
  near(new Map<unknown, unknown>([['a', 1], [2, { b: 3 }]]), 24);
  near(new Set(['x', 'y', 3]), 24);
  near(new Uint8Array(1000));
  near(new ArrayBuffer(64));
  near(new Date(0));
  near(Object.assign(Object.create(null), { a: 'x' }));
  // strings: one byte a character up to U+00FF, two past it (V8 keeps and writes them so)
  near({ latin1: 'é'.repeat(500), cjk: '日本語'.repeat(200) });
  near(['Grüße '.repeat(40), 'Ωmega'.repeat(40)]);
  near('emoji 😀'.repeat(100));
  near(new Map([['k', 'ключ'.repeat(50)]]));
  const sab = new SharedArrayBuffer(8);
  assert.ok(size.estimate({ view: new Int32Array(sab), sab }) < 40);
  assert.equal(size.shared, 16);
  const err = size.estimate(structuredClone(new TypeError('boom')));
  assert.ok(err > 20 && err < 2000, `error ${err}`);
  // past the budget, the serializer gives the figure
  const big = structuredClone(Array.from({ length: 1000 }, (_, i) => ({ i })));
  assert.equal(size.estimate(big), v8.serialize(big).length);
});

test('a sparse array is sized without walking its length', () => {
  const a: number[] = [];
  a[2 ** 32 - 2] = 1;
  const t = process.hrtime.bigint();
  const n = size.estimate(structuredClone(a));
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  assert.ok(n > 0 && n < 64, `${n} bytes`);
  assert.ok(ms < 1000, `${ms} ms`); // a walk over every index takes minutes
});

test("what a program patches after the agent loaded is never called: prototypes' getters and holes, globals, instanceof", () => {
  // a string and a Set, not arrays: the patches below reach every array, these ones included
  let calls = '';
  const restore = new Set<() => void>();
  const patch = (o: object, key: PropertyKey, desc: PropertyDescriptor) => {
    const old = Object.getOwnPropertyDescriptor(o, key);
    Object.defineProperty(o, key, { configurable: true, ...desc });
    restore.add(() => (old ? Object.defineProperty(o, key, old) : delete (o as Record<PropertyKey, unknown>)[key]));
  };
  const log = (what: string) => () => {
    calls += what + '; ';
  };
  const typed = Object.getPrototypeOf(Uint8Array.prototype);
  const values = [[1, , 3], new Uint8Array(4), new DataView(new ArrayBuffer(2)), new ArrayBuffer(4), new Map([[1, 2]]), new Set([1]), new TypeError('t'), { a: [1, 2] }].map((v) => structuredClone(v));
  try {
    patch(Array.prototype, 1, { get: log('Array.prototype[1]') });
    patch(typed, 'byteLength', { get: log('TypedArray byteLength') });
    patch(typed, 'buffer', { get: log('TypedArray buffer') });
    patch(ArrayBuffer.prototype, 'byteLength', { get: log('ArrayBuffer byteLength') });
    patch(TypeError.prototype, 'name', { get: log('TypeError name') });
    patch(Object, 'getPrototypeOf', { value: log('getPrototypeOf'), writable: true });
    patch(ArrayBuffer, 'isView', { value: log('isView'), writable: true });
    patch(ArrayBuffer, Symbol.hasInstance, { value: log('hasInstance') });
    patch(Map.prototype, 'forEach', { value: log('Map forEach'), writable: true });
    for (const v of values) size.estimate(v);
  } finally {
    for (const r of [...restore].reverse()) r();
  }
  assert.equal(calls, '');
});

test('transferred bytes: ArrayBuffers and the buffers of views in the transfer list', () => {
  const ab = new ArrayBuffer(16);
  assert.equal(transferredBytes([ab, new Uint8Array(new ArrayBuffer(8), 0, 2)]), 24);
  assert.equal(transferredBytes({ transfer: [ab] }), 16);
  assert.equal(transferredBytes([new Int32Array(new SharedArrayBuffer(8))]), 0);
  assert.equal(transferredBytes(undefined), 0);
});
