// Source-location mapping for click-to-source: VLQ decoding, maps written by real tools (esbuild and
// tsc, as a TypeScript project would produce them), inline maps, and the reasons given instead of a
// location for Node internals and missing files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import ts from 'typescript';
import { decodeVlq, SourceMap } from '../../src/extension/sourceMap';
import { resolveSite, sourceMappingUrl } from '../../src/extension/sourceLocation';
import { tempDir } from '../support/temp';

const TS_SOURCE = [
  'interface Job { id: number; name: string }', // 1
  '', // 2
  'type Pair<T> = [T, T];', // 3
  'export function start(jobs: Job[]): number {', // 4
  '  const pair: Pair<number> = [1, 2];', // 5
  '  let total: number = pair[0];', // 6
  '  for (const j of jobs) {', // 7
  '    total += j.id; // TARGET', // 8
  '  }', // 9
  '  return total;', // 10
  '}', // 11
  'start([{ id: 1, name: "a" }]);', // 12
].join('\n');

function tmp(): string {
  return tempDir('ct-srcmap-');
}

/** 1-based line and column of a marker text in generated code. */
function locate(text: string, needle: string): { line: number; column: number } {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i].indexOf(needle);
    if (c >= 0) return { line: i + 1, column: c + 1 };
  }
  throw new Error(`${needle} not in output`);
}

test('decodeVlq reads the spec examples', () => {
  assert.deepEqual(decodeVlq('AAAA'), [0, 0, 0, 0]);
  assert.deepEqual(decodeVlq('AACA'), [0, 0, 1, 0]);
  assert.deepEqual(decodeVlq('D'), [-1]);
  assert.deepEqual(decodeVlq('gB'), [16]);
  assert.deepEqual(decodeVlq('2H'), [123]);
  assert.throws(() => decodeVlq('g'), /truncated/);
  assert.throws(() => decodeVlq('A!'), /invalid/);
});

test('a hand-written map resolves columns within a line to the covering segment', () => {
  // line 0: col 0 -> src 0 (0,0); col 10 -> (2,4); line 1 (after ';'): col 2 -> (5,0)
  const map = new SourceMap({ version: 3, sources: ['a.ts'], mappings: 'AAAA,UAEI;EAGJ', names: [] });
  assert.deepEqual(map.originalPositionFor(0, 3), { source: 'a.ts', line: 0, column: 0 });
  assert.deepEqual(map.originalPositionFor(0, 12), { source: 'a.ts', line: 2, column: 4 });
  assert.deepEqual(map.originalPositionFor(1, 9), { source: 'a.ts', line: 5, column: 0 });
  assert.equal(map.originalPositionFor(7, 0), undefined);
});

test('esbuild external map: the generated line of `total +=` maps back to line 8 of the .ts', async () => {
  const dir = tmp();
  const src = path.join(dir, 'src', 'job.ts');
  fs.mkdirSync(path.dirname(src));
  fs.writeFileSync(src, TS_SOURCE);
  const out = path.join(dir, 'dist', 'job.js');
  buildSync({ entryPoints: [src], outfile: out, bundle: true, platform: 'node', sourcemap: 'linked', logLevel: 'silent' });
  const js = fs.readFileSync(out, 'utf8');
  assert.equal(sourceMappingUrl(js), 'job.js.map');
  const at = locate(js, 'total +=');
  assert.notEqual(at.line, 8, 'the generated line differs, or the test proves nothing');
  const r = await resolveSite({ file: out, ...at });
  assert.equal(r.kind, 'file');
  if (r.kind !== 'file') return;
  assert.equal(r.path, src);
  assert.equal(r.line, 8);
  assert.equal(r.column, 5);
  assert.equal(r.mappedFrom?.file, out);
});

test('tsc outDir with .map files (sourceMappingURL comment) lands on the .ts line', async () => {
  const dir = tmp();
  const src = path.join(dir, 'src', 'job.ts');
  fs.mkdirSync(path.dirname(src));
  fs.writeFileSync(src, TS_SOURCE);
  const program = ts.createProgram([src], { outDir: path.join(dir, 'out'), sourceMap: true, target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS });
  const emitted = program.emit();
  assert.equal(emitted.emitSkipped, false);
  const out = path.join(dir, 'out', 'job.js');
  const js = fs.readFileSync(out, 'utf8');
  const at = locate(js, 'total +=');
  assert.notEqual(at.line, 8);
  const r = await resolveSite({ file: pathToFileURL(out).href, ...at }); // ESM-style file:// site
  assert.equal(r.kind, 'file');
  if (r.kind === 'file') {
    assert.equal(r.path, src);
    assert.equal(r.line, 8);
  }
});

test('inline base64 map and a map beside the file without a comment', async () => {
  const dir = tmp();
  const src = path.join(dir, 'job.ts');
  fs.writeFileSync(src, TS_SOURCE);
  const inline = path.join(dir, 'inline.js');
  buildSync({ entryPoints: [src], outfile: inline, bundle: true, platform: 'node', sourcemap: 'inline', logLevel: 'silent' });
  const at = locate(fs.readFileSync(inline, 'utf8'), 'total +=');
  const r1 = await resolveSite({ file: inline, ...at });
  assert.equal(r1.kind === 'file' && r1.line, 8);
  const external = path.join(dir, 'plain.js');
  buildSync({ entryPoints: [src], outfile: external, bundle: true, platform: 'node', sourcemap: 'external', logLevel: 'silent' });
  const at2 = locate(fs.readFileSync(external, 'utf8'), 'total +=');
  const r2 = await resolveSite({ file: external, ...at2 });
  assert.equal(r2.kind === 'file' && r2.path, src);
});

test('plain JS without a map stays where it is; relative sites resolve against the cwd', async () => {
  const dir = tmp();
  const f = path.join(dir, 'main.js');
  fs.writeFileSync(f, 'console.log(1)\n');
  assert.deepEqual(await resolveSite({ file: f, line: 1, column: 9 }), { kind: 'file', path: f, line: 1, column: 9 });
  assert.deepEqual(await resolveSite({ file: 'main.js', line: 1, column: 1 }, dir), { kind: 'file', path: f, line: 1, column: 1 });
});

test('a broken map falls back to the generated location', async () => {
  const dir = tmp();
  const f = path.join(dir, 'a.js');
  fs.writeFileSync(f, 'x()\n//# sourceMappingURL=a.js.map\n');
  fs.writeFileSync(f + '.map', '{not json');
  const r = await resolveSite({ file: f, line: 1, column: 1 });
  assert.deepEqual(r, { kind: 'file', path: f, line: 1, column: 1 });
});

test('Node internals and missing files come back with a reason', async () => {
  const i = await resolveSite({ file: 'node:internal/worker', line: 10, column: 3 });
  assert.equal(i.kind, 'internal');
  assert.match(i.kind === 'internal' ? i.message : '', /Node\.js itself/);
  const m = await resolveSite({ file: '/no/such/dir/app.js', line: 1, column: 1 });
  assert.equal(m.kind, 'missing');
  assert.match(m.kind === 'missing' ? m.message : '', /not found: \/no\/such\/dir\/app\.js/);
});

test('a TypeScript file run with tsx: the position tsx reports maps back to the .ts line through its cache', async () => {
  const { execFileSync } = await import('node:child_process');
  const dir = tmp();
  const file = path.join(dir, 'job.ts');
  // Prints the raw CallSite position of `marker()`'s caller, as the agent records it.
  fs.writeFileSync(
    file,
    TS_SOURCE.replace('total += j.id; // TARGET', 'total += j.id + marker(); // TARGET') +
      '\nfunction marker(): number {\n  const E = Error as any;\n  const saved = E.prepareStackTrace;\n  E.prepareStackTrace = (_: unknown, cs: any[]) => cs;\n  const h: any = {};\n  Error.captureStackTrace(h, marker);\n  const cs = h.stack[0];\n  E.prepareStackTrace = saved;\n  console.log(JSON.stringify({ file: cs.getFileName(), line: cs.getLineNumber(), column: cs.getColumnNumber() }));\n  return 0;\n}\n',
  );
  const tsx = path.resolve('node_modules/tsx/dist/loader.mjs');
  const out = execFileSync(process.execPath, ['--import', pathToFileURL(tsx).href, file], { encoding: 'utf8' });
  const site = JSON.parse(out.trim().split('\n')[0]);
  assert.equal(site.file.replace(/^file:\/\//, ''), file);
  assert.notEqual(site.line, 8, 'tsx reports a generated position, or the test proves nothing');
  const r = await resolveSite(site);
  assert.equal(r.kind, 'file');
  if (r.kind === 'file') {
    assert.equal(r.path, file);
    assert.equal(r.line, 8);
  }
  // A position that is already a real .ts position is left alone (never mapped twice).
  assert.deepEqual(await resolveSite({ file, line: 8, column: 5 }), { kind: 'file', path: file, line: 8, column: 5 });
});
