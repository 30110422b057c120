// Call sites through source maps (issue 7): a TypeScript program compiled by the real TypeScript
// compiler to an outDir with .map files, run with --enable-source-maps, records its worker, spawn
// and message sites at the .ts line and column; the same program run without source maps keeps the
// .js sites (so the test can tell mapping happened); run by tsx (which turns maps on itself) it
// records the same .ts sites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { EventKind } from '../../src/protocol/events';
import { runAgent, ofKind, dump, type AgentRun } from '../support/agent-run';
import { nodeBinary } from '../support/node-versions';

// interfaces and types vanish in the output, so every .ts line below differs from its .js line
const APP_TS = `import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';

interface Options {
  name: string;
  eval: boolean;
}
type Pair = [number, number];

const opts: Options = { name: 'echo', eval: true };
const pair: Pair = [1, 2];
const w: Worker = new Worker("require('node:worker_threads').parentPort.once('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", opts); // WORKER
w.postMessage(pair); // SEND
w.once('message', () => {
  const r: { status: number | null } = spawnSync(process.execPath, ['-e', '0']); // SPAWN
  console.log('sourcemaps done', r.status);
});
`;

function compile(): { dir: string; ts: string; js: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-sourcemaps-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'out'));
  const tsFile = path.join(dir, 'src', 'app.ts');
  fs.writeFileSync(tsFile, APP_TS);
  const out = ts.transpileModule(APP_TS, {
    fileName: tsFile,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, sourceMap: true, sourceRoot: '', outDir: path.join(dir, 'out') },
  });
  const js = path.join(dir, 'out', 'app.js');
  // tsc's outDir layout: the map sits beside the .js and names the source relative to itself
  const map = JSON.parse(out.sourceMapText!);
  map.sources = [path.relative(path.dirname(js), tsFile)];
  fs.writeFileSync(js, out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=app.js.map'));
  fs.writeFileSync(js + '.map', JSON.stringify(map));
  return { dir, ts: tsFile, js };
}

/**
 * A call's column depends on how finely the map covers it (tsc and esbuild map `(0, m.spawnSync)(`
 * differently), so for calls through a module binding only the file and line must be exact.
 */
function sameLine(site: unknown, expected: string): void {
  assert.equal(String(site).replace(/:\d+$/, ''), expected.replace(/:\d+$/, ''));
}

/** "file:line:column" of the first `token` on the line marked `marker` in `file` (1-based). */
function siteOf(file: string, marker: string, token: string): string {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker) || (marker === '' && l.includes(token)));
  assert.ok(i >= 0, `${marker || token} in ${file}`);
  const col = lines[i].indexOf(token);
  assert.ok(col >= 0, `${token} on line ${i + 1} of ${file}`);
  return `${file}:${i + 1}:${col + 1}`;
}

/** the program's own records (tsx's esbuild service starts a worker and messages it too) */
function sites(r: AgentRun, dir: string): { worker: unknown; send: unknown; spawn: unknown; stack: string } {
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'sourcemaps done 0\n');
  const own = r.events.filter((e) => e.threadId === 0 && String(e.fields.site).startsWith(dir));
  const worker = ofKind(own, EventKind.WorkerCreate);
  const spawn = ofKind(own, EventKind.SpawnCall);
  const send = ofKind(own, EventKind.MessageSend);
  assert.equal(worker.length, 1, dump(r.events));
  assert.equal(spawn.length, 1, dump(r.events));
  assert.equal(send.length, 1, dump(r.events));
  return { worker: worker[0].fields.site, send: send[0].fields.site, spawn: spawn[0].fields.site, stack: String(spawn[0].fields.stack) };
}

for (const major of [20, 22, 24]) {
  test(`Node ${major}: a tsc outDir with .map files run with --enable-source-maps records .ts sites`, () => {
    const node = nodeBinary(major);
    const app = compile();
    try {
      // runAgent runs `node <script> ...args`: the flag goes first, the program after it
      const mapped = sites(runAgent('--enable-source-maps', { node, args: [app.js] }), app.dir);
      assert.equal(mapped.worker, siteOf(app.ts, '// WORKER', 'new Worker'));
      assert.equal(mapped.send, siteOf(app.ts, '// SEND', 'postMessage'));
      sameLine(mapped.spawn, siteOf(app.ts, '// SPAWN', 'spawnSync'));
      // the stack's lines are mapped too: its first frame is the site
      assert.equal(mapped.stack.split('\n')[0], `<anonymous> (${mapped.spawn})`);

      const plain = sites(runAgent(app.js, { node }), app.dir);
      // the untraced mapping would be wrong if these were equal: the .js lines differ from the .ts ones
      assert.equal(plain.worker, siteOf(app.js, '// WORKER', 'new node_worker_threads_1.Worker'));
      sameLine(plain.spawn, siteOf(app.js, '// SPAWN', '(0, node_child_process_1.spawnSync)'));
      assert.notEqual(String(plain.worker).split(':')[1], String(mapped.worker).split(':')[1]);
    } finally {
      fs.rmSync(app.dir, { recursive: true, force: true });
    }
  });

  test(`Node ${major}: a .ts program run by tsx records .ts sites`, () => {
    const node = nodeBinary(major);
    const app = compile();
    try {
      const r = sites(runAgent('--import=tsx', { node, args: [app.ts] }), app.dir);
      assert.equal(r.worker, siteOf(app.ts, '// WORKER', 'new Worker'));
      assert.equal(r.send, siteOf(app.ts, '// SEND', 'postMessage'));
      sameLine(r.spawn, siteOf(app.ts, '// SPAWN', 'spawnSync'));
    } finally {
      fs.rmSync(app.dir, { recursive: true, force: true });
    }
  });
}
