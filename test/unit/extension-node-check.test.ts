// The check of the configured Node before a trace starts (src/extension/nodeCheck.ts), on real
// executables: Node itself, a missing file, and a program that is not Node and reads its input the
// way `python3 -v` does (its REPL), which must be answered at once rather than after the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkNode } from '../../src/extension/nodeCheck';

test('the running Node passes, with its version', async () => {
  assert.deepEqual(await checkNode(process.execPath), { ok: true, version: process.version });
});

test('a missing executable is named as not found', async () => {
  const r = await checkNode('/nonexistent/node');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /^Node\.js was not found: "\/nonexistent\/node"\. Install Node\.js \d+ or newer/);
});

test('a program that is not Node and waits for its input is told apart at once, not after 15 s', { skip: process.platform === 'win32' && 'needs sh', timeout: 8000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-node-check-'));
  const fake = path.join(dir, 'python3');
  // like `python3 -v`: a REPL that prints its banner and runs until its input ends
  fs.writeFileSync(fake, '#!/bin/sh\ncat >/dev/null\necho "Python 3.11.2 (main)"\n', { mode: 0o755 });
  const r = await checkNode(fake);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.message, `"${fake}" is not Node.js: "${fake} -v" printed "Python 3.11.2 (main)". Set "concurrencyTimeline.nodePath" to a Node.js executable.`);
});
