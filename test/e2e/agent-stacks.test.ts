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

test('an uncaught DataCloneError: same exit, same stack; the line V8 shows above it, in the agent, is one short line', () => {
  const traced = runAgent(STACKS, { args: ['uncloneable'] });
  const plain = runAgent(STACKS, { args: ['uncloneable'], traced: false });
  assert.equal(traced.status, plain.status);
  assert.equal(traced.stdout, plain.stdout);
  const stack = (s: string) => s.slice(s.indexOf('DOMException [DataCloneError]'));
  assert.ok(stack(plain.stderr).startsWith('DOMException [DataCloneError]: f() {} could not be cloned.'));
  assert.equal(stack(traced.stderr), stack(plain.stderr));
  // V8 places a native send's error at its JS caller, the wrapper: that line, not the whole core
  const header = traced.stderr.slice(0, traced.stderr.indexOf('DOMException'));
  assert.ok(header.split('\n').every((l) => l.length <= 200), header);
});

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

test("the program's options, env objects, channels and getters are used as untraced: inherited options and variables, a sealed channel, detached methods, getters Node reads once", () => {
  const file = fixture('options-and-this.js');
  const traced = runAgent(file);
  const plain = runAgent(file, { traced: false });
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
      'transfer getter ran 1 time(s), buffer detached: true',
      'cmd getter ran 1 time(s)',
      '',
    ].join('\n'),
  );
  assert.equal(traced.stdout, plain.stdout);
  assert.equal(traced.stderr, plain.stderr);
  assert.equal(traced.status, plain.status);
  // and they were traced: the worker, the sealed channel's message, the IPC send
  assert.equal(ofKind(traced.events, EventKind.WorkerOnline).length, 1);
  const sent = ofKind(traced.events, EventKind.MessageSend).map((e) => e.fields.channelKind);
  assert.ok(sent.includes(ChannelKind.Broadcast) && sent.includes(ChannelKind.Process), JSON.stringify(sent));
});

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
