// Same-batch comparison of agent builds on the message-heavy workload: untraced, then each agent, in
// turn, PAIRS times, so every build meets the same moments of this shared machine. Medians of wall
// time and of CPU time (all threads), each with its ratio to the untraced runs. Between bench runs the
// message-heavy median moves by ±0.08 (docs/capture.md); inside one batch, builds compare far better.
// Usage: node bench/agent-ab.mjs [PAIRS] [AGENT.js ...]   (default: this checkout's dist/agent.js)
// Another revision's agent: git worktree add /tmp/base REV && cd /tmp/base && npm ci && node esbuild.js,
// then pass /tmp/base/dist/agent.js. Not part of `npm run bench`: it answers "is this change cheaper".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = path.join(ROOT, 'test', 'fixtures', 'agent', 'bench-messages.js');
const PAIRS = Number(process.argv[2] || 11);
// round trips per worker (AB_ROUNDS): a shorter run shows what is paid once per thread
const ROUNDS = Number(process.env.AB_ROUNDS || 25000);
const agents = process.argv.slice(3).length ? process.argv.slice(3).map((a) => path.resolve(a)) : [path.join(ROOT, 'dist', 'agent.js')];
for (const a of agents) {
  if (!fs.existsSync(a)) {
    console.error(`${a} is missing (npm run build builds this checkout's)`);
    process.exit(1);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// each build's code cache, kept between its runs as the recorder keeps it between recordings (CTRACE_CACHE)
const caches = agents.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-ab-cache-')));
process.on('exit', () => caches.forEach((c) => fs.rmSync(c, { recursive: true, force: true })));

function once(agent, cache) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-ab-'));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (agent) Object.assign(env, { CTRACE_DIR: dir, CTRACE_AGENT: agent, CTRACE_CACHE: cache, NODE_OPTIONS: `--require ${JSON.stringify(agent)}` });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [SCRIPT, String(ROUNDS)], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${SCRIPT} failed: ${r.stderr}`);
  const num = (name) => Number(new RegExp(`${name} ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN);
  return { ms, cpu: num('cpu'), user: num('user'), main: num('main') };
}

const runs = [undefined, ...agents].map(() => ({ ms: [], cpu: [], user: [], main: [] }));
agents.forEach((a, i) => once(a, caches[i])); // writes each build's code cache
for (let k = 0; k < PAIRS; k++) {
  [undefined, ...agents].forEach((a, i) => {
    const r = once(a, caches[i - 1]);
    runs[i].ms.push(r.ms);
    runs[i].cpu.push(r.cpu);
    runs[i].user.push(r.user);
    runs[i].main.push(r.main);
  });
}
console.log(`message-heavy (4 workers x ${ROUNDS} round trips), node ${process.version}, ${PAIRS} rounds of untraced + ${agents.length} agent(s), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const base = runs[0];
['untraced', ...agents].forEach((name, i) => {
  const wall = median(runs[i].ms);
  const cpu = median(runs[i].cpu);
  const user = median(runs[i].user);
  const main = median(runs[i].main);
  console.log(`  ${name.padEnd(40)} wall ${wall.toFixed(0)} ms (x${(wall / median(base.ms)).toFixed(3)}), CPU ${cpu.toFixed(0)} ms (x${(cpu / median(base.cpu)).toFixed(3)}), user CPU ${user.toFixed(0)} ms (x${(user / median(base.user)).toFixed(3)}, +${(user - median(base.user)).toFixed(0)} ms)` +
      (Number.isFinite(main) ? `, main thread on CPU ${main.toFixed(0)} ms (+${(main - median(base.main)).toFixed(0)} ms)` : ''));
});
