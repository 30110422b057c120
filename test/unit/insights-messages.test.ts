import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind } from '../../src/protocol/events';
import { computeInsights, LARGE_COPY_BYTES } from '../../src/recorder/insights';
import { ev } from './insights-helpers';

const W = 1; // ChannelKind.Worker
const P = 0; // ChannelKind.Process

// Main (pid 100) posts 3 messages to worker 1 (latencies 1, 3, 2 ms; the middle one copies 100 KB),
// transfers a 4 MB buffer, shares a SharedArrayBuffer, and sends 1 MB over IPC to a child (pid 200)
// whose receipt is lost.
const trace = [
  ev(EventKind.MessageSend, 100, 100, 0, { channelKind: W, channel: 'w:100:1', seq: 0, bytes: 10, site: '/w/app.js:20:7' }),
  ev(EventKind.MessageReceive, 101, 100, 1, { channelKind: W, channel: 'w:100:1', seq: 0, bytes: 10 }),
  ev(EventKind.MessageSend, 200, 100, 0, { channelKind: W, channel: 'w:100:1', seq: 1, bytes: 100 * 1024, site: '/w/app.js:21:7' }),
  ev(EventKind.MessageSend, 300, 100, 0, { channelKind: W, channel: 'w:100:1', seq: 2, bytes: 10, site: '/w/app.js:20:7' }),
  ev(EventKind.MessageReceive, 203, 100, 1, { channelKind: W, channel: 'w:100:1', seq: 1, bytes: 100 * 1024 }),
  ev(EventKind.MessageReceive, 302, 100, 1, { channelKind: W, channel: 'w:100:1', seq: 2, bytes: 10 }),
  ev(EventKind.MessageSend, 400, 100, 0, { channelKind: W, channel: 'w:100:1', seq: 3, bytes: 50 + (4 << 20), transferredBytes: 4 << 20, site: '/w/app.js:30:7' }),
  ev(EventKind.MessageSend, 500, 100, 0, { channelKind: W, channel: 'w:100:1', seq: 4, bytes: 40, sharedBytes: 1024, site: '/w/app.js:31:7' }),
  ev(EventKind.MessageSend, 600, 100, 0, { channelKind: P, channel: 'p:100:200', seq: 0, bytes: 1 << 20, site: '/w/app.js:40:3' }),
];

test('message cost per channel: counts, bytes copied / transferred / shared, latency from send-receipt pairs', () => {
  const m = computeInsights(trace).messages;
  assert.deepEqual(m.totals, { count: 6, received: 3, copiedBytes: 10 + 102400 + 10 + 50 + 40 + 1048576, transferredBytes: 4 << 20, sharedBytes: 1024, latency: { count: 3, medianMs: 2, p95Ms: 3, maxMs: 3 } });
  const worker = m.channels.find((c) => c.channel === 'w:100:1')!;
  assert.equal(worker.channelKind, 'worker');
  assert.deepEqual([worker.count, worker.received, worker.transferredBytes, worker.sharedBytes], [5, 3, 4 << 20, 1024]);
  assert.deepEqual(worker.latency, { count: 3, medianMs: 2, p95Ms: 3, maxMs: 3 });
  assert.equal(worker.evidence.ts, 100e6);
  const ipc = m.channels.find((c) => c.channel === 'p:100:200')!;
  assert.deepEqual([ipc.channelKind, ipc.count, ipc.received, ipc.latency], ['process', 1, 0, null]);
  // the busiest channel (by bytes moved) comes first
  assert.equal(m.channels[0].channel, 'w:100:1');
});

test('message cost per call site', () => {
  const m = computeInsights(trace).messages;
  const line20 = m.sites.find((s) => s.site?.line === 20)!;
  assert.deepEqual([line20.count, line20.copiedBytes, line20.latency?.medianMs, line20.latency?.maxMs], [2, 20, 1.5, 2]);
  // evidence points at the slowest matched send from that line
  assert.equal(line20.evidence.ts, 300e6);
  assert.equal(m.sites.length, 5);
});

test('large copied sends are flagged with advice; transferred and shared ones are not', () => {
  const m = computeInsights(trace).messages;
  assert.equal(m.largeCopyBytes, LARGE_COPY_BYTES);
  assert.equal(m.largeCopyCount, 2);
  assert.deepEqual(m.largeCopies.map((l) => [l.channelKind, l.copiedBytes, l.latencyMs, l.evidence.site?.line]), [
    ['process', 1 << 20, null, 40],
    ['worker', 100 * 1024, 3, 21],
  ]);
  assert.match(m.largeCopies[0].advice, /IPC/);
  assert.match(m.largeCopies[1].advice, /transfer/);
});

test('a receipt with no recorded send is ignored, not paired with the wrong send', () => {
  const m = computeInsights([
    ev(EventKind.MessageSend, 1, 100, 0, { channelKind: W, channel: 'a', seq: 1, bytes: 1 }),
    ev(EventKind.MessageReceive, 2, 100, 1, { channelKind: W, channel: 'a', seq: 0, bytes: 1 }),
    ev(EventKind.MessageReceive, 3, 100, 1, { channelKind: W, channel: 'b', seq: 1, bytes: 1 }),
  ]).messages;
  assert.deepEqual([m.totals.count, m.totals.received, m.totals.latency], [1, 0, null]);
});

test('format 2 (the size on the receipt, none on the send) gives the same figures as format 1 (on the send)', () => {
  // format 1 as the agent wrote it: worker receipts without a size; the IPC send left out (format 2
  // cannot size a message nobody received)
  const v1 = [
    ...trace.filter((e) => e.fields.channelKind === W),
    ev(EventKind.MessageReceive, 402, 100, 1, { channelKind: W, channel: 'w:100:1', seq: 3, bytes: 0 }),
    ev(EventKind.MessageReceive, 503, 100, 1, { channelKind: W, channel: 'w:100:1', seq: 4, bytes: 0 }),
  ].map((e) => (e.kind === EventKind.MessageReceive ? { ...e, fields: { ...e.fields, bytes: 0 } } : e));
  const sizeOf = new Map(v1.filter((e) => e.kind === EventKind.MessageSend).map((e) => [e.fields.seq, e.fields]));
  const v2 = v1.map((e) =>
    e.kind === EventKind.MessageSend
      ? { ...e, fields: { ...e.fields, bytes: 0, sharedBytes: 0 } }
      : { ...e, fields: { ...e.fields, bytes: sizeOf.get(e.fields.seq)!.bytes, sharedBytes: sizeOf.get(e.fields.seq)!.sharedBytes ?? 0 } },
  );
  const a = computeInsights(v1).messages;
  const b = computeInsights(v2).messages;
  assert.equal(a.totals.copiedBytes, 10 + 102400 + 10 + 50 + 40);
  assert.deepEqual([a.totals.sharedBytes, a.largeCopyCount], [1024, 1]);
  assert.deepEqual(b, a);
});
