// The agent stages message records as raw numbers and encodes them in batches (src/agent/stage.ts);
// the batch encoder must write exactly the bytes of StreamEncoder.begin() + u() per field: chunk
// headers, small and huge values, backwards clocks, batches that span chunks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { StreamEncoder } from '../../src/protocol/wire';
import { EventKind, SCHEMA } from '../../src/protocol/events';
import { CAPACITY, STRIDE, encodeOne, encodeStaged } from '../../src/agent/stage';

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
      // as ThreadStream does after a flush, half the time: the chunk's first record first, then the rest
      if (staged.pendingRecords === 0 && rnd() < 0.5) {
        encodeOne(staged, slots, 0);
        encodeStaged(staged, slots, n, 1);
      } else encodeStaged(staged, slots, n);
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

test('a send left open for its size: sized after Node accepts it, never lost or overrun when user code inside the send records more', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { ThreadStream } = await import('../../src/agent/stream');
  const { MessageHooks, chan } = await import('../../src/agent/hooks/messages');
  const { decodeDir } = await import('../support/agent-run');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-stage-'));
  try {
    const ctx = new ThreadStream(dir, 4242, 4242, 0, true);
    const hooks = new MessageHooks(ctx);
    const info = chan(1, 'w:4242:1:down', 'w:4242:1:up');
    const value = { i: 1, s: 'xyz' };
    let ts = 1e12;
    const post = (v: unknown, inner?: () => void) => {
      const t = (ts += 1000);
      const staged = hooks.send(info, v, undefined, post, t, true);
      inner?.(); // what the clone may run: a getter that sends again
      hooks.sent(staged, t, v);
    };
    // fill the stage to one below its capacity, then a send that fills it while another send runs
    // inside it: the full stage is encoded first (the open record with no size yet), nothing is
    // written past the stage, and the outer send's late size goes nowhere
    for (let k = 0; k < CAPACITY - 1; k++) post(value);
    post(value, () => post({ inner: true }));
    for (let k = 0; k < 10; k++) post(value);
    ctx.flush();
    const sends = decodeDir(dir).events.filter((e) => e.kind === EventKind.MessageSend);
    assert.equal(sends.length, CAPACITY + 11);
    assert.deepEqual(sends.map((e) => e.fields.seq), sends.map((_, k) => k + 1));
    const sizes = sends.map((e) => e.fields.bytes);
    const sized = 3 + (2 + 1 + 9) + (2 + 1 + 2 + 3); // { i: 1, s: 'xyz' } as the estimator counts it
    assert.deepEqual(sizes.slice(0, CAPACITY - 1), new Array(CAPACITY - 1).fill(sized));
    assert.equal(sizes[CAPACITY - 1], 0, 'the open record was encoded before its size came');
    assert.ok(Number(sizes[CAPACITY]) > 0, 'the inner send is sized');
    assert.deepEqual(sizes.slice(CAPACITY + 1), new Array(10).fill(sized));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
