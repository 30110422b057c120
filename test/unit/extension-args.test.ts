// The command lines the extension hands the recorder: for a file (JS, TS through tsx / ts-node / Node's
// type stripping), a package.json script and a launch configuration; plus the launch.json variable
// rules, the quick pick's candidates and trace retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildRecordOptions, nativeTypeStripping, parseNodeVersion, targetLabel, type TraceSettings } from '../../src/extension/args';
import { isNodeLaunch, parseEnvFile, resolveLaunchConfig, splitArgs, substitute } from '../../src/extension/launchConfig';
import { entryFiles, packageCandidates } from '../../src/extension/entryPoints';
import { newTracePath, pruneTraces, traceFileName } from '../../src/extension/traceStore';
import { findTsRunner } from '../../src/extension/tsRunner';
import { checkNode } from '../../src/extension/nodeCheck';
import { tempDir } from '../support/temp';

const settings: TraceSettings = {
  nodePath: '',
  nodeOptions: '--max-old-space-size=512',
  sampleIntervalMs: 5,
  capture: { sched: true, perf: false, messages: true, locks: true },
};

test('a JS file runs with the configured node, its settings and a piped terminal', () => {
  const o = buildRecordOptions({ kind: 'file', file: '/w/app/main.js', cwd: '/w/app' }, settings, '/t/x.ctrace', { columns: 120, rows: 30 });
  assert.deepEqual(
    { command: o.command, args: o.args, cwd: o.cwd, output: o.output, nodeOptions: o.nodeOptions, stdio: o.stdio, columns: o.columns },
    { command: 'node', args: ['/w/app/main.js'], cwd: '/w/app', output: '/t/x.ctrace', nodeOptions: '--max-old-space-size=512', stdio: 'pipe', columns: 120 },
  );
  assert.deepEqual(o.capture, { sched: true, perf: false, messages: true, locks: true, sampleIntervalMs: 5 });
  const custom = buildRecordOptions({ kind: 'file', file: '/w/a.js', cwd: '/w' }, { ...settings, nodePath: '/opt/node22/bin/node', nodeOptions: ' ' }, '/t/y.ctrace');
  assert.equal(custom.command, '/opt/node22/bin/node');
  assert.equal(custom.nodeOptions, undefined);
});

test('a TypeScript file gets its runner before the file', () => {
  const tsx = buildRecordOptions({ kind: 'file', file: '/w/a.ts', cwd: '/w', tsRunner: { kind: 'import', specifier: 'file:///w/node_modules/tsx/dist/loader.mjs', label: 'tsx' } }, settings, '/t/a');
  assert.deepEqual(tsx.args, ['--import', 'file:///w/node_modules/tsx/dist/loader.mjs', '/w/a.ts']);
  const tsNode = buildRecordOptions({ kind: 'file', file: '/w/a.ts', cwd: '/w', tsRunner: { kind: 'require', specifier: '/w/node_modules/ts-node/register/index.js', label: 'ts-node' } }, settings, '/t/a');
  assert.deepEqual(tsNode.args, ['--require', '/w/node_modules/ts-node/register/index.js', '/w/a.ts']);
  assert.deepEqual(nativeTypeStripping('v22.6.0'), { kind: 'strip', flag: '--experimental-strip-types', label: 'Node v22.6.0 --experimental-strip-types' });
  assert.equal(nativeTypeStripping('v24.1.0')?.kind, 'strip');
  assert.equal((nativeTypeStripping('v24.1.0') as { flag?: string }).flag, undefined);
  assert.equal(nativeTypeStripping('v20.20.2'), undefined);
});

test('findTsRunner prefers the nearest tsx, then ts-node, then native stripping', () => {
  const root = tempDir('ct-tsrun-');
  const pkg = path.join(root, 'pkg');
  fs.mkdirSync(path.join(pkg, 'src'), { recursive: true });
  assert.equal(findTsRunner(path.join(pkg, 'src', 'a.ts'), root, 'v20.1.0'), undefined);
  assert.equal(findTsRunner(path.join(pkg, 'src', 'a.ts'), root, 'v23.6.0')?.kind, 'strip');
  fs.mkdirSync(path.join(root, 'node_modules', 'ts-node', 'register'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules', 'ts-node', 'register', 'index.js'), '');
  assert.equal(findTsRunner(path.join(pkg, 'src', 'a.ts'), root, 'v20.1.0')?.label, 'ts-node');
  fs.mkdirSync(path.join(pkg, 'node_modules', 'tsx'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'node_modules', 'tsx', 'package.json'), JSON.stringify({ exports: { '.': './dist/loader.mjs' } }));
  const r = findTsRunner(path.join(pkg, 'src', 'a.ts'), root, 'v20.1.0');
  assert.equal(r?.label, 'tsx');
  assert.equal(r && 'specifier' in r && r.specifier, `file://${pkg}/node_modules/tsx/dist/loader.mjs`);
});

test('a package.json script runs through its package manager in the package folder', () => {
  const o = buildRecordOptions({ kind: 'script', script: 'start', packageDir: '/w', packageManager: 'npm' }, { ...settings, nodePath: '/opt/n/bin/node' }, '/t/s');
  assert.equal(o.command, 'npm');
  assert.deepEqual(o.args, ['run', 'start']);
  assert.equal(o.cwd, '/w');
  assert.ok(o.env?.PATH?.startsWith(`/opt/n/bin${path.delimiter}`), 'the configured node comes first on PATH');
  assert.equal(targetLabel({ kind: 'script', script: 'test', packageDir: '/w', packageManager: 'npm' }), 'npm test');
  assert.equal(targetLabel({ kind: 'script', script: 'build', packageDir: '/w', packageManager: 'yarn' }), 'yarn run build');
});

test('a launch configuration honours program, args, cwd, env, envFile and runtimeExecutable', () => {
  const files: Record<string, string> = { '/w/sub/.env': '# comment\nA=1\nexport B="two words"\nBAD LINE\n' };
  const r = resolveLaunchConfig(
    {
      type: 'node',
      request: 'launch',
      name: 'Serve',
      program: '${workspaceFolder}/src/${fileBasenameNoExtension}.js',
      args: ['--port', '${env:PORT}'],
      cwd: '${workspaceFolder}/sub',
      env: { NODE_ENV: 'test', B: 'override', DROP: null },
      envFile: '.env',
      runtimeExecutable: '/opt/node/bin/node',
      runtimeArgs: ['--inspect-brk=0'],
    },
    { workspaceFolder: '/w', file: '/w/src/server.ts', env: { PORT: '8080' } },
    (p) => files[p],
  );
  assert.ok(r.ok, !r.ok ? r.message : '');
  if (!r.ok) return;
  assert.deepEqual(r.launch, {
    name: 'Serve',
    runtimeExecutable: '/opt/node/bin/node',
    runtimeArgs: ['--inspect-brk=0'],
    program: '/w/src/server.js',
    args: ['--port', '8080'],
    cwd: '/w/sub',
    env: { A: '1', B: 'override', NODE_ENV: 'test', DROP: undefined },
  });
  const o = buildRecordOptions({ kind: 'launch', launch: r.launch }, settings, '/t/l');
  assert.equal(o.command, '/opt/node/bin/node');
  assert.deepEqual(o.args, ['--inspect-brk=0', '/w/src/server.js', '--port', '8080']);
  assert.equal(o.cwd, '/w/sub');
  assert.equal(o.env?.NODE_ENV, 'test');
});

test('launch configurations that cannot be honoured are refused with the reason', () => {
  const ctx = { workspaceFolder: '/w', env: {} };
  const read = () => undefined;
  const msg = (c: Record<string, unknown>) => {
    const r = resolveLaunchConfig(c, ctx, read);
    return r.ok ? 'ok' : r.message;
  };
  assert.match(msg({ type: 'chrome', request: 'launch', name: 'Web' }), /type "chrome"; only Node\.js/);
  assert.match(msg({ type: 'node', request: 'attach', name: 'Attach' }), /attaches to a running program/);
  assert.match(msg({ type: 'node', request: 'launch', name: 'Empty' }), /neither "program" nor "runtimeExecutable"/);
  assert.match(msg({ type: 'node', request: 'launch', name: 'In', program: '${input:pick}' }), /\$\{input:pick\} is not supported/);
  assert.match(msg({ type: 'node', request: 'launch', name: 'F', program: '${file}' }), /\$\{file\} needs an open file/);
  assert.match(msg({ type: 'node', request: 'launch', name: 'E', program: 'a.js', envFile: 'missing.env' }), /envFile \/w\/missing\.env does not exist/);
  const npm = resolveLaunchConfig({ type: 'pwa-node', request: 'launch', name: 'npm', runtimeExecutable: 'npm', runtimeArgs: ['run-script', 'dev'] }, ctx, read);
  assert.ok(npm.ok && npm.launch.program === undefined && npm.launch.cwd === '/w');
  assert.equal(isNodeLaunch({ type: 'node', request: 'attach' }), false);
  assert.equal(isNodeLaunch({ type: 'node' }), true);
  assert.equal(substitute('${pathSeparator}${workspaceFolderBasename}', ctx), `${path.sep}w`);
  assert.deepEqual(splitArgs(`a "b c" 'd e' f\\ g ""`), ['a', 'b c', 'd e', 'f g', '']);
  assert.deepEqual(parseEnvFile("X='y'\nZ=\n"), { X: 'y', Z: '' });
});

test('the quick pick offers main, bin and scripts, and entry-looking files', () => {
  const present = new Set(['/w/lib/index.js', '/w/bin/cli.js']);
  const c = packageCandidates('/w', JSON.stringify({ main: 'lib/index', bin: { tool: 'bin/cli.js', gone: 'bin/x.js' }, scripts: { start: 'node lib/index.js', pretest: 'lint', test: 'node --test' } }), (p) => present.has(p));
  assert.deepEqual(
    c.map((x) => `${x.kind}:${x.value}:${x.detail}`),
    ['file:/w/lib/index.js:package.json "main"', 'file:/w/bin/cli.js:package.json "bin" tool', 'script:start:node lib/index.js', 'script:test:node --test'],
  );
  assert.deepEqual(packageCandidates('/w', '{oops', () => true), []);
  assert.deepEqual(entryFiles('/w', ['index.ts', 'util.js', 'server.mjs', 'README.md']).map((e) => e.value), ['/w/index.ts', '/w/server.mjs']);
});

test('each run gets its own trace file and only our oldest traces are pruned', () => {
  const dir = tempDir('ct-store-');
  const when = new Date(2026, 0, 2, 3, 4, 5);
  assert.equal(traceFileName('npm run build:prod', when), 'npm_run_build_prod-20260102-030405.ctrace');
  const a = newTracePath(dir, 'main.js', when);
  fs.writeFileSync(a, 'x');
  const b = newTracePath(dir, 'main.js', when);
  assert.notEqual(a, b);
  assert.ok(b.endsWith('-2.ctrace'));
  const paths = [a, b];
  for (let i = 0; i < 4; i++) paths.push(newTracePath(dir, `p${i}`, new Date(2026, 0, 3, 0, 0, i)));
  paths.forEach((p, i) => {
    fs.writeFileSync(p, 'x');
    fs.utimesSync(p, 1000 + i, 1000 + i);
  });
  fs.writeFileSync(path.join(dir, 'mine.ctrace'), 'user file');
  fs.utimesSync(path.join(dir, 'mine.ctrace'), 1, 1);
  const deleted = pruneTraces(dir, 3, [paths[0]]);
  assert.deepEqual(deleted.sort(), [paths[1], paths[2]].sort(), 'the two oldest, except the protected one');
  assert.ok(fs.existsSync(path.join(dir, 'mine.ctrace')), "a file we did not name is never deleted");
  assert.deepEqual(pruneTraces(dir, 0), []);
});

test('checkNode explains a missing, a wrong and a too-old executable', async () => {
  const missing = await checkNode('/no/such/node');
  assert.ok(!missing.ok && /was not found: "\/no\/such\/node".*concurrencyTimeline\.nodePath/.test(missing.message));
  const dir = tempDir('ct-node-');
  const old = path.join(dir, 'node');
  fs.writeFileSync(old, '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
  const r = await checkNode(old);
  assert.ok(!r.ok && /v18\.19\.0 .* too old: tracing needs Node\.js 20/.test(r.message), !r.ok ? r.message : 'ok');
  const echo = path.join(dir, 'echo');
  fs.writeFileSync(echo, '#!/bin/sh\necho hello\n', { mode: 0o755 });
  const e = await checkNode(echo);
  assert.equal(!e.ok && e.message, `"${echo}" is not Node.js: "${echo} -v" printed "hello". Set "concurrencyTimeline.nodePath" to a Node.js executable.`);
  const real = await checkNode(process.execPath);
  assert.deepEqual(real, { ok: true, version: process.version });
  assert.deepEqual(parseNodeVersion('v22.23.3\n'), { major: 22, text: 'v22.23.3' });
});

test('checkNode tells a program that waits for its input (python3 -v: a REPL) apart at once, not after 15 s', { skip: process.platform === 'win32' && 'needs sh', timeout: 8000 }, async () => {
  const fake = path.join(tempDir('ct-node-'), 'python3');
  // prints its banner and runs until its input ends
  fs.writeFileSync(fake, '#!/bin/sh\ncat >/dev/null\necho "Python 3.11.2 (main)"\n', { mode: 0o755 });
  const r = await checkNode(fake);
  assert.equal(!r.ok && r.message, `"${fake}" is not Node.js: "${fake} -v" printed "Python 3.11.2 (main)". Set "concurrencyTimeline.nodePath" to a Node.js executable.`);
});
