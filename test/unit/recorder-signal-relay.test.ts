import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GROUP_SIGNAL_WINDOW_MS, SignalRelay } from '../../src/recorder/signal-relay';
import { signalMarkerName } from '../../src/protocol/session';

const PID = 4242;

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-relay-'));
  const sent: string[] = [];
  const relay = new SignalRelay({ dir, programPid: () => PID, kill: (s) => sent.push(s), ended: () => false });
  const mark = (signal: string, n: number, pid = PID, ageMs = 0) => {
    const file = path.join(dir, signalMarkerName(pid, signal, n));
    fs.writeFileSync(file, '');
    if (ageMs) fs.utimesSync(file, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
  };
  return { dir, sent, relay, mark };
}
const settle = () => new Promise((r) => setTimeout(r, GROUP_SIGNAL_WINDOW_MS + 100));

test('a signal the program got too (its marker, now) is not sent again; one it did not get is, after the window', async () => {
  const { sent, relay, mark, dir } = setup();
  mark('SIGTERM', 1);
  relay.relay('SIGTERM');
  relay.relay('SIGINT');
  // the program's marker may come a little after ctrace's own receipt
  setTimeout(() => mark('SIGINT', 1), 50);
  await settle();
  assert.deepEqual(sent, []);
  relay.relay('SIGTERM');
  await settle();
  assert.deepEqual(sent, ['SIGTERM'], 'no new marker: forwarded');
  fs.rmSync(dir, { recursive: true });
});

test("markers that are not the group signal's do not swallow one sent to ctrace alone", async () => {
  const { sent, relay, mark, dir } = setup();
  mark('SIGINT', 1, PID, 5000); // the program's own process.kill, long before
  mark('SIGINT', 1, PID + 1); // a child of the program
  relay.relay('SIGINT');
  // the moment ctrace forwards it
  while (sent.length < 1) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(sent, ['SIGINT']);
  // the marker ctrace's own forward causes, then at once a second SIGINT to ctrace alone: escalated.
  // The marker's mtime may read before the send (a file's clock is coarser than Date.now()): it is
  // paired with the send by number, not taken for the program's own
  mark('SIGINT', 2, PID, 8);
  relay.relay('SIGINT');
  await settle();
  assert.deepEqual(sent, ['SIGINT', 'SIGTERM']);
  mark('SIGTERM', 1, PID, 30); // answer to the escalation's SIGTERM
  relay.relay('SIGTERM');
  await settle();
  assert.deepEqual(sent, ['SIGINT', 'SIGTERM', 'SIGTERM']);
  fs.rmSync(dir, { recursive: true });
});
