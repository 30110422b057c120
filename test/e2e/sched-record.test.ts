// Scheduling capture through the real recorder (startRecording with the agent): the mode lands in
// the trace's meta, the records decode from the file, and the totals join the agent's threads and
// processes (cpuMs, switches on the JS threads that did the work; peakRssBytes on each process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import { readTrace, startRecording, summarize } from '../../src/recorder/index';
import { applySchedTotals, createSchedCapture } from '../../src/recorder/sched/index';
import { probePerf } from '../../src/recorder/sched/perf';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sched');

for (const perf of [false, true]) {
  const mode = perf ? 'switches' : 'counts';
  const skip = process.platform !== 'linux' ? 'Linux only' : perf && !probePerf().ok ? `perf unavailable: ${probePerf().note}` : false;
  test(`ctrace recording in ${mode} mode: CPU on the child's pid and the busy worker, RSS per process`, { skip }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sched-record-'));
    try {
      const output = path.join(dir, 't.ctrace');
      const rec = startRecording({ command: process.execPath, args: [path.join(FIXTURES, 'busy-child.js')], output, stdio: 'pipe', capture: { perf } });
      let out = '';
      rec.stdout!.on('data', (d) => (out += d));
      const result = await rec.done;
      assert.equal(result.exitCode, 0, out);
      const childPid = Number(/CHILD (\d+)/.exec(out)?.[1]);
      const trace = await readTrace(output);
      assert.equal(trace.meta.schedMode, mode, trace.meta.schedNote);
      assert.ok(trace.events.some((e) => e.kind === (perf ? EventKind.SchedSwitch : EventKind.SchedSample)));
      const summary = applySchedTotals(summarize(trace), trace.events, trace.meta.schedMode);
      assert.equal(summary.schedMode, mode);
      const childMain = summary.threads.find((t) => t.pid === childPid && t.tid === childPid);
      const parentMain = summary.threads.find((t) => t.pid === rec.pid && t.tid === rec.pid);
      assert.ok(childMain && parentMain, `main threads missing: ${JSON.stringify(summary.threads)}`);
      assert.equal(childMain.kind, 'main', 'the child main thread should be the agent-named JS thread, not an os duplicate');
      assert.ok(childMain.cpuMs! > 450, `child main thread cpuMs ${childMain.cpuMs}`);
      assert.ok(parentMain.cpuMs! < childMain.cpuMs! / 2, `parent ${parentMain.cpuMs} ms`);
      assert.ok(childMain.voluntarySwitches! + childMain.involuntarySwitches! > 0);
      for (const p of summary.processes) assert.ok(p.peakRssBytes! > 10e6, `process ${p.pid} peakRssBytes ${p.peakRssBytes}`);
      assert.equal(summary.processes.length, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('switches mode: stopping a recording delivers SIGINT to the program itself, not to perf', { skip: process.platform !== 'linux' ? 'Linux only' : !probePerf().ok ? `perf unavailable: ${probePerf().note}` : false }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sched-record-'));
  try {
    const rec = startRecording({ command: process.execPath, args: [path.join(FIXTURES, 'exit-signal.js'), 'sigint'], output: path.join(dir, 't.ctrace'), stdio: 'pipe', capture: { sched: 'switches' } });
    let out = '';
    rec.stdout!.on('data', (d) => (out += d));
    while (!out.includes('READY')) await new Promise((r) => setTimeout(r, 10));
    assert.equal(Number(/PID (\d+)/.exec(out)?.[1]), rec.pid, 'the recording\'s pid is the program\'s');
    const result = await rec.stop();
    assert.equal(result.exitCode, 7, `the program's SIGINT handler exits 7; got ${result.exitCode} ${result.signal}\n${out}`);
    assert.match(out, /GOT SIGINT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fallbacks: a command not on PATH is not wrapped; a capture started without its wrapper samples counts', { skip: process.platform !== 'linux' || !probePerf().ok ? 'needs perf' : false }, async () => {
  const logs: string[] = [];
  const a = createSchedCapture({ sched: 'switches' }, (l) => logs.push(l));
  assert.equal(a.mode, 'switches');
  assert.deepEqual(a.wrapCommand('no-such-command-ctrace', ['x']), { command: 'no-such-command-ctrace', args: ['x'] });
  assert.equal(a.mode, 'counts');
  assert.match(a.note, /"no-such-command-ctrace" was not found on PATH/);
  const b = createSchedCapture({ sched: 'switches' }, () => {});
  const records: number[] = [];
  b.start(process.pid, (kind) => records.push(kind));
  assert.equal(b.mode, 'counts');
  assert.match(b.note, /not launched through wrapCommand/);
  await b.stop();
  assert.ok(records.includes(EventKind.SchedSample), 'the counts sampler ran');
});

// A worker shorter than the sampling interval is still seen with its totals: it records its own
// /proc figures at exit. With a 2 s interval the sampler cannot see a worker that computes 150 ms of
// CPU (counted with process.cpuUsage, so a loaded machine does not shorten it) and ends; without those exit totals the worker would have no CPU at all in the summary.
test('counts mode: a worker shorter than the sampling interval still has its CPU and switches (its own totals at exit)', { skip: process.platform !== 'linux' ? 'Linux only' : false }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sched-record-'));
  try {
    const prog = path.join(dir, 'short.js');
    fs.writeFileSync(
      prog,
      `const { Worker } = require('worker_threads');
       new Worker('const c0 = process.cpuUsage(); let x = 0; while (process.cpuUsage(c0).user < 150000) x++; require("worker_threads").parentPort.postMessage(x)', { eval: true })
         .on('message', () => {}).on('exit', () => setTimeout(() => {}, 50));`,
    );
    const output = path.join(dir, 't.ctrace');
    const rec = startRecording({ command: process.execPath, args: [prog], output, stdio: 'pipe', capture: { sched: 'counts', sampleIntervalMs: 2000 } });
    const result = await rec.done;
    assert.equal(result.exitCode, 0);
    const trace = await readTrace(output);
    assert.equal(trace.meta.schedMode, 'counts');
    const summary = applySchedTotals(summarize(trace), trace.events, trace.meta.schedMode);
    const worker = summary.threads.find((t) => t.kind === 'worker');
    assert.ok(worker, JSON.stringify(summary.threads));
    assert.ok(worker.cpuMs! >= 100, `the worker computed 150 ms of CPU; cpuMs ${worker.cpuMs}`);
    assert.ok(worker.voluntarySwitches! + worker.involuntarySwitches! >= 1, JSON.stringify(worker));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
