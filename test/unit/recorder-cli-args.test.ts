// `ctrace record` argument parsing and the default trace name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { defaultOutput, parseRecordArgs, reserveName } from '../../src/cli/record';
import { tempDir } from '../support/temp';
import { HELP } from '../../src/cli/common';

test('options before --, the command after it (or from the first non-option word)', () => {
  const a = parseRecordArgs(['-o', 'x.ctrace', '--fail-on', 'crash,deadlock', '--no-sched', '--interval', '5', '--no-messages', '--no-locks', '--', 'node', '--inspect', 'app.js', '-o', 'y']);
  assert.ok(typeof a !== 'string');
  assert.equal(a.output, 'x.ctrace');
  assert.deepEqual([...a.failOn].sort(), ['crash', 'deadlock']);
  assert.deepEqual(a.capture, { sched: false, sampleIntervalMs: 5, messages: false, locks: false });
  assert.deepEqual(a.command, ['node', '--inspect', 'app.js', '-o', 'y']);
  const b = parseRecordArgs(['--output=t.ctrace', '--fail-on=crash', 'npm', 'test', '--', '--watch']);
  assert.ok(typeof b !== 'string');
  assert.equal(b.output, 't.ctrace');
  assert.deepEqual(b.command, ['npm', 'test', '--', '--watch']);
});

test('bad arguments say what is wrong', () => {
  assert.equal(parseRecordArgs([]), 'no command given: put the program after --, e.g. ctrace record -- node app.js');
  assert.equal(parseRecordArgs(['-o']), '-o needs a file name');
  assert.equal(parseRecordArgs(['-o', '--', 'node', 'app.js']), '-o needs a file name');
  assert.equal(parseRecordArgs(['--interval', '--', 'node']), '--interval needs a number of milliseconds, got ""');
  assert.equal(parseRecordArgs(['--interval', 'soon', '--', 'node']), '--interval needs a number of milliseconds, got "soon"');
  assert.equal(parseRecordArgs(['--fail-on', 'crash,oops', '--', 'node']), '--fail-on: unknown condition "oops" (use deadlock, crash)');
  assert.equal(parseRecordArgs(['--what', '--', 'node']), 'unknown option --what');
  assert.equal(parseRecordArgs(['--interval', '0.5', '--', 'node']), '--interval must be at least 1 ms, got 0.5');
  assert.equal(parseRecordArgs(['--help']), 'help');
  assert.equal(parseRecordArgs(['-h', '--', 'node']), 'help');
});

test('a default name is reserved: recordings started in the same second get -2, -3 (never one file for two)', () => {
  const dir = tempDir('ctrace-names-');
  const name = path.join(dir, 'app-20261205-045849.ctrace');
  assert.equal(reserveName(name), name);
  assert.equal(reserveName(name), path.join(dir, 'app-20261205-045849-2.ctrace'));
  assert.equal(reserveName(name), path.join(dir, 'app-20261205-045849-3.ctrace'));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['app-20261205-045849-2.ctrace', 'app-20261205-045849-3.ctrace', 'app-20261205-045849.ctrace']);
  assert.equal(reserveName(path.join(dir, 'missing', 'x.ctrace')), undefined, 'a folder that does not exist: startRecording says why');
});

test('the default name comes from the script, or the command and its first word', () => {
  const d = new Date(2026, 10, 25, 4, 5, 9);
  assert.equal(defaultOutput(['node', 'src/server.mjs'], d), 'server-20261125-040509.ctrace');
  assert.equal(defaultOutput(['/usr/bin/node', '--inspect', 'examples/workers/main.js'], d), 'workers-main-20261125-040509.ctrace');
  assert.equal(defaultOutput(['npm', 'test'], d), 'npm-test-20261125-040509.ctrace');
  assert.equal(defaultOutput(['./run.sh', '--fast'], d), 'run.sh-20261125-040509.ctrace');
  // node's options that take the next word are not the script; code given with -e or -p is not a name
  assert.equal(defaultOutput(['node', '-r', 'ts-node/register', 'src/app.ts'], d), 'app-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '--import', './setup.mjs', '--inspect', 'server.js'], d), 'server-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '-e', 'require("./x").run()'], d), 'node-eval-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '-pe', '1 + 1'], d), 'node-eval-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '--eval=run()'], d), 'node-eval-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '--unhandled-rejections', 'strict', '--disable-warning', 'DEP0040', 'app.js'], d), 'app-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '--heapsnapshot-signal', 'SIGUSR2', '--test-concurrency', '1', 'app.js'], d), 'app-20261125-040509.ctrace');
  assert.equal(defaultOutput(['node', '--', '-weird.js'], d), 'weird-20261125-040509.ctrace');
});

test('record takes every option ctrace help lists, and help lists these', () => {
  const helpRecord = HELP.slice(HELP.indexOf('ctrace record'), HELP.indexOf('ctrace summary'));
  const listed = [...helpRecord.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), ['--fail-on', '--interval', '--no-locks', '--no-messages', '--no-perf', '--no-sched', '--output', '--sched', '--switches', '--verbose']);
  const values: Record<string, string> = { '--output': 'x.ctrace', '--fail-on': 'crash', '--sched': 'counts', '--interval': '5' };
  for (const option of listed) {
    const parsed = parseRecordArgs([option, ...(values[option] ? [values[option]] : []), '--', 'node', 'app.js']);
    assert.ok(typeof parsed !== 'string', `${option}: ${parsed}`);
  }
});
