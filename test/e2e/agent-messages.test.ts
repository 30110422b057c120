// Message capture on every channel type (fixtures/agent/messages.js): exact send/receive counts per
// thread, every receipt paired with exactly one send by (channel, seq) (a broadcast send with each of
// its receivers), sizes, transferred and shared bytes, and the program printing exactly what it
// prints untraced. Runs under Node 20, 22 and 24.
import { test } from 'node:test';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { EventKind, ChannelKind, type TraceEvent } from '../../src/protocol/events';
import { runAgent, fixture, ofKind, dump } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';

const MESSAGES = fixture('messages.js');
const key = (e: TraceEvent) => `${e.fields.channel}#${e.fields.seq}`;

for (const major of [20, 22, 24]) {
  test(`Node ${major}: every channel type is captured and paired, and the program sees the same`, () => {
    const node = nodeBinary(major);
    const r = runAgent(MESSAGES, { node });
    const plain = runAgent(MESSAGES, { node, traced: false });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, plain.stdout);
    assert.match(r.stdout, /sync \{ message: \{ fourth: 4 \} \}/);

    const sends = ofKind(r.events, EventKind.MessageSend);
    const recvs = ofKind(r.events, EventKind.MessageReceive);
    const mainPid = ofKind(r.events, EventKind.ProcessStart).find((e) => e.fields.spawnRef === undefined)!.pid;
    const count = (list: TraceEvent[], pid: number | 'child', threadId: number) =>
      list.filter((e) => (pid === 'child' ? e.pid !== mainPid : e.pid === pid) && e.threadId === threadId).length;
    assert.deepEqual(
      [count(sends, mainPid, 0), count(recvs, mainPid, 0), count(sends, mainPid, 1), count(recvs, mainPid, 1), count(sends, 'child', 0), count(recvs, 'child', 0)],
      [19, 14, 5, 12, 2, 3],
      dump(r.events.filter((e) => e.kind === EventKind.MessageSend || e.kind === EventKind.MessageReceive)),
    );

    // channel strings are unique per end and every (channel, seq) is sent once
    const byKey = new Map<string, TraceEvent>();
    for (const s of sends) {
      assert.ok(!byKey.has(key(s)), `duplicate send ${key(s)}`);
      byKey.set(key(s), s);
    }
    const received = new Map<string, number>();
    const receiptOf = new Map<string, TraceEvent>();
    for (const rcv of recvs) {
      const s = byKey.get(key(rcv));
      assert.ok(s, `receipt ${key(rcv)} has no send`);
      assert.equal(s.fields.channelKind, rcv.fields.channelKind);
      assert.ok(rcv.ts >= s.ts, `receipt before send on ${key(rcv)}`);
      // a message is sized where it lands (format 2): the receipt has the size, the send none
      assert.ok(Number(rcv.fields.bytes) > 0, `receipt ${key(rcv)} has a size`);
      if (!receiptOf.has(key(rcv))) receiptOf.set(key(rcv), rcv);
      else assert.equal(rcv.fields.bytes, receiptOf.get(key(rcv))!.fields.bytes, `every receiver of broadcast ${key(rcv)} sizes it alike`);
      received.set(key(rcv), (received.get(key(rcv)) ?? 0) + 1);
    }
    // every send was received: broadcasts twice (two other channels of that name), the rest once
    for (const s of sends) {
      const want = s.fields.channelKind === ChannelKind.Broadcast ? 2 : 1;
      assert.equal(received.get(key(s)), want, `receipts of ${key(s)}`);
    }
    const kinds = (k: number) => sends.filter((s) => s.fields.channelKind === k).length;
    assert.deepEqual([kinds(ChannelKind.Process), kinds(ChannelKind.Worker), kinds(ChannelKind.Port), kinds(ChannelKind.Broadcast)], [5, 8, 10, 3]);

    const down = sends.filter((s) => s.fields.channel === `w:${mainPid}:1:down`);
    assert.equal(down.length, 6);
    assert.deepEqual(down.map((s) => s.fields.seq), [1, 2, 3, 4, 5, 6]);
    const size = (s: TraceEvent) => receiptOf.get(key(s))!.fields;
    assert.deepEqual(down[3].fields.transferredBytes, 16); // the ArrayBuffer moved, not copied
    assert.ok(Number(size(down[3]).bytes) >= 3 && Number(size(down[3]).bytes) < 60);
    assert.equal(size(down[4]).sharedBytes, 8); // the SharedArrayBuffer
    assert.equal(size(down[0]).bytes, 6); // 'text'
    for (const s of down) assert.match(String(s.fields.site), /messages\.js:\d+:\d+$/);
    // the moved port's channel keeps counting in the worker
    const moved = recvs.filter((e) => e.threadId === 1 && e.fields.channelKind === ChannelKind.Port);
    assert.deepEqual(moved.map((e) => e.fields.seq), [1, 2, 3, 4]);
    const ipc = sends.filter((s) => s.fields.channelKind === ChannelKind.Process && s.pid === mainPid);
    const childPid = ofKind(r.events, EventKind.SpawnRunning)[0].fields.childPid;
    assert.deepEqual(ipc.map((s) => s.fields.channel), [`ipc:${childPid}:down`, `ipc:${childPid}:down`, `ipc:${childPid}:down`]);
  });
}

const GETTERS = fixture('getters.js');

for (const major of [20, 22, 24]) {
  test(`Node ${major}: a message's getters run as often as untraced, and a send made inside a send pairs with its own receipt`, () => {
    const node = nodeBinary(major);
    const r = runAgent(GETTERS, { node });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, runAgent(GETTERS, { node, traced: false }).stdout);
    assert.match(r.stdout, /^getter calls \{"w1":1,"w2":1,"w2-inner":1,"w3":1,"p1":1,"c1":1,"c2":1,"c2-inner":1\}$/m);
    const lines = fs.readFileSync(GETTERS, 'utf8').split('\n');
    const lineOf = (tag: string) => lines.findIndex((l) => l.endsWith(`// send:${tag}`)) + 1;
    const arrived = (who: string) => new RegExp(`^${who} (.*)$`, 'm').exec(r.stdout)![1].split(', ');
    const [worker, port] = arrived('worker').join(',').split(',/,').map((s) => s.split(','));
    const sends = new Map(ofKind(r.events, EventKind.MessageSend).map((e) => [key(e), e]));
    const recvs = ofKind(r.events, EventKind.MessageReceive);
    const mainPid = ofKind(r.events, EventKind.ProcessStart).find((e) => e.fields.spawnRef === undefined)!.pid;
    // per channel, the receipts in the order they arrived, named by the line of the send each one is paired with
    const pairedLines = (pick: (e: TraceEvent) => boolean) =>
      recvs.filter(pick).sort((a, b) => Number(a.fields.seq) - Number(b.fields.seq)).map((e) => Number(/:(\d+):\d+$/.exec(String(sends.get(key(e))?.fields.site))?.[1]));
    const all = dump(r.events.filter((e) => e.kind === EventKind.MessageSend || e.kind === EventKind.MessageReceive));
    assert.deepEqual(pairedLines((e) => e.fields.channelKind === ChannelKind.Worker && e.threadId === 1), ['hand-over', ...worker].map(lineOf), all);
    assert.deepEqual(pairedLines((e) => e.fields.channelKind === ChannelKind.Port), port.map((t) => lineOf(t === 'end' ? 'p-end' : t)), all);
    assert.deepEqual(pairedLines((e) => e.fields.channelKind === ChannelKind.Process && e.pid !== mainPid), arrived('child').map((t) => lineOf(t === 'end' ? 'c-end' : t)), all);
    assert.deepEqual(worker, ['w1', 'w2-inner', 'w2', 'w3']);
  });
}

for (const major of [20, 22, 24]) {
  test(`Node ${major}: a busy channel captures its send site at first and then every 50 ms at most; a slow one at every send`, () => {
    const script = fixture('send-sites.js');
    const r = runAgent(script, { node: nodeBinary(major) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'received 304\n');
    const lines = fs.readFileSync(script, 'utf8').split('\n');
    const lineOf = (tag: string) => lines.findIndex((l) => l.endsWith(`// send:${tag}`)) + 1;
    const sends = ofKind(r.events, EventKind.MessageSend).filter((e) => e.fields.channelKind === ChannelKind.Port);
    const siteLines = sends.sort((a, b) => Number(a.fields.seq) - Number(b.fields.seq)).map((e) => Number(/:(\d+):\d+$/.exec(String(e.fields.site))?.[1]));
    assert.equal(siteLines.length, 304);
    const own = (k: number) => lineOf(k % 2 === 0 ? 'even' : 'odd');
    assert.deepEqual(siteLines.slice(0, 8), [0, 1, 2, 3, 4, 5, 6, 7].map(own));
    // the burst's later sends are not each captured (a 300-send burst spans few 50 ms windows, even on
    // a slow machine): about half of them carry the other line's site
    const stale = siteLines.slice(8, 300).filter((line, i) => line !== own(i + 8)).length;
    assert.ok(stale >= 100, `${stale} of 292 burst sends carry another line's site`);
    // each of the slow sends has its own line (counting sends, the 257th was the only one after the 8th)
    assert.deepEqual(siteLines.slice(300), Array(4).fill(lineOf('slow')));
  });
}

for (const major of [20, 22, 24]) {
  test(`Node ${major}: a program that replaces node:fs functions never sees the agent's writes, and its trace stays whole`, () => {
    const node = nodeBinary(major);
    const script = fixture('patched-fs.js');
    const r = runAgent(script, { node }); // decodes every thread's file and throws on a damaged chunk
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, runAgent(script, { node, traced: false }).stdout);
    assert.equal(r.stdout, '{"openSync":1,"writeSync":1,"closeSync":1,"fstatSync":0,"statSync":0,"zlib":0} 100\n');
    assert.equal(ofKind(r.events, EventKind.MessageSend).filter((e) => e.fields.channelKind === ChannelKind.Port).length, 2000);
    assert.equal(ofKind(r.events, EventKind.MessageReceive).filter((e) => e.fields.channelKind === ChannelKind.Port).length, 2000);
    // the busy worker's 100 sends, written out by its creator when it was terminated
    const busy = ofKind(r.events, EventKind.ThreadStart).find((e) => e.threadId === 2)!;
    assert.ok(busy, 'the busy worker has a start record');
    assert.equal(ofKind(r.events, EventKind.MessageSend).filter((e) => e.threadId === 2).length, 100);
  });
}

for (const major of [20, 22, 24]) {
  test(`Node ${major}: a program that replaces the global timers (fake timers), process.memoryUsage, Function.prototype.call or Reflect.apply never sees the agent use them`, () => {
    const node = nodeBinary(major);
    const script = fixture('fake-timers.js');
    const r = runAgent(script, { node });
    assert.equal(r.status, 0, r.stderr);
    // the counts of the program's own calls (Node's internals make a few .call()s, traced or not)
    assert.equal(r.stdout, runAgent(script, { node, traced: false }).stdout);
    const calls = JSON.parse(r.stdout) as Record<string, number>;
    assert.deepEqual([calls.setTimeout, calls.setInterval, calls.clearTimeout, calls.clearInterval, calls.memoryUsage], [0, 0, 0, 0, undefined]);
    assert.equal(ofKind(r.events, EventKind.MessageReceive).filter((e) => e.fields.channelKind === ChannelKind.Port).length, 200);
    // the agent's interval still ticked: the heap was sampled while the program waited
    assert.ok(ofKind(r.events, EventKind.MemorySample).filter((e) => e.threadId === 0).length >= 2);
  });
}

test('the program\'s timers due together fire in the same order as untraced (the agent\'s interval shares no list with them)', () => {
  const script = fixture('timer-ties.js');
  const r = runAgent(script);
  assert.equal(r.status, 0, r.stderr);
  // each trial: AB, or - when the millisecond could not be matched; never BA
  assert.match(r.stdout, /^(AB|-){12}\n$/);
  assert.ok((r.stdout.match(/AB/g) ?? []).length >= 6, r.stdout);
});

test('CTRACE_CAPTURE without messages records no message and changes nothing', () => {
  const r = runAgent(MESSAGES, { capture: 'locks' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(ofKind(r.events, EventKind.MessageSend).length, 0);
  assert.equal(ofKind(r.events, EventKind.MessageReceive).length, 0);
  assert.equal(ofKind(r.events, EventKind.WorkerCreate).length, 1);
  assert.equal(r.stdout, runAgent(MESSAGES, { traced: false }).stdout);
});

test('a send Node refuses (DataCloneError) is not counted: the sends after it still pair with their receipts', () => {
  const r = runAgent(fixture('refused-sends.js'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, runAgent(fixture('refused-sends.js'), { traced: false }).stdout);
  assert.equal(r.stdout, 'refused DataCloneError\n'.repeat(3));
  const sends = ofKind(r.events, EventKind.MessageSend).filter((e) => e.threadId === 0);
  const recvs = ofKind(r.events, EventKind.MessageReceive).filter((e) => e.threadId === 1);
  const list = (l: TraceEvent[]) => l.map((e) => `${e.fields.channelKind} ${key(e)}`).sort();
  // worker: the port hand-over and the send after the refused one; port and broadcast: one each
  assert.deepEqual(sends.map((e) => e.fields.channelKind).sort(), [ChannelKind.Worker, ChannelKind.Worker, ChannelKind.Port, ChannelKind.Broadcast].sort());
  assert.deepEqual(list(recvs), list(sends), dump(r.events.filter((e) => e.kind === EventKind.MessageSend || e.kind === EventKind.MessageReceive)));
});

test('a send refused 60 ms after it began, with a send inside it: every receipt still pairs with its own send', () => {
  const script = fixture('refused-after-idle.js');
  const r = runAgent(script);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, runAgent(script, { traced: false }).stdout);
  assert.equal(r.stdout, 'refused DataCloneError\ngot first inner after\n');
  const sends = ofKind(r.events, EventKind.MessageSend).filter((e) => e.fields.channelKind === ChannelKind.Port);
  const recvs = ofKind(r.events, EventKind.MessageReceive).filter((e) => e.fields.channelKind === ChannelKind.Port);
  const all = dump(r.events.filter((e) => e.kind === EventKind.MessageSend || e.kind === EventKind.MessageReceive));
  // three sends recorded (the refused one taken back), paired in order with the three receipts
  assert.deepEqual(sends.map(key).sort(), recvs.map(key).sort(), all);
  assert.equal(sends.length, 3, all);
});

for (const major of [20, 22, 24]) {
  test(`Node ${major}: what traced threads send to the loader-hooks thread (module.register) arrives as sent`, () => {
    const node = nodeBinary(major);
    const main = fixture('loader-thread/main.mjs');
    const r = runAgent(main, { node });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, runAgent(main, { node, traced: false }).stdout);
    assert.equal(r.stdout, 'hooks got ["x"]\nhooks bc {"y":2}\nmain got ack bc done\n');
  });
}
