// The agent stages message records as raw numbers and encodes them in batches (src/agent/stage.ts);
// the batch encoder must write exactly the bytes of StreamEncoder.begin() + u() per field: chunk
// headers, small and huge values, backwards clocks, batches that span chunks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { StreamEncoder } from '../../src/protocol/wire';
import { EventKind } from '../../src/protocol/events';
import { CAPACITY, STRIDE, SEND_FIELDS, RECEIVE_FIELDS, encodeOne, encodeStaged } from '../../src/agent/stage';

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
    for (let f = 0, fields = kind === EventKind.MessageSend ? SEND_FIELDS : RECEIVE_FIELDS; f < fields; f++) {
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

/**
 * A thread's message hooks writing into a temporary folder, around a stand-in for Node's postMessage
 * that keeps Node's order: the clone reads every property (running getters, which may send), then the
 * message is delivered (`deliver`), or the clone is refused (`refuse: true`). `run` gets a traced post
 * on one Worker channel; returns the send records written.
 */
async function withHooks(pid: number, run: (h: { post: (v: Record<string, unknown>) => void; hooks: import('../../src/agent/hooks/messages').MessageHooks; ctx: import('../../src/agent/stream').ThreadStream }) => void, deliver?: (v: Record<string, unknown>) => void) {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { ThreadStream } = await import('../../src/agent/stream');
  const { MessageHooks, chan, INFO } = await import('../../src/agent/hooks/messages');
  const { decodeDir } = await import('../support/agent-run');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-stage-'));
  try {
    const ctx = new ThreadStream(dir, pid, pid, 0, true);
    const hooks = new MessageHooks(ctx);
    const orig = function (this: unknown, v: Record<string, unknown>) {
      const copy = { ...v };
      if (copy.refuse) throw new Error('DataCloneError');
      deliver?.(copy);
    };
    const port = { [INFO]: chan(1, `w:${pid}:1:down`, `w:${pid}:1:up`) };
    const traced = hooks.tracedPost(orig) as (this: unknown, v: unknown) => void;
    run({ post: (v) => traced.call(port, v), hooks, ctx });
    ctx.flush();
    return decodeDir(dir).events.filter((e) => e.kind === EventKind.MessageSend);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a send made inside a send on its channel (a getter the clone runs) takes the place Node delivers it in, across a full stage; a refused one gives its place back', async () => {
  const delivered: string[] = [];
  const called: string[] = [];
  const sends = await withHooks(
    4242,
    ({ post: traced, ctx }) => {
      const post = (v: Record<string, unknown>) => {
        if (!v.refuse) called.push(String(v.tag));
        traced(v);
      };
      let k = 0;
      // past the first sends (general path, site captured) into the written-out one
      for (; k < 20; k++) post({ tag: `p${k}` });
      post({ tag: 'outer', get g() { post({ tag: 'inner' }); return 1; } });
      post({ tag: 'o2', get g() { post({ tag: 'mid', get h() { post({ tag: 'deep' }); return 2; } }); return 1; } });
      post({
        tag: 'o3',
        get g() {
          post({ tag: 'x1' });
          try {
            post({ refuse: true, get a() { post({ tag: 'x2' }); return 1; } });
          } catch {
            // refused, as the program expects
          }
          return 0;
        },
      });
      // a send inside a send when that fills the stage: the open one is encoded with its place moved
      while (ctx.stage.n < CAPACITY - 1) post({ tag: `q${k++}` });
      post({ tag: 'edge', get g() { post({ tag: 'edge-inner' }); return 1; } });
      for (let j = 0; j < 5; j++) post({ tag: `r${j}` });
    },
    (copy) => delivered.push(String(copy.tag)),
  );
  assert.deepEqual(delivered.slice(20, 28), ['inner', 'outer', 'deep', 'mid', 'o2', 'x1', 'x2', 'o3']);
  assert.equal(sends.length, called.length, 'the refused send left no record');
  // records in the order the sends were called; each one's seq is its place in delivery
  const bySeq = new Map(sends.map((e, i) => [Number(e.fields.seq), called[i]]));
  assert.deepEqual(delivered.map((_, i) => bySeq.get(i + 1)), delivered);
});

test('a refused send with a send inside it, when they cannot all be moved back (a full stage, a broadcast): its record stays rather than two sends sharing a number', async () => {
  const { chan } = await import('../../src/agent/hooks/messages');
  const sends = await withHooks(4243, ({ post, ctx, hooks }) => {
    for (let k = 0; k < 20; k++) post({ k });
    while (ctx.stage.n < CAPACITY - 1) post({});
    // the outer send fills the stage; the inner one moves it up, then its batch is encoded
    post({
      get g() {
        try {
          post({ refuse: true });
        } catch {
          // refused
        }
        return 1;
      },
    });
    for (let k = 0; k < 3; k++) post({ k });
    // a broadcast (paired by the number in its envelope, so sends are never open) that is refused
    // after a getter broadcast again: the inner one keeps its number, and so does the refused one
    const bcInfo = chan(3, 'b:4243:0:1', undefined);
    const broadcast = (refuse: boolean, inner?: () => void) => {
      const ts = hooks.now();
      const staged = hooks.send(bcInfo, undefined, broadcast, ts);
      try {
        inner?.();
        if (refuse) throw new Error('DataCloneError');
      } catch {
        hooks.takeBack(bcInfo, staged, ts);
        return;
      }
      hooks.closeSend(staged);
    };
    broadcast(false);
    broadcast(true, () => broadcast(false));
    broadcast(false);
  });
  const seqs = sends.filter((e) => e.fields.channelKind === 1).map((e) => Number(e.fields.seq));
  assert.equal(new Set(seqs).size, seqs.length, `every send has its own number: ${seqs.slice(-6).join(' ')}`);
  assert.equal(Math.max(...seqs), seqs.length);
  assert.deepEqual(sends.filter((e) => e.fields.channelKind === 3).map((e) => e.fields.seq), [1, 2, 3, 4]);
});
