// Turns a call site recorded in a trace (file, 1-based line and column, as V8 reports them) into a place
// the editor can open: follows file:// URLs and the recorded cwd, and, when the file is generated JS with
// a source map (tsc outDir with .map files, inline maps, bundlers), lands on the original line.
// Node internals and files that are gone come back as a reason to show instead. No vscode import.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceMap } from './sourceMap';

export interface RecordedSite {
  file: string;
  line: number;
  column: number;
}

export type ResolvedSite =
  | { kind: 'file'; path: string; line: number; column: number; mappedFrom?: RecordedSite }
  | { kind: 'internal'; message: string }
  | { kind: 'missing'; path: string; message: string };

const INTERNAL = /^(node:|internal\/|<anonymous>$|native |evalmachine\.|\[eval|wasm:)/;

export async function resolveSite(site: RecordedSite, cwd?: string): Promise<ResolvedSite> {
  const file = site.file.trim();
  if (!file || INTERNAL.test(file)) {
    return { kind: 'internal', message: `This event comes from Node.js itself (${file || 'no file'}), so there is no source file to open.` };
  }
  let p: string;
  try {
    p = file.startsWith('file:') ? fileURLToPath(file) : file;
  } catch {
    return { kind: 'missing', path: file, message: `Cannot open ${file}: it is not a local file.` };
  }
  if (!path.isAbsolute(p)) {
    // Bare names without a folder are Node's own modules in older versions ("events.js").
    if (!p.includes('/') && !p.includes('\\') && !cwd) {
      return { kind: 'internal', message: `This event comes from Node.js itself (${file}), so there is no source file to open.` };
    }
    p = path.resolve(cwd ?? '.', p);
  }
  if (!(await exists(p))) {
    return { kind: 'missing', path: p, message: `Source file not found: ${p}. It may have been moved or deleted since the trace was recorded.` };
  }
  const line = Math.max(1, site.line | 0);
  const column = Math.max(1, site.column | 0);
  const mapped = (await mapThroughSourceMap(p, line, column)) ?? (await mapThroughTsxCache(p, line, column));
  if (mapped) return { kind: 'file', ...mapped, mappedFrom: { file: p, line, column } };
  return { kind: 'file', path: p, line, column };
}

/**
 * tsx compiles .ts files in memory, so V8 (and the agent's CallSite) reports the .ts path with positions
 * in tsx's output. That output and its source map sit in tsx's cache (os.tmpdir()/tsx-<uid>/, one JSON
 * file per compiled version). Only positions that cannot be in the .ts itself are mapped this way, so
 * a site that is already an original position (an agent that maps it) is never mapped twice.
 */
export async function mapThroughTsxCache(file: string, line: number, column: number, cacheRoot = os.tmpdir()): Promise<{ path: string; line: number; column: number } | undefined> {
  if (!/\.(ts|tsx|mts|cts)$/i.test(file)) return undefined;
  let text: string;
  let mtimeMs: number;
  try {
    text = await fs.promises.readFile(file, 'utf8');
    mtimeMs = (await fs.promises.stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  if (line <= lines.length && column <= (lines[line - 1]?.length ?? 0) + 1) return undefined;
  const needle = JSON.stringify(file).slice(1, -1);
  for (const dir of tsxCacheDirs(cacheRoot)) {
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      continue;
    }
    // Only entries written since the file last changed can be the compiled form of its current text.
    const fresh: { p: string; t: number }[] = [];
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        const st = await fs.promises.stat(p);
        if (st.isFile() && st.mtimeMs >= mtimeMs - 1000 && st.size < 16 * 1024 * 1024) fresh.push({ p, t: st.mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    fresh.sort((a, b) => b.t - a.t);
    for (const { p } of fresh.slice(0, 500)) {
      try {
        const raw = await fs.promises.readFile(p, 'utf8');
        if (!raw.includes(needle)) continue;
        const entry = JSON.parse(raw) as { code?: string; map?: unknown };
        const mapJson = typeof entry.map === 'string' ? entry.map : entry.map ? JSON.stringify(entry.map) : undefined;
        if (!mapJson) continue;
        const pos = SourceMap.parse(mapJson).originalPositionFor(line - 1, column - 1);
        if (!pos) continue;
        const src = pos.source.startsWith('file:') ? fileURLToPath(pos.source) : pos.source;
        if (src !== file || pos.line >= lines.length) continue;
        return { path: file, line: pos.line + 1, column: pos.column + 1 };
      } catch {
        // not a tsx cache entry, or one we cannot read: try the next
      }
    }
  }
  return undefined;
}

function tsxCacheDirs(root: string): string[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return [uid !== undefined ? path.join(root, `tsx-${uid}`) : undefined, path.join(root, 'tsx')].filter((d): d is string => !!d);
}

/** The original position of a generated file's position, when the file has a usable source map. */
export async function mapThroughSourceMap(file: string, line: number, column: number): Promise<{ path: string; line: number; column: number } | undefined> {
  const found = await loadSourceMap(file);
  if (!found) return undefined;
  const pos = found.map.originalPositionFor(line - 1, column - 1);
  if (!pos) return undefined;
  const source = resolveSource(pos.source, found.dir);
  if (!source || !(await exists(source))) return undefined;
  return { path: source, line: pos.line + 1, column: pos.column + 1 };
}

const cache = new Map<string, { mtimeMs: number; value: { map: SourceMap; dir: string } | undefined }>();

/** The map for a file: its sourceMappingURL comment (inline data: URL or a path), else FILE.map beside it. */
export async function loadSourceMap(file: string): Promise<{ map: SourceMap; dir: string } | undefined> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    return undefined;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit.value;
  let value: { map: SourceMap; dir: string } | undefined;
  try {
    value = await findMap(file, stat.size);
  } catch {
    value = undefined; // a broken map must not stop the user from reaching the generated line
  }
  cache.set(file, { mtimeMs: stat.mtimeMs, value });
  return value;
}

async function findMap(file: string, size: number): Promise<{ map: SourceMap; dir: string } | undefined> {
  const dir = path.dirname(file);
  // Maps are only worth reading for script files; a 50 MB log file never has one.
  if (size > 64 * 1024 * 1024) return undefined;
  const text = await fs.promises.readFile(file, 'utf8');
  const url = sourceMappingUrl(text);
  if (url) {
    const inline = /^data:application\/json(?:;charset=[^;,]+)?(;base64)?,(.*)$/s.exec(url);
    if (inline) {
      const json = inline[1] ? Buffer.from(inline[2], 'base64').toString('utf8') : decodeURIComponent(inline[2]);
      return { map: SourceMap.parse(json), dir };
    }
    const mapPath = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(dir, decodeURIComponent(url));
    if (await exists(mapPath)) return { map: SourceMap.parse(await fs.promises.readFile(mapPath, 'utf8')), dir: path.dirname(mapPath) };
  }
  const beside = file + '.map';
  if (await exists(beside)) return { map: SourceMap.parse(await fs.promises.readFile(beside, 'utf8')), dir };
  return undefined;
}

/** The last `//# sourceMappingURL=` (or legacy `//@`) comment's value, if any. */
export function sourceMappingUrl(text: string): string | undefined {
  const re = /(?:\/\/|\/\*)[#@]\s*sourceMappingURL=([^\s*'"]+)/g;
  let last: string | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m[1];
  return last;
}

function resolveSource(source: string, dir: string): string | undefined {
  if (source.startsWith('file:')) {
    try {
      return fileURLToPath(source);
    } catch {
      return undefined;
    }
  }
  // Bundlers write "webpack://pkg/./src/a.ts"; the part after the namespace is relative to the project.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/(.*)$/i.exec(source);
  if (scheme) return path.resolve(dir, scheme[1]);
  return path.resolve(dir, source);
}

async function exists(p: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(p)).isFile();
  } catch {
    return false;
  }
}
