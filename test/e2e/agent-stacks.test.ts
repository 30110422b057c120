// The agent never shows its own frames: errors thrown through wrapped APIs and stacks captured in
// callbacks the agent's wrappers call look exactly as they do untraced (fixtures/agent/stacks.js
// prints the top frames of each), including an uncaught error thrown from a message listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind } from '../../src/protocol/events';
import { runAgent, fixture, ofKind } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';

const STACKS = fixture('stacks.js');

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
        assert.equal(crash[0].fields.site, `${STACKS}:42:11`);
      }
    }
  });
}
