// What scheduling capture costs the traced program: a CPU-bound workload (2 busy workers) and a
// message-heavy one (4 workers x 25k round trips), each run with capture off, with the /proc
// sampler at 5 ms and at the default interval, and with perf recording every switch. Runs
// alternate between configurations (so drifting machine load hits all alike); figures are medians
// of RUNS runs, as a ratio to "off" in this same run, of the workload's own elapsed time (start-up
// excluded) and of the CPU time the program spent on the same fixed work (far less sensitive to
// other load on the machine than elapsed time). Also prints the collector's CPU while capturing:
// on a machine whose cores are all busy, that is what the program can lose at most (divided by
// the number of cores). 'node' mode captures nothing from outside; its cost is what the agent's
// 100 ms tick reads in each thread, measured at the end as CPU per read.
// Run by bench/run.mjs (with tsx), or alone: node --import tsx bench/sched.bench.mjs [runs]
import { drive, marker } from '../test/fixtures/sched/drive.ts';
import { DEFAULT_SAMPLE_INTERVAL_MS } from '../src/recorder/sched/index.ts';
import { probePerf } from '../src/recorder/sched/perf.ts';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/sched/', import.meta.url));

const RUNS = Number(process.argv[2] || 5);
const perf = probePerf();
const configs = [
  { name: 'off', capture: { sched: false } },
  { name: 'counts 5 ms', capture: { perf: false, sampleIntervalMs: 5 } },
  { name: `counts ${DEFAULT_SAMPLE_INTERVAL_MS} ms (default)`, capture: { sched: 'counts' } },
  ...(perf.ok ? [{ name: 'switches (perf)', capture: { sched: 'switches' } }] : []),
];
if (!perf.ok) console.log(`switches mode not measured: ${perf.note}`);
const workloads = [
  { name: 'CPU-bound, 2 workers', args: ['bench-cpu.js', '60000000'] },
  { name: 'message-heavy, 4 workers x 25k round trips', args: ['bench-messages.js', '25000'] },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const w of workloads) {
  const times = new Map(configs.map((c) => [c.name, []]));
  const cpus = new Map(configs.map((c) => [c.name, []]));
  const collectorCpu = new Map(configs.map((c) => [c.name, []]));
  const sweeps = new Map(configs.map((c) => [c.name, []]));
  for (let r = 0; r < RUNS; r++) {
    // rotate the order each round so no configuration always runs first (or right after another)
    for (let k = 0; k < configs.length; k++) {
      const c = configs[(k + r) % configs.length];
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const d = await drive(w.args, c.capture, undefined, FIXTURES);
      const wall = Number(process.hrtime.bigint() - t0);
      const cpu = process.cpuUsage(cpu0);
      if (d.code !== 0) throw new Error(`${w.name} under ${c.name} exited ${d.code}: ${d.stderr}`);
      const [elapsed, programCpu] = marker(d.stdout, 'ELAPSED');
      times.get(c.name).push(elapsed);
      cpus.get(c.name).push(programCpu);
      collectorCpu.get(c.name).push(((cpu.user + cpu.system) * 1000) / wall);
      const s = d.log.find((l) => l.includes('sweeps'));
      if (s) sweeps.get(c.name).push(Number(/(\d+) µs each/.exec(s)?.[1] ?? NaN));
    }
  }
  const base = median(times.get('off'));
  const baseCpu = median(cpus.get('off'));
  console.log(`\n${w.name}: median of ${RUNS} alternating runs (work only, start-up excluded)`);
  console.log(`  ${'capture'.padEnd(24)} ${'elapsed'.padStart(8)} ${'(spread)'.padEnd(13)} ${'ratio'.padStart(6)}  ${'program CPU'.padStart(11)} ${'ratio'.padStart(6)}  collector CPU`);
  for (const c of configs) {
    const t = times.get(c.name);
    const u = cpus.get(c.name);
    const sw = sweeps.get(c.name);
    console.log(
      `  ${c.name.padEnd(24)} ${(median(t).toFixed(0) + ' ms').padStart(8)} ${`(${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)})`.padEnd(13)} ${(median(t) / base).toFixed(3).padStart(6)}` +
        `  ${(median(u).toFixed(0) + ' ms').padStart(11)} ${(median(u) / baseCpu).toFixed(3).padStart(6)}` +
        `  ${(median(collectorCpu.get(c.name)) * 100).toFixed(1)}% of a core` +
        (sw.length ? ` (sweep ${median(sw)} µs wall)` : ''),
    );
  }
}
console.log(`\nload average now ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}; target: the /proc sampler at the default interval adds <= 1% (ratio <= 1.01); differences within the spread are noise`);

// 'node' mode: what one tick of the agent reads (src/agent/usage.ts), in this thread; the agent
// does this every 100 ms per thread, so the share of a thread's time is (µs per tick) / 100000.
{
  const { performance } = await import('node:perf_hooks');
  const threadCpu = typeof process.threadCpuUsage === 'function' ? () => process.threadCpuUsage() : () => undefined;
  const tick = () => {
    performance.eventLoopUtilization();
    threadCpu();
    process.resourceUsage();
    process.memoryUsage.rss();
  };
  const per = [];
  for (let r = 0; r < 7; r++) {
    const n = 20000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) tick();
    per.push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  const us = median(per);
  console.log(`\nnode mode: one agent tick (ELU, thread CPU, resourceUsage, RSS) ${us.toFixed(2)} µs (median of 7 x 20k); every 100 ms per thread = ${((us / 100000) * 100).toFixed(4)}% of a thread`);
}
