// Temporary folders for tests, removed when the test process exits (node:test runs each test file in
// a process of its own). CTRACE_KEEP_TMP=1 keeps them, to look at what a failing test wrote.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (process.env.CTRACE_KEEP_TMP) return dir;
  if (made.length === 0) process.on('exit', removeAll);
  made.push(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // a program a test started may still hold it; the OS cleans the temp folder
    }
  }
}
