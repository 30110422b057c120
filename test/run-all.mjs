// Runs every test phase in order and prints one closing line "N passed, N failed".
// Phases: unit + end-to-end (node:test, real programs recorded with the real agent), browser
// (the timeline in Debian's Chromium via playwright-core), extension (a real VS Code extension host
// via code-server). A phase whose prerequisites are missing fails in CI and is reported as skipped
// elsewhere, with the command that installs them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function files(dir, suffix) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(dir, f));
}

const phases = [
  { name: 'unit', cmd: process.execPath, args: ['--import', 'tsx', '--test', '--test-reporter=tap', ...files('test/unit', '.test.ts')] },
  { name: 'e2e', cmd: process.execPath, args: ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=1', ...files('test/e2e', '.test.ts')] },
  { name: 'browser', cmd: process.execPath, args: ['test/browser/run.mjs'], needs: 'browser' },
  { name: 'extension', cmd: 'bash', args: ['test/extension/run.sh'], needs: 'extension' },
];

let passed = 0;
let failed = 0;
let skipped = 0;
for (const phase of phases) {
  if (only.length && !only.includes(phase.name)) continue;
  const testFiles = phase.args.filter((a) => a.endsWith('.test.ts'));
  if (phase.args.includes('--test') && testFiles.length === 0) continue;
  const entry = phase.args.find((a) => a.endsWith('.mjs') || a.endsWith('.sh'));
  if (entry && !fs.existsSync(path.join(root, entry))) continue;
  console.log(`\n=== ${phase.name} ===`);
  const t0 = Date.now();
  const { code, out } = await run(phase.cmd, phase.args);
  const pass = sum(out, /^# pass (\d+)/gm) + sum(out, /^RESULT: (\d+) passed/gm);
  const fail = sum(out, /^# fail (\d+)/gm) + sum(out, /^RESULT: \d+ passed, (\d+) failed/gm);
  const skip = sum(out, /^RESULT: .*?(\d+) skipped/gm);
  passed += pass;
  failed += fail;
  skipped += skip;
  if (code !== 0 && fail === 0) failed++; // a phase that crashed counts as a failure
  console.log(`=== ${phase.name}: ${pass} passed, ${fail} failed (${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${code}) ===`);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);

function sum(text, re) {
  let n = 0;
  for (const m of text.matchAll(re)) n += Number(m[1]);
  return n;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}
