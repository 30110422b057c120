// `ctrace record` and `ctrace summary` as a user meets them: stdio untouched, the program's exit
// code, Ctrl-C, --fail-on, the default file name, and clear messages for bad input.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { built, CLI, NODE, program, record as recordWith, ROOT, tmpDir, FAST } from './record-helpers';
import { FORMAT_VERSION, scanChunks } from '../../src/protocol/wire';
import { EventKind, isSampleKind } from '../../src/protocol/events';
import { readTrace } from '../../src/recorder/reader';
import { summarize } from '../../src/recorder/summary';

before(() => {
  assert.ok(built(), 'dist/cli.js and dist/agent.js are missing: run npm run build');
});

const record = (command: string[], opts: Parameters<typeof recordWith>[1] = {}) => recordWith(command, { ...opts, flags: [...FAST, ...(opts.flags ?? [])] });

const ctrace = (args: string[], opts: { cwd?: string; input?: string } = {}) =>
  spawnSync(NODE, [CLI, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input ?? '', encoding: 'utf8', timeout: 60_000 });

test('stdin, stdout and stderr pass through untouched, in order, and the exit code is the program\'s', async () => {
  const file = program('echo.js', `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => { process.stdout.write('out:' + s); process.stderr.write('err:' + s.toUpperCase()); process.exitCode = 7; });`);
  const r = await record([NODE, file], { input: 'line one\nline two\n' });
  assert.equal(r.run.status, 7);
  assert.equal(r.run.stdout, 'out:line one\nline two\n');
  assert.ok(r.run.stderr.startsWith('err:LINE ONE\nLINE TWO\n'), r.run.stderr);
  // ctrace's own lines come after the program's, on stderr only
  const own = r.run.stderr.slice('err:LINE ONE\nLINE TWO\n'.length).split('\n').filter(Boolean);
  assert.equal(own.length, 2);
  assert.match(own[0], new RegExp(`^ctrace: trace written to ${r.tracePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\([\\d,]+ events?(, [\\d,]+ samples?)?, [\\d,]+ bytes\\)$`));
  assert.match(own[1], /^ctrace: 1 process, 1 thread, 0 messages, 0 crashes, [\d.]+ ms$/);
});

test('a command that traced no Node process gets a note saying why that may be', async () => {
  const r = await record(['sh', '-c', 'echo not node']);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, 'not node\n');
  assert.match(r.run.stderr, /^ctrace: 0 processes, /m);
  assert.match(r.run.stderr, /^ctrace: note: no Node\.js process was traced\. sh is not Node and started none, or Node did not load the agent/m);
});

test('Ctrl-C (SIGINT to ctrace) reaches the program and the trace is still written', async () => {
  const dir = tmpDir();
  const file = program('wait.js', `console.log('ready'); setInterval(() => {}, 1000);`, dir);
  const out = path.join(dir, 'int.ctrace');
  const child = spawn(NODE, [CLI, 'record', ...FAST, '-o', out, '--', NODE, file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGINT');
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  assert.deepEqual([code, signal], [130, null], stderr);
  const trace = await readTrace(out);
  assert.equal(trace.meta.complete, true);
  assert.equal(trace.meta.exitSignal, 'SIGINT');
  const s = summarize(trace);
  assert.deepEqual([s.processes[0].signal, s.processes[0].cause], ['SIGINT', 'signal']);
  assert.match(stderr, /ctrace: trace written to /);
});

test('a second recording to the trace another recording is writing is refused; the first is untouched', async () => {
  const dir = tmpDir();
  const file = program('wait.js', `console.log('ready'); setInterval(() => {}, 1000);`, dir);
  const out = path.join(dir, 'shared.ctrace');
  const first = spawn(NODE, [CLI, 'record', ...FAST, '-o', out, '--', NODE, file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => first.stdout.once('data', () => resolve()));
  const second = ctrace(['record', ...FAST, '-o', out, '--', NODE, '-e', 'console.log("second ran")'], { cwd: dir });
  first.kill('SIGINT');
  await new Promise((resolve) => first.on('exit', resolve));
  assert.equal(second.status, 1, second.stderr);
  assert.equal(second.stdout, '', 'the second program was not started');
  assert.match(second.stderr, new RegExp(`^ctrace: cannot write the trace to .*shared\\.ctrace: another recording \\(ctrace pid ${first.pid}\\) is writing it\\. Choose another path with -o, or wait until it ends\\n$`));
  const trace = await readTrace(out);
  assert.equal(trace.meta.complete, true);
  assert.equal(trace.meta.command?.[1], file);
});

test('a `ctrace record` run by a traced program records its own program, as untraced; the outer trace sees that program from outside', async () => {
  const dir = tmpDir();
  const inner = program('inner.js', `console.log('inner ran'); process.exitCode = 4;`, dir);
  const innerTrace = path.join(dir, 'inner.ctrace');
  // the recorder a program runs (async spawn), and a sync spawn into some other recording's session
  // folder (one with the recorder's \`output\` file: a folder without it is the program's change)
  const other = path.join(dir, 'other-session');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'output'), path.join(dir, 'other.ctrace'));
  const outer = program(
    'outer.js',
    `const cp = require('child_process');
const r = cp.spawnSync(process.execPath, [${JSON.stringify(CLI)}, 'record', ...${JSON.stringify(FAST)}, '-o', ${JSON.stringify(innerTrace)}, '--', process.execPath, ${JSON.stringify(inner)}], { encoding: 'utf8' });
process.stdout.write(r.stdout);
console.log('inner ctrace exit', r.status, /trace written to/.test(r.stderr));
const seen = cp.execFileSync(process.execPath, ['-p', 'process.env.CTRACE_DIR + " [" + process.env.NODE_OPTIONS + "]"'], { env: { ...process.env, CTRACE_DIR: ${JSON.stringify(other)}, NODE_OPTIONS: '' }, encoding: 'utf8' });
console.log('other recording sees', seen.trim() === ${JSON.stringify(other)} + ' []');`,
    dir,
  );
  const r = await record([NODE, outer], { dir });
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, 'inner ran\ninner ctrace exit 4 true\nother recording sees true\n');
  // the inner recording holds its program, whole, with its exit
  const mine = summarize(await readTrace(innerTrace));
  assert.deepEqual(
    mine.processes.map((p) => [p.command.includes('inner.js'), p.exitCode, p.cause]),
    [[true, 4, 'normal']],
  );
  // the outer one: outer.js, the inner ctrace (Node, traced) and the sync child's spawn; never inner.js as traced
  const traced = r.summary.processes.map((p) => p.command);
  assert.ok(traced.some((c) => c.includes('outer.js')) && traced.some((c) => c.includes('cli.js')), JSON.stringify(traced));
  assert.equal(traced.filter((c) => !c.includes('cli.js') && c.includes('inner.js')).length, 0, JSON.stringify(traced));
});

const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

test('if ctrace itself is killed, the trace written so far is readable (incomplete, nothing corrupt)', async () => {
  const dir = tmpDir();
  const file = program('long.js', `console.log(process.pid + ' ' + process.env.CTRACE_DIR); setInterval(() => {}, 1000);`, dir);
  const out = path.join(dir, 'killed.ctrace');
  const child = spawn(NODE, [CLI, 'record', ...FAST, '-o', out, '--', NODE, file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  const [pid, sessionDir] = line.split(' ');
  await new Promise((r) => setTimeout(r, 200)); // a few polls: the program's first records are in the trace
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  process.kill(Number(pid), 'SIGKILL');
  fs.rmSync(sessionDir, { recursive: true, force: true });
  const trace = await readTrace(out);
  assert.equal(trace.incomplete, true);
  assert.equal(trace.meta.complete, undefined);
  assert.deepEqual(
    summarize(trace).processes.map((p) => [p.pid, p.cause]),
    [[Number(pid), 'killed']],
  );
});

test('Ctrl-C typed in a terminal reaches the program once, not twice', { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' }, async () => {
  const dir = tmpDir();
  const file = program('count.js', `let n = 0;
    process.on('SIGINT', () => { if (++n === 1) setTimeout(() => { console.log('SIGINTs: ' + n); process.exit(0); }, 500); });
    console.log('ready'); setInterval(() => {}, 1000);`, dir);
  const out = path.join(dir, 'pty.ctrace');
  // `exec`: script runs the command through $SHELL, and dash (Debian's sh) does not exec a lone
  // command itself, so it would sit in the foreground group, take the SIGINT and die with 130
  const cmd = 'exec ' + [NODE, CLI, 'record', ...FAST, '-o', out, '--', NODE, file].map((a) => `'${a}'`).join(' ');
  // script runs ctrace on a pseudo-terminal; ^C written to it is turned into SIGINT for the
  // terminal's foreground process group, exactly as when a user presses Ctrl-C
  const term = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: dir, env: { ...process.env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  let pressed = false;
  term.stdout.on('data', (d) => {
    text += d;
    if (!pressed && text.includes('ready')) {
      pressed = true;
      term.stdin.write('\x03');
    }
  });
  const code = await new Promise<number | null>((resolve) => term.on('exit', (c) => resolve(c)));
  term.stdin.destroy();
  assert.equal(code, 0, text);
  assert.match(text, /SIGINTs: 1\r?\n/);
  assert.equal((await readTrace(out)).meta.complete, true);
});

test('a SIGINT or SIGTERM sent to the whole process group (no terminal) reaches the program once; one sent to ctrace alone is forwarded', { skip: process.platform === 'win32' && 'needs process groups' }, async () => {
  const dir = tmpDir();
  const file = program('count.js', `const n = { SIGINT: 0, SIGTERM: 0 };
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { if (++n[sig] === 1) setTimeout(() => { console.log(sig + 's: ' + n[sig]); process.exit(0); }, 700); });
    console.log('ready'); setInterval(() => {}, 1000);`, dir);
  const run = async (how: 'group' | 'ctrace', sig: NodeJS.Signals) => {
    // detached: ctrace leads a process group of its own (as under systemd or a process manager) and has no terminal
    const child = spawn(NODE, [CLI, 'record', ...FAST, '-o', path.join(dir, `${how}.ctrace`), '--', NODE, file], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => ((stdout += d), stdout.includes('ready') && resolve())));
    process.kill(how === 'group' ? -child.pid! : child.pid!, sig);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, stdout, stderr };
  };
  for (const [how, sig] of [['group', 'SIGINT'], ['group', 'SIGTERM'], ['ctrace', 'SIGINT']] as const) {
    const r = await run(how, sig);
    assert.equal(r.code, 0, `${how} ${sig}: ${r.stderr}`);
    assert.equal(r.stdout, `ready\n${sig}s: 1\n`, `${how} ${sig}`);
  }
});

test('signals sent to ctrace alone reach the program however many its children got, and SIGINTs it had to forward escalate', { skip: process.platform === 'win32' && 'needs signals', timeout: 30_000 }, async () => {
  const dir = tmpDir();
  const file = program('listens.js', `const { fork } = require('child_process');
if (process.argv[2] === 'child') {
  process.on('SIGTERM', () => {});
  process.send('ready');
  setInterval(() => {}, 1000);
} else {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { console.log('got ' + sig); if (sig === 'SIGHUP') process.exit(0); });
  setInterval(() => {}, 1000);
  // a child of its own that gets a SIGTERM first: its marker is not the program's
  const c = fork(__filename, ['child']);
  c.on('message', () => { c.kill('SIGTERM'); setTimeout(() => { c.kill('SIGKILL'); console.log('ready'); }, 300); });
}`, dir);
  const child = spawn(NODE, [CLI, 'record', ...FAST, '-o', path.join(dir, 'listens.ctrace'), '--', NODE, file], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const w of waiters.splice(0)) w();
  });
  const lines = () => stdout.split('\n').filter(Boolean).length;
  const nextLine = (n: number) => new Promise<void>((resolve) => {
    const check = () => (lines() >= n ? resolve() : waiters.push(check));
    check();
  });
  await nextLine(1);
  const steps: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGINT', 'SIGTERM', 'SIGHUP'];
  for (let k = 0; k < steps.length; k++) {
    process.kill(child.pid!, steps[k]);
    await nextLine(k + 2);
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  // the second SIGINT went as SIGTERM (escalation); the SIGTERMs that followed still arrived
  assert.equal(stdout, 'ready\ngot SIGTERM\ngot SIGINT\ngot SIGTERM\ngot SIGTERM\ngot SIGHUP\n');
});

test('--fail-on crash exits 3 when a crash was recorded, and the program\'s code otherwise', async () => {
  const crash = program('c.js', `const { Worker } = require('worker_threads'); new Worker('throw new Error("w")', { eval: true }).on('error', () => {});`);
  const r = await record([NODE, crash], { flags: ['--fail-on', 'crash,deadlock'] });
  assert.equal(r.run.status, 3, r.run.stderr);
  assert.match(r.run.stderr, /ctrace: --fail-on: 1 crash recorded; exiting with 3/);
  const ok = await record([NODE, program('ok.js', '')], { flags: ['--fail-on=crash'] });
  assert.equal(ok.run.status, 0);
});

test('--fail-on deadlock stops a deadlocked program as soon as the cycle is found, and exits 3', async () => {
  const r = await record([NODE, path.join(ROOT, 'examples', 'locks', 'abba-deadlock', 'main.js')], { flags: ['--fail-on', 'deadlock'] });
  assert.equal(r.run.status, 3, r.run.stderr);
  const lines = r.run.stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith('ctrace: DEADLOCK: '));
  assert.ok(at >= 0, r.run.stderr);
  assert.match(lines[at], /thread 1 holds \[.+\] and waits for .+; pid \d+ thread 2 holds \[.+\] and waits for /);
  assert.equal(lines[at + 1], 'ctrace: --fail-on deadlock: stopping the program');
  assert.match(r.run.stderr, /ctrace: --fail-on: 1 deadlock recorded; exiting with 3\n$/);
  assert.equal(r.summary.deadlocks?.length, 1);
  assert.equal(r.trace.meta.complete, true);
});

test('the default trace name comes from the program and the time', () => {
  const dir = tmpDir();
  program('my-app.js', '', dir);
  const r = ctrace(['record', ...FAST, '--', NODE, 'my-app.js'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ctrace'));
  assert.equal(files.length, 1);
  assert.match(files[0], /^my-app-\d{8}-\d{6}\.ctrace$/);
  assert.ok(r.stderr.includes(`trace written to ${path.join(dir, files[0])} (`), r.stderr);
});

test('bad input gets a clear message and its own exit code, and no trace', () => {
  const dir = tmpDir();
  const script = program('script.js', 'console.log(1)', dir);
  const cases: [string[], number, RegExp][] = [
    [['record', '--', 'no-such-program-xyz'], 127, /^ctrace: program not found: no-such-program-xyz is not on PATH\n$/],
    [['record', '--', './script.js'], 126, /^ctrace: \.\/script\.js is not executable; run it with node: ctrace record -- node \.\/script\.js\n$/],
    [['record', '-o', path.join(dir, 'missing', 'x.ctrace'), '--', NODE, script], 1, /^ctrace: cannot write the trace to .*missing\/x\.ctrace: the directory .*missing does not exist\. Create it or choose another path with -o\n$/],
    [['record', '-o', dir, '--', NODE, script], 1, /is a directory\. Choose another path with -o\n$/],
    [['record'], 2, /^ctrace: record: no command given: put the program after --, e\.g\. ctrace record -- node app\.js\. Usage: /],
    [['record', '--bogus', '--', NODE, script], 2, /^ctrace: record: unknown option --bogus\. Usage: /],
    [['record', '--fail-on', 'oops', '--', NODE, script], 2, /--fail-on: unknown condition "oops" \(use deadlock, crash\)/],
    [['frobnicate'], 2, /^ctrace: unknown command "frobnicate"\. Commands: record, summary, view, compare, help, version\n$/],
  ];
  for (const [args, status, message] of cases) {
    const r = ctrace(args, { cwd: dir });
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.ctrace')), []);
  if (process.getuid?.() !== 0) {
    const ro = tmpDir();
    fs.chmodSync(ro, 0o500);
    const r = ctrace(['record', '-o', path.join(ro, 'x.ctrace'), '--', NODE, script]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /permission denied\. Choose another path with -o/);
  }
});

test('record never overwrites a file that is not a trace, and replaces an earlier trace', () => {
  const dir = tmpDir();
  if (process.platform !== 'win32') {
    // a FIFO is not a file to protect, and must not be opened to look (that waits for a writer)
    const fifo = path.join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: 'ignore' });
    const r = ctrace(['record', ...FAST, '-o', fifo, '--', NODE, '-e', '0']);
    reader.kill();
    assert.equal(r.signal, null, 'ctrace ended');
  }
  const script = program('hello.js', 'console.log("hi")', dir);
  const victim = program('victim.js', 'const precious = 1;\n', dir);
  const r = ctrace(['record', ...FAST, '-o', victim, '--', NODE, script]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /victim\.js exists and is not a trace: not overwriting it\. Choose another path with -o, or remove the file first\n$/);
  assert.equal(r.stdout, '', 'the program did not run');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'const precious = 1;\n');
  const out = path.join(dir, 'again.ctrace');
  for (let k = 0; k < 2; k++) {
    const again = ctrace(['record', ...FAST, '-o', out, '--', NODE, script]);
    assert.equal(again.status, 0, again.stderr);
  }
});

test("ctrace's own exit code stays the program's when its stderr is closed early, and a missing TMPDIR is explained", () => {
  const piped = spawnSync('bash', ['-c', `"${NODE}" "${CLI}" record --no-sched -o "${path.join(tmpDir(), 'p.ctrace')}" -- "${NODE}" -e "process.exit(6)" 2>&1 | true; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
  assert.equal(piped.stdout.trim(), '6', piped.stderr);
  const dir = tmpDir();
  const r = spawnSync(NODE, [CLI, 'record', ...FAST, '-o', path.join(dir, 't.ctrace'), '--', NODE, '-e', '0'], { env: { ...process.env, TMPDIR: path.join(dir, 'no-such-dir') }, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ctrace: cannot create the recording's session folder in .*no-such-dir: ENOENT\. Set TMPDIR to an existing folder you can write to\n$/);
});

const devFull = process.platform === 'linux' && process.getuid?.() === 0 && fs.existsSync('/dev/full');
test('a full disk: ctrace says so, keeps the program\'s exit code, and ends', { skip: !devFull && 'needs /dev/full and root' }, () => {
  const dir = tmpDir();
  const script = program('busy.js', 'for (let k = 0; k < 50; k++) console.log(k); process.exitCode = 4;', dir);
  const r = spawnSync(NODE, [CLI, 'record', ...FAST, '-o', '/dev/full', '--', NODE, script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'ctrace ended on its own');
  assert.equal(r.status, 4);
  assert.match(r.stderr, /^ctrace: error: could not write the whole trace to \/dev\/full: no space left on the device \(ENOSPC\)\. Nothing was written; free some space or record to another disk with -o\.\n/);
  assert.doesNotMatch(r.stderr, /at Collector|Error: ENOSPC/);
});

test('agents that cannot write their records (a file size limit) are named in a warning and in the trace; the program runs on', { skip: process.platform === 'win32' && 'needs sh and ulimit' }, async () => {
  // ulimit -f applies to the program's processes only (ctrace's own trace file is written by ctrace):
  // each thread's stream file stops growing after a few KB, as on a full TMPDIR
  const script = program(
    'pingpong.js',
    `const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  let n = 0;
  w.on('message', () => { if (++n < 3000) w.postMessage({ n, s: 'xxxxxxxxxx' }); else { w.terminate(); console.log('done', n); } });
  w.postMessage({ n, s: 'x' });
} else parentPort.on('message', (m) => parentPort.postMessage(m));`,
  );
  const r = await record(['sh', '-c', `ulimit -f 16 && exec "$0" "$1"`, NODE, script], { flags: ['--fail-on', 'crash'] });
  assert.equal(r.run.stdout, 'done 3000\n');
  // at once (the first thread seen), then every thread at the end
  assert.match(r.run.stderr, /^ctrace: warning: thread [01] of process \d+ cannot write its records \(EFBIG\); the trace will miss them; --fail-on crash cannot see what is missing$/m);
  assert.match(r.run.stderr, /^ctrace: warning: 2 threads could not write all of their records, because a file size limit was reached \(EFBIG: ulimit -f\): the trace holds what they wrote before that and misses the rest\. To record everything, raise the limit/m);
  // no crash was recorded, but what is missing could hold one: --fail-on cannot pass
  assert.equal(r.run.status, 3, r.run.stderr);
  assert.match(r.run.stderr, /^ctrace: --fail-on: records were lost \(see the warning above\), so the run could not be checked in full; exiting with 3$/m);
  // the program's exit record went out with them: its cause is unknown, not "killed"
  assert.deepEqual(r.summary.processes.map((p) => [p.exitCode, p.cause, p.recordsLost]), [[0, null, true]]);
  const lost = r.summary.lostRecords ?? [];
  assert.deepEqual(lost.map((l) => [l.threadId, l.reason]).sort(), [[0, 'EFBIG'], [1, 'EFBIG']]);
  assert.ok(lost.every((l) => l.pid === r.summary.processes[0]?.pid), JSON.stringify(lost));
  // what the threads wrote before the limit is there, and the rest is missing, not damaged
  assert.ok(r.summary.counts.messagesSent > 0 && r.summary.counts.messagesSent < 6000, `${r.summary.counts.messagesSent} sends`);
  assert.equal(r.trace.truncated, false);
  const text = ctrace(['summary', r.tracePath]);
  assert.match(text.stdout, /^note: 2 threads could not write all of their records/m);
});

test('a Node child that leaves no records is named in a warning and in the summary; `node --version` and traced children are not', async () => {
  const dir = tmpDir();
  program('leaf.js', 'process.exitCode = 0;', dir);
  const script = program(
    'children.js',
    `const cp = require('child_process');
cp.execFileSync(process.execPath, ['--version']);
const c = cp.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']); // killed at once
c.kill('SIGKILL');
c.on('exit', () => cp.fork(__dirname + '/leaf.js'));`,
    dir,
  );
  const r = await record([NODE, script]);
  assert.equal(r.run.status, 0, r.run.stderr);
  const untraced = r.summary.untracedNode ?? [];
  assert.deepEqual(
    untraced.map((u) => [u.command, u.site?.line, u.exitCode, u.signal]),
    [[`${NODE} -e setInterval(() => {}, 1000)`, 3, null, 'SIGKILL']],
  );
  const child = r.model.spawns.find((s) => s.api === 'spawn');
  assert.equal(untraced[0].pid, child?.childPid);
  assert.equal(untraced[0].ppid, r.summary.processes[0].pid);
  assert.deepEqual(r.summary.processes.map((p) => p.command.split(' ').pop()), ['children.js', 'leaf.js'].map((f) => path.join(dir, f)), 'the fork is traced');
  assert.match(r.run.stderr, new RegExp(`^ctrace: warning: 1 Node\\.js process ran without being traced: pid ${untraced[0].pid} \\(.* -e setInterval\\(\\(\\) => \\{\\}, 1000\\), spawned at ${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3, killed by SIGKILL\\)\\. A process running as another user`, 'm'));
  assert.match(ctrace(['summary', r.tracePath]).stdout, /^note: 1 Node\.js process ran without being traced: pid \d+ /m);
});

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
test('a child run as another user gets the environment it would have untraced and runs even where it cannot read the agent; it is named as untraced', { skip: !isRoot && 'needs root (the spawn\'s uid option)' }, async () => {
  // the CLI and the agent in a folder only root may enter (mkdtemp: 0700), as under a private home
  const home = tmpDir();
  fs.cpSync(path.join(ROOT, 'dist'), path.join(home, 'dist'), { recursive: true });
  const dir = tmpDir();
  fs.chmodSync(dir, 0o755);
  const script = program(
    'as-nobody.js',
    `const cp = require('child_process');
const show = 'const e = process.env; console.log(JSON.stringify([process.getuid(), e.NODE_OPTIONS ?? null, Object.keys(e).filter((k) => k.startsWith("CTRACE")).sort()]))';
const opts = { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' };
console.log('spawnSync', cp.spawnSync(process.execPath, ['-e', show], opts).stdout.trim());
console.log('execFileSync', cp.execFileSync(process.execPath, ['-e', show], opts).trim());
cp.execFile(process.execPath, ['-e', show], opts, (err, out) => {
  console.log('execFile', err ? err.message : out.trim());
  // options the program puts in front of the inherited ones
  const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=512 ' + process.env.NODE_OPTIONS };
  console.log('own NODE_OPTIONS', cp.spawnSync(process.execPath, ['-e', show], { ...opts, env }).stdout.trim());
  // a child that drops to another user itself before it spawns
  const dropper = 'process.setuid(65534); const cp = require("child_process"); process.stdout.write(cp.spawnSync(process.execPath, ["-e", process.argv[1]], { encoding: "utf8", cwd: "/" }).stdout)';
  console.log('after setuid', cp.spawnSync(process.execPath, ['-e', dropper, show], { encoding: 'utf8' }).stdout.trim());
});`,
    dir,
  );
  fs.chmodSync(script, 0o644);
  const env = { ...process.env, NODE_OPTIONS: '--no-deprecation' };
  const plain = spawnSync(NODE, [script], { env, encoding: 'utf8' });
  const seen = (label: string, options = '--no-deprecation') => `${label} [65534,${JSON.stringify(options)},[]]\n`;
  assert.equal(plain.stdout, ['spawnSync', 'execFileSync', 'execFile'].map((l) => seen(l)).join('') + seen('own NODE_OPTIONS', '--max-old-space-size=512 --no-deprecation') + seen('after setuid'), plain.stderr);
  const out = path.join(dir, 'nobody.ctrace');
  // the session folder under it too (a TMPDIR in a private home): after setuid() the child cannot even look at it
  fs.mkdirSync(path.join(home, 'tmp'));
  const run = spawnSync(NODE, [path.join(home, 'dist', 'cli.js'), 'record', ...FAST, '-o', out, '--', NODE, script], { env: { ...env, TMPDIR: path.join(home, 'tmp') }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.stdout, plain.stdout, run.stderr);
  assert.equal(run.status, 0);
  const s = summarize(await readTrace(out));
  // execFileSync tells no pid, and no exit status when it returns
  assert.deepEqual(s.untracedNode?.map((u) => [u.site?.line, typeof u.pid, u.exitCode]), [[4, 'number', 0], [5, 'object', null], [6, 'number', 0], [10, 'number', 0], [1, 'number', 0]]); // the last from the dropper's -e code
  assert.match(run.stderr, /^ctrace: warning: 5 Node\.js processes ran without being traced: pid \d+ /m);
});

test('a worker that cannot open its file (EMFILE) is reported as losing records, though no file can be opened for the marker', { skip: process.platform === 'win32' && 'needs sh and ulimit' }, async () => {
  // the main thread holds every descriptor it may for 300 ms while the worker sends (its flushes open its file)
  const script = program(
    'emfile.js',
    `const fs = require('fs');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
if (isMainThread) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(__filename, { workerData: flag });
  w.once('message', () => {
    const held = [];
    try { for (;;) held.push(fs.openSync(__filename, 'r')); } catch (e) { console.log('held until', e.code); }
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    setTimeout(() => held.forEach((fd) => fs.closeSync(fd)), 300);
  });
} else {
  parentPort.postMessage('ready');
  Atomics.wait(workerData, 0, 0);
  for (const t0 = Date.now(); Date.now() - t0 < 150; ) parentPort.postMessage(0);
}`,
  );
  const r = await record(['sh', '-c', `ulimit -n 64 && exec "$0" "$1"`, NODE, script]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, 'held until EMFILE\n');
  assert.deepEqual(r.summary.lostRecords?.map((l) => [l.threadId, l.reason]), [[1, 'EMFILE']]);
  assert.match(r.run.stderr, /because the program had as many files open as it may \(EMFILE\): .* raise the limit on open files \(ulimit -n\)/);
});

// the main thread holds every descriptor it may for `hold` ms from when the worker is ready; the
// worker sends one message every 2 ms (its flushes, every ~50 ms, open its file). Then the main
// thread lets the descriptors go, or first terminates the worker, or ends the process with SIGTERM.
const heldDescriptors = (hold: number, then: 'release' | 'terminate' | 'signal') => `const fs = require('fs');
const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  let got = 0;
  w.on('message', (m) => {
    if (m === 'ready') {
      const held = [];
      try { for (;;) held.push(fs.openSync(__filename, 'r')); } catch (e) { console.log('held until', e.code); }
      setTimeout(() => {
        if ('${then}' === 'terminate') w.terminate().then(() => console.log('terminated after', got));
        if ('${then}' === 'signal') process.kill(process.pid, 'SIGTERM');
        held.forEach((fd) => fs.closeSync(fd));
      }, ${hold});
    } else if (typeof m === 'number') got++;
    else console.log('sent', m.sent, 'got', got);
  });
} else {
  parentPort.postMessage('ready');
  let sent = 0;
  const t = setInterval(() => {
    parentPort.postMessage(sent++);
    if (sent === 200) { clearInterval(t); parentPort.postMessage({ sent }); }
  }, 2);
}`;

test('a worker that cannot open its file for a moment (EMFILE) writes its records once it can: none are lost', { skip: process.platform === 'win32' && 'needs sh and ulimit' }, async () => {
  const script = program('emfile-moment.js', heldDescriptors(150, 'release'));
  const r = await record(['sh', '-c', `ulimit -n 64 && exec "$0" "$1"`, NODE, script]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, 'held until EMFILE\nsent 200 got 200\n');
  assert.equal(r.summary.lostRecords, undefined, r.run.stderr);
  assert.doesNotMatch(r.run.stderr, /warning/);
  // ready, 200 numbers and the count: every send and every receipt, in one piece
  assert.deepEqual([r.summary.counts.messagesSent, r.summary.counts.messagesReceived], [202, 202]);
  const worker = r.trace.events.filter((e) => e.threadId === 1 && e.kind === EventKind.MessageSend).map((e) => e.fields.seq);
  assert.deepEqual(worker, Array.from({ length: 202 }, (_, k) => k + 1));
  assert.equal(r.trace.truncated, false);
});

for (const [then, how] of [
  ['terminate', 'a worker terminated while it holds records it could not write (EMFILE) is reported by its creator as losing records'],
  ['signal', 'a process ended by a signal while a worker holds records it could not write (EMFILE) is reported as losing records'],
] as const) {
  test(how, { skip: process.platform === 'win32' && 'needs sh and ulimit' }, async () => {
    const script = program(`emfile-${then}.js`, heldDescriptors(300, then));
    const r = await record(['sh', '-c', `ulimit -n 64 && exec "$0" "$1"`, NODE, script]);
    if (then === 'terminate') {
      assert.equal(r.run.status, 0, r.run.stderr);
      assert.match(r.run.stdout, /^held until EMFILE\nterminated after \d+\n$/);
    } else {
      assert.deepEqual([r.run.status, r.run.signal], [143, null], r.run.stderr);
      assert.equal(r.run.stdout, 'held until EMFILE\n');
    }
    assert.deepEqual(r.summary.lostRecords?.map((l) => [l.threadId, l.reason]), [[1, 'EMFILE']]);
    assert.match(r.run.stderr, /because the program had as many files open as it may \(EMFILE\)/);
    // what the worker wrote before it held anything (often nothing) is there, whole: its sends are in order
    const sends = r.trace.events.filter((e) => e.threadId === 1 && e.kind === EventKind.MessageSend);
    assert.deepEqual(sends.map((e) => e.fields.seq), Array.from({ length: sends.length }, (_, k) => k + 1));
    assert.ok(sends.every((e) => typeof e.fields.channel === 'string'), 'no record lost its strings');
  });
}

test('a worker that holds more than 8 MB gives up, and terminated later has nothing appended that would lack its strings', { skip: process.platform === 'win32' && 'needs sh and ulimit' }, async () => {
  // the worker floods a channel of its own while the main thread holds every descriptor for 2.5 s;
  // it is terminated 300 ms after they are free
  const script = program(
    'emfile-gave-up.js',
    `const fs = require('fs');
const { Worker, isMainThread, parentPort, MessageChannel } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  w.on('message', (m) => {
    const held = [];
    try { for (;;) held.push(fs.openSync(__filename, 'r')); } catch (e) { console.log('held until', e.code); }
    setTimeout(() => {
      held.forEach((fd) => fs.closeSync(fd));
      setTimeout(() => w.terminate().then(() => console.log('terminated')), 300);
    }, 2500);
  });
} else {
  parentPort.postMessage('ready');
  setTimeout(() => {
    const { port1, port2 } = new MessageChannel();
    port2.unref();
    const burst = () => { for (let i = 0; i < 2000; i++) port1.postMessage(i); setImmediate(burst); };
    burst();
  }, 100);
}`,
  );
  const r = await record(['sh', '-c', `ulimit -n 64 && exec "$0" "$1"`, NODE, script]);
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, 'held until EMFILE\nterminated\n');
  assert.deepEqual(r.summary.lostRecords?.map((l) => [l.threadId, l.reason]), [[1, 'EMFILE']]);
  const worker = r.trace.events.filter((e) => e.pid !== 0 && e.threadId === 1);
  const sends = worker.filter((e) => e.kind === EventKind.MessageSend);
  assert.deepEqual(sends.filter((e) => typeof e.fields.channel !== 'string').length, 0);
  assert.deepEqual(sends.map((e) => e.fields.seq), Array.from({ length: sends.length }, (_, k) => k + 1));
  // its end is still there (its creator appends the exit record, which needs no strings)
  assert.equal(worker.filter((e) => e.kind === EventKind.ThreadExit).length, 1);
});

test('the counts ctrace prints are the trace\'s: events apart from the samples of the scheduler capture, as the timeline counts them', { skip: process.platform !== 'linux' && 'samples need /proc' }, async () => {
  const r = await recordWith([NODE, path.join(ROOT, 'examples', 'workers', 'main.js')]);
  const m = /trace written to .* \(([\d,]+) events?, ([\d,]+) samples?, [\d,]+ bytes\)/.exec(r.run.stderr);
  assert.ok(m, r.run.stderr);
  const count = (s: string) => Number(s.replace(/,/g, ''));
  const samples = r.trace.events.filter((e) => isSampleKind(e.kind)).length;
  assert.ok(samples > 0, 'the scheduler capture wrote samples');
  assert.deepEqual([count(m[1]), count(m[2])], [r.trace.events.length - samples, samples]);
});

test('view and compare refuse to write their page over a trace they read', () => {
  const dir = tmpDir();
  const a = path.join(dir, 'a.ctrace');
  const b = path.join(dir, 'b.ctrace');
  fs.writeFileSync(a, 'trace a');
  fs.writeFileSync(b, 'trace b');
  const v = ctrace(['view', a, '-o', path.join(dir, '.', 'a.ctrace')]);
  assert.equal(v.status, 2, v.stderr);
  assert.match(v.stderr, /view: .*a\.ctrace is the trace itself; give the page another name with -o/);
  const c = ctrace(['compare', a, b, '-o', b]);
  assert.equal(c.status, 2, c.stderr);
  assert.match(c.stderr, /compare: -o .*b\.ctrace is the trace .*b\.ctrace itself; give the page another name/);
  assert.deepEqual([fs.readFileSync(a, 'utf8'), fs.readFileSync(b, 'utf8')], ['trace a', 'trace b']);
});

test('view and compare replace their own pages but no other file, and say why they cannot write', async () => {
  const dir = tmpDir();
  const r = await record([NODE, '-e', 'setTimeout(() => {}, 5)'], { dir });
  const source = path.join(dir, 'app.js');
  fs.writeFileSync(source, 'console.log("mine")\n');
  for (const args of [['view', r.tracePath, '-o', source], ['compare', r.tracePath, r.tracePath, '-o', source]]) {
    const refused = ctrace(args);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`^ctrace: ${args[0]}: .*app\\.js exists and is not a page written by ctrace: not overwriting it\\. Choose another name with -o, or remove the file first\\n$`));
  }
  assert.equal(fs.readFileSync(source, 'utf8'), 'console.log("mine")\n');
  // a page written earlier (or an empty file) is replaced
  const page = path.join(dir, 'page.html');
  fs.writeFileSync(page, '');
  for (const args of [['view', r.tracePath, '-o', page], ['view', r.tracePath, '-o', page], ['compare', r.tracePath, r.tracePath, '-o', page]]) {
    const ok = ctrace(args);
    assert.equal(ok.status, 0, ok.stderr);
  }
  assert.match(fs.readFileSync(page, 'utf8'), /^<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="generator" content="ctrace">\n/);
  // a page of an earlier version (no generator line) is still ctrace's; the generator line in a
  // source file's comment does not make it a page
  fs.writeFileSync(page, fs.readFileSync(page, 'utf8').replace('<meta name="generator" content="ctrace">\n', ''));
  assert.equal(ctrace(['view', r.tracePath, '-o', page]).status, 0);
  const commented = path.join(dir, 'page.test.js');
  fs.writeFileSync(commented, '// <meta name="generator" content="ctrace">\n');
  assert.equal(ctrace(['view', r.tracePath, '-o', commented]).status, 1);
  // nor does a page of the user's own that begins as ctrace's do
  const own = path.join(dir, 'index.html');
  fs.writeFileSync(own, `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="default-src 'self'">\n`);
  assert.equal(ctrace(['view', r.tracePath, '-o', own]).status, 1);
  // a link whose target folder is missing: that folder is named
  const dangling = path.join(dir, 'dangling.html');
  fs.symlinkSync(path.join(dir, 'gone', 'x.html'), dangling);
  assert.match(ctrace(['view', r.tracePath, '-o', dangling]).stderr, /^ctrace: view: cannot write .*dangling\.html: the folder .*gone does not exist\n$/);
  const missing = ctrace(['view', r.tracePath, '-o', path.join(dir, 'no-such-folder', 'p.html')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^ctrace: view: cannot write .*no-such-folder\/p\.html: the folder .*no-such-folder does not exist\n$/);
});

test('summary prints people\'s text, --json the documented object; unreadable files say why', async () => {
  const dir = tmpDir();
  const r = await record([NODE, path.join(ROOT, 'examples', 'workers', 'main.js')], { dir });
  const text = ctrace(['summary', r.tracePath]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^recorded: .*examples\/workers\/main\.js\n1 process, 3 threads, 2 workers, 20 messages, 0 crashes, [\d.]+ ms\n/);
  assert.match(text.stdout, /thread 1 hasher 0\n/);
  const json = ctrace(['summary', r.tracePath, '--json']);
  assert.equal(json.status, 0);
  const s = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(s).slice(0, 1), ['formatVersion']);
  for (const k of ['processes', 'threads', 'counts', 'messagesByChannel', 'crashes']) assert.ok(k in s, k);
  assert.deepEqual(s, JSON.parse(JSON.stringify(r.summary)));

  const notTrace = program('notes.txt', 'hello', dir);
  const bad = ctrace(['summary', notTrace]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /notes\.txt is not a Concurrency Timeline trace/);
  const cut = path.join(dir, 'cut.ctrace');
  const bytes = fs.readFileSync(r.tracePath);
  // cut inside a chunk (60% of the way, moved past a chunk boundary if it falls on one)
  let at = Math.floor(bytes.length * 0.6);
  while (scanChunks(new Uint8Array(bytes.buffer, bytes.byteOffset, at)).truncatedBytes === 0) at++;
  fs.writeFileSync(cut, new Uint8Array(bytes.buffer, bytes.byteOffset, at));
  const partial = ctrace(['summary', cut]);
  assert.equal(partial.status, 0, partial.stderr);
  assert.match(partial.stdout, /note: the file ends in the middle of a chunk \(recording cut short\)/);
  const partialJson = JSON.parse(ctrace(['summary', cut, '--json']).stdout);
  assert.deepEqual([partialJson.truncated, partialJson.incomplete, 'truncated' in s, 'incomplete' in s], [true, true, false, false]);
  const corrupt = path.join(dir, 'corrupt.ctrace');
  const flipped = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
  flipped[200] ^= 0xff;
  fs.writeFileSync(corrupt, flipped);
  const bad2 = ctrace(['summary', corrupt]);
  assert.equal(bad2.status, 1);
  assert.match(bad2.stderr, /^ctrace: summary: .*corrupt\.ctrace is corrupt at byte \d+ \((checksum mismatch|bad chunk header.*)\): the file was damaged after it was written\./);
  const newer = path.join(dir, 'newer.ctrace');
  const bumped = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
  bumped[8] = FORMAT_VERSION + 1;
  fs.writeFileSync(newer, bumped);
  const bad3 = ctrace(['summary', newer]);
  assert.equal(bad3.status, 1);
  assert.match(bad3.stderr, new RegExp(`newer\\.ctrace was written in trace format ${FORMAT_VERSION + 1}, and this version of Concurrency Timeline reads format ${FORMAT_VERSION} at most\\. Update Concurrency Timeline to open it\\.`));
  const missing = ctrace(['summary']);
  assert.equal(missing.status, 2);
});
