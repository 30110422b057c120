// The timeline's model on schedMode 'node' traces (the agent's ThreadUsage / ProcessUsage records,
// no /proc or perf): each JS thread's CPU row comes from its own stream's records (its CPU where Node
// measured it, else its event loop's busy time, and says which), no thread states or per-thread
// switch counts are made up, and busy cores come from each process's CPU. Exact figures on a trace
// written with the real encoder; then a real recording of a busy worker and a sleeping main thread.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import { StreamEncoder, concatBytes, encodeRecord, fileHeader, metaChunk } from '../../src/protocol/wire';
import { TraceModel } from '../../webview/model';
import { nodeBinary } from '../support/node-versions';

const MS = 1e6;

/** One process (pid 100): main (tid 100) and worker 1 (tid 105); `cpu` says whether Node had threadCpuUsage. */
function nodeModeTrace(cpu: 0 | 1): Uint8Array {
  const main = new StreamEncoder(100, 100, 0);
  const worker = new StreamEncoder(100, 105, 1);
  const T = 1_000 * MS;
  encodeRecord(main, EventKind.ProcessStart, T, { pid: 100, ppid: 1, argv: '["node","app.js"]' });
  encodeRecord(main, EventKind.ThreadStart, T, { name: 'main', kind: 0, parentThreadId: -1 });
  encodeRecord(worker, EventKind.ThreadStart, T + 100 * MS, { name: 'worker 1', kind: 1, parentThreadId: 0 });
  for (let k = 1; k <= 5; k++) {
    // main: 1 ms of loop work (and of CPU) per 100 ms tick; the process: the worker's 100 ms of CPU per tick on top
    encodeRecord(main, EventKind.ThreadUsage, T + k * 100 * MS, { pid: 100, threadId: 0, eluActiveNs: k * MS, eluIdleNs: k * 99 * MS, cpu, userNs: cpu * k * MS, systemNs: 0 });
    encodeRecord(main, EventKind.ProcessUsage, T + k * 100 * MS, { pid: 100, userNs: k * 90 * MS, systemNs: k * 11 * MS, voluntary: 10 * k, involuntary: 3 * k, maxRssBytes: 50e6 });
  }
  // the busy worker's timer never fires: one record at its exit, 400 ms after its start
  encodeRecord(worker, EventKind.ThreadUsage, T + 500 * MS, { pid: 100, threadId: 1, eluActiveNs: 400 * MS, eluIdleNs: 0, cpu, userNs: cpu * 380 * MS, systemNs: cpu * 10 * MS });
  encodeRecord(worker, EventKind.ThreadExit, T + 500 * MS, { code: 0 });
  encodeRecord(main, EventKind.ProcessExit, T + 500 * MS, { code: 0, cause: 'normal' });
  return concatBytes([fileHeader(), metaChunk({ t0: T, schedMode: 'node', cpus: 2 }), main.flush(), worker.flush()]);
}

test('node mode, no per-thread CPU (Node 20): event-loop busy series per thread, no states or thread switch counts, busy cores from process CPU', () => {
  const m = new TraceModel();
  m.load(nodeModeTrace(0));
  assert.equal(m.error, undefined);
  assert.equal(m.tracks.length, 2, 'usage records belong to their stream\'s track, not a new one');
  const main = m.tracks.find((t) => t.kind === 'main')!;
  const worker = m.tracks.find((t) => t.kind === 'worker')!;
  for (const t of [main, worker]) {
    assert.ok(t.hasSched && t.fromNode);
    assert.equal(t.cpuIsCpu, false);
    assert.equal(t.cpuWhat, 'event loop busy');
    assert.equal(t.hasOsSched, false);
    assert.equal(t.stateSeries.n, 0, 'no states or switch counts to draw');
  }
  // the worker's single exit record is spread over its life from its first event: 400 ms busy in 400 ms
  const T = 1_000 * MS;
  assert.equal(worker.cpuSeries.n, 2);
  assert.equal(worker.cpuSeries.runAt(T + 300 * MS), 200 * MS);
  assert.equal(main.cpuSeries.runAt(T + 300 * MS), 3 * MS);
  // not stored as events (not drawn as ticks, not searchable): the main thread keeps its 3 events
  assert.equal(main.ev.n, 3);
  assert.equal(m.kindCounts[EventKind.ThreadUsage], 0);
  // the process's own figures: CPU user + system, switch counts as recorded (a zero at its start)
  const p = m.procs.get(100)!;
  assert.deepEqual([...p.usage.run.a.subarray(0, p.usage.n)], [0, 101, 202, 303, 404, 505].map((x) => x * MS));
  assert.deepEqual([...p.usage.vol.a.subarray(0, p.usage.n)], [0, 10, 20, 30, 40, 50]);
  assert.deepEqual([...p.usage.inv.a.subarray(0, p.usage.n)], [0, 3, 6, 9, 12, 15]);
  // busy cores: the process's 101 ms of CPU per 100 ms, not the threads' event-loop time (which would add to 1.01 + ...)
  assert.equal(m.coresFromNode, true);
  assert.deepEqual(m.coreSeries(), [p.usage]);
  assert.ok(Math.abs(m.busyCoresIn(T + 100 * MS, T + 400 * MS) - 1.01) < 1e-9, String(m.busyCoresIn(T + 100 * MS, T + 400 * MS)));
});

test('node mode with threadCpuUsage (Node 22+): the CPU row is this thread\'s CPU', () => {
  const m = new TraceModel();
  m.load(nodeModeTrace(1));
  const worker = m.tracks.find((t) => t.kind === 'worker')!;
  assert.equal(worker.cpuIsCpu, true);
  assert.equal(worker.cpuWhat, 'CPU');
  assert.ok(worker.fromNode);
  assert.equal(worker.cpuSeries.run.a[worker.cpuSeries.n - 1], 390 * MS);
  // still only the process's CPU counts as busy cores (thread CPU is part of it)
  assert.deepEqual(m.coreSeries(), [m.procs.get(100)!.usage]);
});

test('OS-side records win: a thread with /proc samples draws those, and busy cores sum threads, not the process figure', () => {
  const main = new StreamEncoder(100, 100, 0);
  const collector = new StreamEncoder(0, 0, 0);
  encodeRecord(main, EventKind.ThreadStart, 0, { name: 'main', kind: 0, parentThreadId: -1 });
  encodeRecord(main, EventKind.ThreadUsage, 100, { pid: 100, threadId: 0, eluActiveNs: 7, eluIdleNs: 0, cpu: 0 });
  encodeRecord(main, EventKind.ProcessUsage, 100, { pid: 100, userNs: 1000, systemNs: 0 });
  for (let k = 0; k < 3; k++) encodeRecord(collector, EventKind.SchedSample, k * 100, { pid: 100, tid: 100, state: 0, runNs: k * 50, voluntary: k, involuntary: 0 });
  const m = new TraceModel();
  m.load(concatBytes([fileHeader(), metaChunk({ t0: 0 }), main.flush(), collector.flush()]));
  const t = m.tracks.find((x) => x.tid === 100)!;
  assert.equal(t.fromNode, false);
  assert.equal(t.cpuWhat, 'CPU');
  assert.equal(t.cpuSeries, t.samples);
  assert.equal(m.coresFromNode, false);
  assert.deepEqual(m.coreSeries(), [t.samples]);
});

// A real recording: `ctrace record --sched node` of a worker busy for 500 ms while main sleeps.
const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-webview-node-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const skip = fs.existsSync(cli) && fs.existsSync(path.join(root, 'dist', 'agent.js')) ? false : 'run npm run build first';

function recordNodeMode(node: string): TraceModel {
  const out = path.join(dir, `n${path.basename(path.dirname(path.dirname(node)))}.ctrace`);
  const r = spawnSync(process.execPath, [cli, 'record', '--sched', 'node', '-o', out, '--', node, path.join(root, 'test', 'fixtures', 'sched', 'node-mode.js'), '500'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = new TraceModel();
  m.load(new Uint8Array(fs.readFileSync(out)));
  assert.equal(m.error, undefined);
  assert.equal(m.meta.schedMode, 'node');
  return m;
}

for (const major of [20, 22]) {
  test(`a real node-mode recording (Node ${major}): the busy worker's row grows, main's stays low, busy cores about one`, { skip }, () => {
    const m = recordNodeMode(nodeBinary(major));
    const worker = m.tracks.find((t) => t.kind === 'worker')!;
    const main = m.tracks.find((t) => t.kind === 'main')!;
    assert.ok(worker && main, m.tracks.map((t) => t.label()).join(', '));
    assert.equal(worker.cpuWhat, major >= 22 ? 'CPU' : 'event loop busy');
    const s = worker.cpuSeries;
    assert.ok(s.n >= 2, `worker series has ${s.n} points`);
    for (let k = 1; k < s.n; k++) assert.ok(s.run.a[k] >= s.run.a[k - 1], 'cumulative');
    // 500 ms of busy work: well over 100 ms counted however loaded the machine, and it starts from zero
    assert.equal(s.run.a[0], 0);
    assert.ok(s.run.a[s.n - 1] > 100 * MS, `worker ${s.run.a[s.n - 1] / MS} ms`);
    const last = (x: typeof s) => x.run.a[x.n - 1];
    assert.ok(last(s) > 3 * last(main.cpuSeries), `worker ${last(s) / MS} ms vs main ${last(main.cpuSeries) / MS} ms`);
    // nothing recorded per thread about states or switches, so nothing to draw there
    for (const t of [worker, main]) assert.ok(!t.hasOsSched && t.stateSeries.n === 0 && t.fromNode);
    // busy cores from the process's own CPU over the worker's life: about one core, at most the machine's
    const p = main.proc;
    assert.ok(p.usage.n >= 2 && m.coreSeries().length === 1 && m.coreSeries()[0] === p.usage);
    assert.ok(p.usage.vol.a[p.usage.n - 1] + p.usage.inv.a[p.usage.n - 1] > 0, 'process switch counts recorded');
    const busy = m.busyCoresIn(worker.startTs, worker.endTs);
    assert.ok(busy > 0.4 && busy < 2.5, `busy cores ${busy.toFixed(2)} while the worker ran`);
  });
}
