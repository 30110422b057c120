// The agent reaches every process and thread a program starts (notes/node-runtime.md §1 table),
// under Node 20, 22 and 24: each start in fixtures/agent/preload.js is tagged and must show up
// exactly once, with spawn and worker links the recorder can follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventKind } from '../../src/protocol/events';
import { runAgent, fixture, ofKind, dump, ROOT } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';

const PROCESS_TAGS = ['spawn', 'fork', 'fork-execArgv', 'exec', 'execFile', 'execSync', 'execFileSync', 'spawnSync', 'spawn-custom-env', 'shell-custom-env', 'fork-custom-env', 'spawnSync-custom-env', 'sh-c', 'cluster-worker'];
const WORKER_NAMES = ['w-default', 'w-eval', 'w-execArgv-empty', 'w-execArgv', 'w-share-env', 'w-env-object', 'w-parent', 'w-nested'];

for (const major of [20, 22, 24]) {
  test(`Node ${major}: every child process and worker of preload.js is traced`, () => {
    const r = runAgent(fixture('preload.js'), { node: nodeBinary(major) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'preload done 0\n');
    const starts = ofKind(r.events, EventKind.ProcessStart);
    const main = starts.find((e) => !JSON.parse(String(e.fields.argv))[2])!;
    assert.ok(main, 'main ProcessStart');
    assert.equal(main.fields.nodeVersion, nodeBinary(major) === process.execPath ? process.version : main.fields.nodeVersion);
    assert.match(String(main.fields.nodeVersion), new RegExp(`^v${major}\\.`));
    const tags = starts.map((e) => JSON.parse(String(e.fields.argv))[2]).filter(Boolean).sort();
    assert.deepEqual(tags, [...PROCESS_TAGS].sort(), dump(starts));

    // every process starts with ProcessStart then ThreadStart('main'), and ends with ProcessExit
    for (const s of starts) {
      const own = r.events.filter((e) => e.pid === s.pid && e.threadId === 0);
      assert.equal(own[0].kind, EventKind.ProcessStart);
      assert.equal(own[1].kind, EventKind.ThreadStart);
      assert.equal(own[1].fields.name, 'main');
      const exit = own.filter((e) => e.kind === EventKind.ProcessExit);
      assert.equal(exit.length, 1, `ProcessExit of ${s.fields.argv}`);
      assert.equal(exit[0].fields.cause, JSON.parse(String(s.fields.argv))[2] === 'cluster-worker' ? 'exit' : 'normal');
      assert.equal(own[own.length - 1].kind, EventKind.ProcessExit);
    }

    // spawns link to their children by childPid, and children point back with spawnRef
    const running = ofKind(r.events, EventKind.SpawnRunning);
    const direct = starts.filter((s) => s.fields.ppid === main.pid);
    for (const child of direct) {
      const link = running.find((e) => e.fields.childPid === child.pid);
      assert.ok(link, `SpawnRunning for ${child.fields.argv}`);
      assert.equal(child.fields.spawnRef, `${link.pid}:${link.fields.spawnId}`);
    }
    // through a shell, the node grandchild's spawnRef names the spawn of the shell (its ppid is the
    // shell's, unless the shell execs node in its own place)
    const viaShell = starts.find((s) => JSON.parse(String(s.fields.argv))[2] === 'sh-c')!;
    const shellSpawn = ofKind(r.events, EventKind.SpawnCall).find((e) => e.pid === main.pid && e.fields.command === 'sh')!;
    assert.equal(viaShell.fields.spawnRef, `${main.pid}:${shellSpawn.fields.spawnId}`);
    const calls = ofKind(r.events, EventKind.SpawnCall).filter((e) => e.pid === main.pid);
    assert.deepEqual(
      calls.map((e) => e.fields.api),
      ['spawn', 'fork', 'fork', 'exec', 'execFile', 'execSync', 'execFileSync', 'spawnSync', 'spawn', 'spawn', 'fork', 'spawnSync', 'spawn', 'fork'],
    );
    for (const c of calls) assert.match(String(c.fields.site), /preload\.js:\d+:\d+$/);
    assert.equal(ofKind(r.events, EventKind.SpawnExit).filter((e) => e.pid === main.pid).length, calls.length);

    // workers: each named one once, linked to its WorkerCreate by threadId, nested one to its parent
    const threads = ofKind(r.events, EventKind.ThreadStart).filter((e) => e.fields.kind === 1);
    assert.equal(threads.length, 8);
    const names = threads.map((e) => e.fields.name);
    for (const n of WORKER_NAMES) assert.equal(names.filter((x) => x === n).length, 1, n);
    const creates = ofKind(r.events, EventKind.WorkerCreate);
    for (const t of threads) {
      const c = creates.find((e) => e.pid === t.pid && e.fields.workerThreadId === t.threadId);
      assert.ok(c, `WorkerCreate for ${t.fields.name}`);
      assert.equal(c.threadId, t.fields.parentThreadId);
      const exits = r.events.filter((e) => e.pid === t.pid && e.threadId === t.threadId && e.kind === EventKind.ThreadExit);
      assert.equal(exits.length, 1, `ThreadExit of ${t.fields.name}`);
    }
    const nested = threads.find((t) => t.fields.name === 'w-nested')!;
    const parent = threads.find((t) => t.fields.name === 'w-parent')!;
    assert.equal(nested.fields.parentThreadId, parent.threadId);
    const limited = creates.find((c) => c.fields.workerThreadId === threads.find((t) => t.fields.name === 'w-default')!.threadId)!;
    assert.deepEqual(JSON.parse(String(limited.fields.resourceLimits)), { maxOldGenerationSizeMb: 64 });
    const evalCreate = creates.find((c) => c.fields.eval === 1)!;
    assert.match(String(evalCreate.fields.url), /^\[eval\] setTimeout/);
    assert.equal(ofKind(r.events, EventKind.WorkerOnline).length, 8);
    assert.equal(ofKind(r.events, EventKind.WorkerExit).length, 8);
  });
}

for (const major of [22, 24]) {
  test(`Node ${major}: the agent makes a program with workers load no undici (its MessageEvent costs ~50-70 ms)`, () => {
    const node = nodeBinary(major);
    const plain = runAgent(fixture('modules-loaded.js'), { node, traced: false });
    assert.equal(plain.stdout, 'undici not loaded\n', 'the untraced program itself does not load it');
    const traced = runAgent(fixture('modules-loaded.js'), { node });
    assert.equal(traced.stdout, 'undici not loaded\n');
    assert.equal(ofKind(traced.events, EventKind.ThreadStart).length, 2);
  });
}

test('an ESM main program and its custom-env worker and child are traced', () => {
  const r = runAgent(fixture('esm-main.mjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'esm done 0\n');
  const starts = ofKind(r.events, EventKind.ProcessStart);
  assert.equal(starts.length, 2);
  assert.deepEqual(
    ofKind(r.events, EventKind.ThreadStart).map((e) => e.fields.name).sort(),
    ['esm-worker', 'main', 'main'],
  );
  const create = ofKind(r.events, EventKind.WorkerCreate)[0];
  assert.match(String(create.fields.site), /^\/.*esm-main\.mjs:8:11$/);
});

test('without CTRACE_DIR the agent writes nothing and changes nothing', () => {
  const r = runAgent(fixture('esm-main.mjs'), { env: { CTRACE_DIR: undefined } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'esm done 0\n');
  assert.equal(r.files.length, 0);
});

test('the ESM loader-hooks thread is not traced (the agent stays idle there)', () => {
  const r = runAgent(fixture('loader-hooks.mjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'loaded object\n');
  assert.deepEqual(ofKind(r.events, EventKind.ThreadStart).map((e) => [e.threadId, e.fields.name]), [[0, 'main']]);
  assert.deepEqual(r.files.length, 1);
});

test('the core loads through a V8 code cache written before the first worker starts; a bad cache is replaced and changes nothing', async () => {
  const { loadCore } = await import('../../src/agent/code-cache');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace cache '));
  const cacheFile = path.join(dir, `agent-${process.version}-${process.arch}.v8cache`);
  const core = path.join(ROOT, 'dist', 'agent-core.js');
  const run = (script: string) => {
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.ctc')) fs.rmSync(path.join(dir, f));
    const r = runAgent(fixture(script), { dir });
    assert.equal(r.status, 0, r.stderr);
    return { stdout: r.stdout, kinds: kinds(r) };
  };
  try {
    // a program that starts no other thread pays nothing for the cache
    run('leaf.js');
    assert.equal(fs.existsSync(cacheFile), false, 'cache written by a program that starts no thread');
    // the main thread writes it before its first worker; that worker and later loads use it
    const first = run('messages.js');
    assert.ok(fs.statSync(cacheFile).size > 10_000, 'no cache after a program with workers');
    assert.equal(loadCore(core, cacheFile, require).cache, 'used', 'V8 rejects the cache the agent wrote');
    const cached = run('messages.js');
    assert.equal(cached.stdout, first.stdout);
    assert.deepEqual(cached.kinds, first.kinds);
    // a cache V8 rejects: the agent compiles as without one, records the same, and replaces the file
    // with one V8 accepts
    fs.writeFileSync(cacheFile, new Uint8Array(4096).fill(7));
    assert.equal(loadCore(core, cacheFile, require).cache, 'rejected');
    const bad = run('messages.js');
    assert.equal(bad.stdout, first.stdout);
    assert.deepEqual(bad.kinds, first.kinds);
    assert.ok(fs.statSync(cacheFile).size > 10_000, 'the rejected cache was not replaced');
    assert.equal(loadCore(core, cacheFile, require).cache, 'used', 'V8 rejects the replacement');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** The cache files of a CTRACE_CACHE directory for this Node and this core build. */
function keptCaches(cacheDir: string, id: string): string[] {
  return fs.readdirSync(cacheDir).filter((f) => f.startsWith(`agent-${process.version}-${process.arch}-${id}-`) && f.endsWith('.v8cache'));
}

function coreId(agentDir: string): string {
  const id = /"([0-9a-f]{16})"/.exec(fs.readFileSync(path.join(agentDir, 'agent.js'), 'utf8'))?.[1];
  assert.ok(id, 'dist/agent.js carries no core id (esbuild.js defines CTRACE_CORE_ID)');
  return id;
}

/**
 * The kinds of a run's records, sorted; memory samples left out: each thread takes one every ~94 ms
 * and one at its end, so a run a few ms longer has one more (a fresh clone's CI saw 24, 24 against 24, 24, 24).
 */
function kinds(r: { events: { kind: number }[] }): number[] {
  return r.events.map((e) => e.kind).filter((k) => k !== EventKind.MemorySample).sort((a, b) => a - b);
}

test('with CTRACE_CACHE the code cache outlives the recording, named after the core build, and the next recording uses it', () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace keep '));
  const id = coreId(path.join(ROOT, 'dist'));
  try {
    const first = runAgent(fixture('messages.js'), { env: { CTRACE_CACHE: cacheDir } });
    assert.equal(first.status, 0, first.stderr);
    const kept = keptCaches(cacheDir, id);
    assert.equal(kept.length, 1, `no cache in CTRACE_CACHE: ${fs.readdirSync(cacheDir).join(', ')}`);
    const file = path.join(cacheDir, kept[0]);
    assert.ok(fs.statSync(file).size > 10_000);
    const written = fs.statSync(file).mtimeMs;
    const again = runAgent(fixture('messages.js'), { env: { CTRACE_CACHE: cacheDir }, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace again ')) });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(fs.readdirSync(again.dir).filter((f) => f.endsWith('.v8cache')), [], 'the recording wrote its own cache');
    assert.equal(fs.statSync(file).mtimeMs, written, 'the kept cache was rewritten: V8 rejected it');
    assert.equal(again.stdout, first.stdout);
    assert.deepEqual(kinds(again), kinds(first));
    fs.rmSync(again.dir, { recursive: true, force: true });
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('two copies of the same agent build keep separate caches: frames are named after the copy that runs', () => {
  // V8 before 12 names deserialised code after the file its cache was made from: a copy using
  // another copy's cache would not recognise its own frames (sites inside the agent, frames shown)
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace shared '));
  const copies = [0, 1].map((k) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `ctrace copy${k} `));
    for (const f of ['agent.js', 'agent-core.js']) fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(d, f));
    return d;
  });
  try {
    const runs = copies.map((d) => {
      const agent = path.join(d, 'agent.js');
      const r = runAgent(fixture('messages.js'), { env: { CTRACE_CACHE: cacheDir, CTRACE_AGENT: agent, NODE_OPTIONS: `--require ${JSON.stringify(agent)}` } });
      assert.equal(r.status, 0, r.stderr);
      return r;
    });
    assert.equal(keptCaches(cacheDir, coreId(copies[0])).length, 2, fs.readdirSync(cacheDir).join(', '));
    const strings = (r: (typeof runs)[number]) => r.events.flatMap((e) => Object.values(e.fields).filter((v): v is string => typeof v === 'string'));
    for (const s of strings(runs[1])) assert.ok(!s.includes(copies[0]) && !s.includes('agent-core.js'), `the second copy recorded ${s}`);
    assert.ok(strings(runs[1]).some((s) => s.includes(fixture('messages.js'))), 'no site in the user program at all');
    assert.deepEqual(kinds(runs[1]), kinds(runs[0]));
  } finally {
    for (const d of [cacheDir, ...copies]) fs.rmSync(d, { recursive: true, force: true });
  }
});
