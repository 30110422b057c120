// The loader compiles the agent's core (dist/agent-core.js, one line: esbuild.js) wrapped in a
// function: V8 must still place the core's code where it is in the file, or the source map sends a
// debugger to the wrong line of TypeScript. Needs the build (npm test builds first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import inspector from 'node:inspector';
import { loadCore } from '../../src/agent/code-cache';

const CORE = path.resolve(__dirname, '..', '..', 'dist', 'agent-core.js');

test('the core compiled by the loader keeps its columns: a function is where the file has it', { skip: !fs.existsSync(CORE) && 'needs npm run build' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-core-cache-'));
  const { core, cache } = loadCore(CORE, path.join(dir, 'core.v8cache'), require);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(cache, 'absent');
  const source = fs.readFileSync(CORE, 'utf8');
  assert.equal(source.split('\n').filter((l) => l && !l.startsWith('//# sourceMappingURL=')).length, 1, 'one line of code');
  (globalThis as Record<string, unknown>).__ctraceStart = core.start;
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params: object) => new Promise<T>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
  try {
    const { result } = await post<{ result: { objectId: string } }>('Runtime.evaluate', { expression: 'globalThis.__ctraceStart' });
    const props = await post<{ internalProperties: { name: string; value: { value: { lineNumber: number; columnNumber: number } } }[] }>('Runtime.getProperties', { objectId: result.objectId });
    const at = props.internalProperties.find((p) => p.name === '[[FunctionLocation]]')!.value.value;
    // V8 places a function at its parameter list
    assert.deepEqual([at.lineNumber, at.columnNumber], [0, source.indexOf('function start(') + 'function start'.length]);
  } finally {
    session.disconnect();
    delete (globalThis as Record<string, unknown>).__ctraceStart;
  }
});
