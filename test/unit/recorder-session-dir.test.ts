// The session folder: private, named with the recorder's pid, and left-behind folders of killed
// recorders removed once stale, while folders in use, recent ones, and anything not ours stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeSessionDir, otherRecordingOf, otherSessions, rivalOf, STALE_MS, sweepStaleSessions } from '../../src/recorder/session-dir';
import { tempDir } from '../support/temp';

/** A pid that was just used and is gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('only stale folders of recorders that are gone are removed', () => {
  const tmp = tempDir('ctrace-sessiondir-');
  const mine = makeSessionDir('/traces/mine.ctrace', tmp);
  assert.equal(fs.statSync(mine).mode & 0o777, 0o700);
  assert.match(path.basename(mine), new RegExp(`^ctrace-session-${process.pid}-\\w{6}$`));
  const dead = deadPid();
  const old = (Date.now() - STALE_MS - 60_000) / 1000;
  const folder = (name: string, files: Record<string, number> = {}) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    for (const [f, mtime] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, f), 'x');
      fs.utimesSync(path.join(dir, f), mtime, mtime);
    }
    fs.utimesSync(dir, old, old);
    return dir;
  };
  const stale = folder(`ctrace-session-${dead}-abc123`, { '1-0.ctc': old });
  // its program still writes (the killed recorder's child lives on): the file is recent
  const writing = folder(`ctrace-session-${dead}-def456`, { '2-0.ctc': Date.now() / 1000 });
  // a live recorder (this process's parent stands in for one)
  const live = folder(`ctrace-session-${process.ppid}-ghi789`, { '3-0.ctc': old });
  const other = folder(`ctrace-e2e-${dead}`);
  const plainFile = path.join(tmp, `ctrace-session-${dead}-jkl012`);
  fs.writeFileSync(plainFile, 'not a folder');
  fs.utimesSync(mine, old, old);

  assert.deepEqual(sweepStaleSessions(otherSessions(tmp)), [stale]);
  for (const kept of [mine, writing, live, other, plainFile]) assert.ok(fs.existsSync(kept), kept);
  assert.equal(fs.existsSync(stale), false);
  // once the writes are old too, the second one goes
  assert.deepEqual(sweepStaleSessions(otherSessions(tmp), Date.now() + STALE_MS + 1000), [writing]);
});

test('a TMPDIR that cannot be read is no error', () => {
  assert.deepEqual(sweepStaleSessions(otherSessions(path.join(tempDir('ctrace-sessiondir-'), 'missing'))), []);
});

test('a running recorder writing the same trace is found; gone, other or own recorders are not', () => {
  const tmp = tempDir('ctrace-sessiondir-');
  const folder = (pid: number, suffix: string, output?: string) => {
    const dir = path.join(tmp, `ctrace-session-${pid}-${suffix}`);
    fs.mkdirSync(dir);
    if (output !== undefined) fs.writeFileSync(path.join(dir, 'output'), output);
  };
  // this process's parent stands in for a live recorder
  folder(process.ppid, 'aaaaaa', '/traces/a.ctrace');
  folder(deadPid(), 'bbbbbb', '/traces/b.ctrace');
  folder(process.ppid, 'cccccc'); // a folder of an earlier version, with no output file
  makeSessionDir('/traces/c.ctrace', tmp); // this recorder's own
  assert.equal(otherRecordingOf('/traces/a.ctrace', otherSessions(tmp)), process.ppid);
  assert.equal(otherRecordingOf('/traces/b.ctrace', otherSessions(tmp)), undefined);
  assert.equal(otherRecordingOf('/traces/c.ctrace', otherSessions(tmp)), undefined);
  assert.equal(otherRecordingOf('/traces/d.ctrace', otherSessions(tmp)), undefined);
  assert.equal(otherRecordingOf('/traces/a.ctrace', otherSessions(path.join(tmp, 'missing'))), undefined);
});

test('two recordings of one trace started at the same instant: after both wrote their claims, the later one gives way', () => {
  const tmp = tempDir('ctrace-sessiondir-');
  const out = '/traces/same.ctrace';
  const mine = makeSessionDir(out, tmp);
  const myClaim = path.join(mine, 'output');
  const at = fs.statSync(myClaim).mtimeMs / 1000;
  // the other (this process's parent stands in for a live recorder) claimed it a moment before, after, at once
  const other = path.join(tmp, `ctrace-session-${process.ppid}-zzzzzz`);
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'output'), out);
  const claimedAt = (t: number) => fs.utimesSync(path.join(other, 'output'), t, t);
  claimedAt(at - 1);
  assert.equal(rivalOf(out, mine, otherSessions(tmp)), process.ppid, 'it was first: this one gives way');
  claimedAt(at + 1);
  assert.equal(rivalOf(out, mine, otherSessions(tmp)), undefined, 'this one was first: the other gives way');
  fs.utimesSync(myClaim, at + 1, at + 1);
  assert.equal(rivalOf(out, mine, otherSessions(tmp)), process.ppid, 'the clock cannot tell: both give way');
  assert.equal(rivalOf('/traces/another.ctrace', mine, otherSessions(tmp)), undefined, 'another trace is no rival');
  assert.equal(rivalOf(out, path.join(tmp, 'missing'), otherSessions(tmp)), undefined, 'no claim of its own: nothing to compare');
});
