// `ctrace summary` text ends with the insights people act on (worker creation cost and where), the
// same figures `--json` gives under "insights".
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { built, CLI, FAST, NODE, record, ROOT, tmpDir } from './record-helpers';

before(() => {
  assert.ok(built(), 'dist/cli.js and dist/agent.js are missing: run npm run build');
});

test('summary text lists the insights: worker creation with its slowest call site', async () => {
  const r = await record([NODE, path.join(ROOT, 'examples', 'workers', 'main.js')], { dir: tmpDir(), flags: FAST });
  const text = spawnSync(NODE, [CLI, 'summary', r.tracePath], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(text.status, 0, text.stderr);
  const insights = text.stdout.split('\nInsights:\n')[1];
  assert.ok(insights, text.stdout);
  assert.match(insights, /^ {2}2 workers created: median [\d.]+ (ms|µs|s), slowest [\d.]+ (ms|µs|s) \(slowest at .*examples\/workers\/main\.js:\d+\)$/m);
});

test('summary text names what outlived each crash, in words', async () => {
  const r = await record([NODE, path.join(ROOT, 'examples', 'crash', 'main.js')], { dir: tmpDir(), flags: FAST });
  const text = spawnSync(NODE, [CLI, 'summary', r.tracePath], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(text.status, 0, text.stderr);
  const crashes = text.stdout.split('\n').filter((l) => /^ {2}crash \d+: /.test(l));
  assert.ok(crashes.length > 0, text.stdout);
  for (const l of crashes) assert.match(l, /; (outlived by (\d+ process(es)?)?( and )?(\d+ threads?)?|nothing ran on after it)$/);
  assert.doesNotMatch(text.stdout, /\((s|es)\)/);
});

test('summary text ranks contended locks, and a deadlock\'s locks by the waits that never ended', async () => {
  for (const [example, waits] of [['contended-mutex', /in \d+ waits/], ['abba-deadlock', /in 1 wait,/]] as const) {
    const r = await record([NODE, path.join(ROOT, 'examples', 'locks', example, 'main.js')], { dir: tmpDir(), flags: [...FAST, '--fail-on', 'deadlock'] });
    const text = spawnSync(NODE, [CLI, 'summary', r.tracePath], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const locks = text.stdout.split('\n').filter((l) => /^ {2}lock atomics:/.test(l));
    assert.ok(locks.length > 0, text.stdout);
    for (const l of locks) assert.match(l, /: waited [\d.]+ (ms|µs|s) in \d+ waits?, longest [\d.]+ (ms|µs|s); held [\d.]+ (ms|µs|s) in all \(most at .*main\.js:\d+\)$/);
    assert.match(locks[0], waits);
    assert.doesNotMatch(locks[0], /waited 0 /);
    if (example === 'abba-deadlock') {
      // said once, in the insights' words (thread names), one line per thread of the cycle
      assert.doesNotMatch(text.stdout, /^deadlocks:$/m);
      const at = text.stdout.split('\n').findIndex((l) => /^ {2}deadlock: pay \(pid \d+\) holds /.test(l));
      assert.ok(at > 0, text.stdout);
      assert.match(text.stdout.split('\n')[at + 1], /^ {4}refund \(pid \d+\) holds /);
    }
  }
});

test("summary text gives each process's whole figures, Node's own threads included: the totals compare shows", { skip: process.platform !== 'linux' && 'scheduling counts need /proc' }, async () => {
  const r = await record([NODE, path.join(ROOT, 'examples', 'workers', 'main.js')], { dir: tmpDir() });
  const text = spawnSync(NODE, [CLI, 'summary', r.tracePath], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(text.status, 0, text.stderr);
  const all = /^ {4}all (\d+) threads, Node's own included {2}cpu ([\d.]+) ms, (\d+) voluntary \/ (\d+) involuntary switches$/m.exec(text.stdout);
  assert.ok(all, text.stdout);
  const sw = r.summary.insights!.contextSwitches;
  assert.ok(sw.recorded, sw.note);
  // one process: its figures are the recording's totals, the ones compare puts side by side
  assert.deepEqual(all.slice(1).map(Number), [r.summary.threads.length, Number(sw.total.cpuMs.toFixed(1)), sw.total.voluntary, sw.total.involuntary]);
  assert.ok(r.summary.threads.some((t) => t.kind === 'os'), 'Node has threads of its own');
});

test('summary lists the processes no agent traced (a shell and what it ran) under their parents, as the timeline nests them', { skip: process.platform !== 'linux' && 'seen from outside through /proc' }, async () => {
  const dir = tmpDir();
  const prog = path.join(dir, 'shell.js');
  fs.writeFileSync(prog, `require('child_process').execFileSync('sh', ['-c', 'sleep 0.3; sleep 0.2']);\n`);
  const r = await record([NODE, prog], { dir });
  const os = r.summary.osProcesses ?? [];
  const sh = os.find((o) => o.command === 'sh');
  const root = r.summary.processes[0];
  assert.ok(sh, JSON.stringify(os));
  assert.equal(sh.ppid, root.pid);
  const sleeps = os.filter((o) => o.command === 'sleep');
  assert.equal(sleeps.length, 2, JSON.stringify(os));
  for (const s of sleeps) assert.equal(s.ppid, sh.pid);
  // each is a thread of its own in threads[] too, kind os
  for (const o of os) assert.ok(r.summary.threads.some((t) => t.pid === o.pid && t.tid === o.pid && t.kind === 'os'), `no thread for ${o.command} ${o.pid}`);
  const text = spawnSync(NODE, [CLI, 'summary', r.tracePath], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).stdout;
  const at = (pid: number) => text.split('\n').find((l) => new RegExp(`^ *${pid} `).test(l)) ?? '';
  const indent = (l: string) => l.length - l.trimStart().length;
  assert.match(at(sh.pid), /^ {4}\d+ sh {2}\[not traced: seen from outside\]$/, text);
  for (const s of sleeps) assert.equal(indent(at(s.pid)), indent(at(sh.pid)) + 2, text);
});
