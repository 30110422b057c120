// What the lock analysis costs on big traces: analyzeLocks (run by every `ctrace summary`) and the
// live DeadlockDetector (fed every event by the collector), on generated lock-heavy event lists
// (test/unit/locks-synthetic.ts: Atomics wait/notify, Web Locks, async-mutex, about 1 lock event in
// 1.7 being a wait or notify) of 100k and 1M events, already decoded.
// Baselines taken in the same run:
//   sort       copying and time-sorting the events, which any whole-trace pass does first
//   reference  the plain quadratic rules (test/unit/locks-reference.ts), at 100k only: at 1M it
//              would take minutes
// Detector: ns per add() over the first and the last tenth of the trace (a per-event cost that
// grew with the recording would show here), and one check() at the end.
// Medians of RUNS runs. Run by bench/run.mjs (with tsx), or alone:
//   node --import tsx bench/lock-analysis.bench.mjs [runs]
import { analyzeLocks, DeadlockDetector } from '../src/recorder/locks/index.ts';
import { analyzeLocksReference } from '../test/unit/locks-reference.ts';
import { lockTrace } from '../test/unit/locks-synthetic.ts';

const RUNS = Number(process.argv[2] || 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const timed = (f) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

function detectorFigures(events) {
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  const d = new DeadlockDetector();
  const tenth = Math.floor(sorted.length / 10);
  const perAdd = (from, to) => {
    const t = process.hrtime.bigint();
    for (let i = from; i < to; i++) d.add(sorted[i]);
    return Number(process.hrtime.bigint() - t) / (to - from);
  };
  const first = perAdd(0, tenth);
  perAdd(tenth, sorted.length - tenth);
  const last = perAdd(sorted.length - tenth, sorted.length);
  const check = timed(() => d.check(sorted[sorted.length - 1].ts));
  return { first, last, check };
}

console.log(`analyzeLocks on generated lock-heavy traces, ms (median of ${RUNS} runs)`);
for (const n of [100_000, 1_000_000]) {
  const events = lockTrace({ events: n });
  const sort = [];
  const fast = [];
  const ref = [];
  const det = [];
  for (let r = 0; r < RUNS; r++) {
    sort.push(timed(() => [...events].sort((a, b) => a.ts - b.ts)));
    fast.push(timed(() => analyzeLocks(events)));
    if (n <= 100_000) ref.push(timed(() => analyzeLocksReference(events)));
    det.push(detectorFigures(events));
  }
  const f = median(fast);
  const s = median(sort);
  const label = `${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`} events`.padEnd(12);
  const vsRef = ref.length ? `   reference ${median(ref).toFixed(0)} ms (${(median(ref) / f).toFixed(1)}x slower)` : '';
  console.log(`  ${label} analyzeLocks ${f.toFixed(0)} ms (${((f * 1e6) / events.length).toFixed(0)} ns/event)   sort ${s.toFixed(0)} ms (analysis = ${(f / s).toFixed(1)}x sort)${vsRef}`);
  const first = median(det.map((x) => x.first));
  const last = median(det.map((x) => x.last));
  console.log(`  ${''.padEnd(12)} detector add ${first.toFixed(0)} ns/event in the first tenth, ${last.toFixed(0)} in the last (${(last / first).toFixed(2)}x); check ${median(det.map((x) => x.check)).toFixed(2)} ms`);
}
