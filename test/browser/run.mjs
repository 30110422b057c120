// The browser phase of `npm test`: runs every test/browser/*.mjs page test (each its own process:
// the timeline, the comparison page, ...) and prints one closing `RESULT: N passed, N failed`.
// Each script prints its own `RESULT:` line; they are relabelled here so the total is counted once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const scripts = fs.readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').sort();
let passed = 0;
let failed = 0;
for (const s of scripts) {
  console.log(`# ${s}`);
  const { code, out } = await run(path.join(here, s));
  const m = /^RESULT: (\d+) passed, (\d+) failed/m.exec(out);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (!m || (code !== 0 && Number(m[2]) === 0)) {
    failed++;
    console.log(`not ok - ${s} exited ${code} without a result`);
  }
}
console.log(`RESULT: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let buf = '';
    child.stdout.on('data', (d) => {
      out += d;
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) console.log(l.startsWith('RESULT:') ? `# ${path.basename(file)}: ${l.slice(8)}` : l);
    });
    child.on('close', (code) => {
      if (buf) console.log(buf.startsWith('RESULT:') ? `# ${path.basename(file)}: ${buf.slice(8)}` : buf);
      resolve({ code: code ?? 1, out });
    });
  });
}
