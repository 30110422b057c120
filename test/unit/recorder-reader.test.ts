// The trace reader on hand-made files: every complete record comes back in time order, the index is
// used when present, and each kind of unreadable file is refused with a message saying what to do.
import { concatBytes } from '../../src/protocol/wire';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import { ChunkType, encodeRecord, fileHeader, FORMAT_VERSION, indexChunk, metaChunk, scanChunks, StreamEncoder, type IndexEntry } from '../../src/protocol/wire';
import { decodeTrace, readTrace, TraceReadError } from '../../src/recorder/reader';

const concat = concatBytes;

/** Two threads' streams interleaved chunk by chunk, like the collector writes them. */
function twoStreams(withIndex: boolean): Uint8Array {
  const a = new StreamEncoder(10, 10, 0);
  const b = new StreamEncoder(10, 11, 1);
  const parts: Uint8Array[] = [fileHeader(), metaChunk({ formatVersion: 1, t0: 0, command: ['node', 'x.js'] })];
  for (let round = 0; round < 3; round++) {
    for (let n = 0; n < 4; n++) {
      encodeRecord(a, EventKind.Mark, 1000 + round * 100 + n * 2, { name: 'a', detail: `${round}.${n}` });
      encodeRecord(b, EventKind.Mark, 1000 + round * 100 + n * 2 + 1, { name: 'b', detail: `${round}.${n}` });
    }
    parts.push(a.flush(), b.flush());
  }
  parts.push(metaChunk({ t1: 2000, complete: true }));
  const body = concat(parts);
  if (!withIndex) return body;
  const entries: IndexEntry[] = scanChunks(body).chunks.map((c) => ({ offset: c.offset, type: c.type, pid: 10, threadId: 0, minTs: 0, maxTs: 0, events: 0 }));
  return concat([body, indexChunk(entries, body.length)]);
}

test('records from interleaved streams come back in time order, with meta merged', () => {
  for (const withIndex of [false, true]) {
    const t = decodeTrace(twoStreams(withIndex), 'x.ctrace');
    assert.equal(t.events.length, 24);
    assert.deepEqual(
      t.events.slice(0, 3).map((e) => [e.ts, e.threadId, e.fields.name, e.fields.detail]),
      [
        [1000, 0, 'a', '0.0'],
        [1001, 1, 'b', '0.0'],
        [1002, 0, 'a', '0.1'],
      ],
    );
    assert.deepEqual(t.meta, { formatVersion: 1, t0: 0, command: ['node', 'x.js'], t1: 2000, complete: true });
    assert.equal(t.truncated, false);
    assert.equal(t.incomplete, !withIndex);
  }
});

test('a truncated file keeps every complete chunk and says it was cut short', () => {
  const whole = twoStreams(false);
  const cut = whole.subarray(0, whole.length - 30); // inside the final Meta chunk
  const t = decodeTrace(cut);
  assert.equal(t.events.length, 24);
  assert.equal(t.truncated, true);
  assert.equal(t.incomplete, true);
  // cut inside the last events chunk: the records of the chunks before it survive
  const scan = scanChunks(whole);
  const lastEvents = scan.chunks.filter((c) => c.type === ChunkType.Events).at(-1)!;
  const t2 = decodeTrace(whole.subarray(0, lastEvents.offset + 20));
  assert.equal(t2.events.length, 20);
  assert.equal(t2.truncated, true);
});

test('an index pointing at damaged bytes falls back to a scan, which reports the damage', () => {
  const file = twoStreams(true).slice();
  const firstEvents = scanChunks(file).chunks.find((c) => c.type === ChunkType.Events)!;
  file[firstEvents.payloadStart + 3] ^= 0x55;
  assert.throws(() => decodeTrace(file, 'bad.ctrace'), (e: TraceReadError) => {
    assert.equal(e.reason, 'corrupt');
    assert.match(e.message, new RegExp(`^bad\\.ctrace is corrupt at byte ${firstEvents.offset} \\(checksum mismatch\\)`));
    assert.match(e.message, /record the program again/);
    return true;
  });
});

test('damage to the closing index or the trailer alone loses nothing: the data chunks open as a file without an index', () => {
  const whole = twoStreams(true);
  const index = scanChunks(whole).chunks.find((c) => c.type === ChunkType.Index)!;
  for (const at of [index.payloadStart + 2, whole.length - 12, whole.length - 3]) {
    const file = whole.slice();
    file[at] ^= 0xff;
    const t = decodeTrace(file, 'x.ctrace');
    assert.equal(t.events.length, 24, `byte ${at}`);
    assert.equal(t.meta.complete, true);
  }
  // but a file with no index, ending in a few stray bytes, is not a damaged index
  const stray = concat([twoStreams(false), new Uint8Array(12)]);
  assert.throws(() => decodeTrace(stray, 'stray.ctrace'), (e: TraceReadError) => e.reason === 'corrupt');
});

test('a header cut short, a text-mode copy and a hand-edited Meta each get their own message, or are read around', () => {
  const whole = twoStreams(true);
  assert.throws(() => decodeTrace(whole.subarray(0, 10), 'cut.ctrace'), /^TraceReadError: cut\.ctrace is cut short inside its 16-byte header \(10 bytes\)/);
  // "\r\n" -> "\n", as a text-mode transfer does
  const mangled = concat([whole.subarray(0, 6), whole.subarray(7)]);
  assert.throws(() => decodeTrace(mangled, 'copied.ctrace'), /copied\.ctrace was changed by a copy that rewrote line endings \(a text-mode transfer\)/);
  const edited = concat([twoStreams(false), metaChunk({ command: 'notarray' as unknown as string[], cwd: 5 as unknown as string })]);
  const t = decodeTrace(edited, 'edited.ctrace');
  assert.equal(t.events.length, 24);
  assert.equal(t.meta.command, undefined, 'a command that is not a list of strings is dropped');
  assert.equal(t.meta.cwd, undefined);
});

test('not a trace, empty, and newer-version files are refused with what to do', () => {
  assert.throws(() => decodeTrace(new TextEncoder().encode('{"hello": "this is JSON, not a trace"}'), 'a.json'), /^TraceReadError: a\.json is not a Concurrency Timeline trace \(it does not start with "CTRACE"\)\. Open a \.ctrace file/);
  assert.throws(() => decodeTrace(new Uint8Array(0), 'e.ctrace'), (e: TraceReadError) => e.reason === 'empty' && /e\.ctrace is empty/.test(e.message) && /Record it again/.test(e.message));
  const newer = twoStreams(false).slice();
  newer.set(fileHeader(7), 0);
  assert.throws(() => decodeTrace(newer, 'n.ctrace'), (e: TraceReadError) => e.reason === 'version' && /format 7/.test(e.message) && new RegExp(`reads format ${FORMAT_VERSION} at most\\. Update Concurrency Timeline`).test(e.message));
});

test('readTrace refuses a file too big for the memory it may use, before reading it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-reader-'));
  try {
    const file = path.join(dir, 'big.ctrace');
    fs.writeFileSync(file, twoStreams(true));
    await assert.rejects(readTrace(file, { memoryLimitBytes: 1000 }), (e: TraceReadError) => {
      assert.equal(e.reason, 'too-big');
      assert.match(e.message, /big\.ctrace: this trace is [\d.,]+ (B|KiB) and opening it needs about [\d.,]+ (B|KiB|MiB) of memory, but only 1,000 B is available/);
      return true;
    });
    const t = await readTrace(file);
    assert.equal(t.events.length, 24);
    await assert.rejects(readTrace(path.join(dir, 'nope.ctrace')), /nope\.ctrace: no such file\. Check the path, or record one with: ctrace record -- node app\.js/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a closed file cut inside its trailer, or with bytes after it, keeps every chunk; a chunk length damaged in a closed file is corruption, not a cut', () => {
  const whole = twoStreams(true);
  for (let cut = 1; cut < 16; cut++) {
    const t = decodeTrace(whole.subarray(0, whole.length - cut), 'cut.ctrace');
    assert.equal(t.events.length, 24, `${cut} bytes cut`);
    assert.equal(t.truncated, true, `${cut} bytes cut`);
  }
  const extra = concat([whole, new TextEncoder().encode('garbage after the end')]);
  assert.equal(decodeTrace(extra, 'extra.ctrace').events.length, 24);
  // a length one bit longer: the chunk now runs past the end of a file whose trailer says it was closed whole
  const chunks = scanChunks(whole).chunks;
  const last = chunks[chunks.length - 2]; // the final Meta, before the index
  const damaged = whole.slice();
  damaged[last.offset + 3] ^= 0x01;
  assert.throws(() => decodeTrace(damaged, 'len.ctrace'), (e: TraceReadError) => e.reason === 'corrupt' && /len\.ctrace is corrupt at byte \d+ \(chunk length \d+ runs past the end of a file that was closed whole\)/.test(e.message));
});

test('a header that says format 0 is corruption; a directory or a pipe is refused with what to give instead', async () => {
  const zero = twoStreams(false).slice();
  zero.set(fileHeader(0), 0);
  assert.throws(() => decodeTrace(zero, 'z.ctrace'), (e: TraceReadError) => e.reason === 'corrupt' && /format version 0/.test(e.message));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-reader-'));
  try {
    await assert.rejects(readTrace(dir), (e: TraceReadError) => e.reason === 'io' && /is a directory: give the path of a \.ctrace file/.test(e.message));
    if (process.platform !== 'win32') {
      const fifo = path.join(dir, 'pipe.ctrace');
      (await import('node:child_process')).execFileSync('mkfifo', [fifo]);
      await assert.rejects(readTrace(fifo), (e: TraceReadError) => e.reason === 'io' && /not a regular file/.test(e.message));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
