// Mode choice without Linux: on macOS and Windows the capture must say 'node', record nothing
// from outside, leave the command alone and never throw (process.platform is switched for the test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchedCapture } from '../../src/recorder/sched/index';

for (const platform of ['darwin', 'win32'] as const) {
  test(`${platform}: 'node' mode, explained, inert`, async () => {
    const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: platform });
    try {
      const cap = createSchedCapture({}, () => {});
      assert.equal(cap.mode, 'node');
      assert.match(cap.note, new RegExp(`^Node mode \\(no /proc on ${platform}\\): event-loop utilization per thread`));
      assert.deepEqual(cap.wrapCommand('node', ['app.js']), { command: 'node', args: ['app.js'] });
      const records: number[] = [];
      cap.start(process.pid, (k) => records.push(k));
      cap.addProcess(process.pid);
      await cap.stop();
      assert.deepEqual(records, []);
    } finally {
      Object.defineProperty(process, 'platform', real);
    }
  });
}
