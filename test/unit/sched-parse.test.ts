// Parsers of the /proc files and of perf's script output, on text captured from this kernel
// (Linux 6.18) and perf 6.1, including the awkward cases: names with spaces and ')', missing fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThreadState } from '../../src/protocol/events';
import { parseChildren, parseSchedstat, parseStat, parseStatmResidentPages, parseStatusSwitches } from '../../src/recorder/sched/proc-parse';
import { parsePerfLine } from '../../src/recorder/sched/perf';

const STAT = '8985 (cat) R 8983 8983 3584 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 69551 3133440 382 18446744073709551615 94743650570240 94743650590121 140725311556016 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

test('stat: state, ppid, utime/stime ticks, last cpu', () => {
  assert.deepEqual(parseStat(STAT), { name: 'cat', state: ThreadState.Running, stateChar: 'R', ppid: 8983, utimeTicks: 7, stimeTicks: 3, cpu: 1 });
});

test('stat: a thread name holding spaces and parentheses', () => {
  const s = parseStat(STAT.replace('(cat)', '(a) b (c)').replace(' R ', ' S '));
  assert.equal(s?.name, 'a) b (c');
  assert.equal(s?.state, ThreadState.Sleeping);
  assert.equal(s?.utimeTicks, 7);
});

test('stat: states map to the trace enum; garbage is undefined', () => {
  const at = (c: string) => parseStat(STAT.replace(' R ', ` ${c} `))?.state;
  assert.equal(at('D'), ThreadState.Uninterruptible);
  assert.equal(at('Z'), ThreadState.Dead);
  assert.equal(at('T'), ThreadState.Stopped);
  assert.equal(at('?'), ThreadState.Unknown);
  assert.equal(parseStat('garbage'), undefined);
  assert.equal(parseStat('1 (x) R 1 2'), undefined);
});

test('status: voluntary and nonvoluntary switches, not confused with each other', () => {
  const status = 'Name:\tnode\nState:\tS (sleeping)\nvoluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t56\n';
  assert.deepEqual(parseStatusSwitches(status), { voluntary: 1234, involuntary: 56 });
  assert.deepEqual(parseStatusSwitches('voluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t4'), { voluntary: 3, involuntary: 4 });
  assert.equal(parseStatusSwitches('Name:\tnode\n'), undefined);
});

test('schedstat, statm, children', () => {
  assert.deepEqual(parseSchedstat('40816093 2113 58\n'), { runNs: 40816093, waitNs: 2113, timeslices: 58 });
  assert.equal(parseSchedstat(''), undefined);
  assert.equal(parseStatmResidentPages('765 437 408 5 0 123 0\n'), 437);
  assert.deepEqual(parseChildren('8774 8775 '), [8774, 8775]);
  assert.deepEqual(parseChildren(''), []);
});

test('perf script lines: switches in/out/preempt, comm with the record’s own ids, other lines ignored', () => {
  assert.deepEqual(parsePerfLine(' 8658/8658    643.567054168: PERF_RECORD_SWITCH IN         '), { kind: 'switch', pid: 8658, tid: 8658, ts: 643567054168, direction: 1, preempt: 0 });
  assert.deepEqual(parsePerfLine(' 8658/8673    643.567060768: PERF_RECORD_SWITCH OUT preempt'), { kind: 'switch', pid: 8658, tid: 8673, ts: 643567060768, direction: 0, preempt: 1 });
  assert.deepEqual(parsePerfLine(' 8658/8673    643.000000001: PERF_RECORD_SWITCH OUT'), { kind: 'switch', pid: 8658, tid: 8673, ts: 643000000001, direction: 0, preempt: 0 });
  assert.deepEqual(parsePerfLine(' 8658/8658    643.567242070: PERF_RECORD_COMM exec: node:8658/8658'), { kind: 'comm', pid: 8658, tid: 8658, ts: 643567242070, name: 'node' });
  assert.deepEqual(parsePerfLine(' 8658/8667    643.600000000: PERF_RECORD_COMM: a:b:8658/8667'), { kind: 'comm', pid: 8658, tid: 8667, ts: 643600000000, name: 'a:b' });
  assert.equal(parsePerfLine('    0/0         0.000000000: PERF_RECORD_COMM: sh:8658/8658'), undefined);
  assert.equal(parsePerfLine(' 8658/8658    643.605287097: PERF_RECORD_FORK(8658:8667):(8658:8658)'), undefined);
  assert.equal(parsePerfLine('garbage'), undefined);
});

test('the page size statm counts in is the one getconf reports, read without running it', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  const { execFileSync } = await import('node:child_process');
  const { pageSize } = await import('../../src/recorder/sched/proc-sampler');
  assert.equal(pageSize(), Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()));
});
