// How each way a program can end shows in the trace (cause, code, signal) and in ctrace's exit code;
// plus the linking edge cases the recorder owns: node through a shell, a child with a custom env
// lacking NODE_OPTIONS, an ESM main, nested workers.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { built, program, record as recordWith, NODE, unpaired, tmpDir, FAST } from './record-helpers';

const record = (command: string[], opts: Parameters<typeof recordWith>[1] = {}) => recordWith(command, { ...opts, flags: [...FAST, ...(opts.flags ?? [])] });

before(() => {
  assert.ok(built(), 'dist/cli.js and dist/agent.js are missing: run npm run build');
});

const cases: { name: string; source: string; status: number; exitCode: number | null; signal: string | null; cause: string }[] = [
  { name: 'normal end', source: 'setTimeout(() => {}, 10);', status: 0, exitCode: 0, signal: null, cause: 'normal' },
  { name: 'process.exit(3)', source: 'setTimeout(() => process.exit(3), 10);', status: 3, exitCode: 3, signal: null, cause: 'exit' },
  { name: 'uncaught exception', source: 'setTimeout(() => { throw new TypeError("bad") }, 10);', status: 1, exitCode: 1, signal: null, cause: 'uncaught' },
  { name: 'unhandled rejection', source: 'Promise.reject(new RangeError("nope"));', status: 1, exitCode: 1, signal: null, cause: 'rejection' },
  { name: 'SIGTERM to itself', source: 'setTimeout(() => process.kill(process.pid, "SIGTERM"), 10); setInterval(() => {}, 1000);', status: 143, exitCode: null, signal: 'SIGTERM', cause: 'signal' },
  { name: 'killed from outside (SIGKILL)', source: 'setTimeout(() => process.kill(process.pid, "SIGKILL"), 10); setInterval(() => {}, 1000);', status: 137, exitCode: null, signal: 'SIGKILL', cause: 'killed' },
];

for (const c of cases) {
  test(`exit: ${c.name}`, async () => {
    const file = program('app.js', c.source);
    const r = await record([NODE, file]);
    assert.equal(r.run.status, c.status, r.run.stderr);
    assert.equal(r.summary.processes.length, 1);
    const p = r.summary.processes[0];
    assert.deepEqual([p.exitCode, p.signal, p.cause], [c.exitCode, c.signal, c.cause]);
    assert.equal(r.trace.meta.complete, true);
    assert.equal(r.trace.meta.exitSignal, c.signal);
  });
}

test('the crash of an uncaught exception has its name, message and throw site', async () => {
  const file = program('app.js', 'function f() {\n  throw new TypeError("bad input");\n}\nsetTimeout(f, 5);\n');
  const r = await record([NODE, file]);
  assert.deepEqual(
    r.summary.crashes.map((c) => [c.kind, c.name, c.message, c.site]),
    [['uncaught', 'TypeError', 'bad input', { file, line: 2, column: 9 }]],
  );
});

test('node started through a shell is linked to the spawn that started the shell', async () => {
  const dir = tmpDir();
  const child = program('child.js', 'process.exitCode = 5;', dir);
  const main = program('main.js', `require('child_process').execSync(${JSON.stringify(`node ${child}; true`)});`, dir);
  const r = await record([NODE, main], { cwd: dir });
  assert.equal(r.run.status, 0, r.run.stderr);
  const [root, grandchild] = r.model.processes;
  assert.equal(r.model.processes.length, 2);
  assert.equal(grandchild.command, 'node child.js');
  assert.equal(grandchild.parentPid, root.pid);
  assert.notEqual(grandchild.ppid, root.pid, 'the OS parent is the shell');
  assert.deepEqual([grandchild.exitCode, grandchild.cause], [5, 'normal']);
  assert.equal(grandchild.spawn?.pid, root.pid);
  assert.equal(grandchild.spawn?.api, 'execSync');
});

test('a child given its own env without NODE_OPTIONS is still traced and linked', async () => {
  const dir = tmpDir();
  program('child.js', 'process.send("hi from child", () => process.disconnect());', dir);
  const main = program(
    'main.js',
    `const { fork } = require('child_process');
     const c = fork(require('path').join(__dirname, 'child.js'), [], { env: { PATH: process.env.PATH } });
     c.on('message', (m) => console.log(m));`,
    dir,
  );
  const r = await record([NODE, main], { cwd: dir });
  assert.equal(r.run.stdout, 'hi from child\n');
  assert.equal(r.model.processes.length, 2);
  assert.equal(r.model.processes[1].parentPid, r.model.processes[0].pid);
  assert.deepEqual(r.summary.messagesByChannel, { process: 1, worker: 0, port: 0, broadcast: 0 });
  assert.deepEqual(unpaired(r.model), []);
});

test('an ESM main with nested workers: every thread is recorded and linked to its creator', async () => {
  const dir = tmpDir();
  const main = program(
    'main.mjs',
    `import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
     const depth = isMainThread ? 0 : workerData.depth;
     if (depth < 2) {
       const w = new Worker(new URL(import.meta.url), { workerData: { depth: depth + 1 } });
       w.on('message', (m) => (isMainThread ? console.log(m) : parentPort.postMessage(m)));
     } else parentPort.postMessage('deepest says hi');`,
    dir,
  );
  const r = await record([NODE, main], { cwd: dir });
  assert.equal(r.run.stdout, 'deepest says hi\n');
  const workers = r.model.threads.filter((t) => t.kind === 'worker');
  assert.equal(workers.length, 2);
  assert.deepEqual(
    r.model.workers.map((w) => [w.threadId, w.workerThreadId]),
    [
      [0, 1],
      [1, 2],
    ],
  );
  assert.deepEqual(r.summary.messagesByChannel, { process: 0, worker: 2, port: 0, broadcast: 0 });
  assert.deepEqual(unpaired(r.model), []);
});

test('any command that starts Node can be recorded: `npm test` and the node it runs through a shell', async () => {
  const dir = tmpDir();
  program('package.json', JSON.stringify({ name: 'rec-npm', version: '1.0.0', private: true, scripts: { test: 'node t.js' } }), dir);
  program('t.js', `console.log('tests ran'); process.exitCode = 4;`, dir);
  const r = await record(['npm', 'test', '--silent'], { cwd: dir });
  assert.equal(r.run.status, 4, r.run.stderr);
  assert.match(r.run.stdout, /tests ran\n/);
  const npm = r.model.processes[0];
  const t = r.model.processes.find((p) => p.command === 'node t.js');
  assert.ok(t, r.model.processes.map((p) => p.command).join(', '));
  assert.equal(t.parentPid, npm.pid, 'linked to npm through the shell npm ran it with');
  assert.deepEqual([t.exitCode, t.cause], [4, 'normal']);
  assert.match(npm.command, /npm/);
});

test('a detached child that starts after its parent has ended is still in the trace', async () => {
  const dir = tmpDir();
  const child = program('late.js', 'setTimeout(() => {}, 100);', dir);
  const main = program('main.js', `require('child_process').spawn(process.execPath, [${JSON.stringify(child)}], { detached: true, stdio: 'ignore' }).unref();`, dir);
  const r = await record([NODE, main], { cwd: dir });
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.summary.counts.spawns, 1);
  assert.deepEqual(r.model.processes.map((p) => [p.command, p.cause]), [['node main.js', 'normal'], ['node late.js', 'normal']]);
});

test('a detached child still running when the recording ends is summarized as running, not killed, and stops writing', async () => {
  const dir = tmpDir();
  // runs well past the recorder's one-second grace for descendants, sending messages (records) all along
  const child = program('daemon.js', "const { port1, port2 } = new MessageChannel(); port2.on('message', () => {}); setInterval(() => port1.postMessage(1), 2); setTimeout(() => process.exit(0), 8000);", dir);
  const main = program('main.js', `require('child_process').spawn(process.execPath, [${JSON.stringify(child)}], { detached: true, stdio: 'ignore' }).unref();`, dir);
  const r = await record([NODE, main], { cwd: dir });
  const daemon = r.summary.processes.find((p) => p.command === 'node daemon.js');
  try {
    assert.equal(r.run.status, 0, r.run.stderr);
    assert.ok(daemon, JSON.stringify(r.summary.processes));
    assert.deepEqual([daemon.cause, daemon.exitCode, daemon.signal, daemon.stillRunning, daemon.endTs], [null, null, null, true, undefined]);
    assert.deepEqual(r.trace.meta.stillRunning, [daemon.pid]);
    // the program itself ended as usual
    assert.deepEqual(r.summary.processes.filter((p) => p !== daemon).map((p) => [p.command, p.cause, p.stillRunning]), [['node main.js', 'normal', undefined]]);
    if (process.platform === 'linux') {
      // the session folder is gone: the daemon's agent lets go of its stream file rather than
      // filling TMPDIR with a deleted file no one can see
      await new Promise((resolve) => setTimeout(resolve, 500));
      const open = fs.readdirSync(`/proc/${daemon.pid}/fd`).map((fd) => {
        try {
          return fs.readlinkSync(`/proc/${daemon.pid}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      assert.deepEqual(open.filter((l) => /\.ctc( \(deleted\))?$/.test(l)), []);
    }
  } finally {
    if (daemon) {
      try {
        process.kill(daemon.pid, 'SIGKILL');
      } catch {
        // it has ended
      }
    }
  }
});

test('a program that changes the recording\'s variables still has its workers and children traced, and no files of ours in its folder', async () => {
  const dir = tmpDir();
  const mine = path.join(dir, 'mine');
  fs.mkdirSync(mine);
  const child = program('child.js', 'setTimeout(() => {}, 10);', dir);
  const main = program(
    'main.js',
    `process.env.CTRACE_DIR = ${JSON.stringify(mine)}; delete process.env.CTRACE_CAPTURE;
const { Worker } = require('worker_threads');
const w = new Worker('require("worker_threads").parentPort.postMessage(1)', { eval: true });
w.on('message', () => {});
w.on('exit', () => require('child_process').fork(${JSON.stringify(child)}, { env: { ...process.env } }).on('exit', () => console.log(require('fs').readdirSync(${JSON.stringify(mine)}).length)));`,
    dir,
  );
  const r = await record([NODE, main], { cwd: dir });
  assert.equal(r.run.status, 0, r.run.stderr);
  assert.equal(r.run.stdout, '0\n');
  assert.deepEqual([r.summary.processes.length, r.summary.counts.workers, r.summary.counts.messagesSent, r.summary.counts.messagesReceived], [2, 1, 1, 1]);
  assert.equal(r.summary.threads.filter((t) => t.kind === 'worker').length, 1);
});
