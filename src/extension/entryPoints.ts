// What a workspace can be traced as: package.json scripts that run Node, and likely entry files (main,
// bin, then index/main/app/server files at the top). Pure over the text and file list it is given, so
// the quick pick's content is unit-tested.

import * as path from 'node:path';

export interface EntryCandidate {
  kind: 'script' | 'file';
  /** script name, or absolute file path */
  value: string;
  /** the package.json folder */
  packageDir: string;
  detail: string;
}

const ENTRY_NAMES = /^(index|main|app|server|cli|start)\.(c|m)?(j|t)sx?$/i;

/** Candidates from one package.json; `exists` says whether a path is a file. */
export function packageCandidates(packageDir: string, packageJsonText: string, exists: (p: string) => boolean): EntryCandidate[] {
  const out: EntryCandidate[] = [];
  let pkg: { main?: unknown; bin?: unknown; scripts?: Record<string, unknown> };
  try {
    pkg = JSON.parse(packageJsonText);
  } catch {
    return out;
  }
  const files = new Set<string>();
  const addFile = (rel: unknown, why: string) => {
    if (typeof rel !== 'string') return;
    let p = path.resolve(packageDir, rel);
    if (!path.extname(p) && exists(p + '.js')) p += '.js';
    if (files.has(p) || !exists(p)) return;
    files.add(p);
    out.push({ kind: 'file', value: p, packageDir, detail: why });
  };
  addFile(pkg.main, 'package.json "main"');
  if (typeof pkg.bin === 'string') addFile(pkg.bin, 'package.json "bin"');
  else if (pkg.bin && typeof pkg.bin === 'object') for (const [k, v] of Object.entries(pkg.bin)) addFile(v, `package.json "bin" ${k}`);
  for (const [name, cmd] of Object.entries(pkg.scripts ?? {})) {
    if (typeof cmd !== 'string' || /^(pre|post)/.test(name) && pkg.scripts?.[name.replace(/^(pre|post)/, '')]) continue;
    out.push({ kind: 'script', value: name, packageDir, detail: cmd });
  }
  return out;
}

/** Entry-looking files among a folder listing (relative names), for folders with no package.json entry. */
export function entryFiles(dir: string, names: readonly string[]): EntryCandidate[] {
  return names.filter((n) => ENTRY_NAMES.test(path.basename(n))).map((n) => ({ kind: 'file' as const, value: path.join(dir, n), packageDir: dir, detail: 'entry file' }));
}
