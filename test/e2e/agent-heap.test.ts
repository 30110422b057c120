// Heap per thread (issue 4): each JS thread reports its own used heap (MemorySample, rssBytes 0) on an
// unref'd timer and at exit, so a worker that holds ~50 MB shows it on its own thread while the main
// thread stays small, and the timer never keeps the program alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind } from '../../src/protocol/events';
import { runAgent, fixture, ofKind } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';

for (const major of [20, 22, 24]) {
  test(`Node ${major}: each thread reports its own JS heap: a 50 MB worker peaks above 40 MB, main stays small`, () => {
    const r = runAgent(fixture('heap.js'), { node: nodeBinary(major) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'heap done\n');
    const samples = ofKind(r.events, EventKind.MemorySample);
    const peak = (threadId: number) => Math.max(0, ...samples.filter((e) => e.threadId === threadId).map((e) => Number(e.fields.heapUsedBytes)));
    for (const s of samples) {
      assert.equal(s.fields.rssBytes, 0);
      assert.equal(s.fields.threadId, s.threadId);
    }
    // the worker sleeps 300 ms holding its arrays: timer samples and the exit sample both see them
    assert.ok(samples.filter((e) => e.threadId === 1).length >= 2, 'worker: timer and exit samples');
    assert.ok(peak(1) > 40e6, `worker peak ${peak(1)}`);
    assert.ok(peak(0) > 0 && peak(0) < 20e6, `main peak ${peak(0)}`);
    // the last heap sample of each thread comes before its ThreadExit
    for (const threadId of [0, 1]) {
      const own = r.events.filter((e) => e.threadId === threadId);
      const exitAt = own.findIndex((e) => e.kind === EventKind.ThreadExit);
      assert.ok(exitAt > 0 && own[exitAt - 1].kind === EventKind.MemorySample, `thread ${threadId}: exit sample`);
    }
  });
}

test('the heap timer never keeps a program alive', () => {
  const r = runAgent(fixture('leaf.js'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(ofKind(r.events, EventKind.ProcessExit).length, 1);
  assert.ok(ofKind(r.events, EventKind.MemorySample).length >= 1);
});
