// Extension activation cost (budget: 50 ms): load dist/extension.js and call activate() in a fresh
// Node process, against a baseline of the same process loading an empty module. `vscode` is a stand-in
// that only records registrations (activation touches nothing else: commands load on first use), so the
// figure is the bundle's own parse + evaluate + activate time. Median of several runs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'extension.js');
if (!fs.existsSync(bundle)) {
  console.log('dist/extension.js missing: run npm run build');
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-act-'));
const empty = path.join(dir, 'empty.js');
fs.writeFileSync(empty, 'exports.activate = () => ({});\n');
const probe = path.join(dir, 'probe.cjs');
fs.writeFileSync(
  probe,
  `const Module = require('module');
const handler = { get: (t, k) => (k === 'then' ? undefined : k in t ? t[k] : new Proxy(function () {}, handler)), apply: () => ({ dispose() {} }), construct: () => new Proxy({}, handler) };
// a plain object (esbuild's interop copies own keys) whose namespaces accept any call
const vscode = Object.fromEntries(['commands', 'window', 'workspace', 'languages', 'Uri', 'ViewColumn', 'ThemeColor', 'ThemeIcon', 'EventEmitter', 'StatusBarAlignment', 'ProgressLocation', 'extensions', 'env', 'CodeLens', 'Range', 'Position', 'ConfigurationTarget'].map((k) => [k, new Proxy(function () {}, handler)]));
const load = Module._load;
Module._load = function (req, ...rest) { return req === 'vscode' ? vscode : load.call(this, req, ...rest); };
const file = process.argv[2];
const t0 = process.hrtime.bigint();
const ext = require(file);
ext.activate({ subscriptions: [], extensionUri: {}, globalStorageUri: {}, storageUri: undefined });
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
`,
);
const RUNS = 15;
const measure = (file) => {
  const xs = [];
  for (let i = 0; i < RUNS; i++) xs.push(Number(execFileSync(process.execPath, [probe, file]).toString()));
  xs.sort((a, b) => a - b);
  return xs[RUNS >> 1];
};
const base = measure(empty);
const ext = measure(bundle);
console.log(`bundle ${(fs.statSync(bundle).size / 1024).toFixed(0)} KiB`);
console.log(`load + activate, median of ${RUNS} fresh processes: ${ext.toFixed(2)} ms (empty module baseline ${base.toFixed(2)} ms; extension's own cost ${(ext - base).toFixed(2)} ms; budget 50 ms)`);
fs.rmSync(dir, { recursive: true, force: true });
