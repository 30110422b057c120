// schedMode 'node' (what macOS and Windows get), forced on Linux with `ctrace record --sched node`:
// nothing is read from outside the program; the agent records Node's own figures in every thread.
// A worker busy on CPU-bound work and a main thread that only waits on a timer: the worker's event
// loop is busy, the main thread's idle; the process's CPU, switch counts and RSS are there; where
// the program's Node has process.threadCpuUsage() (22, 24) the CPU is per thread too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import type { TraceSummary } from '../../src/protocol/trace';
import { readTrace } from '../../src/recorder/index';
import { busyCores } from '../../src/recorder/sched/index';
import { built, CLI, NODE, ROOT, tmpDir } from './record-helpers';
import { nodeBinary } from '../support/node-versions';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'sched', 'node-mode.js');
const BUSY_MS = 600;

async function recordNodeMode(node: string, flags = ['--sched', 'node'], program = [FIXTURE, String(BUSY_MS)]) {
  const dir = tmpDir('sched-node-');
  const output = path.join(dir, 'n.ctrace');
  const run = spawnSync(NODE, [CLI, 'record', '-o', output, ...flags, '--', node, ...program], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const json = spawnSync(NODE, [CLI, 'summary', output, '--json'], { encoding: 'utf8', timeout: 60_000 });
  const trace = await readTrace(output);
  fs.rmSync(dir, { recursive: true, force: true });
  return { run, summary: JSON.parse(json.stdout) as TraceSummary, trace };
}

const skip = !built() ? 'run npm run build first' : false;

for (const major of [20, 22, 24]) {
  test(`Node ${major}, --sched node: busy worker's event loop busy, sleeping main idle; process CPU, switches, RSS`, { skip }, async () => {
    const { run, summary, trace } = await recordNodeMode(nodeBinary(major));
    // nothing fails, and the program is the program
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^BUSY ${BUSY_MS}$`, 'm'));
    assert.doesNotMatch(run.stderr, /error|warning/i);

    assert.equal(trace.meta.schedMode, 'node');
    assert.equal(summary.schedMode, 'node');
    assert.match(summary.schedNote ?? '', /^Node mode \(asked for\): event-loop utilization per thread; CPU per thread where .* else per process only/);
    // nothing from outside the program
    assert.equal(trace.events.filter((e) => e.kind === EventKind.SchedSample || e.kind === EventKind.SchedSwitch).length, 0);

    const [proc] = summary.processes;
    assert.equal(summary.processes.length, 1);
    const main = summary.threads.find((t) => t.kind === 'main')!;
    const worker = summary.threads.find((t) => t.kind === 'worker')!;
    assert.ok(main && worker, JSON.stringify(summary.threads));
    // the worker's loop never idles while it computes; the main thread's loop only waits on a timer
    assert.ok(worker.eventLoopUtilization! >= 0.8, `worker ELU ${worker.eventLoopUtilization}`);
    assert.ok(main.eventLoopUtilization! <= 0.3, `main ELU ${main.eventLoopUtilization}`);
    // the OS's figures for the whole process: 600 ms of busy work, however loaded the machine, gets well over 100 ms of CPU
    assert.ok(proc.cpuMs! > 100, `process cpuMs ${proc.cpuMs}`);
    assert.ok(proc.voluntarySwitches! + proc.involuntarySwitches! > 0, `switches ${proc.voluntarySwitches}/${proc.involuntarySwitches}`);
    assert.ok(proc.peakRssBytes! > 10e6, `peakRssBytes ${proc.peakRssBytes}`);
    assert.ok(main.peakHeapUsedBytes! > 0 && worker.peakHeapUsedBytes! > 0);

    const usage = trace.events.filter((e) => e.kind === EventKind.ThreadUsage);
    assert.deepEqual([...new Set(usage.map((e) => e.fields.threadId))].sort(), [0, 1], 'a ThreadUsage record from each thread');
    const perThreadCpu = usage.every((e) => e.fields.cpu === 1);
    if (major >= 22) {
      // process.threadCpuUsage(): each thread's own CPU, so the busy one has most of it
      assert.ok(perThreadCpu, 'Node 22 has process.threadCpuUsage()');
      assert.ok(worker.cpuMs! > 100 && worker.cpuMs! > 3 * main.cpuMs!, `worker ${worker.cpuMs} ms, main ${main.cpuMs} ms`);
      assert.ok(worker.cpuMs! <= proc.cpuMs! + 1, `thread ${worker.cpuMs} ms > process ${proc.cpuMs} ms`);
    } else {
      // no per-thread CPU in Node 20: no thread gets the process's figure
      assert.ok(usage.every((e) => e.fields.cpu === 0));
      assert.equal(main.cpuMs, undefined);
      assert.equal(worker.cpuMs, undefined);
    }
    // busy cores from the process's CPU deltas: about one core while the worker computes
    const cores = busyCores(trace.events, { bucketNs: 100e6 });
    assert.ok(Math.max(...cores.values) > 0.4, `busy cores ${cores.values.map((v) => v.toFixed(2)).join(' ')}`);
  });
}

test('--sched node: a busy child process shows its CPU on its own pid, the sleeping parent little', { skip }, async () => {
  const { run, summary } = await recordNodeMode(NODE, ['--sched', 'node'], [path.join(ROOT, 'test', 'fixtures', 'sched', 'busy-child.js')]);
  assert.equal(run.status, 0, run.stderr);
  const childPid = Number(/CHILD (\d+)/.exec(run.stdout)?.[1]);
  const child = summary.processes.find((p) => p.pid === childPid);
  const parent = summary.processes.find((p) => p.pid !== childPid);
  assert.ok(child && parent, JSON.stringify(summary.processes));
  // the child burns 600 ms of CPU time (measured by itself, so load only stretches it)
  assert.ok(child.cpuMs! >= 550, `child cpuMs ${child.cpuMs}`);
  assert.ok(parent.cpuMs! < child.cpuMs! / 3, `parent cpuMs ${parent.cpuMs}`);
  assert.ok(child.peakRssBytes! > 10e6 && parent.peakRssBytes! > 10e6);
});

test('counts mode: the agent samples nothing of its own (no ThreadUsage / ProcessUsage)', { skip: !built() ? 'run npm run build first' : process.platform !== 'linux' ? 'Linux only' : false }, async () => {
  const { run, summary, trace } = await recordNodeMode(NODE, ['--sched', 'counts']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(summary.schedMode, 'counts');
  assert.equal(trace.events.filter((e) => e.kind === EventKind.ThreadUsage || e.kind === EventKind.ProcessUsage).length, 0);
  assert.ok(trace.events.some((e) => e.kind === EventKind.SchedSample));
});

test('ctrace record --sched refuses an unknown mode with the list of modes', { skip }, () => {
  const r = spawnSync(NODE, [CLI, 'record', '--sched', 'fast', '--', NODE, '-e', '0'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--sched needs one of auto, switches, counts, node, off, got "fast"/);
});
