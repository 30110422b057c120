// Every exit path (fixtures/agent/exits.js): the exit record's code/signal/cause, crashes with their
// throw site, failed spawns at their call site, and no lost event: a worker that posts N messages
// and is then terminated, exits, throws or outlives main still has N sends in the trace. Each mode
// also runs untraced: stdout, exit code and signal must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, CrashKind } from '../../src/protocol/events';
import { runAgent, fixture, ofKind, dump, type AgentRun } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';
import { buildModel } from '../../src/recorder/model';

const N = 1000;
const EXITS = fixture('exits.js');

function run(mode: string, node?: string): AgentRun {
  const traced = runAgent(EXITS, { args: [mode], node });
  const plain = runAgent(EXITS, { args: [mode], node, traced: false });
  assert.equal(traced.stdout, plain.stdout, `stdout of ${mode}`);
  assert.equal(traced.status, plain.status, `exit code of ${mode}`);
  assert.equal(traced.signal, plain.signal, `signal of ${mode}`);
  assert.doesNotMatch(traced.stderr, /agent\.js/);
  return traced;
}

function mainExit(r: AgentRun) {
  const exits = ofKind(r.events, EventKind.ProcessExit);
  assert.equal(exits.length, 1, dump(r.events));
  return exits[0].fields;
}

function workerSends(r: AgentRun): number {
  return r.events.filter((e) => e.threadId === 1 && e.kind === EventKind.MessageSend).length;
}

for (const major of [20, 22, 24]) {
  const node = nodeBinary(major);
  test(`Node ${major}: process exit causes`, () => {
    assert.deepEqual(mainExit(run('normal', node)), { code: 0, signal: undefined, cause: 'normal' });
    assert.deepEqual(mainExit(run('exit3', node)), { code: 3, signal: undefined, cause: 'exit' });
    const u = run('uncaught', node);
    assert.deepEqual(mainExit(u), { code: 1, signal: undefined, cause: 'uncaught' });
    const crash = ofKind(u.events, EventKind.Crash);
    assert.equal(crash.length, 1);
    assert.equal(crash[0].fields.crashKind, CrashKind.Uncaught);
    assert.equal(crash[0].fields.name, 'RangeError');
    assert.equal(crash[0].fields.message, 'boom');
    assert.equal(crash[0].fields.site, `${EXITS}:34:13`);
    assert.match(String(crash[0].fields.stack), /^RangeError: boom\n {4}at /);
    const rej = run('rejection', node);
    assert.deepEqual(mainExit(rej), { code: 1, signal: undefined, cause: 'rejection' });
    assert.equal(ofKind(rej.events, EventKind.Crash)[0].fields.crashKind, CrashKind.Rejection);
    assert.equal(ofKind(rej.events, EventKind.Crash)[0].fields.site, `${EXITS}:38:20`);
  });

  test(`Node ${major}: SIGTERM and SIGINT kill the process as untraced: at once, even mid-loop, and past a listener-counting library`, () => {
    // the agent listens to no signal (a listener would defer the kill to the event loop), so the
    // process writes no exit record: the recorder takes the signal from the parent (record-exits.test.ts)
    for (const [mode, signal] of [['sigterm', 'SIGTERM'], ['sigint', 'SIGINT'], ['sigterm-busy', 'SIGTERM'], ['sigterm-counted', 'SIGTERM']]) {
      const t = run(mode, node);
      assert.equal(t.signal, signal, mode);
      assert.equal(ofKind(t.events, EventKind.ProcessExit).length, 0, mode);
      assert.equal(ofKind(t.events, EventKind.ProcessStart).length, 1, mode);
    }
    assert.equal(run('sigterm-busy', node).stdout, 'before\n');
  });

  test(`Node ${major}: the exit record has the code Node exits with, also when an 'exit' handler exits, sets exitCode or throws`, () => {
    const e = run('exit-in-exit', node);
    assert.equal(e.status, 5);
    const mainPid = ofKind(e.events, EventKind.ProcessStart).find((p) => p.fields.spawnRef === undefined)!.pid;
    const own = ofKind(e.events, EventKind.ProcessExit).filter((x) => x.pid === mainPid);
    assert.deepEqual(own.map((x) => x.fields), [{ code: 5, signal: undefined, cause: 'exit' }]);
    assert.equal(ofKind(e.events, EventKind.SpawnCall).length, 1, 'the spawn made in the handler');
    assert.equal(ofKind(e.events, EventKind.SpawnExit).length, 1);
    assert.deepEqual(mainExit(run('exitcode-in-exit', node)), { code: 9, signal: undefined, cause: 'normal' });
    // the program's own file gets only its own bytes; the agent's records still reach the trace
    const f = run('close-fds', node);
    assert.equal(f.stdout, 'own file bytes 6\n');
    assert.deepEqual(mainExit(f), { code: 0, signal: undefined, cause: 'normal' });
    // run() compares stdout with the untraced run: a getter the crash record read would print
    const g = run('throw-getters', node);
    assert.equal(g.stdout, '');
    assert.deepEqual(ofKind(g.events, EventKind.Crash).map((c) => [c.fields.name, c.fields.message]), [['Error', '']]);
    const t = run('throw-in-exit', node);
    assert.equal(t.status, 1);
    assert.deepEqual(mainExit(t), { code: 1, signal: undefined, cause: 'uncaught' });
    // a user handler keeps the decision: it exits 0 itself
    const h = run('sigterm-handled', node);
    assert.equal(h.stdout, 'handled\n');
    assert.deepEqual(mainExit(h), { code: 0, signal: undefined, cause: 'exit' });
  });

  test(`Node ${major}: no event lost when a worker is terminated, exits, throws or outlives main`, () => {
    const t = run('worker-terminate', node);
    assert.equal(t.stdout, 'terminated 1\n');
    assert.equal(workerSends(t), N, 'sends of the terminated worker');
    assert.equal(ofKind(t.events, EventKind.MessageReceive).length, N);
    const wexit = t.events.filter((e) => e.threadId === 1 && e.kind === EventKind.ThreadExit);
    assert.deepEqual(wexit.map((e) => e.fields.code), [1]);
    assert.equal(ofKind(t.events, EventKind.WorkerTerminate)[0].fields.site, `${EXITS}:54:33`);
    assert.deepEqual(ofKind(t.events, EventKind.WorkerExit).map((e) => e.fields), [{ workerThreadId: 1, code: 1 }]);

    const x = run('worker-exit', node);
    assert.equal(x.stdout, 'worker exit 7\n');
    assert.equal(workerSends(x), N);
    assert.deepEqual(x.events.filter((e) => e.threadId === 1 && e.kind === EventKind.ThreadExit).map((e) => e.fields.code), [7]);

    const m = run('main-exit', node);
    assert.equal(workerSends(m), N, 'sends of a busy worker when main calls process.exit');
    assert.deepEqual(mainExit(m), { code: 0, signal: undefined, cause: 'exit' });

    // a worker's worker: its creator never sees it end, the main thread saves its events
    const nested = runAgent(fixture('nested-exit.js'), { node });
    assert.equal(nested.status, 0, nested.stderr);
    assert.equal(nested.events.filter((e) => e.threadId === 2 && e.kind === EventKind.MessageSend).length, N, 'sends of a nested worker when main calls process.exit');

    const w = run('worker-throw', node);
    assert.equal(w.stdout, 'worker error worker boom\n');
    assert.equal(workerSends(w), N);
    const crashes = ofKind(w.events, EventKind.Crash);
    const inParent = crashes.find((c) => c.threadId === 0)!;
    assert.equal(inParent.fields.crashKind, CrashKind.WorkerError);
    assert.equal(inParent.fields.targetThreadId, 1);
    assert.equal(inParent.fields.message, 'worker boom');
    assert.equal(inParent.fields.site, `${EXITS}:12:37`);
    const inWorker = crashes.find((c) => c.threadId === 1)!;
    assert.equal(inWorker.fields.crashKind, CrashKind.Uncaught);
    assert.deepEqual(mainExit(w), { code: 0, signal: undefined, cause: 'normal' });
  });
}

test('a child killed by a signal: SpawnExit with the signal, a crash in the parent, cause signal in the child', () => {
  const r = run('child-signal');
  assert.equal(r.stdout, 'child null SIGTERM\n');
  const exit = ofKind(r.events, EventKind.SpawnExit)[0];
  assert.equal(exit.fields.signal, 'SIGTERM');
  const crash = ofKind(r.events, EventKind.Crash).find((c) => c.fields.crashKind === CrashKind.ChildSignal)!;
  assert.equal(crash.fields.targetPid, exit.fields.childPid);
  // the child died of the signal as it would untraced, writing nothing; the model takes its end from the parent's spawn
  assert.equal(ofKind(r.events, EventKind.ProcessExit).filter((e) => e.pid === exit.fields.childPid).length, 0);
  const model = buildModel({ meta: {}, events: [...r.events].sort((a, b) => a.ts - b.ts) });
  const child = model.processes.find((p) => p.pid === exit.fields.childPid)!;
  assert.deepEqual([child.exitCode, child.signal, child.cause], [null, 'SIGTERM', 'signal']);
});

test('SIGKILL: what was flushed before the kill survives (records older than 50 ms)', () => {
  const r = run('sigkill');
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(ofKind(r.events, EventKind.MessageSend).length, 10);
  assert.equal(ofKind(r.events, EventKind.MessageReceive).length, 10);
  assert.equal(ofKind(r.events, EventKind.ProcessExit).length, 0); // the recorder fills in 'killed'
});

test('failed spawns (ENOENT, EACCES, spawnSync ENOENT) are errors at their call sites', () => {
  const r = run('spawn-errors');
  assert.equal(r.stdout, 'sync ENOENT\nerror ENOENT\nerror EACCES\n');
  const errors = ofKind(r.events, EventKind.SpawnError).map((e) => [e.fields.code, e.fields.site]);
  assert.deepEqual(errors, [
    ['ENOENT', `${EXITS}:80:18`],
    ['EACCES', `${EXITS}:82:18`],
    ['ENOENT', `${EXITS}:84:18`],
  ]);
  assert.equal(ofKind(r.events, EventKind.SpawnCall).length, 3);
  assert.equal(ofKind(r.events, EventKind.SpawnRunning).length, 0);
});

test('40 workers, half terminated: no descriptor kept per worker, every worker has its ThreadExit', { skip: process.platform !== 'linux' }, () => {
  const traced = runAgent(fixture('many-workers.js'));
  const plain = runAgent(fixture('many-workers.js'), { traced: false });
  assert.equal(traced.status, 0, traced.stderr);
  assert.equal(traced.stdout, plain.stdout);
  assert.match(traced.stdout, /^fds gained [01] /);
  assert.equal(ofKind(traced.events, EventKind.ThreadStart).length, 41);
  assert.equal(ofKind(traced.events, EventKind.ThreadExit).length, 41);
  assert.equal(ofKind(traced.events, EventKind.MessageSend).length, 40);
});

test('SIGKILL after a synchronous loop: the sends made more than 50 ms before it are on disk', () => {
  const r = runAgent(fixture('kill-in-sync-loop.js'));
  assert.equal(r.signal, 'SIGKILL');
  const sent = Number(/^sent (\d+)$/m.exec(r.stdout)?.[1]);
  assert.ok(sent >= 10, r.stdout);
  // each send comes 60 ms after the one before, so each is written when it is made (the last one at
  // once too, as it also comes more than 50 ms after the flush before it)
  const sends = ofKind(r.events, EventKind.MessageSend).filter((e) => e.threadId === 0);
  assert.ok(sends.length >= sent - 1, `${sends.length} of ${sent} sends on disk`);
});
