// Call sites in original sources (issue 7): when Node holds a source map for a frame's file (the
// program runs with --enable-source-maps, or a loader such as tsx turned maps on), a site is mapped
// to the original file, line and column so a click lands on the .ts line. We read the raw V8 frames,
// which are never mapped, so mapping is ours; Node's formatted err.stack is already mapped, so throw
// sites are not mapped again. Maps are looked up once per file and results cached per location; when
// source maps are off (the usual case) the only cost is reading process.sourceMapsEnabled.

import nodeModule = require('node:module');
import { fileURLToPath } from 'node:url';

interface Origin {
  fileName?: string;
  lineNumber?: number;
  columnNumber?: number;
}
interface Entry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}
interface MapLike {
  findOrigin?: (line: number, column: number) => Origin;
  findEntry: (line: number, column: number) => Entry;
}

const find = (nodeModule as { findSourceMap?: (file: string) => MapLike | undefined }).findSourceMap;
const proc = process as { sourceMapsEnabled?: boolean };
const maps = new Map<string, MapLike | null>();
const sites = new Map<string, string>();
const MAX = 10000;

/** True when frames may need mapping: maps are on, or this runtime cannot tell (older than 20.7). */
export function mapsMayApply(): boolean {
  return find !== undefined && proc.sourceMapsEnabled !== false;
}

function mapOf(file: string): MapLike | null {
  let m = maps.get(file);
  if (m !== undefined) return m;
  try {
    m = find?.(file) ?? null;
  } catch {
    m = null;
  }
  if (maps.size < MAX) maps.set(file, m);
  return m;
}

/** 1-based line and column in the original source as `path:line:column`, or undefined. */
function origin(map: MapLike, line: number, column: number): string | undefined {
  let file: string | undefined;
  let l: number | undefined;
  let c: number | undefined;
  if (typeof map.findOrigin === 'function') {
    const o = map.findOrigin(line, column);
    file = o.fileName;
    l = o.lineNumber;
    c = o.columnNumber;
  } else {
    const e = map.findEntry(line - 1, column - 1);
    file = e.originalSource;
    l = e.originalLine === undefined ? undefined : e.originalLine + 1;
    c = e.originalColumn === undefined ? undefined : e.originalColumn + 1;
  }
  if (!file || typeof l !== 'number' || typeof c !== 'number' || l < 1 || c < 1) return undefined;
  // the editor opens paths: keep the generated site for sources that are not files (webpack://...)
  if (file.startsWith('file://')) file = fileURLToPath(file);
  else if (!file.startsWith('/') && !isDrivePath(file)) return undefined;
  return `${file}:${l}:${c}`;
}

/** "C:\…" or "C:/…", read without a RegExp (the program's RegExp.$1 stays its own). */
function isDrivePath(file: string): boolean {
  const d = file.charCodeAt(0) | 0x20;
  return d >= 97 && d <= 122 && file[1] === ':' && (file[2] === '\\' || file[2] === '/');
}

/**
 * The site `generated` ("path:line:column" of `rawFile`, the frame's own file name or URL) in its
 * original source, or `generated` itself when the file has no map or the position maps nowhere.
 */
export function mapSite(rawFile: string, line: number, column: number, generated: string): string {
  const map = mapOf(rawFile);
  if (map === null) return generated;
  let s = sites.get(generated);
  if (s !== undefined) return s;
  try {
    s = origin(map, line, column) ?? generated;
  } catch {
    s = generated;
  }
  if (sites.size < MAX) sites.set(generated, s);
  return s;
}
