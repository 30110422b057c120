// The timeline's render model on traces written with the real StreamEncoder: tracks per thread,
// links (send -> receipt, spawn -> child, worker create -> start, notify -> woken wait, release ->
// contended acquire), spans, fields decoded on demand, live appends cut at arbitrary byte offsets,
// and clear messages for bytes that are not a trace.
import { concatBytes } from '../../src/protocol/wire';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind } from '../../src/protocol/events';
import { StreamEncoder, encodeRecord, fileHeader, metaChunk } from '../../src/protocol/wire';
import { FlowType, SpanType, TraceModel } from '../../webview/model';
import { fmtDur, fmtTick, niceStep } from '../../webview/format';
import { parseQuery, runQuery } from '../../webview/search';

const concat = concatBytes;

/** A parent process (main + one worker) that forks a child; messages, an Atomics wait and a contended lock. */
function sampleTrace(): Uint8Array {
  const main = new StreamEncoder(100, 100, 0);
  const worker = new StreamEncoder(100, 105, 1);
  const child = new StreamEncoder(200, 200, 0);
  const collector = new StreamEncoder(0, 0, 0);
  const T = 1_000_000;
  encodeRecord(main, EventKind.ProcessStart, T, { pid: 100, ppid: 1, argv: '["/usr/bin/node","app.js"]' });
  encodeRecord(main, EventKind.ThreadStart, T + 1, { name: 'main', kind: 0, parentThreadId: -1 });
  encodeRecord(main, EventKind.WorkerCreate, T + 10, { workerThreadId: 1, url: 'w.js', site: '/app/app.js:5:3' });
  encodeRecord(worker, EventKind.ThreadStart, T + 50, { name: 'worker 1', kind: 1, parentThreadId: 0 });
  encodeRecord(main, EventKind.SpawnCall, T + 60, { spawnId: 7, api: 'fork', command: 'node', site: '/app/app.js:9:1' });
  encodeRecord(main, EventKind.SpawnRunning, T + 70, { spawnId: 7, childPid: 200 });
  encodeRecord(child, EventKind.ProcessStart, T + 90, { pid: 200, ppid: 100, argv: '["node","child.js"]' });
  encodeRecord(main, EventKind.MessageSend, T + 100, { channelKind: 1, channel: 'w:100:1', seq: 0, bytes: 42, site: '/app/app.js:12:7' });
  encodeRecord(worker, EventKind.MessageReceive, T + 130, { channelKind: 1, channel: 'w:100:1', seq: 0, bytes: 42 });
  encodeRecord(worker, EventKind.AtomicsWaitBegin, T + 200, { lock: 'sab1', index: 0, expected: 0, timeoutMs: -1, waitId: 1, site: '/app/w.js:3:1' });
  encodeRecord(main, EventKind.AtomicsNotify, T + 250, { lock: 'sab1', index: 0, count: 1, woken: 1 });
  encodeRecord(worker, EventKind.AtomicsWaitEnd, T + 260, { waitId: 1, result: 0 });
  encodeRecord(main, EventKind.LockAcquired, T + 300, { lockKind: 2, lock: 'm', lockId: 1, waited: 0 });
  encodeRecord(worker, EventKind.LockRequest, T + 310, { lockKind: 2, lock: 'm', lockId: 2 });
  encodeRecord(main, EventKind.LockReleased, T + 400, { lockKind: 2, lock: 'm', lockId: 1 });
  encodeRecord(worker, EventKind.LockAcquired, T + 410, { lockKind: 2, lock: 'm', lockId: 2, waited: 1 });
  encodeRecord(worker, EventKind.LockReleased, T + 450, { lockKind: 2, lock: 'm', lockId: 2 });
  encodeRecord(worker, EventKind.Crash, T + 500, { crashKind: 0, name: 'Error', message: 'boom <b>not html</b>', stack: 'Error: boom\n    at f (/app/w.js:9:3)', site: '/app/w.js:9:3' });
  for (let k = 0; k < 5; k++) encodeRecord(collector, EventKind.SchedSample, T + k * 100, { pid: 100, tid: 105, state: 0, runNs: k * 50, voluntary: k, involuntary: 0 });
  encodeRecord(collector, EventKind.ThreadName, T, { pid: 100, tid: 107, name: 'libuv-worker', threadId: 0 });
  encodeRecord(collector, EventKind.SchedSample, T + 10, { pid: 100, tid: 107, state: 2, runNs: 5 });
  // chunks of different streams interleave, and the receipt's chunk comes before the send's
  return concat([fileHeader(), metaChunk({ t0: T }), worker.flush(), child.flush(), main.flush(), collector.flush()]);
}

function flowsOf(m: TraceModel, type: FlowType): [string, string][] {
  const out: [string, string][] = [];
  const kindName = (i: number) => m.kind.a[i];
  for (let k = 0; k < m.flowCount; k++) if (m.flowType.a[k] === type) out.push([String(kindName(m.flowFrom.a[k])), String(kindName(m.flowTo.a[k]))]);
  return out;
}

test('tracks per thread, processes with ppid and command, OS threads from the collector', () => {
  const m = new TraceModel();
  m.load(sampleTrace());
  assert.equal(m.error, undefined);
  assert.deepEqual([...m.procs.values()].map((p) => p.label()).sort(), ['node app.js (pid 100, ppid 1)', 'node child.js (pid 200, ppid 100)']);
  const labels = m.tracks.map((t) => t.label());
  assert.ok(labels.includes('main (tid 100)'));
  assert.ok(labels.includes('worker 1 (threadId 1, tid 105)'));
  assert.ok(labels.includes('libuv-worker (tid 107)'));
  const w = m.tracks.find((t) => t.tid === 105)!;
  assert.equal(w.samples.n, 5);
  assert.equal(w.samples.runAt(1_000_000 + 250), 125); // interpolated between 100 and 150
});

test('links: message, spawn, worker start, Atomics wake-up and lock hand-over', () => {
  const m = new TraceModel();
  m.load(sampleTrace());
  assert.deepEqual(flowsOf(m, FlowType.Message), [[String(EventKind.MessageSend), String(EventKind.MessageReceive)]]);
  assert.deepEqual(flowsOf(m, FlowType.Spawn), [[String(EventKind.SpawnCall), String(EventKind.ProcessStart)]]);
  assert.deepEqual(flowsOf(m, FlowType.Worker), [[String(EventKind.WorkerCreate), String(EventKind.ThreadStart)]]);
  assert.deepEqual(flowsOf(m, FlowType.Wake).sort(), [
    [String(EventKind.AtomicsNotify), String(EventKind.AtomicsWaitEnd)],
    [String(EventKind.LockReleased), String(EventKind.LockAcquired)],
  ].sort());
  const send = [...Array(m.eventCount).keys()].find((i) => m.kind.a[i] === EventKind.MessageSend)!;
  const links = m.linksOf(send);
  assert.equal(links.length, 1);
  assert.equal(m.kind.a[links[0].other], EventKind.MessageReceive);
  assert.equal(m.fields(links[0].other).channel, 'w:100:1');
});

test('spans: Atomics wait, lock wait and hold, with durations', () => {
  const m = new TraceModel();
  m.load(sampleTrace());
  const w = m.tracks.find((t) => t.tid === 105)!;
  const spans = [...Array(w.spanCount).keys()].map((k) => [w.spanType.a[k], w.spanEnd.a[k] - m.ts.a[w.spanEv.a[k]]]);
  assert.deepEqual(spans, [[SpanType.AtomicsWait, 60], [SpanType.LockWait, 100], [SpanType.LockHold, 40]]);
  const main = m.tracks.find((t) => t.tid === 100)!;
  assert.equal(main.spanCount, 1);
  const begin = w.spanEv.a[0];
  assert.deepEqual(m.spanOf(begin), { start: 1_000_200, end: 1_000_260, type: SpanType.AtomicsWait });
});

test('fields are decoded on demand with strings intact (rendered later as text)', () => {
  const m = new TraceModel();
  m.load(sampleTrace());
  const crash = [...Array(m.eventCount).keys()].find((i) => m.kind.a[i] === EventKind.Crash)!;
  const f = m.fields(crash);
  assert.equal(f.message, 'boom <b>not html</b>');
  assert.equal(f.site, '/app/w.js:9:3');
});

test('live: bytes cut at every offset give the same model as the whole file', () => {
  const whole = new TraceModel();
  const bytes = sampleTrace();
  whole.load(bytes);
  for (const cut of [3, 16, 17, 40, 100, bytes.length - 5]) {
    const live = new TraceModel();
    live.load(bytes.subarray(0, cut), true);
    live.append(bytes.subarray(cut, cut + 7));
    live.append(bytes.subarray(cut + 7));
    live.markEnded();
    assert.equal(live.error, undefined, `cut ${cut}: ${live.error}`);
    assert.equal(live.eventCount, whole.eventCount, `cut ${cut}`);
    assert.equal(live.flowCount, whole.flowCount, `cut ${cut}`);
    assert.equal(live.tracks.length, whole.tracks.length, `cut ${cut}`);
  }
});

test('bytes that are not a trace, a newer format and a cut-short file get clear messages', () => {
  const m = new TraceModel();
  m.load(new TextEncoder().encode('{"traceEvents": []} and more text'));
  assert.match(m.error ?? '', /not a \.ctrace file/);
  const newer = fileHeader(99);
  const m2 = new TraceModel();
  m2.load(newer);
  assert.match(m2.error ?? '', /format version 99, newer than this viewer/);
  const bytes = sampleTrace();
  const m3 = new TraceModel();
  m3.load(bytes.subarray(0, bytes.length - 3));
  assert.equal(m3.error, undefined);
  assert.ok(m3.truncatedBytes > 0);
  const bad = bytes.slice();
  bad[bad.length - 20] ^= 0xff;
  const m4 = new TraceModel();
  m4.load(bad);
  assert.match(m4.warnings.join(' '), /damaged at byte \d+ \(checksum mismatch\)/);
});

test('search: kind, pid and free text', () => {
  const m = new TraceModel();
  m.load(sampleTrace());
  const q = parseQuery('kind:message pid:100');
  assert.ok(typeof q !== 'string');
  assert.equal(runQuery(m, q, new Set()).length, 2);
  const t = parseQuery('boom');
  assert.ok(typeof t !== 'string');
  assert.deepEqual(runQuery(m, t, new Set()).map((i) => m.kind.a[i]), [EventKind.Crash]);
  assert.match(parseQuery('kind:nope') as string, /No event kind matches "nope"/);
  assert.match(parseQuery('pid:abc') as string, /pid needs a number/);
  // a key with no value is explained, not taken for pid 0 or for everything
  assert.deepEqual(['pid:', 'thread:', 'kind:', 'tid:'].map((q) => parseQuery(q)), [
    '"pid:" needs a value, e.g. pid:1234.',
    '"thread:" needs a value, e.g. thread:worker.',
    '"kind:" needs a value, e.g. kind:crash.',
    '"tid:" needs a value, e.g. tid:1240.',
  ]);
});

test('axis labels pick ns/µs/ms/s by step', () => {
  assert.equal(fmtTick(1_500_000, 500_000), '1.5 ms');
  assert.equal(fmtTick(2_000, 1_000), '2 µs');
  assert.equal(fmtTick(3_000_000_000, 1_000_000_000), '3 s');
  assert.equal(fmtTick(40, 20), '40 ns');
  assert.equal(niceStep(130), 200);
  assert.equal(fmtDur(1_234_567), '1.23 ms');
});

test('level of detail: buckets hold the ticks, spans and states of their time, and follow the filters', async () => {
  const { Lod, MARK_SEND, MARK_RECV } = await import('../../webview/lod');
  const m = new TraceModel();
  m.load(sampleTrace());
  const isTick = (k: number) => k === EventKind.MessageSend || k === EventKind.MessageReceive;
  const lod = new Lod().get(m, new Set(), isTick).levels[0];
  const main = m.tracks.find((t) => t.tid === 100)!;
  const w = m.tracks.find((t) => t.tid === 105)!;
  assert.equal(lod.tracks[main.index].marks[lod.bucket(1_000_100)] & MARK_SEND, MARK_SEND);
  assert.equal(lod.tracks[w.index].marks[lod.bucket(1_000_130)] & MARK_RECV, MARK_RECV);
  assert.equal(lod.tracks[w.index].spans[lod.bucket(1_000_230)] & (1 << SpanType.AtomicsWait), 1 << SpanType.AtomicsWait);
  assert.equal(lod.tracks[w.index].states[lod.bucket(1_000_150)], 4); // running, from the samples
  const pyramid = new Lod().get(m, new Set([EventKind.MessageSend]), isTick);
  const filtered = pyramid.levels[0];
  // coarser levels hold the union of the four buckets under them
  const top = pyramid.levels[pyramid.levels.length - 1];
  assert.ok(top.width > filtered.width && top.tracks[w.index].marks.some((b) => (b & MARK_RECV) !== 0));
  assert.equal(pyramid.levelFor(filtered.width / 2), undefined);
  assert.equal(pyramid.levelFor(top.width * 10), top);
  assert.equal(filtered.tracks[main.index].marks[filtered.bucket(1_000_100)] & MARK_SEND, 0);
});

test('a wait that never ends (a deadlock) is drawn to the end of its process and marked open', () => {
  const w = new StreamEncoder(300, 301, 1);
  const main = new StreamEncoder(300, 300, 0);
  encodeRecord(main, EventKind.ProcessStart, 100, { pid: 300, ppid: 1, argv: '["node","d.js"]' });
  encodeRecord(w, EventKind.LockAcquired, 200, { lockKind: 0, lock: 'a', lockId: 1, waited: 0 });
  encodeRecord(w, EventKind.AtomicsWaitBegin, 300, { lock: 'b', index: 0, expected: 1, timeoutMs: -1, waitId: 9 });
  encodeRecord(main, EventKind.ProcessExit, 5000, { code: 143, signal: 'SIGTERM', cause: 'signal' });
  const m = new TraceModel();
  m.load(concat([fileHeader(), w.flush(), main.flush()]));
  const t = m.tracks.find((x) => x.tid === 301)!;
  const spans = [...Array(t.spanCount).keys()].map((k) => [t.spanType.a[k], m.ts.a[t.spanEv.a[k]], t.spanEnd.a[k], m.openSpans.has(t.spanEv.a[k])]);
  assert.deepEqual(spans, [
    [SpanType.LockHold, 200, 5000, true],
    [SpanType.AtomicsWait, 300, 5000, true],
  ]);
});

test('process labels: the full command for screen readers, file names in the narrow list', () => {
  const m = new TraceModel();
  m.load(sampleTrace());
  const p = m.procs.get(100)!;
  p.command = 'node /work/app/examples/workers/main.js --fast';
  assert.equal(p.label(), 'node /work/app/examples/workers/main.js --fast (pid 100, ppid 1)');
  assert.equal(p.shortLabel(), 'node main.js --fast (pid 100, ppid 1)');
});
