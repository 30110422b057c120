// What the standalone-page tests (test/browser/*.mjs) share: where the built CLI and Chromium are,
// the launch flags for an offline headless Chromium, ok/not ok checks that print the line run.mjs
// counts, the preconditions (Chromium installed, dist/ built), and running `ctrace` in a folder.
// Lives in a sub-folder so run.mjs, which runs every test/browser/*.mjs, does not run it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const cli = path.join(root, 'dist', 'cli.js');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'];

let passed = 0;
let failed = 0;

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${(e && e.message) || e}`.split('\n').slice(0, 6).join('\n'));
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function finish() {
  console.log(`RESULT: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/** Ends the run (failed where it must not be skipped) when Chromium or the built bundles are missing. */
export function requirePrerequisites() {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`# chromium not found at ${CHROMIUM}: install it with apt-get install chromium`);
    if (process.env.CI) failed++;
    finish();
  }
  if (!fs.existsSync(cli) || !fs.existsSync(path.join(root, 'dist', 'webview.js'))) {
    console.log('# dist/ is not built: run npm run build');
    failed++;
    finish();
  }
}

/** `ctrace ...args` run in `cwd`; its stdout, or an error with its stderr. */
export function ctraceIn(cwd, args) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`ctrace ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Closes the browser and removes the folders a page test made (its profile, its traces). */
export async function tearDown(ctx, ...dirs) {
  await ctx?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
