// A synthetic .ctrace generator for the timeline's bench and browser tests: a realistic mix of
// processes (spawned by parentage), worker threads, OS threads, messages with matching receipts,
// Atomics waits woken by notifies, contended locks, scheduling samples, context switches, memory
// samples and one crash. It writes through the real StreamEncoder, so what the viewer decodes is what
// a recording would hold. Deterministic (seeded), so figures are comparable between runs.
//
//   node --import tsx bench/synthetic.ts --events 1000000 -o /tmp/x.ctrace
import fs from 'node:fs';
import { EventKind } from '../src/protocol/events';
import { StreamEncoder, encodeRecord, fileHeader, metaChunk } from '../src/protocol/wire';

export interface SyntheticOptions {
  events: number;
  processes?: number;
  workersPerProcess?: number;
  osThreadsPerProcess?: number;
  seed?: number;
}

/** Writes the trace to `out` in pieces (a 10M-event trace never sits in memory whole). Returns bytes written. */
export function writeSynthetic(out: string, opts: SyntheticOptions): { bytes: number; events: number } {
  const fd = fs.openSync(out, 'w');
  let bytes = 0;
  let events = 0;
  const write = (b: Uint8Array) => {
    if (b.length) {
      fs.writeSync(fd, b);
      bytes += b.length;
    }
  };
  let seed = opts.seed ?? 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const nProc = opts.processes ?? 4;
  const nWork = opts.workersPerProcess ?? 3;
  const nOs = opts.osThreadsPerProcess ?? 4;
  const t0 = 1_000_000_000_000;
  write(fileHeader());
  write(metaChunk({ formatVersion: 1, command: ['node', 'synthetic.js'], t0, schedMode: 'switches', cpus: 2, sampleIntervalMs: 5, recorderVersion: 'synthetic' }));

  interface Thread { enc: StreamEncoder; pid: number; tid: number; threadId: number; sendSeq: number[]; }
  const procs: { pid: number; ppid: number; threads: Thread[]; osTids: number[] }[] = [];
  const collector = new StreamEncoder(0, 0, 0);
  for (let p = 0; p < nProc; p++) {
    const pid = 1000 + p * 100;
    const ppid = p === 0 ? 1 : 1000 + Math.floor((p - 1) / 2) * 100;
    const threads: Thread[] = [];
    for (let w = 0; w <= nWork; w++) threads.push({ enc: new StreamEncoder(pid, pid + w, w), pid, tid: pid + w, threadId: w, sendSeq: [] });
    const osTids: number[] = [];
    for (let o = 0; o < nOs; o++) osTids.push(pid + 50 + o);
    procs.push({ pid, ppid, threads, osTids });
  }
  const rec = (enc: StreamEncoder, kind: number, ts: number, v: Record<string, number | string | undefined>) => {
    encodeRecord(enc, kind, ts, v);
    events++;
  };
  // Process and thread starts, spawn calls from the parent
  let ts = t0 + 1000;
  for (const [p, pr] of procs.entries()) {
    const main = pr.threads[0];
    if (p > 0) {
      const parent = procs.find((x) => x.pid === pr.ppid)!.threads[0];
      rec(parent.enc, EventKind.SpawnCall, ts, { spawnId: p, api: 'fork', command: 'node', args: JSON.stringify(['child.js', String(p)]), site: '/app/main.js:12:5', stack: 'at main (/app/main.js:12:5)' });
      rec(parent.enc, EventKind.SpawnRunning, ts + 500_000, { spawnId: p, childPid: pr.pid });
    }
    rec(main.enc, EventKind.ProcessStart, ts + 2_000_000, { pid: pr.pid, ppid: pr.ppid, argv: JSON.stringify(['node', p === 0 ? 'main.js' : 'child.js', String(p)]), cwd: '/app', nodeVersion: 'v20.0.0', execPath: '/usr/bin/node', title: 'node' });
    rec(main.enc, EventKind.ThreadStart, ts + 2_000_100, { name: 'main', kind: 0, parentThreadId: -1 });
    for (let w = 1; w <= nWork; w++) {
      rec(main.enc, EventKind.WorkerCreate, ts + 2_100_000 + w * 1000, { workerThreadId: w, url: 'file:///app/worker.js', site: '/app/main.js:20:15', stack: 'at main (/app/main.js:20:15)' });
      rec(pr.threads[w].enc, EventKind.ThreadStart, ts + 3_000_000 + w * 1000, { name: `worker ${w}`, kind: 1, parentThreadId: 0 });
    }
    for (const [o, tid] of pr.osTids.entries()) rec(collector, EventKind.ThreadName, ts + 2_000_000, { pid: pr.pid, tid, name: o < 2 ? 'libuv-worker' : 'V8 platform', threadId: 0 });
    ts += 3_000_000;
  }
  // Steady state: rounds of activity, each round ~1 ms of trace time
  const perRound = nProc * (nWork * 10 + 2) + nProc * (nWork + 1 + nOs) + nProc;
  const rounds = Math.max(1, Math.floor((opts.events - events) / perRound));
  const cum = new Map<number, { run: number; vol: number; inv: number }>();
  let waitId = 1;
  let lockId = 1;
  const flushEvery = 64;
  for (let r = 0; r < rounds; r++) {
    const base = ts + r * 1_000_000;
    for (const pr of procs) {
      const main = pr.threads[0];
      for (let w = 1; w <= nWork; w++) {
        const wk = pr.threads[w];
        const t = base + Math.floor(rand() * 300_000);
        const lat = 20_000 + Math.floor(rand() * 80_000);
        const chan = `w:${pr.pid}:${w}`;
        // main -> worker message and the reply
        rec(main.enc, EventKind.MessageSend, t, { channelKind: 1, channel: chan + ':down', seq: r, bytes: 64 + (r % 200), site: '/app/main.js:31:10' });
        rec(wk.enc, EventKind.MessageReceive, t + lat, { channelKind: 1, channel: chan + ':down', seq: r, bytes: 64 + (r % 200) });
        // a contended lock in the worker: request, acquired after a wait, released
        const lt = t + lat + 5_000;
        const wait = Math.floor(rand() * 40_000);
        const id = lockId++;
        rec(wk.enc, EventKind.LockRequest, lt, { lockKind: 0, lock: `sab:${pr.pid}:mutex`, mode: 'exclusive', lockId: id, site: '/app/worker.js:8:3', stack: 'at lock (/app/worker.js:8:3)' });
        rec(wk.enc, EventKind.LockAcquired, lt + wait, { lockKind: 0, lock: `sab:${pr.pid}:mutex`, mode: 'exclusive', lockId: id, waited: wait > 0 ? 1 : 0, site: '/app/worker.js:8:3' });
        rec(wk.enc, EventKind.LockReleased, lt + wait + 50_000, { lockKind: 0, lock: `sab:${pr.pid}:mutex`, lockId: id, site: '/app/worker.js:14:3' });
        // an Atomics wait woken by the main thread's notify
        const wt = lt + wait + 60_000;
        const wid = waitId++;
        rec(wk.enc, EventKind.AtomicsWaitBegin, wt, { lock: `sab:${pr.pid}:flag`, index: 0, expected: 0, timeoutMs: -1, async: 0, waitId: wid, site: '/app/worker.js:20:11', stack: 'at wait (/app/worker.js:20:11)' });
        rec(main.enc, EventKind.AtomicsNotify, wt + 100_000, { lock: `sab:${pr.pid}:flag`, index: 0, count: 1, woken: 1, site: '/app/main.js:40:9' });
        rec(wk.enc, EventKind.AtomicsWaitEnd, wt + 110_000, { waitId: wid, result: 0 });
        rec(wk.enc, EventKind.MessageSend, wt + 120_000, { channelKind: 1, channel: chan + ':up', seq: r, bytes: 128, site: '/app/worker.js:25:14' });
        rec(main.enc, EventKind.MessageReceive, wt + 120_000 + lat, { channelKind: 1, channel: chan + ':up', seq: r, bytes: 128 });
      }
      if (pr !== procs[0]) {
        rec(main.enc, EventKind.MessageSend, base + 400_000, { channelKind: 0, channel: `ipc:${pr.ppid}:${pr.pid}`, seq: r, bytes: 32, site: '/app/child.js:9:11' });
        rec(procs.find((x) => x.pid === pr.ppid)!.threads[0].enc, EventKind.MessageReceive, base + 600_000, { channelKind: 0, channel: `ipc:${pr.ppid}:${pr.pid}`, seq: r, bytes: 32 });
      } else {
        rec(main.enc, EventKind.Mark, base + 500_000, { name: 'tick', detail: String(r) });
        rec(main.enc, EventKind.Mark, base + 700_000, { name: 'tock', detail: String(r) });
      }
      // scheduling: a sample per thread per round (JS threads and OS threads), one memory sample
      const tids = [...pr.threads.map((t) => t.tid), ...pr.osTids];
      for (const tid of tids) {
        let c = cum.get(tid);
        if (!c) cum.set(tid, (c = { run: 0, vol: 0, inv: 0 }));
        const busy = tid === pr.pid ? 0.3 + 0.3 * rand() : tid - pr.pid < 50 ? 0.5 + 0.5 * rand() : 0.05 * rand();
        c.run += Math.floor(busy * 1_000_000);
        c.vol += Math.floor(rand() * 6);
        c.inv += Math.floor(rand() * 2);
        const state = busy > 0.7 ? 0 : busy > 0.4 ? 1 : 2;
        rec(collector, EventKind.SchedSample, base + 900_000, { pid: pr.pid, tid, state, utimeNs: c.run, stimeNs: 0, runNs: c.run, voluntary: c.vol, involuntary: c.inv });
      }
      rec(collector, EventKind.MemorySample, base + 950_000, { pid: pr.pid, threadId: 0, rssBytes: 40e6 + (r % 1000) * 20_000 + pr.pid, heapUsedBytes: 10e6 + (r % 500) * 30_000 });
    }
    if (r % flushEvery === flushEvery - 1 || r === rounds - 1) {
      for (const pr of procs) for (const t of pr.threads) write(t.enc.flush());
      write(collector.flush());
    }
  }
  // the end: a worker crashes, processes exit
  const end = ts + rounds * 1_000_000;
  const last = procs[procs.length - 1];
  rec(last.threads[1].enc, EventKind.Crash, end, { crashKind: 0, name: 'Error', message: 'synthetic failure', stack: 'Error: synthetic failure\n    at run (/app/worker.js:50:11)', site: '/app/worker.js:50:11', targetPid: last.pid, targetThreadId: 1 });
  rec(last.threads[0].enc, EventKind.Crash, end + 100_000, { crashKind: 2, name: 'Error', message: 'synthetic failure', site: '/app/main.js:22:7', targetPid: last.pid, targetThreadId: 1 });
  for (const pr of [...procs].reverse()) {
    for (let w = pr.threads.length - 1; w >= 1; w--) rec(pr.threads[w].enc, EventKind.ThreadExit, end + 200_000, { code: pr === last && w === 1 ? 1 : 0 });
    rec(pr.threads[0].enc, EventKind.ProcessExit, end + 300_000, { code: 0, cause: 'normal' });
    for (const t of pr.threads) write(t.enc.flush());
  }
  write(collector.flush());
  write(metaChunk({ t1: end + 400_000, complete: true, exitCode: 0 }));
  fs.closeSync(fd);
  return { bytes, events };
}

if (process.argv[1] && /synthetic\.ts$/.test(process.argv[1])) {
  const argv = process.argv.slice(2);
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const out = get('-o', 'synthetic.ctrace');
  const r = writeSynthetic(out, { events: Number(get('--events', '100000')), processes: Number(get('--processes', '4')) });
  console.log(JSON.stringify({ out, ...r }));
}
