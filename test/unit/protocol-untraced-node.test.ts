import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startsNode, UntracedNodeFinder, untracedNodeNote } from '../../src/protocol/untraced-node';
import { EventKind, type TraceEvent } from '../../src/protocol/events';

const paths = new Set(['/opt/node20/bin/node']);

test('a spawn starts Node that loads the preload unless an option makes Node exit first', () => {
  assert.equal(startsNode('spawn', '/usr/bin/node', ['app.js'], paths), true);
  assert.equal(startsNode('spawn', 'C:\\Program Files\\nodejs\\node.exe', ['app.js'], paths), true);
  assert.equal(startsNode('execFile', 'nodejs', ['--no-warnings', '-e', '1'], paths), true);
  assert.equal(startsNode('spawn', '/opt/node20/bin/node', [], paths), true, 'the traced processes\' own Node, whatever its name');
  assert.equal(startsNode('fork', '/opt/custom-runtime', ['child.js'], paths), true, 'fork starts Node');
  assert.equal(startsNode('spawn', 'node', ['--version'], paths), false);
  assert.equal(startsNode('spawn', 'node', ['--no-warnings', '-v'], paths), false);
  assert.equal(startsNode('spawn', 'node', ['--run', 'test'], paths), false, 'node --run starts the script through a shell');
  assert.equal(startsNode('spawn', 'node', ['app.js', '--version'], paths), true, 'the program\'s own argument');
  assert.equal(startsNode('spawn', 'node', ['-e', 'x', '--version'], paths), true);
  assert.equal(startsNode('spawn', '/bin/sh', ['-c', 'node app.js'], paths), false, 'a shell: not judged');
  assert.equal(startsNode('spawn', 'nodemon', ['app.js'], paths), false);
});

const ev = (kind: EventKind, pid: number, fields: TraceEvent['fields']): TraceEvent => ({ kind, ts: 0, pid, tid: pid, threadId: 0, fields });

test('the finder names Node children that never started, by pid or by spawn reference, and nothing else', () => {
  const f = new UntracedNodeFinder();
  const call = (id: number, api: string, command: string, args: string[]) => f.add(ev(EventKind.SpawnCall, 10, { spawnId: id, api, command, args: JSON.stringify(args), site: '/a/app.js:7:3' }));
  call(1, 'fork', '/usr/bin/node', ['traced.js']);
  call(2, 'spawn', '/usr/bin/node', ['-e', '1']);
  call(3, 'execFileSync', 'node', ['x.js']);
  call(4, 'execFileSync', 'node', ['y.js']);
  call(5, 'spawn', 'node', ['missing.js']);
  call(6, 'spawn', 'ls', []);
  call(7, 'spawn', 'node', ['lost.js']);
  f.add(ev(EventKind.SpawnRunning, 10, { spawnId: 1, childPid: 11 }));
  f.add(ev(EventKind.SpawnRunning, 10, { spawnId: 2, childPid: 12 }));
  f.add(ev(EventKind.SpawnExit, 10, { spawnId: 2, childPid: 12, code: -1, signal: 'SIGKILL' }));
  f.add(ev(EventKind.SpawnError, 10, { spawnId: 5, code: 'ENOENT' }));
  f.add(ev(EventKind.SpawnRunning, 10, { spawnId: 6, childPid: 16 }));
  f.add(ev(EventKind.SpawnRunning, 10, { spawnId: 7, childPid: 17 }));
  // the children's own records may come before their parents'
  f.add(ev(EventKind.ProcessStart, 11, { pid: 11, execPath: '/usr/bin/node', spawnRef: '10:1' }));
  f.add(ev(EventKind.ProcessStart, 13, { pid: 13, execPath: '/usr/bin/node', spawnRef: '10:3' }));
  const found = f.found(new Set([17]));
  assert.deepEqual(found, [
    { pid: 12, ppid: 10, command: '/usr/bin/node -e 1', site: { file: '/a/app.js', line: 7, column: 3 }, exitCode: null, signal: 'SIGKILL' },
    { pid: null, ppid: 10, command: 'node y.js', site: { file: '/a/app.js', line: 7, column: 3 }, exitCode: null, signal: null },
  ]);
  const note = untracedNodeNote(found);
  assert.match(note, /^2 Node\.js processes ran without being traced: pid 12 \(\/usr\/bin\/node -e 1, spawned at \/a\/app\.js:7, killed by SIGKILL\); a process \(node y\.js, spawned at \/a\/app\.js:7\)\. A process running as another user/);
  assert.match(untracedNodeNote(Array.from({ length: 7 }, () => found[0])), /; and 2 more\. /);
});
