// The agent's code cache directory kept across recordings (src/recorder/agent-cache.ts) and how the
// recorder hands it to the agent (agentEnv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentCacheDir, KEEP_CACHE_FILES, userCacheRoot } from '../../src/recorder/agent-cache';
import { agentEnv } from '../../src/recorder/launch';

const posix = process.platform !== 'win32';

function tmpRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace cache root '));
}

test('the per-user cache root follows each platform', () => {
  assert.equal(userCacheRoot({ XDG_CACHE_HOME: '/x/cache' }, 'linux', '/home/u'), '/x/cache');
  assert.equal(userCacheRoot({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u'), path.join('/home/u', '.cache'));
  assert.equal(userCacheRoot({}, 'linux', '/home/u'), path.join('/home/u', '.cache'));
  assert.equal(userCacheRoot({}, 'darwin', '/Users/u'), path.join('/Users/u', 'Library', 'Caches'));
  assert.equal(userCacheRoot({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local');
});

test('the directory is created private, and reused', () => {
  const root = tmpRoot();
  try {
    const dir = agentCacheDir(root);
    assert.equal(dir, path.join(root, 'concurrency-timeline', 'agent-cache'));
    assert.ok(fs.statSync(dir!).isDirectory());
    if (posix) assert.equal(fs.statSync(dir!).mode & 0o777, 0o700);
    fs.writeFileSync(path.join(dir!, 'agent-v1-x64-abc.v8cache'), 'x');
    assert.equal(agentCacheDir(root), dir);
    assert.ok(fs.existsSync(path.join(dir!, 'agent-v1-x64-abc.v8cache')), 'a cache file was removed');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a directory others may write to, or a symlink, is not used', { skip: !posix }, () => {
  const root = tmpRoot();
  try {
    const dir = agentCacheDir(root)!;
    fs.chmodSync(dir, 0o777);
    assert.equal(agentCacheDir(root), undefined, 'a world-writable cache directory was used');
    fs.chmodSync(dir, 0o770);
    assert.equal(agentCacheDir(root), undefined, 'a group-writable cache directory was used');
    fs.rmSync(dir, { recursive: true });
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace elsewhere '));
    fs.chmodSync(elsewhere, 0o700);
    fs.symlinkSync(elsewhere, dir);
    assert.equal(agentCacheDir(root), undefined, 'a symlinked cache directory was used');
    fs.rmSync(elsewhere, { recursive: true, force: true });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('it keeps the newest cache files and drops stale partial writes', () => {
  const root = tmpRoot();
  try {
    const dir = agentCacheDir(root)!;
    const now = Date.now() / 1000;
    const names: string[] = [];
    for (let k = 0; k < KEEP_CACHE_FILES + 3; k++) {
      const f = path.join(dir, `agent-v${k}-x64-0123456789abcdef.v8cache`);
      fs.writeFileSync(f, 'x');
      fs.utimesSync(f, now - 1000 + k, now - 1000 + k); // k = 0 is the oldest
      names.push(path.basename(f));
    }
    const stale = path.join(dir, 'agent-v1-x64-0123456789abcdef.v8cache.123-456');
    const fresh = path.join(dir, 'agent-v2-x64-0123456789abcdef.v8cache.124-457');
    fs.writeFileSync(stale, 'x');
    fs.utimesSync(stale, now - 7200, now - 7200);
    fs.writeFileSync(fresh, 'x');
    agentCacheDir(root);
    const left = fs.readdirSync(dir).sort();
    assert.deepEqual(left.filter((f) => f.endsWith('.v8cache')), names.slice(3).sort());
    assert.ok(!left.includes(path.basename(stale)), 'a partial write from hours ago was kept');
    assert.ok(left.includes(path.basename(fresh)), 'a cache being written right now was removed');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('agentEnv passes the cache directory on, and drops an inherited one when there is none', () => {
  const capture = {};
  const withDir = agentEnv({ PATH: '/bin' }, '/a/agent.js', '/s', undefined, capture, false, false, '/c');
  assert.equal(withDir.CTRACE_CACHE, '/c');
  assert.equal(withDir.CTRACE_DIR, '/s');
  const without = agentEnv({ PATH: '/bin', CTRACE_CACHE: '/somewhere/else' }, '/a/agent.js', '/s', undefined, capture);
  assert.equal('CTRACE_CACHE' in without, false);
});
