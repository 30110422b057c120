// startRecording as the extension uses it: piped stdio, the live byte stream (onAppend) being
// exactly the file, stop() escalating past a program that ignores SIGINT, and a trace that is
// readable while it is still being written.
import { concatBytes } from '../../src/protocol/wire';
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startRecording } from '../../src/recorder/record';
import { decodeTrace, readTrace } from '../../src/recorder/reader';
import { summarize } from '../../src/recorder/summary';
import { EventKind, isSampleKind } from '../../src/protocol/events';
import { built, NODE, program, tmpDir } from './record-helpers';

before(() => {
  assert.ok(built(), 'dist/cli.js and dist/agent.js are missing: run npm run build');
});

const concat = concatBytes;

test('onAppend delivers exactly the bytes of the file, in order, readable at every point', async () => {
  const dir = tmpDir();
  const file = program('talk.js', `const { Worker } = require('worker_threads');
    const w = new Worker('const { parentPort } = require("worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m + 1));', { eval: true });
    let n = 0; w.on('message', (m) => { if (++n === 50) w.terminate(); else w.postMessage(m); }); w.postMessage(0);`, dir);
  const rec = startRecording({ command: NODE, args: [file], output: path.join(dir, 'live.ctrace'), stdio: 'pipe', capture: { sched: false } });
  const parts: Uint8Array[] = [];
  rec.onAppend((b) => parts.push(b.slice()));
  let midway: number | undefined;
  rec.onAppend(() => {
    // a live reader can decode whatever has arrived so far
    if (midway === undefined && parts.length > 3) midway = decodeTrace(concat(parts)).events.length;
  });
  let out = '';
  rec.stdout!.on('data', (d) => (out += d));
  const result = await rec.done;
  const live = concat(parts);
  const disk = fs.readFileSync(result.tracePath);
  const onDisk = new Uint8Array(disk.buffer, disk.byteOffset, disk.byteLength);
  assert.equal(live.length, onDisk.length);
  assert.ok(live.every((b, i) => b === onDisk[i]), 'the live bytes differ from the file');
  assert.equal(result.exitCode, 0);
  assert.equal(result.bytes, onDisk.length);
  assert.equal(out, '');
  const trace = await readTrace(result.tracePath);
  // the program's events and the samples of series (here at most a thread name or a memory sample) apart
  const samples = trace.events.filter((e) => isSampleKind(e.kind)).length;
  assert.deepEqual([result.events, result.samples], [trace.events.length - samples, samples]);
  assert.ok(midway !== undefined && midway <= trace.events.length);
  assert.deepEqual(summarize(trace).messagesByChannel, { process: 0, worker: 100, port: 0, broadcast: 0 });
  assert.equal(rec.eventCount, result.events);
});

test('stop() sends SIGINT, then SIGTERM to a program that ignores SIGINT, and finishes the trace', async () => {
  const dir = tmpDir();
  const file = program('stubborn.js', `process.on('SIGINT', () => console.log('ignoring SIGINT')); console.log('up'); setInterval(() => {}, 1000);`, dir);
  const rec = startRecording({ command: NODE, args: [file], output: path.join(dir, 'stop.ctrace'), stdio: 'pipe', capture: { sched: false } });
  let out = '';
  await new Promise<void>((resolve) =>
    rec.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('up\n')) resolve();
    }),
  );
  const result = await rec.stop();
  assert.equal(out, 'up\nignoring SIGINT\n');
  assert.deepEqual([result.exitCode, result.signal], [null, 'SIGTERM']);
  const trace = await readTrace(result.tracePath);
  assert.equal(trace.meta.complete, true);
  const p = summarize(trace).processes[0];
  assert.deepEqual([p.signal, p.cause], ['SIGTERM', 'signal']);
  // it died of SIGTERM as it would untraced: no exit record of its own, its start is there
  assert.equal(trace.events.filter((e) => e.kind === EventKind.ProcessExit).length, 0);
  assert.equal(trace.events.filter((e) => e.kind === EventKind.ProcessStart).length, 1);
});

test('the session dir is private while recording and gone afterwards', async () => {
  const dir = tmpDir();
  const file = program('env.js', `const fs = require('fs'); const d = process.env.CTRACE_DIR; console.log(d + ' ' + (fs.statSync(d).mode & 0o777).toString(8));`, dir);
  const rec = startRecording({ command: NODE, args: [file], output: path.join(dir, 'env.ctrace'), stdio: 'pipe', capture: { sched: false } });
  let out = '';
  rec.stdout!.on('data', (d) => (out += d));
  await rec.done;
  const [sessionDir, mode] = out.trim().split(' ');
  assert.equal(mode, '700');
  assert.ok(path.isAbsolute(sessionDir));
  assert.equal(fs.existsSync(sessionDir), false);
});
