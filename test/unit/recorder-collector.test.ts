// The collector on real stream files in a real session dir, written the way agents write them:
// a chunk seen half-written is taken only once complete, 600 streams (more than the collector keeps
// open) all arrive whole, its own records land in stream 0, and the closed file has an index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import { encodeRecord, scanChunks, StreamEncoder } from '../../src/protocol/wire';
import { Collector } from '../../src/recorder/collector';
import { readTrace } from '../../src/recorder/reader';
import { formatSummary, summarize } from '../../src/recorder/summary';

function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-collector-'));
  const session = path.join(root, 'session');
  fs.mkdirSync(session, { mode: 0o700 });
  const appended: Uint8Array[] = [];
  const seen: number[] = [];
  const col = new Collector(path.join(root, 'out.ctrace'), session, { append: (b) => appended.push(b.slice()), event: (e) => seen.push(e.kind), log: () => {} });
  col.begin({ formatVersion: 1, t0: 1 });
  return { root, session, col, appended, seen };
}

test('a half-written chunk waits for its end; complete chunks are copied verbatim', async () => {
  const { root, session, col, seen } = setup();
  const enc = new StreamEncoder(42, 43, 0);
  encodeRecord(enc, EventKind.Mark, 100, { name: 'first', detail: 'a' });
  const first = enc.flush();
  encodeRecord(enc, EventKind.Mark, 200, { name: 'second', detail: 'b' });
  const second = enc.flush();
  const file = path.join(session, '42-0.ctc');
  fs.writeFileSync(file, first);
  fs.appendFileSync(file, second.subarray(0, 7));
  col.poll();
  assert.deepEqual(seen, [EventKind.Mark]);
  fs.appendFileSync(file, second.subarray(7));
  col.poll();
  assert.deepEqual(seen, [EventKind.Mark, EventKind.Mark]);
  col.emit(EventKind.Mark, 300, { name: 'collector', detail: 'own' });
  col.finish({ t1: 400, complete: true });
  assert.equal(fs.existsSync(session), false);
  const t = await readTrace(path.join(root, 'out.ctrace'));
  assert.deepEqual(
    t.events.map((e) => [e.pid, e.threadId, e.ts, e.fields.name]),
    [
      [42, 0, 100, 'first'],
      [42, 0, 200, 'second'],
      [0, 0, 300, 'collector'],
    ],
  );
  assert.equal(t.incomplete, false);
  assert.deepEqual(t.meta, { formatVersion: 1, t0: 1, t1: 400, complete: true });
  // the agent's bytes are in the file unchanged
  const bytes = fs.readFileSync(path.join(root, 'out.ctrace'));
  assert.ok(bytes.includes(Buffer.from(first)) && bytes.includes(Buffer.from(second.subarray(12))));
  fs.rmSync(root, { recursive: true, force: true });
});

test('600 streams, written over several polls, all arrive whole and the live bytes are the file', async () => {
  const { root, session, col, appended } = setup();
  const encs = Array.from({ length: 600 }, (_, k) => new StreamEncoder(1000 + k, 1000 + k, 0));
  for (let round = 0; round < 3; round++) {
    encs.forEach((enc, k) => {
      // some streams go quiet early, as finished workers do; the rest keep writing
      if (round > 0 && k % 3 === 0) return;
      encodeRecord(enc, EventKind.Mark, 1000 * round + k, { name: `s${k}`, detail: `r${round}` });
      fs.appendFileSync(path.join(session, `${1000 + k}-0.ctc`), enc.flush());
    });
    col.poll();
  }
  col.finish({ complete: true });
  const t = await readTrace(path.join(root, 'out.ctrace'));
  assert.equal(t.events.length, 200 * 1 + 400 * 3);
  assert.equal(col.events, t.events.length);
  assert.equal(new Set(t.events.map((e) => e.pid)).size, 600);
  const file = fs.readFileSync(path.join(root, 'out.ctrace'));
  const onDisk = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const live = new Uint8Array(onDisk.length);
  let at = 0;
  for (const a of appended) {
    live.set(a, at);
    at += a.length;
  }
  assert.equal(at, onDisk.length);
  assert.deepEqual(live, onDisk);
  assert.notEqual(scanChunks(live).indexAt, undefined);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a held-chunks marker is no loss while the recording runs, and one still there at the end is a loss', async () => {
  const { root, session, col } = setup();
  fs.symlinkSync('held', path.join(session, '42-1.held-EMFILE'));
  fs.mkdirSync(path.join(session, '42-2.held-ENFILE'));
  fs.symlinkSync('held', path.join(session, '42-5.held-EMFILE'));
  col.poll();
  assert.deepEqual(col.lostRecords, []);
  // thread 5 wrote its chunks and took the marker away; thread 2's creator also said it lost them
  fs.unlinkSync(path.join(session, '42-5.held-EMFILE'));
  fs.writeFileSync(path.join(session, '42-2.lost-ENFILE'), '');
  col.finish({ t1: 400, complete: true });
  const t = await readTrace(path.join(root, 'out.ctrace'));
  const lost = (t.meta.lostRecords ?? []).map((l) => [l.threadId, l.reason]).sort();
  assert.deepEqual(lost, [[1, 'EMFILE'], [2, 'ENFILE']]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('an agent\'s lost-records marker lands in the final Meta and the summary; other names and hand-edited entries are ignored', async () => {
  const { root, session, col } = setup();
  const enc = new StreamEncoder(42, 43, 0);
  encodeRecord(enc, EventKind.Mark, 100, { name: 'before the disk filled', detail: '' });
  fs.writeFileSync(path.join(session, '42-0.ctc'), enc.flush());
  fs.writeFileSync(path.join(session, '42-3.lost-ENOSPC'), '');
  fs.writeFileSync(path.join(session, '42-4.lost-no such code'), '');
  fs.writeFileSync(path.join(session, 'notes.txt'), 'not ours');
  col.poll();
  assert.deepEqual(col.lostRecords, [{ pid: 42, threadId: 3, reason: 'ENOSPC' }]);
  col.finish({ t1: 400, complete: true });
  const t = await readTrace(path.join(root, 'out.ctrace'));
  assert.deepEqual(t.meta.lostRecords, [{ pid: 42, threadId: 3, reason: 'ENOSPC' }]);
  const s = summarize(t);
  assert.deepEqual(s.lostRecords, [{ pid: 42, threadId: 3, reason: 'ENOSPC' }]);
  assert.match(formatSummary(s), /^note: Thread 3 of process 42 could not write all of its records, because the disk of the temporary folder was full \(ENOSPC\): .*set TMPDIR to a folder on a disk with room/m);
  // a Meta edited by hand: entries that are not records are dropped, a non-list is no list
  assert.deepEqual(summarize({ meta: { lostRecords: [{ pid: 1, threadId: 'x', reason: 'E' }, null, { pid: 2, threadId: 0, reason: 'EIO' }] as never }, events: [] }).lostRecords, [{ pid: 2, threadId: 0, reason: 'EIO' }]);
  assert.equal(summarize({ meta: { lostRecords: 'all' as never }, events: [] }).lostRecords, undefined);
  fs.rmSync(root, { recursive: true, force: true });
});
