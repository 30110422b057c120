// Where each run's trace is kept and how many are kept: one file per run named after what ran and when,
// the oldest of our own files pruned beyond the configured count. Files the user put in the folder
// (not matching our naming) are never deleted. No vscode import.

import * as fs from 'node:fs';
import * as path from 'node:path';

const OURS = /^.+-\d{8}-\d{6}(?:-\d+)?\.ctrace$/;

export function traceFileName(label: string, when = new Date()): string {
  const safe = label.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'trace';
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${when.getFullYear()}${p(when.getMonth() + 1)}${p(when.getDate())}-${p(when.getHours())}${p(when.getMinutes())}${p(when.getSeconds())}`;
  return `${safe}-${stamp}.ctrace`;
}

/** A fresh path in the folder (created if needed) that no earlier run used. */
export function newTracePath(folder: string, label: string, when = new Date()): string {
  fs.mkdirSync(folder, { recursive: true });
  const base = traceFileName(label, when);
  let p = path.join(folder, base);
  for (let i = 2; fs.existsSync(p); i++) p = path.join(folder, base.replace(/\.ctrace$/, `-${i}.ctrace`));
  return p;
}

/** Deletes our oldest traces so that at most `keep` remain; returns the deleted paths. `keep` <= 0 keeps all. */
export function pruneTraces(folder: string, keep: number, protect: readonly string[] = []): string[] {
  if (keep <= 0) return [];
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((n) => OURS.test(n));
  } catch {
    return [];
  }
  const files = names
    .map((n) => {
      const p = path.join(folder, n);
      try {
        return { p, t: fs.statSync(p).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((f): f is { p: string; t: number } => !!f)
    .sort((a, b) => b.t - a.t);
  const deleted: string[] = [];
  for (const f of files.slice(keep)) {
    if (protect.includes(f.p)) continue;
    try {
      fs.unlinkSync(f.p);
      deleted.push(f.p);
    } catch {
      // in use or already gone: try again after the next run
    }
  }
  return deleted;
}

/** Our traces in the folder, newest first. */
export function listTraces(folder: string): { path: string; mtimeMs: number }[] {
  try {
    return fs
      .readdirSync(folder)
      .filter((n) => n.endsWith('.ctrace'))
      .map((n) => ({ path: path.join(folder, n), mtimeMs: fs.statSync(path.join(folder, n)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
  } catch {
    return [];
  }
}
