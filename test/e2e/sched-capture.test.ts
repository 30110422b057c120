// Scheduling capture on real programs whose truth is known, in both Linux modes: 'counts' (sampled
// /proc) and 'switches' (perf --switch-events; skipped with the reason when perf cannot run here).
// Margins are wide enough for a shared, noisy 2-core machine and narrow enough that a sampler that
// loses threads, misattributes CPU or mixes up pids fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind, ThreadState } from '../../src/protocol/events';
import { busyCores, meanOver, runningFraction, schedTotals, createSchedCapture } from '../../src/recorder/sched/index';
import { PerfSwitches, probePerf } from '../../src/recorder/sched/perf';
import { readPerfData } from '../../src/recorder/sched/perf-data';
import { drive, FIXTURES, marker } from '../fixtures/sched/drive';

const perf = probePerf();
const MODES = [
  { name: 'counts', capture: { perf: false }, skip: false as string | false },
  { name: 'switches', capture: { sched: 'switches' as const }, skip: perf.ok ? (false as const) : `perf unavailable: ${perf.note}` },
];
const linux = process.platform === 'linux';

for (const m of MODES) {
  const skip = !linux ? 'Linux only' : m.skip;

  test(`${m.name}: 4 busy workers on 2 cores keep ~2 cores busy and are preempted`, { skip }, async () => {
    const d = await drive(['busy-workers.js', '1500'], m.capture);
    assert.equal(d.mode, m.name, d.note);
    const [from, to, truth] = marker(d.stdout, 'BUSY');
    // truth: the cores the workers really got, read by the program itself. On an idle 2-core machine
    // it is ~2; other load on the machine lowers it, and the capture must then agree, not claim 2.
    const busy = meanOver(busyCores(d.events, { bucketNs: 10e6 }), from, to);
    const why = `average busy cores ${busy.toFixed(2)} during the busy phase; the workers really got ${truth}`;
    assert.ok(Math.abs(busy - truth) < Math.max(0.25, 0.2 * truth), why);
    assert.ok(busy < 2.2, why);
    if (truth >= 1.5) assert.ok(busy > 1.2, why);
    else console.log(`# machine under load: ${why}`);
    const workers = schedTotals(d.events).threads.filter((t) => t.pid === d.pid).sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 4);
    const workerMs = workers.reduce((n, w) => n + w.cpuMs, 0);
    assert.ok(workerMs >= 0.8 * truth * ((to - from) / 1e6), `the 4 busiest threads show ${workerMs} ms CPU in all, less than they got in the window alone`);
    const preempted = workers.reduce((n, w) => n + w.involuntarySwitches, 0);
    assert.ok(preempted >= 20, `4 threads competing for 2 cores were preempted only ${preempted} times`);
    if (m.name === 'switches') assert.ok(d.events.some((e) => e.kind === EventKind.SchedSwitch && e.fields.preempt === 1), 'no preempted switch record');
  });

  test(`${m.name}: a thread blocked in Atomics.wait sleeps and switches voluntarily`, { skip }, async () => {
    const d = await drive(['atomics-wait.js'], m.capture);
    const [tid] = marker(d.stdout, 'WAITER');
    const t = schedTotals(d.events).threads.find((x) => x.tid === tid);
    assert.ok(t, `waiter thread ${tid} never sampled`);
    assert.equal(t.pid, d.pid);
    assert.ok(t.voluntarySwitches >= 25, `woken 50 times but only ${t.voluntarySwitches} voluntary switches`);
    assert.ok(t.cpuMs < 300, `a waiting thread used ${t.cpuMs} ms CPU`);
    const states = d.events.filter((e) => e.kind === EventKind.SchedSample && e.fields.tid === tid).map((e) => e.fields.state);
    assert.ok(states.includes(ThreadState.Sleeping), `waiter never seen sleeping (states ${states.join(',')})`);
    if (m.name === 'switches') {
      const outs = d.events.filter((e) => e.kind === EventKind.SchedSwitch && e.fields.tid === tid && e.fields.direction === 0 && e.fields.preempt === 0);
      assert.ok(outs.length >= 25, `only ${outs.length} voluntary switch-out records for the waiter`);
    }
  });

  test(`${m.name}: a busy child process shows CPU on its own pid`, { skip }, async () => {
    const d = await drive(['busy-child.js'], m.capture);
    const [child] = marker(d.stdout, 'CHILD');
    assert.notEqual(child, d.pid);
    const procs = schedTotals(d.events).processes;
    const c = procs.find((p) => p.pid === child);
    const parent = procs.find((p) => p.pid === d.pid);
    assert.ok(c, `child ${child} never sampled; processes: ${JSON.stringify(procs)}`);
    assert.ok(parent, 'parent never sampled');
    assert.ok(c.cpuMs > 450, `child burned 600 ms of CPU but shows ${c.cpuMs} ms`);
    assert.ok(parent.cpuMs < c.cpuMs / 2, `parent ${parent.cpuMs} ms vs child ${c.cpuMs} ms: CPU landed on the wrong pid`);
    assert.ok(c.peakRssBytes > 10e6, `child peak RSS ${c.peakRssBytes}`);
  });

  test(`${m.name}: short-lived child processes and workers are still seen, with their CPU`, { skip }, async () => {
    const d = await drive(['short-lived.js'], m.capture);
    const children = marker(d.stdout, 'CHILDREN');
    const workers = marker(d.stdout, 'WORKERS');
    const t = schedTotals(d.events);
    const seenPids = children.filter((pid) => t.processes.some((p) => p.pid === pid && p.cpuMs > 0));
    const seenTids = workers.filter((tid) => t.threads.some((x) => x.tid === tid && x.pid === d.pid && x.cpuMs > 0));
    // each child lives a Node start-up (~40 ms), each worker ~30 ms: several sampling intervals
    assert.ok(seenPids.length >= 4, `saw ${seenPids.length} of 5 short-lived children (${children}); processes ${JSON.stringify(t.processes)}`);
    assert.ok(seenTids.length >= 2, `saw ${seenTids.length} of 3 short-lived workers (${workers})`);
    if (m.name === 'switches') {
      assert.equal(seenPids.length, 5, 'perf follows every child');
      assert.equal(seenTids.length, 3, 'perf follows every thread');
    }
  });

  test(`${m.name}: a program that only sleeps shows near-zero CPU`, { skip }, async () => {
    const d = await drive(['sleeper.js'], m.capture);
    const [from, to] = marker(d.stdout, 'SLEEP');
    // from + 200 ms: Node's own start-up work (compiling, GC threads) settles first
    const busy = meanOver(busyCores(d.events, { bucketNs: 10e6 }), from + 200e6, to);
    assert.ok(busy < 0.1, `a sleeping program kept ${busy.toFixed(3)} cores busy`);
    const main = runningFraction(d.events, { bucketNs: 10e6 }).find((s) => s.tid === d.pid);
    assert.ok(main, 'main thread never sampled');
    assert.ok(meanOver(main.series, from + 200e6, to) < 0.05);
    assert.ok(schedTotals(d.events).processes.find((p) => p.pid === d.pid)!.peakRssBytes > 10e6, 'no RSS for the process');
  });
}

test('switches: the launcher keeps stdio, exit code, pid and SIGINT handling of the program', { skip: !linux ? 'Linux only' : MODES[1].skip }, async () => {
  const d = await drive(['exit-signal.js', '3'], { sched: 'switches' });
  assert.equal(d.mode, 'switches', d.note);
  assert.equal(d.code, 3);
  assert.equal(marker(d.stdout, 'PID')[0], d.pid, 'the launched pid is not the program');
  assert.equal(d.stderr, 'to-stderr\n');
  const s = await drive(['exit-signal.js', 'sigint'], { sched: 'switches' }, async (pid, out) => {
    while (!out().includes('READY')) await new Promise((r) => setTimeout(r, 10));
    process.kill(pid, 'SIGINT');
  });
  assert.equal(s.code, 7, `the program's SIGINT handler should exit 7 (got ${s.code} ${s.signal})`);
  assert.match(s.stdout, /GOT SIGINT/);
  assert.ok(s.events.some((e) => e.kind === EventKind.SchedSwitch), 'no switches recorded');
});

test('the default is counts (switches only when asked for); bad interval is refused with a clear message; sched:false records nothing', { skip: !linux ? 'Linux only' : false }, () => {
  const auto = createSchedCapture({}, () => {});
  assert.equal(auto.mode, 'counts');
  assert.match(auto.note, /--sched switches/);
  assert.throws(() => createSchedCapture({ sampleIntervalMs: 0 }, () => {}), /sampleIntervalMs must be a number of milliseconds >= 1 \(got 0\)/);
  const off = createSchedCapture({ sched: false }, () => {});
  assert.equal(off.mode, 'off');
  assert.deepEqual(off.wrapCommand('node', ['a.js']), { command: 'node', args: ['a.js'] });
});

test('perf.data read directly gives exactly what perf script prints', { skip: !linux ? 'Linux only' : MODES[1].skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sched-perfdata-'));
  try {
    const file = path.join(dir, 'p.data');
    const r = spawnSync('perf', ['record', '-q', '--switch-events', '-e', 'dummy', '-k', 'mono', '-o', file, '--', process.execPath, path.join(FIXTURES, 'short-lived.js')], { stdio: 'ignore' });
    assert.equal(r.status, 0);
    const direct: string[] = [];
    const got = readPerfData(file, {
      switch: (pid, tid, ts, d, p) => direct.push(`switch ${pid} ${tid} ${ts} ${d} ${p}`),
      comm: (pid, tid, ts, name) => direct.push(`name ${pid} ${tid} ${ts} ${name}`),
    });
    assert.ok(got && got.switches > 100, `direct read: ${JSON.stringify(got)}`);
    const viaScript: string[] = [];
    const conv = new PerfSwitches(() => {}, file);
    await conv.convertWithScript((kind, ts, f) => viaScript.push(kind === EventKind.SchedSwitch ? `switch ${f.pid} ${f.tid} ${ts} ${f.direction} ${f.preempt}` : `name ${f.pid} ${f.tid} ${ts} ${f.name}`));
    assert.deepEqual(direct.sort(), viaScript.sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
