// isAlive: a running process is, an exited one is not, and neither is a zombie (exited, never
// reaped: PID 1 in a container without an init leaves descendants so), which kill(pid, 0) still finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isAlive } from '../../src/recorder/process-alive';

test('a zombie is not alive, though kill(pid, 0) still finds it', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  // the shell becomes `sleep 3` (exec keeps its pid and its children), which never reaps the first sleep
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 3'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.doesNotThrow(() => process.kill(zombie, 0));
    assert.equal(isAlive(zombie), false);
    assert.equal(isAlive(parent.pid!), true);
    assert.equal(isAlive(process.pid), true);
  } finally {
    parent.kill('SIGKILL');
  }
  await new Promise((resolve) => parent.once('exit', resolve));
  assert.equal(isAlive(parent.pid!), false);
});
