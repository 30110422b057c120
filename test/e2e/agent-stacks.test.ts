// The agent never shows its own frames: errors thrown through wrapped APIs and stacks captured in
// callbacks the agent's wrappers call look exactly as they do untraced (fixtures/agent/stacks.js
// prints the top frames of each), including an uncaught error thrown from a message listener.
import { test } from 'node:test';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { ChannelKind, EventKind } from '../../src/protocol/events';
import { runAgent, fixture, ofKind } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';

const STACKS = fixture('stacks.js');
/** where the fixture's listener throws: the `new Error` of its `throw new Error('thrown in a listener')` */
const THROW_SITE = (() => {
  const lines = fs.readFileSync(STACKS, 'utf8').split('\n');
  const k = lines.findIndex((l) => l.includes("throw new Error('thrown in a listener')"));
  return `${STACKS}:${k + 1}:${lines[k].indexOf('new Error') + 1}`;
})();

for (const major of [20, 22, 24]) {
  test(`Node ${major}: user stacks are the same with and without the agent`, () => {
    const node = nodeBinary(major);
    for (const args of [[], ['throw']]) {
      const traced = runAgent(STACKS, { node, args });
      const plain = runAgent(STACKS, { node, args, traced: false });
      assert.equal(traced.stdout, plain.stdout);
      assert.equal(traced.stderr, plain.stderr);
      assert.equal(traced.status, plain.status);
      assert.doesNotMatch(traced.stdout + traced.stderr, /agent\.js/);
      assert.match(traced.stdout, /port listener Error: here\n {4}at MessagePort\.onMessage/);
      if (args.length) {
        assert.equal(traced.status, 1);
        assert.match(traced.stderr, /Error: thrown in a listener\n {4}at MessagePort\.thrower/);
        const crash = ofKind(traced.events, EventKind.Crash);
        assert.equal(crash.length, 1);
        assert.equal(crash[0].fields.site, THROW_SITE);
      }
    }
  });
}

for (const major of [20, 22, 24]) {
  for (const [mode, error, line] of [
    ['uncloneable', 'DOMException [DataCloneError]: f() {} could not be cloned.', '  new MessageChannel().port1.postMessage({ f() {} });'],
    ['unshared-wait', 'TypeError: [object Int32Array] is not a shared typed array.', "  if (process.argv[2] === 'unshared-wait') Atomics.wait(new Int32Array(4), 0, 0, 1);"],
  ] as const) {
    test(`Node ${major}: an uncaught error a native function throws under a wrapper (${mode}): same exit, same stack, and no line of the agent above it`, () => {
      const node = nodeBinary(major);
      const traced = runAgent(STACKS, { args: [mode], node });
      const plain = runAgent(STACKS, { args: [mode], traced: false, node });
      assert.equal(traced.status, plain.status);
      assert.equal(traced.stdout, plain.stdout);
      const at = (s: string) => s.indexOf(error.slice(0, 20));
      assert.ok(at(plain.stderr) > 0, plain.stderr);
      assert.equal(traced.stderr.slice(at(traced.stderr)), plain.stderr.slice(at(plain.stderr)));
      // untraced, Node prints the program's line above the error; traced, V8 places the error at its
      // top JS frame, the agent's wrapper, whose line is marked so that Node prints none (esbuild.js)
      assert.ok(plain.stderr.slice(0, at(plain.stderr)).split('\n').includes(line), plain.stderr);
      assert.equal(traced.stderr.slice(0, at(traced.stderr)), '');
    });
  }

  test(`Node ${major}: an error thrown while a module loads has the same stack, through the agent's Module._load wrapper`, () => {
    const node = nodeBinary(major);
    const traced = runAgent(STACKS, { args: ['require-error'], node });
    const plain = runAgent(STACKS, { args: ['require-error'], traced: false, node });
    assert.equal(traced.status, plain.status);
    assert.match(plain.stderr, /Error: thrown while loading\n {4}at Object\.<anonymous> \(.*throws-at-load\.js:2:7\)\n(.*\n)* {4}at \w+\._load /);
    assert.equal(traced.stderr, plain.stderr);
  });
}

test('wrapped APIs keep what the program relies on: promisify custom forms of exec and execFile, the terminate callback', () => {
  const file = fixture('api-shapes.js');
  const traced = runAgent(file);
  const plain = runAgent(file, { traced: false });
  assert.equal(traced.stdout, plain.stdout);
  assert.equal(traced.stderr.replace(/\(node:\d+\)/g, ''), plain.stderr.replace(/\(node:\d+\)/g, ''));
  assert.equal(plain.stdout, 'custom forms function function\narity 1 1 3 3\nexec {"stdout":"hi\\n","stderr":""}\nexecFile rejected 3 ""\nterminate callback null 1\n');
  // the promisified calls are still recorded, under their API
  assert.deepEqual(ofKind(traced.events, EventKind.SpawnCall).map((e) => e.fields.api), ['exec', 'execFile']);
});

for (const major of [20, 22, 24]) {
  test(`Node ${major}: the program's options, env objects, channels and getters are used as untraced: inherited options and variables, a sealed channel, detached methods, getters Node reads once`, () => {
    const file = fixture('options-and-this.js');
    const node = nodeBinary(major);
    const traced = runAgent(file, { node });
    const plain = runAgent(file, { traced: false, node });
    assert.equal(
      plain.stdout,
      [
        'execSync PATH set=yes EXTRA=x',
        'spawnSync PATH set=yes EXTRA=x',
        'inherited option env FOO=',
        '__proto__ variables: 1',
        'worker env A=1',
        'sealed channel delivered hi',
        'detached postMessage: TypeError Illegal invocation',
        'BroadcastChannel postMessage on undefined: TypeError ERR_INVALID_THIS',
        'MessageChannel(): TypeError ERR_CONSTRUCT_CALL_REQUIRED Cannot call constructor without `new`',
        'subclass true true true true',
        // Node's own reads of Worker options: env and name three times each
        'worker option reads {"eval":1,"env":3,"name":3,"resourceLimits":1,"workerData":1}',
        'transfer getter ran 1 time(s), buffer detached: true',
        'cmd getter ran 1 time(s)',
        'counted worker got 2 data',
        'frozen options: frozen 1',
        'proxy options traps: get:execArgv,get:argv,get:eval,get:env,get:env,get:name,get:name,get:name,get:execArgv,get:resourceLimits,get:trackUnmanagedFds,get:stdin,get:stdout,get:stderr,get:transferList,get:workerData,get:stdin',
        `throwing getter: Error: env getter |     at get env (${file}) |     at new Worker (node:internal/worker)`,
        'made inside a constructor: undefined 3 / undefined 4',
        'spawn env proxy: spawned ownKeys,get:PATH,get:F',
        'RegExp statics: ab abc xabcx',
        '',
      ].join('\n'),
    );
    assert.equal(traced.stdout, plain.stdout);
    assert.equal(traced.stderr, plain.stderr);
    assert.equal(traced.status, plain.status);
    // and they were traced: the workers (the counted one with its name, eval and limits), the sealed
    // channel's message, the IPC send
    assert.equal(ofKind(traced.events, EventKind.WorkerOnline).length, 6);
    const counted = ofKind(traced.events, EventKind.WorkerCreate)[1].fields;
    assert.deepEqual([counted.eval, JSON.parse(String(counted.resourceLimits))], [1, { maxOldGenerationSizeMb: 256 }]);
    const names = ofKind(traced.events, EventKind.ThreadStart).map((e) => e.fields.name);
    assert.ok(['counted', 'proxied', 'outer', 'inner'].every((n) => names.includes(n)), JSON.stringify(names));
    // the worker made inside another's constructor did not take the outer one's parent away
    const outer = ofKind(traced.events, EventKind.ThreadStart).find((e) => e.fields.name === 'outer')!;
    assert.equal(outer.fields.parentThreadId, 0);
    const sent = ofKind(traced.events, EventKind.MessageSend).map((e) => e.fields.channelKind);
    assert.ok(sent.includes(ChannelKind.Broadcast) && sent.includes(ChannelKind.Process), JSON.stringify(sent));
  });
}

test('an uncaught error thrown by a getter while Node clones a message: V8 shows the getter\'s line above it, as untraced', () => {
  const file = fixture('options-and-this.js');
  const traced = runAgent(file, { args: ['getter-throw'] });
  const plain = runAgent(file, { args: ['getter-throw'], traced: false });
  assert.equal(traced.status, 1);
  assert.equal(traced.status, plain.status);
  const head = (s: string) => s.split('\n').slice(0, 7).join('\n'); // the source line, the caret, the error, its top frames
  assert.match(head(plain.stderr), /options-and-this\.js:\d+\n.*thrown by a getter[\s\S]*at get x/);
  assert.equal(head(traced.stderr), head(plain.stderr));
});

for (const major of [20, 22, 24]) {
  test(`Node ${major}: what a second review found stays as untraced: null spawnSync options, wrapper names and constructors, markers in inspect, a patched EventEmitter emit, RegExp statics, Web Locks listeners, NODE_DEBUG=worker`, () => {
    const file = fixture('second-review.js');
    const node = nodeBinary(major);
    const env = { NODE_DEBUG: 'worker' };
    const traced = runAgent(file, { node, env });
    const plain = runAgent(file, { node, env, traced: false });
    const debugLines = (s: string) => s.split('\n').filter((l) => l.includes('create new worker')).map((l) => l.replace(/WORKER \d+/, 'WORKER'));
    assert.equal(traced.stdout, plain.stdout);
    assert.equal(traced.status, plain.status);
    assert.equal(plain.status, 5);
    assert.deepEqual(debugLines(traced.stderr), debugLines(plain.stderr));
    assert.match(debugLines(plain.stderr)[0], /create new worker .* \{ eval: true, name: 'reviewed', workerData: \{ n: 1 \} \}/);
    assert.match(plain.stdout, /^spawnSync null options: ERR_INVALID_ARG_TYPE$/m);
    assert.match(plain.stdout, /^inspect shows the agent: false spread keys: 0$/m);
    assert.match(plain.stdout, /^monitor listeners: 10\nglobalThis shows the agent: false 0$/m);
    assert.doesNotMatch(plain.stdout, /^warning:/m);
    assert.match(plain.stdout, /^RegExp statics in the handler: \["abc","ab","xabcx"\]$/m);
    assert.match(plain.stdout, /^emit patched through process\.emit, listeners run: 2$/m);
    assert.match(plain.stdout, /^patched emit saw: ChildProcess:close ChildProcess:exit ChildProcess:spawn .*Worker:exit Worker:message Worker:online process:exit$/m);
    // Node keeps one listener of its own; the agent's used to stay, one per request (21)
    if (major >= 24) assert.match(plain.stdout, /^abort listeners after 20 granted requests: 1$/m);
    // the program's own emit('exit', 12) did not end the trace: the exit recorded is the real one
    assert.deepEqual(ofKind(traced.events, EventKind.ProcessExit).map((e) => [e.fields.code, e.fields.cause]), [[5, 'normal']]);
  });
}

