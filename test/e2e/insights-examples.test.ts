// Insights on the bundled examples, recorded through the real CLI and agent: each figure asserted is
// one the example is built to produce (see each example's header). Machine-dependent figures are
// compared within one run (processes versus workers), never against fixed timings.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compareTraces, computeInsights, editorHints } from '../../src/recorder/insights';
import { EventKind } from '../../src/protocol/events';
import { startRecording } from '../../src/recorder/record';
import { readTrace } from '../../src/recorder/reader';
import type { Insights } from '../../src/protocol/insights';
import { built, lineOf, record, ROOT, NODE, tmpDir } from './record-helpers';

const example = (name: string) => path.join(ROOT, 'examples', name, 'main.js');

before(() => {
  assert.ok(built(), 'dist/cli.js and dist/agent.js are missing: run npm run build');
});

async function insightsOf(name: string): Promise<Insights> {
  const r = await record([NODE, example(name)]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.ok(r.summary.insights, 'ctrace summary --json carries insights');
  return r.summary.insights!;
}

test('creating a worker costs less than forking a process (same job, same machine, same run)', async () => {
  // The machine is shared and noisy: record both jobs in alternation a few times and compare the
  // fastest creation of each kind, the best estimate of what creating one costs without the noise.
  const runs: { procs: Insights; workers: Insights }[] = [];
  for (let k = 0; k < 3; k++) runs.push({ procs: await insightsOf('processes'), workers: await insightsOf('workers') });
  const { procs, workers } = runs[0];
  // every child and worker was timed from its own first line, not guessed
  assert.deepEqual(procs.creation.items.map((c) => [c.kind, c.api, c.measuredBy]), [['process', 'fork', 'start'], ['process', 'fork', 'start']]);
  assert.deepEqual(workers.creation.items.map((c) => [c.kind, c.measuredBy]), [['worker', 'start'], ['worker', 'start']]);
  const p = procs.creation.groups.find((g) => g.kind === 'process')!;
  const w = workers.creation.groups.find((g) => g.kind === 'worker')!;
  assert.ok(w.medianMs > 0 && p.medianMs > 0);
  const fastest = (side: 'procs' | 'workers') => Math.min(...runs.flatMap((r) => r[side].creation.items.map((c) => c.ms!)));
  const medians = (side: 'procs' | 'workers') => runs.map((r) => r[side].creation.groups[0].medianMs).join(', ');
  assert.ok(fastest('workers') < fastest('procs'), `fastest worker creation ${fastest('workers')} ms should be below the fastest fork's ${fastest('procs')} ms (medians per run: workers ${medians('workers')}; forks ${medians('procs')})`);
  const forkLine = lineOf(example('processes'), 'fork(__filename');
  assert.deepEqual(p.slowestSites.map((s) => [s.site?.file, s.site?.line, s.count]), [[example('processes'), forkLine, 2]]);

  // both jobs exchange 20 messages, each one paired with its receipt
  for (const i of [procs, workers]) assert.deepEqual([i.messages.totals.count, i.messages.totals.received], [20, 20]);
  assert.ok(procs.messages.channels.length >= 2 && procs.messages.channels.every((c) => c.channelKind === 'process'));
  assert.ok(workers.messages.channels.every((c) => c.channelKind === 'worker'));
  assert.ok(procs.messages.totals.latency!.medianMs > 0);

  const rows = compareTraces(procs, workers);
  const creation = rows.find((r) => r.id === 'creation.medianMs')!;
  assert.deepEqual([creation.a, creation.b], [p.medianMs, w.medianMs]);
  if (procs.memory.recorded && workers.memory.recorded) {
    // three Node runtimes (parent + 2 children) against one runtime with two isolates
    assert.equal(procs.memory.processes.length, 3);
    assert.equal(workers.memory.processes.length, 1);
    assert.ok(procs.memory.peakTotalRssBytes! > workers.memory.peakTotalRssBytes!, `RSS ${procs.memory.peakTotalRssBytes} vs ${workers.memory.peakTotalRssBytes}`);
  }
  if (procs.parallelism.recorded && workers.parallelism.recorded) {
    // the same hashing work shows up as CPU time in both
    assert.ok(procs.parallelism.cpuMs! > 0 && workers.parallelism.cpuMs! > 0);
    assert.ok(rows.find((r) => r.id === 'cpu.cpuMs')!.ratio !== null);
  }
});

test('large-payload: the three copied 4 MB arrays are flagged, the transferred and the shared one are not', async () => {
  const i = await insightsOf('large-payload');
  const file = example('large-payload');
  const copiedLine = lineOf(file, "how: 'copied'");
  const m = i.messages;
  assert.equal(m.largeCopyCount, 3, JSON.stringify(m.largeCopies.map((l) => [l.copiedBytes, l.evidence.site])));
  for (const l of m.largeCopies) {
    assert.equal(l.channelKind, 'worker');
    assert.ok(l.copiedBytes >= 4 * 1024 * 1024, `${l.copiedBytes} bytes`);
    assert.equal(l.evidence.site?.file, file);
    assert.ok(l.evidence.site!.line >= copiedLine && l.evidence.site!.line <= copiedLine + 2, `line ${l.evidence.site?.line}`);
    assert.match(l.advice, /transfer/);
    assert.ok(l.latencyMs !== null && l.latencyMs > 0);
  }
  assert.ok(m.totals.transferredBytes >= 4 * 1024 * 1024, `transferred ${m.totals.transferredBytes}`);
  assert.ok(m.totals.sharedBytes >= 4 * 1024 * 1024, `shared ${m.totals.sharedBytes}`);
  assert.deepEqual([m.totals.count, m.totals.received], [11, 11]);
});

test('crash: the worker\'s exception and the killed child are crashes in order, and the parent outlives both', async () => {
  const r = await record([NODE, example('crash')]);
  assert.equal(r.run.status, 0, r.run.stderr);
  const c = r.summary.insights!.crashes.crashes;
  const root = r.summary.processes[0].pid;
  const child = r.summary.processes[1].pid;
  assert.deepEqual(c.map((x) => [x.order, x.kind, x.victim.pid, x.victim.threadId]), [
    [1, 'uncaught', root, 1],
    [2, 'child-signal', child, -1],
  ]);
  assert.deepEqual(c[0].evidence.site, { file: example('crash'), line: lineOf(example('crash'), "throw new Error('boom in worker')"), column: c[0].evidence.site!.column });
  for (const x of c) {
    assert.ok(x.victim.endTs !== null, 'when the victim ended is known');
    assert.deepEqual(x.outlived.map((o) => [o.pid, o.threadId]), [[root, -1]], 'the parent kept running');
  }
  assert.equal(r.summary.counts.crashes, c.length, 'the same crashes as the summary counts');
});

test('contended mutex: the lock, its waits and a hint at the line that waited, linked to a wait', async () => {
  const file = path.join(ROOT, 'examples', 'locks', 'contended-mutex', 'main.js');
  const r = await record([NODE, file], { flags: ['--no-sched'] });
  assert.equal(r.run.status, 0, r.run.stderr);
  const insights = r.summary.insights!;
  const [top] = insights.locks.contended;
  assert.ok(top && top.waited > 0 && top.totalWaitMs > 0, JSON.stringify(insights.locks.contended));
  assert.match(top.lock, /^atomics:/);
  const acquire = lineOf(file, '    lock(word);');
  assert.deepEqual(top.sites.map((s) => s.line), [acquire]);
  assert.equal(top.evidence?.site?.line, acquire);
  assert.equal(top.sites[0].evidence?.kind, EventKind.AtomicsWaitBegin);
  const hints = editorHints(insights).filter((h) => h.topic === 'lock');
  assert.equal(hints.length, 1);
  assert.equal(hints[0].site.line, acquire);
  assert.match(hints[0].text, /^waited .+ on an Atomics lock \(index \d+\) \(\d+ times?\)$/);
  // 4 workers from one line: one creation hint there
  assert.match(editorHints(insights).find((h) => h.topic === 'creation')!.text, /^created 4 workers · median /);
});

const deadlockExample = path.join(ROOT, 'examples', 'locks', 'abba-deadlock', 'main.js');
test('the ABBA deadlock example appears with its cycle, explained', { skip: !fs.existsSync(deadlockExample) && 'no deadlock example yet' }, async () => {
  // it hangs by design: record until the recorder reports the cycle, then stop it
  const output = path.join(tmpDir('ctrace-insights-'), 'out.ctrace');
  const rec = startRecording({ command: NODE, args: [deadlockExample], output, cwd: ROOT, stdio: 'pipe', capture: { sched: false } });
  rec.stdout?.resume();
  rec.stderr?.resume();
  const found = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000);
    rec.onDeadlock(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  await rec.stop();
  assert.ok(found, 'the recorder reported the deadlock');
  const trace = await readTrace(output);
  fs.rmSync(path.dirname(output), { recursive: true, force: true });
  const d = computeInsights(trace.events, trace.meta).locks.deadlocks;
  assert.equal(d.length, 1, 'the live report and the analysis are one deadlock');
  assert.deepEqual(d[0].cycle.map((p) => p.threadId).sort(), [1, 2]);
  assert.equal(d[0].explanation.length, 2);
  for (const line of d[0].explanation) assert.match(line, new RegExp(`holds atomics:\\S+ and waits for atomics:\\S+, held by .+ at ${deadlockExample.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`));
});
