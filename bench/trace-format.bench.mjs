// Trace size and collector throughput on the message-heavy workload (4 workers x 25k round trips:
// 200k messages, 400k send/receive events), recorded through the real CLI and agent.
// Prints, as medians of RUNS runs:
//   - untraced vs traced wall time and their ratio (baseline: the same workload, same run, no agent),
//     for the message-heavy workload and for a CPU-bound one (2 workers hashing for about 2 s, 4 messages)
//   - bytes per event on disk (target <= 16)
//   - events/s through the collector (tail, CRC, decode, copy, index), replayed from the recorded
//     streams, against a baseline of plain read + write of the same bytes
//   - time to open (readTrace: read, check, decode, sort) a 1M-event synthetic trace with and
//     without its index, against a baseline of reading the file's bytes
// Run by bench/run.mjs (with tsx), or alone: node --import tsx bench/trace-format.bench.mjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const WORKERS = 4;
const ROUND_TRIPS = 25_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === 'workload') await workload();
else if (process.argv[2] === 'cpu') await cpuWorkload();
else if (isMainThread) await main();

// ---------------------------------------------------------------- the CPU-bound workload
async function cpuWorkload() {
  if (!isMainThread) return;
  await Promise.all(
    [0, 1].map((n) => {
      const w = new Worker(self, { argv: ['cpu-worker'], workerData: n });
      return new Promise((resolve) => w.once('message', () => w.terminate().then(resolve)));
    }),
  );
}

if (!isMainThread && process.argv.includes('cpu-worker')) {
  const { createHash } = await import('node:crypto');
  let h = Buffer.from('seed');
  for (let r = 0; r < 1_000_000; r++) h = createHash('sha256').update(h).digest();
  parentPort.postMessage(h.toString('hex'));
}

// ---------------------------------------------------------------- the workload
async function workload() {
  if (!isMainThread) return;
  await Promise.all(
    Array.from({ length: WORKERS }, () => {
      const w = new Worker(self, { argv: ['worker'] });
      return new Promise((resolve) => {
        let n = 0;
        w.on('message', () => {
          if (++n === ROUND_TRIPS) {
            w.terminate().then(resolve);
            return;
          }
          w.postMessage({ n, payload: 'x'.repeat(16) });
        });
        w.postMessage({ n, payload: 'x'.repeat(16) });
      });
    }),
  );
}

if (!isMainThread && process.argv.includes('worker')) {
  parentPort.on('message', (m) => parentPort.postMessage(m.n));
}

// ---------------------------------------------------------------- the bench
async function main() {
  const root = path.resolve(path.dirname(self), '..');
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli) || !fs.existsSync(path.join(root, 'dist', 'agent.js'))) {
    console.log('dist/cli.js or dist/agent.js missing: run npm run build');
    process.exit(1);
  }
  const { Collector } = await import('../src/recorder/collector.ts');
  const { readTrace } = await import('../src/recorder/reader.ts');
  const { scanChunks, eventsChunkHeader, ChunkType, indexChunk } = await import('../src/protocol/wire.ts');
  const { writeSynthetic } = await import('./synthetic.ts');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-bench-'));
  try {
    const untraced = [];
    const traced = [];
    let trace;
    let tracePath;
    for (let r = 0; r < RUNS; r++) {
      untraced.push(timed(process.execPath, [self, 'workload']));
      tracePath = path.join(tmp, `run${r}.ctrace`);
      traced.push(timed(process.execPath, [cli, 'record', '--no-sched', '-o', tracePath, '--', process.execPath, self, 'workload']));
    }
    const cpuUntraced = [];
    const cpuTraced = [];
    const cpuNoSched = [];
    for (let r = 0; r < RUNS; r++) {
      cpuUntraced.push(timed(process.execPath, [self, 'cpu']));
      cpuTraced.push(timed(process.execPath, [cli, 'record', '-o', path.join(tmp, `cpu${r}.ctrace`), '--', process.execPath, self, 'cpu']));
      cpuNoSched.push(timed(process.execPath, [cli, 'record', '--no-sched', '-o', path.join(tmp, `cpu${r}.ctrace`), '--', process.execPath, self, 'cpu']));
    }
    trace = await readTrace(tracePath);
    const size = fs.statSync(tracePath).size;
    const events = trace.events.length;
    const messages = trace.events.filter((e) => e.kind === 13 || e.kind === 14).length;

    // Replay the recorded streams through a fresh Collector, as if agents had just written them.
    const bytes = trace.bytes;
    const streams = new Map();
    for (const c of scanChunks(bytes).chunks) {
      if (c.type !== ChunkType.Events && c.type !== ChunkType.Strings) continue;
      let pid;
      let threadId;
      if (c.type === ChunkType.Events) ({ pid, threadId } = eventsChunkHeader(bytes, c));
      else {
        const h = eventsChunkHeader(bytes, c); // Strings: pid, threadId come first too
        pid = h.pid;
        threadId = h.tid;
      }
      if (pid === 0) continue;
      const key = `${pid}-${threadId}.ctc`;
      if (!streams.has(key)) streams.set(key, []);
      streams.get(key).push(bytes.subarray(c.offset, c.payloadEnd));
    }
    const collectRates = [];
    const copyRates = [];
    for (let r = 0; r < Math.max(RUNS, 5); r++) {
      const dir = fs.mkdtempSync(path.join(tmp, 'session-'));
      for (const [name, parts] of streams) fs.writeFileSync(path.join(dir, name), Buffer.concat(parts));
      // baseline: read every stream file and write it to one output, nothing else
      let t = process.hrtime.bigint();
      const fd = fs.openSync(path.join(tmp, 'copy.bin'), 'w');
      for (const name of fs.readdirSync(dir)) fs.writeSync(fd, fs.readFileSync(path.join(dir, name)));
      fs.closeSync(fd);
      copyRates.push(events / (Number(process.hrtime.bigint() - t) / 1e9));
      t = process.hrtime.bigint();
      const col = new Collector(path.join(tmp, 'replay.ctrace'), dir, { append() {}, event() {}, log() {} });
      col.begin({ formatVersion: 1 });
      col.poll();
      col.finish({ complete: true });
      collectRates.push(col.events / (Number(process.hrtime.bigint() - t) / 1e9));
    }

    // what `ctrace record` adds to any program whatever it does: one more Node start, the collector's finish
    const emptyPlain = [];
    const emptyTraced = [];
    for (let r = 0; r < Math.max(RUNS, 5); r++) {
      emptyPlain.push(timed(process.execPath, ['-e', '0']));
      emptyTraced.push(timed(process.execPath, [cli, 'record', '--no-sched', '-o', path.join(tmp, `empty${r}.ctrace`), '--', process.execPath, '-e', '0']));
    }

    const mu = median(untraced);
    const mt = median(traced);
    console.log('through the whole CLI (ctrace record: its own Node start, the collector on the same cores);');
    console.log('the agent targets (<= 1.05x message-heavy, <= 1.02x CPU-bound) are measured by agent-overhead.bench');
    console.log(`  ctrace record -- node -e 0    ${median(emptyTraced).toFixed(0)} ms against ${median(emptyPlain).toFixed(0)} ms for node -e 0: +${(median(emptyTraced) - median(emptyPlain)).toFixed(0)} ms per recording`);
    console.log(`workload: ${WORKERS} workers x ${ROUND_TRIPS} round trips (${RUNS} runs each, medians)`);
    console.log(`  untraced wall time            ${mu.toFixed(0)} ms`);
    console.log(`  traced, --no-sched            ${mt.toFixed(0)} ms   ratio ${(mt / mu).toFixed(2)}x`);
    console.log(`CPU-bound workload: 2 workers x 1M SHA-256 rounds (${RUNS} runs each, medians)`);
    console.log(`  untraced wall time            ${median(cpuUntraced).toFixed(0)} ms`);
    console.log(`  traced, --no-sched            ${median(cpuNoSched).toFixed(0)} ms   ratio ${(median(cpuNoSched) / median(cpuUntraced)).toFixed(2)}x`);
    console.log(`  traced, scheduling capture on ${median(cpuTraced).toFixed(0)} ms   ratio ${(median(cpuTraced) / median(cpuUntraced)).toFixed(2)}x`);
    console.log(`trace: ${events} events (${messages} message send/receive), ${size} bytes`);
    console.log(`  bytes per event on disk       ${(size / events).toFixed(2)} (target <= 16)`);
    console.log(`collector replay of those streams (${streams.size} streams, ${Math.max(RUNS, 5)} runs, medians)`);
    console.log(`  events/s through collector    ${fmt(median(collectRates))}`);
    console.log(`  baseline read+write, events/s ${fmt(median(copyRates))}`);

    // Opening a 1M-event trace
    const plain = path.join(tmp, 'synthetic.ctrace');
    const { events: synthEvents } = writeSynthetic(plain, { events: 1_000_000 });
    const body = fs.readFileSync(plain);
    const entries = scanChunks(body).chunks.map((c) => ({ offset: c.offset, type: c.type, pid: 0, threadId: 0, minTs: 0, maxTs: 0, events: 0 }));
    const indexed = path.join(tmp, 'synthetic-indexed.ctrace');
    fs.writeFileSync(indexed, Buffer.concat([body, indexChunk(entries, body.length)]));
    const openRaw = [];
    const openPlain = [];
    const openIndexed = [];
    // the two opens alternate which goes first: the first of a pair pays for collecting the garbage
    // of the open before it (~150 ms on a 1M-event trace), which in a fixed order made the indexed
    // open look slower than the scan
    for (let r = 0; r < RUNS + 1; r++) {
      openRaw.push(await timeAsync(() => fs.promises.readFile(indexed)));
      if (r % 2 === 0) {
        openPlain.push(await timeAsync(() => readTrace(plain)));
        openIndexed.push(await timeAsync(() => readTrace(indexed)));
      } else {
        openIndexed.push(await timeAsync(() => readTrace(indexed)));
        openPlain.push(await timeAsync(() => readTrace(plain)));
      }
    }
    console.log(`opening a ${synthEvents}-event trace (${(body.length / 1e6).toFixed(1)} MB, ${RUNS + 1} runs, medians, alternating which goes first)`);
    console.log(`  readTrace with index          ${median(openIndexed).toFixed(0)} ms`);
    console.log(`  readTrace without index       ${median(openPlain).toFixed(0)} ms`);
    console.log(`  baseline: read the bytes      ${median(openRaw).toFixed(0)} ms`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function timed(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function timeAsync(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}
