// The agent's hot record writer (src/agent/fast-fields.ts) must write exactly the bytes of
// StreamEncoder.begin() + u() per field: chunk headers, small and huge values, backwards clocks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { StreamEncoder } from '../../src/protocol/wire';
import { FIELDS, record } from '../../src/agent/fast-fields';

const VALUES = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 40 + 3, 2 ** 53 - 1];

test('record() writes the same bytes as begin() + u(), across chunks, with any values and deltas', () => {
  const fast = new StreamEncoder(10, 11, 2);
  const ref = new StreamEncoder(10, 11, 2);
  let ts = 1.7e15;
  let seed = 7;
  let bytes = 0;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let k = 0; k < 5000; k++) {
    // mostly small steps, sometimes a jump of seconds, sometimes backwards
    ts += rnd() < 0.05 ? Math.floor(rnd() * 5e9) : rnd() < 0.05 ? -Math.floor(rnd() * 1e6) : Math.floor(rnd() * 5000);
    const n = rnd() < 0.5 ? 4 : 7;
    const kind = rnd() < 0.5 ? 13 : 14;
    ref.begin(kind, ts);
    for (let f = 0; f < n; f++) {
      const v = rnd() < 0.3 ? VALUES[Math.floor(rnd() * VALUES.length)] : Math.floor(rnd() * 1000);
      FIELDS[f] = v;
      ref.u(v);
    }
    record(fast, kind, ts, n);
    if (k % 997 === 0 || k === 4999) {
      const a = fast.flush();
      bytes += a.length;
      assert.deepEqual(a, ref.flush(), `chunk ending at record ${k}`);
    }
  }
  assert.ok(bytes > 5000 * 5, `${bytes} bytes written`);
});
