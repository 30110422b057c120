import { concatBytes } from '../../src/protocol/wire';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind } from '../../src/protocol/events';
import { StreamEncoder, encodeRecord, fileHeader, scanChunks, TraceDecoder, checkFileHeader, indexChunk, readIndex, ChunkType, crc32 } from '../../src/protocol/wire';

const concat = concatBytes;

function decodeAll(bytes: Uint8Array) {
  const scan = scanChunks(bytes);
  const dec = new TraceDecoder();
  const got: { kind: number; ts: number; threadId: number; fields: unknown[] }[] = [];
  for (const c of scan.chunks) dec.chunk(bytes, c, (kind, ts, _pid, _tid, threadId, values, strings) => {
    got.push({ kind, ts, threadId, fields: kind === EventKind.MessageSend ? [values[0], strings[values[1]], values[2], values[3], strings[values[6]]] : kind === EventKind.MessageReceive ? [values[0], strings[values[1]], ...values.slice(2, 5)] : values.slice(0, 2) });
  });
  return { scan, got };
}

test('records round-trip through chunks, with strings interned per stream', () => {
  const enc = new StreamEncoder(100, 101, 2);
  const base = 1_700_000_000_123_456;
  for (let n = 0; n < 1000; n++) {
    encodeRecord(enc, EventKind.MessageSend, base + n * 1500, { channelKind: 1, channel: 'w:100:2:up', seq: n, bytes: 40 + n, site: '/a b/app.js:10:5' });
    encodeRecord(enc, EventKind.MessageReceive, base + n * 1500 + 700, { channelKind: 1, channel: 'w:100:2:up', seq: n, bytes: 40 + n, sharedBytes: n % 2 });
  }
  const file = concat([fileHeader(), enc.flush()]);
  assert.equal(checkFileHeader(file).ok, true);
  const { scan, got } = decodeAll(file);
  assert.equal(scan.chunks.length, 2);
  assert.equal(scan.truncatedBytes, 0);
  assert.equal(got.length, 2000);
  // since format 2 a send carries no size (it reads 0) and its receipt does
  assert.deepEqual(got[1998], { kind: EventKind.MessageSend, ts: base + 999 * 1500, threadId: 2, fields: [1, 'w:100:2:up', 999, 0, '/a b/app.js:10:5'] });
  assert.deepEqual(got[1999], { kind: EventKind.MessageReceive, ts: base + 999 * 1500 + 700, threadId: 2, fields: [1, 'w:100:2:up', 999, 1039, 1] });
  // compact: well under 16 bytes per record for this message-heavy shape
  assert.ok(file.length / 2000 < 12, `bytes/event ${file.length / 2000}`);
});

test('a format 1 file reads with its own layout: the size on the send, receipts without sharedBytes', () => {
  const enc = new StreamEncoder(100, 101, 2);
  const base = 1_700_000_000_123_456;
  for (let n = 0; n < 300; n++) {
    encodeRecord(enc, EventKind.MessageSend, base + n * 1500, { channelKind: 1, channel: 'w:100:2:up', seq: n, bytes: 40 + n, sharedBytes: 8, site: '/a b/app.js:10:5' }, 1);
    encodeRecord(enc, EventKind.MessageReceive, base + n * 1500 + 700, { channelKind: 1, channel: 'w:100:2:up', seq: n, bytes: 0, sharedBytes: 5 }, 1);
    encodeRecord(enc, EventKind.Mark, base + n * 1500 + 800, { name: 'm', detail: String(n) }, 1);
  }
  const file = concat([fileHeader(1), enc.flush()]);
  const head = checkFileHeader(file);
  assert.deepEqual(head, { ok: true, version: 1 });
  const dec = new TraceDecoder(1);
  const got: unknown[][] = [];
  for (const c of scanChunks(file).chunks) dec.chunk(file, c, (kind, _ts, _pid, _tid, _threadId, values, strings) => got.push([kind, ...values.slice(0, kind === EventKind.MessageSend ? 7 : kind === EventKind.MessageReceive ? 5 : 0).map((v, k) => (k === 1 || (kind === EventKind.MessageSend && k === 6) ? strings[v] : v)), kind === EventKind.Mark ? strings[values[1]] : '']));
  assert.equal(got.length, 900);
  assert.deepEqual(got.slice(-3), [
    [EventKind.MessageSend, 1, 'w:100:2:up', 299, 339, 0, 8, '/a b/app.js:10:5', ''],
    [EventKind.MessageReceive, 1, 'w:100:2:up', 299, 0, 0, ''], // format 1 wrote no sharedBytes on a receipt
    [EventKind.Mark, '299'],
  ]);
});

test('a truncated file yields every complete chunk; a flipped byte is reported as corruption', () => {
  const enc = new StreamEncoder(1, 1, 0);
  const parts: Uint8Array[] = [fileHeader()];
  for (let c = 0; c < 5; c++) {
    for (let n = 0; n < 10; n++) encodeRecord(enc, EventKind.Mark, c * 100 + n, { name: 'm' + c, detail: String(n) });
    parts.push(enc.flush());
  }
  const file = concat(parts);
  const cut = file.subarray(0, file.length - 7);
  const t = decodeAll(cut);
  assert.equal(t.got.length, 40);
  assert.ok(t.scan.truncatedBytes > 0);
  const bad = file.slice();
  bad[bad.length - 3] ^= 0xff;
  const b = scanChunks(bad);
  assert.equal(b.corruptReason, 'checksum mismatch');
});

test('index trailer is found and read back', () => {
  const enc = new StreamEncoder(7, 8, 0);
  encodeRecord(enc, EventKind.Mark, 5, { name: 'x' });
  const body = concat([fileHeader(), enc.flush()]);
  const idx = indexChunk([{ offset: 16, type: ChunkType.Events, pid: 7, threadId: 0, minTs: 5, maxTs: 5, events: 1 }], body.length);
  const file = concat([body, idx]);
  const scan = scanChunks(file);
  assert.equal(scan.indexAt, body.length);
  const ic = scan.chunks.find((c) => c.type === ChunkType.Index)!;
  assert.deepEqual(readIndex(file, ic), [{ offset: 16, type: ChunkType.Events, pid: 7, threadId: 0, minTs: 5, maxTs: 5, events: 1 }]);
});

test('varints carry values up to 2^53 and negative numbers', () => {
  const enc = new StreamEncoder(1, 1, 0);
  encodeRecord(enc, EventKind.ProcessExit, 2 ** 52 + 7, { code: -(2 ** 40), signal: 'SIGTERM', cause: 'signal' });
  const dec = new TraceDecoder();
  const bytes = concat([fileHeader(), enc.flush()]);
  let seen = false;
  for (const c of scanChunks(bytes).chunks) dec.chunk(bytes, c, (_k, ts, _p, _t, _th, v, s) => {
    seen = true;
    assert.equal(ts, 2 ** 52 + 7);
    assert.equal(v[0], -(2 ** 40));
    assert.equal(s[v[1]], 'SIGTERM');
  });
  assert.ok(seen);
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});
