// The agent stages message records as raw numbers and encodes them in batches (src/agent/stage.ts);
// the batch encoder must write exactly the bytes of StreamEncoder.begin() + u() per field: chunk
// headers, small and huge values, backwards clocks, batches that span chunks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { StreamEncoder } from '../../src/protocol/wire';
import { EventKind, SCHEMA } from '../../src/protocol/events';
import { CAPACITY, STRIDE, encodeStaged } from '../../src/agent/stage';

const VALUES = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 40 + 3, 2 ** 53 - 1];

test('encodeStaged() writes the same bytes as begin() + u(), across batches and chunks, with any values and deltas', () => {
  const staged = new StreamEncoder(10, 11, 2);
  const ref = new StreamEncoder(10, 11, 2);
  const slots = new Float64Array(STRIDE * CAPACITY);
  let ts = 1.7e15;
  let seed = 7;
  let bytes = 0;
  let n = 0;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let k = 0; k < 5000; k++) {
    // mostly small steps, sometimes a jump of seconds, sometimes backwards
    ts += rnd() < 0.05 ? Math.floor(rnd() * 5e9) : rnd() < 0.05 ? -Math.floor(rnd() * 1e6) : Math.floor(rnd() * 5000);
    const kind = rnd() < 0.5 ? EventKind.MessageSend : EventKind.MessageReceive;
    const p = n * STRIDE;
    slots[p] = kind;
    slots[p + 1] = ts;
    ref.begin(kind, ts);
    for (let f = 0; f < SCHEMA[kind].length; f++) {
      const v = rnd() < 0.3 ? VALUES[Math.floor(rnd() * VALUES.length)] : Math.floor(rnd() * 1000);
      slots[p + 2 + f] = v;
      ref.u(v);
    }
    // batches of any size up to the stage's capacity
    if (++n === CAPACITY || rnd() < 0.02) {
      encodeStaged(staged, slots, n);
      n = 0;
    }
    if (k % 997 === 0 || k === 4999) {
      encodeStaged(staged, slots, n);
      n = 0;
      const a = staged.flush();
      bytes += a.length;
      assert.deepEqual(a, ref.flush(), `chunk ending at record ${k}`);
    }
  }
  assert.ok(bytes > 5000 * 5, `${bytes} bytes written`);
});
