// What the agent costs a traced program (issue 3): wall-time ratio traced/untraced for a
// message-heavy workload (4 workers x 25k round trips) and a CPU-bound one, bytes per event written
// and events written per second. Medians of RUNS alternating untraced/traced runs in this process.
// Targets: <= 1.05x message-heavy, <= 1.02x CPU-bound (about 2 s of work), <= 16 bytes/event. The
// CPU-time ratio (user + system of all the program's threads, from process.cpuUsage()) is printed
// too: on a shared, loaded machine it is steadier than wall time; so are the agent's extra user CPU
// and the fastest run of each kind. The message-heavy workload also runs a tenth as long, and the
// two CPU differences split the agent's cost into a part paid once and a part paid per event.
// Run alone: node bench/agent-overhead.bench.mjs [runs]   (needs dist/agent.js: npm run build)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AGENT = path.join(ROOT, 'dist', 'agent.js');
const FIX = path.join(ROOT, 'test', 'fixtures', 'agent');
// 21 pairs: on this shared 2-core machine single message-heavy pairs spread from 0.66 to 1.5 and a
// median of 11 still moved by ±0.07 from one bench run to the next; the quartiles are printed with it
const RUNS = Number(process.argv[2] || 21);
if (!fs.existsSync(AGENT)) {
  console.error(`${AGENT} is missing: run \`npm run build\` first`);
  process.exit(1);
}
// the protocol's decoder is TypeScript: bench/run.mjs loads tsx; a standalone run re-executes with it
if (!process.execArgv.some((a) => a.includes('tsx'))) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const { decodeDir } = await import(path.join(ROOT, 'test', 'support', 'agent-run.ts'));
// the agent's code cache, kept from one traced run to the next as the recorder keeps it between
// recordings (CTRACE_CACHE, src/recorder/agent-cache.ts); each workload's warm-up run writes it
const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-bench-cache-'));
process.on('exit', () => fs.rmSync(CACHE, { recursive: true, force: true }));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quartiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.floor((s.length - 1) / 4)].toFixed(2)}-${s[Math.ceil(((s.length - 1) * 3) / 4)].toFixed(2)}`;
};

// `decode`: count the events (a second of CPU for 400k of them). Only the last traced run of a
// workload decodes: decoding between the timed runs would leave the machine busy right before each
// untraced run and never before a traced one.
function once(script, args, traced, decode = false) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-bench-'));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (traced) Object.assign(env, { CTRACE_DIR: dir, CTRACE_AGENT: AGENT, CTRACE_CACHE: CACHE, NODE_OPTIONS: `--require ${JSON.stringify(AGENT)}` });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  const cpu = Number(/cpu ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  const user = Number(/user ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  let events = 0;
  let bytes = 0;
  if (traced) {
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.ctc')) bytes += fs.statSync(path.join(dir, f)).size;
    if (decode) events = decodeDir(dir).events.length;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, cpu, user, events, bytes };
}

function bench(label, script, args) {
  const plain = [];
  const traced = [];
  const ratios = [];
  const cpuRatios = [];
  const userExtra = [];
  const cpuExtra = [];
  let events = 0;
  let bytes = 0;
  once(script, args, false); // warm the file cache
  once(script, args, true); // and the agent's code cache
  for (let k = 0; k < RUNS; k++) {
    const p = once(script, args, false);
    const t = once(script, args, true, k === RUNS - 1);
    plain.push(p.ms);
    traced.push(t.ms);
    ratios.push(t.ms / p.ms);
    cpuRatios.push(t.cpu / p.cpu);
    userExtra.push(t.user - p.user);
    cpuExtra.push(t.cpu - p.cpu);
    if (k === RUNS - 1) {
      events = t.events;
      bytes = t.bytes;
    }
  }
  const tm = median(traced);
  console.log(
    `${label.padEnd(14)} untraced ${median(plain).toFixed(0)} ms, traced ${tm.toFixed(0)} ms, ratio ${median(ratios).toFixed(3)} (quartiles ${quartiles(ratios)}) ` +
      `(per-pair ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}); ${events} events, ${(bytes / Math.max(1, events)).toFixed(2)} bytes/event, ` +
      `${((events / tm) * 1000 / 1e6).toFixed(2)} M events/s; CPU time (all threads) ratio ${median(cpuRatios).toFixed(3)} (quartiles ${quartiles(cpuRatios)})` +
      (userExtra.every(Number.isFinite) ? `; user CPU +${median(userExtra).toFixed(0)} ms` : '') +
      // the fastest run of each: the machine's noise only ever adds time (a second view, not the target's)
      `; fastest runs ${Math.min(...plain).toFixed(0)} / ${Math.min(...traced).toFixed(0)} ms (${(Math.min(...traced) / Math.min(...plain)).toFixed(3)})`,
  );
  return { events, extraCpuMs: median(cpuExtra), extraMs: median(traced) - median(plain) };
}

console.log(`agent overhead, node ${process.version}, ${RUNS} alternating runs each (wall time of the whole process)`);
const long = bench('message-heavy', path.join(FIX, 'bench-messages.js'), ['25000']);
// the same workload a tenth as long: the difference splits the agent's CPU into a part paid once
// (start-up, V8 optimising the agent in each thread) and a part paid per event
const short = bench('  (1/10 length)', path.join(FIX, 'bench-messages.js'), ['2500']);
const perEventUs = ((long.extraCpuMs - short.extraCpuMs) / Math.max(1, long.events - short.events)) * 1000;
console.log(`  agent CPU split: ~${(short.extraCpuMs - (perEventUs * short.events) / 1000).toFixed(0)} ms paid once (5 threads), ~${perEventUs.toFixed(2)} µs per event`);
// ~2 s of work: a CPU-bound program pays the agent's start-up and nothing per unit of work, so a
// shorter run measures start-up; the next line measures it alone (the same program with no work)
bench('cpu-bound', path.join(FIX, 'bench-cpu.js'), ['12000000']);
const idle = bench('start-up only', path.join(FIX, 'bench-cpu.js'), ['4']);
console.log(`  start-up: ~${idle.extraMs.toFixed(0)} ms wall, ~${idle.extraCpuMs.toFixed(0)} ms CPU for a process and 4 workers (~${(idle.extraCpuMs / 5).toFixed(1)} ms per thread)`);
console.log('targets: ratio <= 1.05 message-heavy, <= 1.02 cpu-bound; <= 16 bytes/event');
