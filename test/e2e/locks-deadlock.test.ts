// Deadlocks of real programs, found while they hang: the ABBA example (two workers, one SAB holding
// two mutex words) and the Web Locks example under Node 24. The exact cycle is asserted (threads,
// locks, the line where each waits and where it took what it holds), live and in the summary.
// A long wait that is not a cycle must not be reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startRecording } from '../../src/recorder/record';
import { readTrace } from '../../src/recorder/reader';
import { summarize } from '../../src/recorder/summary';
import type { DeadlockReport } from '../../src/protocol/trace';
import { nodeBinary } from '../support/node-versions';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { built, lineOf, program, ROOT, tmpDir } from './record-helpers';

/** 1-based line of the first `marker` after the line holding `after`. */
function lineAfter(file: string, after: string, marker: string): number {
  const start = lineOf(file, after);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l, k) => k >= start && l.includes(marker));
  if (i < 0) throw new Error(`${marker} not after ${after} in ${file}`);
  return i + 1;
}

const skip = !built() && 'run `npm run build` first';

/** Records `command` until the first deadlock report (or `quietMs` without one), then stops it. */
async function recordUntilDeadlock(command: string, args: string[], quietMs: number) {
  const output = path.join(tmpDir('ctrace-locks-'), 'out.ctrace');
  const rec = startRecording({ command, args, output, cwd: ROOT, stdio: 'pipe', capture: { sched: false } });
  rec.stdout?.resume();
  rec.stderr?.resume();
  const live = await new Promise<DeadlockReport | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), quietMs);
    rec.onDeadlock((r) => {
      clearTimeout(timer);
      resolve(r);
    });
    void rec.done.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  const result = await rec.stop();
  const trace = await readTrace(output);
  return { live, result, pid: rec.pid!, summary: summarize(trace) };
}

type Row = [threadId: number, holds: string[], waitsFor: string, waitLine: number | undefined, heldLines: (number | undefined)[]];
const rows = (r: DeadlockReport, pid: number): Row[] =>
  r.cycle.map((p) => {
    assert.equal(p.pid, pid);
    return [p.threadId, p.holds, p.waitsFor, p.site?.line, (p.heldAt ?? []).map((s) => s?.line)];
  });

test('ABBA between two workers on a SharedArrayBuffer mutex: the cycle, while the program hangs', { skip }, async () => {
  const main = path.join(ROOT, 'examples/locks/abba-deadlock/main.js');
  const { live, result, pid, summary } = await recordUntilDeadlock(process.execPath, [main], 20_000);
  assert.ok(live, 'the deadlock was reported while the program was hanging');
  const sab = `${pid}.0.1`; // named by the main thread, which shared it with both workers
  // lines: pay() takes A then B, refund() takes B then A
  const payA = lineAfter(main, 'function pay', 'lock(word, A);');
  const payB = lineAfter(main, 'function pay', 'lock(word, B);');
  const refundB = lineAfter(main, 'function refund', 'lock(word, B);');
  const refundA = lineAfter(main, 'function refund', 'lock(word, A);');
  const expected: Row[] = [
    [1, [`atomics:${sab}[0]`], `atomics:${sab}[1]`, payB, [payA]],
    [2, [`atomics:${sab}[1]`], `atomics:${sab}[0]`, refundA, [refundB]],
  ];
  assert.deepEqual(rows(live!, pid), expected);
  assert.equal(live!.cycle[0].site?.file, main);
  assert.deepEqual(result.deadlocks.length, 1);
  assert.equal(summary.deadlocks?.length, 1);
  assert.deepEqual(rows(summary.deadlocks![0], pid), expected);
});

test('Web Locks deadlock between two workers (Node 24): the cycle, while the program hangs', { skip }, async () => {
  const main = path.join(ROOT, 'examples/locks/weblocks-deadlock/main.js');
  const { live, pid, summary } = await recordUntilDeadlock(nodeBinary(24), [main], 20_000);
  assert.ok(live, 'the deadlock was reported while the program was hanging');
  const inv = (marker: string) => lineAfter(main, 'async function inventoryThenOrders', marker);
  const ord = (marker: string) => lineAfter(main, 'async function ordersThenInventory', marker);
  const expected: Row[] = [
    [1, ['weblock:inventory'], 'weblock:orders', inv("request('orders'"), [inv("request('inventory'")]],
    [2, ['weblock:orders'], 'weblock:inventory', ord("request('inventory'"), [ord("request('orders'")]],
  ];
  assert.deepEqual(rows(live!, pid), expected);
  assert.deepEqual(rows(summary.deadlocks![0], pid), expected);
});

test('long waits that are not a cycle are not deadlocks: a timed wait, and a wait on a free word while main runs', { skip }, async () => {
  const file = program(
    'long-waits.js',
    `const { Worker, isMainThread, workerData } = require('node:worker_threads');
if (isMainThread) {
  const sab = new SharedArrayBuffer(8);
  const word = new Int32Array(sab);
  new Worker(__filename, { workerData: { sab, timed: false } });
  new Worker(__filename, { workerData: { sab, timed: true } });
  // the main thread keeps running and wakes the untimed waiter after 1.5 s
  setTimeout(() => { Atomics.store(word, 0, 1); Atomics.notify(word, 0); }, 1500);
} else {
  const word = new Int32Array(workerData.sab);
  // the timed waiter holds a lock word while it sleeps: still not a deadlock, nobody waits for it
  if (workerData.timed) { Atomics.compareExchange(word, 1, 0, 1); Atomics.wait(word, 1, 1, 1200); Atomics.store(word, 1, 0); }
  else Atomics.wait(word, 0, 0);
}
`,
  );
  const { live, result, summary } = await recordUntilDeadlock(process.execPath, [file], 6_000);
  assert.equal(live, undefined);
  assert.equal(result.exitCode, 0, 'the program ended by itself');
  assert.deepEqual(summary.deadlocks ?? [], []);
});

test('ctrace record prints the deadlock at once while the program hangs; --fail-on deadlock exits non-zero', { skip }, async () => {
  const main = path.join(ROOT, 'examples/locks/abba-deadlock/main.js');
  const out = path.join(tmpDir('ctrace-locks-cli-'), 'out.ctrace');
  const cli = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'record', '--no-sched', '--fail-on', 'deadlock', '-o', out, '--', process.execPath, main], { cwd: ROOT });
  let stderr = '';
  const printed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000);
    cli.stderr.on('data', (b) => {
      stderr += b;
      if (/DEADLOCK/.test(stderr)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  cli.stdout.resume();
  const ok = await printed;
  const exit = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
  cli.kill('SIGINT');
  const code = await exit;
  assert.ok(ok, `no deadlock printed:\n${stderr}`);
  assert.match(stderr, /holds \[atomics:\d+\.0\.1\[0\]\] and waits for atomics:\d+\.0\.1\[1\]/);
  assert.notEqual(code, 0, '--fail-on deadlock');
  assert.ok(fs.existsSync(out));
});
