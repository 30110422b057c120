import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPreload, withoutPreload } from '../../src/agent/env';

const P = '--require "/opt/ctrace/dist/agent.js"';

test('the preload goes into NODE_OPTIONS once, and comes out wherever it is, leaving the rest as it was', () => {
  assert.equal(withPreload(undefined, P), P);
  assert.equal(withPreload('--no-deprecation', P), `${P} --no-deprecation`);
  assert.equal(withPreload(`--max-old-space-size=512 ${P}`, P), `--max-old-space-size=512 ${P}`, 'already there');
  for (const user of [undefined, '--no-deprecation', '--max-old-space-size=512 --no-deprecation']) {
    assert.equal(withoutPreload(withPreload(user, P), P), user);
  }
  // a program that added its own options in front of the inherited ones
  assert.equal(withoutPreload(`--max-old-space-size=512 ${P} --no-deprecation`, P), '--max-old-space-size=512 --no-deprecation');
  assert.equal(withoutPreload(`--max-old-space-size=512 ${P}`, P), '--max-old-space-size=512');
  assert.equal(withoutPreload('--no-deprecation', P), '--no-deprecation');
  assert.equal(withoutPreload(undefined, P), undefined);
});
