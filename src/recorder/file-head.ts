// What an output path holds before ctrace writes there: ctrace replaces only its own files (a
// trace, a page) or empty ones, never a file a mistyped -o names. Used by the recorder for traces
// and by `ctrace view` / `compare -o` for pages.

import fs from 'node:fs';

export type FileHead =
  /** nothing there, or not a regular file (/dev/null, a pipe: opening a FIFO to read would wait) */
  | { kind: 'none' }
  | { kind: 'unreadable'; code: string }
  /** its first bytes, latin1 (empty for an empty file) */
  | { kind: 'file'; head: string };

/** The first `bytes` bytes of `file`, as a string of latin1 characters. */
export function fileHead(file: string, bytes: number): FileHead {
  try {
    if (!fs.statSync(file).isFile()) return { kind: 'none' };
  } catch {
    return { kind: 'none' };
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    return { kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  try {
    const head = new Uint8Array(bytes);
    const n = fs.readSync(fd, head, 0, bytes, 0);
    return { kind: 'file', head: Buffer.from(head.buffer, 0, n).toString('latin1') };
  } finally {
    fs.closeSync(fd);
  }
}
