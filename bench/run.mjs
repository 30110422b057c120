// `npm run bench`: runs every bench/*.bench.mjs in name order, each as its own process (so one
// bench's heap and JIT state cannot colour another's), prints their output as it comes, and writes
// everything to bench/results/latest.txt. Benches run with tsx so they can use src/ directly.
// Each bench prints its own figures: medians of several runs against a baseline taken in the same run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const header = `bench ${new Date().toISOString()} node ${process.version} ${os.platform()} ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`;
let log = header;
process.stdout.write(header);
let failed = 0;
for (const b of benches) {
  const title = `\n=== ${b} ===\n`;
  process.stdout.write(title);
  log += title;
  const { code, out } = await run(process.execPath, ['--import', 'tsx', path.join(here, b)]);
  log += out;
  if (code !== 0) {
    failed++;
    const line = `(${b} exited with ${code})\n`;
    process.stdout.write(line);
    log += line;
  }
}
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'latest.txt'), log);
process.stdout.write(`\nwritten to bench/results/latest.txt${failed ? `; ${failed} bench(es) failed` : ''}\n`);
process.exit(failed ? 1 : 0);

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: path.resolve(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (stream, to) =>
      stream.on('data', (d) => {
        out += d;
        to.write(d);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}
