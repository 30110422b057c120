// What the lock hooks cost the traced program (docs/locks.md, "Costs"). Every Atomics
// compareExchange / exchange / store goes through a wrapper so that lock words can be recognised;
// most calls are not lock transitions and must stay cheap. Measured in child processes:
//   none    no agent
//   agent   agent loaded, lock hooks off (CTRACE_CAPTURE=messages)
//   locks   agent with lock hooks (CTRACE_CAPTURE=messages,locks)
// Per-call figures (ns/op, single thread, tight loop): a CAS that fails (a spinning lock or a
// counter), store of a non-zero value, and an uncontended lock/unlock pair (CAS 0->1 then store 0:
// two recorded events, each with a call site). Then a contended mutex (4 workers x 2000 rounds of
// lock / tiny work / unlock) as elapsed time. Medians of RUNS runs, alternating configurations.
// Run by bench/run.mjs (with tsx), or alone: node --import tsx bench/locks.bench.mjs [runs]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = path.join(ROOT, 'dist', 'agent.js');
const RUNS = Number(process.argv[2] || 5);
if (!fs.existsSync(AGENT)) {
  console.log('dist/agent.js missing: run `npm run build` first');
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-locks-bench-'));

const micro = path.join(dir, 'micro.js');
fs.writeFileSync(
  micro,
  `const a = new Int32Array(new SharedArrayBuffer(16));
const N = 2_000_000, P = 200_000;
function time(n, f) { for (let i = 0; i < 10000; i++) f(); const t = process.hrtime.bigint(); for (let i = 0; i < n; i++) f(); return Number(process.hrtime.bigint() - t) / n; }
a[1] = 5;
const out = {
  'CAS that fails': time(N, () => Atomics.compareExchange(a, 1, 0, 1)),
  'store non-zero': time(N, () => Atomics.store(a, 2, 7)),
  'load (not wrapped)': time(N, () => Atomics.load(a, 2)),
  'lock + unlock pair (2 events)': time(P, () => { Atomics.compareExchange(a, 0, 0, 1); Atomics.store(a, 0, 0); }),
};
console.log(JSON.stringify(out));
`,
);

const contended = path.join(dir, 'contended.js');
fs.writeFileSync(
  contended,
  `const { Worker, isMainThread, workerData } = require('node:worker_threads');
const lock = (w) => { while (Atomics.compareExchange(w, 0, 0, 1) !== 0) Atomics.wait(w, 0, 1); };
const unlock = (w) => { Atomics.store(w, 0, 0); Atomics.notify(w, 0, 1); };
if (isMainThread) {
  const sab = new SharedArrayBuffer(8); let left = 4; const t = process.hrtime.bigint();
  for (let k = 0; k < 4; k++) new Worker(__filename, { workerData: sab }).on('exit', () => { if (--left === 0) console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t) / 1e6 })); });
} else {
  const w = new Int32Array(workerData);
  for (let r = 0; r < 2000; r++) { lock(w); w[1]++; for (let i = 0; i < 200; i++); unlock(w); }
}
`,
);

const configs = {
  none: {},
  agent: { NODE_OPTIONS: `--require ${JSON.stringify(AGENT)}`, CTRACE_CAPTURE: 'messages' },
  locks: { NODE_OPTIONS: `--require ${JSON.stringify(AGENT)}`, CTRACE_CAPTURE: 'messages,locks' },
};

function run(file, extra) {
  const traceDir = fs.mkdtempSync(path.join(dir, 't-'));
  const env = { ...process.env, ...extra };
  delete env.CTRACE_DIR;
  if (extra.NODE_OPTIONS) env.CTRACE_DIR = traceDir;
  const r = spawnSync(process.execPath, [file], { env, encoding: 'utf8' });
  fs.rmSync(traceDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${file} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const names = Object.keys(configs);
const microRuns = Object.fromEntries(names.map((n) => [n, []]));
const contRuns = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < RUNS; r++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(k + r) % names.length];
    microRuns[n].push(run(micro, configs[n]));
    contRuns[n].push(run(contended, configs[n]).ms);
  }
}

console.log(`per call, ns (median of ${RUNS} runs); ratio to "none"`);
for (const op of Object.keys(microRuns.none[0])) {
  const m = Object.fromEntries(names.map((n) => [n, median(microRuns[n].map((x) => x[op]))]));
  console.log(`  ${op.padEnd(32)} ${names.map((n) => `${n} ${m[n].toFixed(1).padStart(7)} (${(m[n] / m.none).toFixed(2)}x)`).join('   ')}`);
}
const c = Object.fromEntries(names.map((n) => [n, median(contRuns[n])]));
console.log(`contended mutex, 4 workers x 2000 rounds, ms (median of ${RUNS}):`);
console.log(`  ${names.map((n) => `${n} ${c[n].toFixed(1)} (${(c[n] / c.none).toFixed(2)}x)`).join('   ')}`);
fs.rmSync(dir, { recursive: true, force: true });
