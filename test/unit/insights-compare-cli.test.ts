// `ctrace compare` end to end on trace files made with the real codec (the recorded examples are
// compared in test/e2e/insights-examples.test.ts): the table, the JSON, the HTML page, bad input.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EventKind } from '../../src/protocol/events';
import type { Comparison } from '../../src/protocol/insights';
import { encodeTrace, ev } from './insights-helpers';

const root = path.resolve(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-compare-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function job(createMs: number, kind: 'fork' | 'worker'): string {
  const events = [ev(EventKind.ProcessStart, 0, 100, 0, { pid: 100, argv: '["node","main.js"]' })];
  for (let n = 1; n <= 2; n++) {
    if (kind === 'fork') {
      events.push(ev(EventKind.SpawnCall, n, 100, 0, { spawnId: n, api: 'fork', site: '/w/main.js:30:19' }));
      events.push(ev(EventKind.SpawnRunning, n + 1, 100, 0, { spawnId: n, childPid: 200 + n }));
      events.push(ev(EventKind.ProcessStart, n + createMs, 200 + n, 0, { pid: 200 + n }));
    } else {
      events.push(ev(EventKind.WorkerCreate, n, 100, 0, { workerThreadId: n, site: '/w/main.js:30:19' }));
      events.push(ev(EventKind.ThreadStart, n + createMs, 100, n, { name: `worker ${n}`, kind: 1 }));
    }
  }
  events.push(ev(EventKind.ProcessExit, 100, 100, 0, { code: 0, cause: 'normal' }));
  const file = path.join(dir, `${kind}.ctrace`);
  fs.writeFileSync(file, encodeTrace(events, { formatVersion: 1, command: ['node', `${kind}.js`], schedMode: 'off' }));
  return file;
}

function ctrace(...args: string[]) {
  // the CLI's compare command, run from source so this test does not depend on the bundle
  const code = `require(${JSON.stringify(path.join(root, 'src/cli/compare.ts'))}).runCompare(${JSON.stringify(args)}).then((c) => { process.exitCode = c; })`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, encoding: 'utf8' });
}

const a = job(40, 'fork');
const b = job(10, 'worker');

test('compare prints each figure of both traces with the ratio', () => {
  const r = ctrace(a, b);
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.includes('creation cost, median'));
  assert.ok(line, r.stdout);
  assert.match(line!, /40 ms\s+10 ms\s+0\.25x$/);
  assert.match(r.stdout, /A: node fork\.js/);
  assert.match(r.stdout, /2 workers created: median 10 ms/);
});

test('compare --json is a Comparison', () => {
  const r = ctrace('--json', a, b);
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout) as Comparison;
  assert.deepEqual(c.a, { name: 'fork.ctrace', command: 'node fork.js' });
  const row = c.rows.find((x) => x.id === 'creation.medianMs')!;
  assert.deepEqual([row.a, row.b, row.ratio], [40, 10, 0.25]);
});

test('compare -o writes a self-contained page with a strict CSP and the data inlined', { skip: !fs.existsSync(path.join(root, 'dist/compare.js')) && 'run npm run build first' }, () => {
  const out = path.join(dir, 'c.html');
  const r = ctrace(a, b, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  const html = fs.readFileSync(out, 'utf8');
  const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(html)?.[1];
  assert.ok(nonce, 'CSP with a script nonce');
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /<script(?![^>]*nonce=)/, 'every script carries the nonce');
  assert.doesNotMatch(html, /src="http/, 'no remote resources');
  assert.equal(html.match(/<\/script>/g)?.length, 2, 'the bundle cannot close its script element early');
});

test('bad input gets a clear message and a usage exit code', () => {
  const one = ctrace(a);
  assert.equal(one.status, 2);
  assert.match(one.stderr, /give two trace files \(you gave 1\)/);
  const missing = ctrace(a, path.join(dir, 'nope.ctrace'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.ctrace: no such file/);
  const notTrace = path.join(dir, 'x.ctrace');
  fs.writeFileSync(notTrace, 'hello world, not a trace');
  const bad = ctrace(a, notTrace);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /is not a Concurrency Timeline trace/);
  assert.equal(ctrace(a, b, '--frobnicate').status, 2);
});

test('a side cut short, or one file twice, is said before the figures (they are less than they seem)', () => {
  const whole = job(10, 'worker');
  const bytes = fs.readFileSync(whole);
  const cut = path.join(dir, 'cut.ctrace');
  fs.writeFileSync(cut, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length - 40));
  const r = ctrace(whole, cut, '--json');
  assert.equal(r.status, 0, r.stderr);
  // (these test files have no closing index, written by hand: each side also gets that note)
  const warnings = ((JSON.parse(r.stdout) as { warnings?: string[] }).warnings ?? []).filter((w) => w.startsWith('B '));
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0], /^B \(cut\.ctrace\) ends in the middle of a chunk: the recording was cut short/);
  assert.match(r.stderr, /^ctrace: compare: note: B \(cut\.ctrace\) /m);
  const twice = ctrace(whole, whole);
  assert.equal(twice.status, 0, twice.stderr);
  assert.match(twice.stderr, /^ctrace: compare: note: A and B are the same file: every ratio is 1\.$/m);
  // short names stay short
  assert.match(twice.stdout, /worker\.ctrace/);
  assert.doesNotMatch(twice.stdout, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.doesNotMatch(ctrace(whole, job(20, 'fork')).stderr, /same file|no Node/);
});

test('a side that traced no Node.js process is said: its creation and message figures are absent for that reason', () => {
  const osOnly = path.join(dir, 'sh.ctrace');
  fs.writeFileSync(osOnly, encodeTrace([ev(EventKind.ThreadName, 0, 300, 0, { pid: 300, tid: 300, name: 'sh', threadId: 0 })], { formatVersion: 1, command: ['sh', '-c', 'true'], schedMode: 'counts' }));
  const r = ctrace(a, osOnly);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^ctrace: compare: note: B \(sh\.ctrace\) traced no Node\.js process: only time, memory, CPU and context switches were seen, from outside\.$/m);
  assert.doesNotMatch(r.stderr, /note: A .*no Node/);
  // without the scheduling capture, nothing was seen from outside either
  const blind = path.join(dir, 'sh-blind.ctrace');
  fs.writeFileSync(blind, encodeTrace([ev(EventKind.Mark, 0, 0, 0, { name: 'start' })], { formatVersion: 1, command: ['sh', '-c', 'true'], schedMode: 'off' }));
  assert.match(ctrace(a, blind).stderr, /note: B \(sh-blind\.ctrace\) traced no Node\.js process, and nothing was seen from outside \(no scheduling capture\): only its duration is known\.$/m);
});
