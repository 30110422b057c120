// A generated lock-heavy event list (TraceEvent objects, as decoded) for the lock analysis at scale:
// test/unit/locks-scale.test.ts compares the analysis with its quadratic oracle on it, and
// bench/lock-analysis.bench.mjs times it at 100k and 1M events. Deterministic (seeded).
//
// Several processes, each with a main thread and workers, pass locks around in "episodes": a holder
// takes a lock, others queue, each release hands it to the next. All three kinds appear (Atomics
// words with wait/notify, Web Locks, async-mutex), with the irregular cases the analysis has rules
// for: waits that end not-equal or timed out, waitAsync, notifies that woke nobody, woken waits that
// seem to begin after their notify (clock skew), words released by an unwatched store, cancelled
// requests, shared Web Locks, holds never released, and an ABBA deadlock at the very end.
import { EventKind, LockKind, WaitResult, type TraceEvent } from '../../src/protocol/events';

export interface LockTraceOptions {
  /** about how many events to generate */
  events: number;
  processes?: number;
  workersPerProcess?: number;
  /** lock words / Web Lock names / async mutexes per process */
  locksPerProcess?: number;
  seed?: number;
  /** round every timestamp down to this many ns (many equal timestamps: tie-breaking) */
  quantumNs?: number;
}

const US = 1e3;
const MS = 1e6;

export function lockTrace(opts: LockTraceOptions): TraceEvent[] {
  let seed = opts.seed ?? 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nProc = opts.processes ?? 3;
  const nWork = opts.workersPerProcess ?? 4;
  const nLocks = opts.locksPerProcess ?? 6;
  const q = opts.quantumNs ?? 0;
  const t0 = 5_000_000_000_000;
  const out: TraceEvent[] = [];
  const ev = (kind: EventKind, ts: number, pid: number, threadId: number, fields: TraceEvent['fields']): void => {
    out.push({ kind, ts: q > 0 ? Math.floor(ts / q) * q : Math.round(ts), pid, tid: pid + threadId, threadId, fields });
  };
  const stack = (file: string, line: number, helper: boolean): string =>
    helper ? `lock (${file}:3:40)\nrun (${file}:${line}:5)\nprocessTicksAndRejections (node:internal/process/task_queues:95:5)` : `run (${file}:${line}:5)`;
  let nextId = 1;

  interface Lock {
    pid: number;
    kind: LockKind;
    name: string; // atomics: the word "sab[index]"; others: the lock's name
    sab: string;
    index: number;
    clock: number; // when the lock is next free
    file: string;
  }
  const locks: Lock[] = [];
  for (let p = 0; p < nProc; p++) {
    const pid = 4000 + p;
    ev(EventKind.ProcessStart, t0, pid, 0, { pid, ppid: 1, argv: '["node","main.js"]', cwd: '/app' });
    ev(EventKind.ThreadStart, t0 + 10 * US, pid, 0, { name: 'main', kind: 0, parentThreadId: -1 });
    for (let w = 1; w <= nWork; w++) {
      ev(EventKind.WorkerCreate, t0 + 20 * US, pid, 0, { workerThreadId: w, url: 'file:///app/w.js' });
      ev(EventKind.ThreadStart, t0 + 1 * MS + w * US, pid, w, { name: `worker ${w}`, kind: 1, parentThreadId: 0 });
    }
    for (let k = 0; k < nLocks; k++) {
      const kind = k % 3 === 2 ? LockKind.AsyncMutex : k % 3 === 1 ? LockKind.WebLock : LockKind.Atomics;
      const sab = `${pid}.0.${1 + (k >> 2)}`;
      const name = kind === LockKind.Atomics ? `${sab}[${k}]` : kind === LockKind.WebLock ? `res-${k}` : `${pid}.0.${100 + k}`;
      locks.push({ pid, kind, name, sab, index: k, clock: t0 + 2 * MS + rand() * MS, file: `/app/p${p}/lock${k}.js` });
    }
  }
  const threads = Array.from({ length: nWork + 1 }, (_, i) => i);

  // a holder takes the word; 1-3 others wait on it and take it in turn, each woken by a notify
  const atomicsEpisode = (l: Lock): void => {
    const ts0 = l.clock;
    const queue: number[] = [];
    const n = 1 + Math.floor(rand() * 4);
    while (queue.length < n) {
      const t = pick(threads);
      if (!queue.includes(t)) queue.push(t);
    }
    const site = (t: number) => ({ site: `${l.file}:3:20`, stack: stack(l.file, 10 + t * 7 + Math.floor(rand() * 2), rand() < 0.9) });
    let ts = ts0;
    let holder = queue.shift()!;
    ev(EventKind.LockAcquired, ts, l.pid, holder, { lockKind: LockKind.Atomics, lock: l.name, lockId: nextId++, waited: 0, ...site(holder) });
    // everyone else begins waiting during the first hold
    const waits = new Map<number, number>();
    for (const t of queue) {
      const wts = ts + 5 * US + rand() * 50 * US;
      if (rand() < 0.1) {
        // the word changed before the wait: not-equal at once, then a real wait
        const id = nextId++;
        ev(EventKind.AtomicsWaitBegin, wts - 3 * US, l.pid, t, { lock: l.sab, index: l.index, expected: 1, timeoutMs: -1, async: 0, waitId: id, ...site(t) });
        ev(EventKind.AtomicsWaitEnd, wts - 2 * US, l.pid, t, { waitId: id, result: WaitResult.NotEqual });
      }
      const id = nextId++;
      waits.set(t, id);
      ev(EventKind.AtomicsWaitBegin, wts, l.pid, t, { lock: l.sab, index: l.index, expected: 1, timeoutMs: -1, async: rand() < 0.05 ? 1 : 0, waitId: id, ...site(t) });
    }
    while (true) {
      const hold = 20 * US + rand() * 300 * US;
      ts += hold;
      const unwatched = rand() < 0.03; // released with a plain store we do not see
      if (!unwatched) ev(EventKind.LockReleased, ts, l.pid, holder, { lockKind: LockKind.Atomics, lock: l.name, lockId: 0 });
      if (queue.length === 0) {
        if (rand() < 0.3) ev(EventKind.AtomicsNotify, ts + 1 * US, l.pid, holder, { lock: l.sab, index: l.index, count: 1, woken: 0, site: `${l.file}:8:3` });
        break;
      }
      const next = queue.shift()!;
      const r = rand();
      const nts = ts + 2 * US;
      if (r < 0.04) {
        // the woken wait is recorded as beginning a few ms after the notify (per-thread clock skew)
        ev(EventKind.AtomicsNotify, nts, l.pid, holder, { lock: l.sab, index: l.index, count: 1, woken: 1, site: `${l.file}:8:3` });
        const id = nextId++;
        ev(EventKind.AtomicsWaitBegin, nts + 2 * MS, l.pid, next, { lock: l.sab, index: l.index, expected: 1, timeoutMs: -1, async: 0, waitId: id, ...site(next) });
        ev(EventKind.AtomicsWaitEnd, nts + 2 * MS + 5 * US, l.pid, next, { waitId: id, result: WaitResult.Ok });
        // its earlier wait ended without anyone's notify being matched to it (an interrupt)
        ev(EventKind.AtomicsWaitEnd, nts - 1 * US, l.pid, next, { waitId: waits.get(next)!, result: WaitResult.Interrupted });
        ts = nts + 2 * MS + 10 * US;
      } else {
        // count: sometimes wakes everyone (count -1, woken = all still queued)
        const all = r < 0.15;
        const woken = all ? 1 + queue.length : 1;
        ev(EventKind.AtomicsNotify, nts, l.pid, holder, { lock: l.sab, index: l.index, count: all ? -1 : 1, woken, site: `${l.file}:8:3` });
        const wend = nts + 3 * US + rand() * 20 * US;
        ev(EventKind.AtomicsWaitEnd, wend, l.pid, next, { waitId: waits.get(next)!, result: WaitResult.Ok });
        if (all) {
          // the others woke too, found the word taken, and wait again
          for (const t of queue) {
            const e2 = nts + 3 * US + rand() * 20 * US;
            ev(EventKind.AtomicsWaitEnd, e2, l.pid, t, { waitId: waits.get(t)!, result: WaitResult.Ok });
            const id = nextId++;
            waits.set(t, id);
            ev(EventKind.AtomicsWaitBegin, e2 + 2 * US, l.pid, t, { lock: l.sab, index: l.index, expected: 1, timeoutMs: -1, async: 0, waitId: id, ...site(t) });
          }
        }
        ts = wend + 1 * US;
      }
      holder = next;
      ev(EventKind.LockAcquired, ts, l.pid, holder, { lockKind: LockKind.Atomics, lock: l.name, lockId: nextId++, waited: 0, ...site(holder) });
    }
    // an unrelated timed wait that times out, now and then
    if (rand() < 0.2) {
      const t = pick(threads);
      const id = nextId++;
      ev(EventKind.AtomicsWaitBegin, ts + 10 * US, l.pid, t, { lock: l.sab, index: 7, expected: 0, timeoutMs: 1, async: 0, waitId: id, site: `${l.file}:30:9` });
      ev(EventKind.AtomicsWaitEnd, ts + 1.1 * MS, l.pid, t, { waitId: id, result: WaitResult.TimedOut });
    }
    l.clock = ts + 30 * US + rand() * 500 * US;
  };

  const grantEpisode = (l: Lock): void => {
    const weblock = l.kind === LockKind.WebLock;
    const users = weblock ? threads : [Math.floor(rand() * (nWork + 1))];
    const n = 1 + Math.floor(rand() * 4);
    const reqs: { t: number; id: number; ts: number; mode: string }[] = [];
    let ts = l.clock;
    for (let i = 0; i < n; i++) {
      const t = pick(users);
      const mode = weblock && rand() < 0.1 ? 'shared' : 'exclusive';
      const rts = i === 0 ? ts : ts + 3 * US + rand() * 40 * US;
      const r = { t, id: nextId++, ts: rts, mode };
      reqs.push(r);
      const line = 40 + t * 3 + Math.floor(rand() * 3);
      ev(EventKind.LockRequest, rts, l.pid, t, { lockKind: l.kind, lock: l.name, mode, lockId: r.id, site: `${l.file}:${line}:7`, stack: stack(l.file, line, rand() < 0.5) });
    }
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      if (i > 0 && rand() < 0.05) {
        // given up before the grant (an AbortSignal, a timeout)
        ev(EventKind.LockReleased, Math.max(ts, r.ts) + 1 * US, l.pid, r.t, { lockKind: l.kind, lock: l.name, lockId: r.id });
        continue;
      }
      const gts = Math.max(ts, r.ts) + 2 * US;
      ev(EventKind.LockAcquired, gts, l.pid, r.t, { lockKind: l.kind, lock: l.name, mode: r.mode, lockId: r.id, waited: i > 0 ? 1 : 0, site: `${l.file}:1:1` });
      ts = gts + 10 * US + rand() * 200 * US;
      if (rand() < 0.01) continue; // never released (an exception swallowed the release)
      ev(EventKind.LockReleased, ts, l.pid, r.t, { lockKind: l.kind, lock: l.name, lockId: r.id });
    }
    l.clock = ts + 20 * US + rand() * 400 * US;
  };

  while (out.length < opts.events - 20) {
    // the lock that is free soonest goes next, so episodes of different locks interleave in time
    let l = locks[0];
    for (const x of locks) if (x.clock < l.clock) l = x;
    if (l.kind === LockKind.Atomics) atomicsEpisode(l);
    else grantEpisode(l);
  }

  // The end: an ABBA deadlock between workers 1 and 2 of the first process, and one process exits.
  const end = Math.max(...locks.map((l) => l.clock)) + 1 * MS;
  const pid = 4000;
  const w0 = locks.find((l) => l.pid === pid && l.kind === LockKind.Atomics)!;
  const w1 = locks.filter((l) => l.pid === pid && l.kind === LockKind.Atomics)[1] ?? { ...w0, index: 99, name: `${w0.sab}[99]` };
  ev(EventKind.LockAcquired, end, pid, 1, { lockKind: LockKind.Atomics, lock: w0.name, lockId: nextId++, waited: 0, site: '/app/abba.js:3:20', stack: stack('/app/abba.js', 20, true) });
  ev(EventKind.LockAcquired, end + 10 * US, pid, 2, { lockKind: LockKind.Atomics, lock: w1.name, lockId: nextId++, waited: 0, site: '/app/abba.js:3:20', stack: stack('/app/abba.js', 40, true) });
  ev(EventKind.AtomicsWaitBegin, end + 20 * US, pid, 1, { lock: w1.sab, index: w1.index, expected: 1, timeoutMs: -1, async: 0, waitId: nextId++, site: '/app/abba.js:3:60', stack: stack('/app/abba.js', 22, true) });
  ev(EventKind.AtomicsWaitBegin, end + 30 * US, pid, 2, { lock: w0.sab, index: w0.index, expected: 1, timeoutMs: -1, async: 0, waitId: nextId++, site: '/app/abba.js:3:60', stack: stack('/app/abba.js', 42, true) });
  if (nProc > 1) ev(EventKind.ProcessExit, end + 40 * US, 4001, 0, { code: 0 });
  // the detector's grace period passes with every thread of the first process otherwise idle
  ev(EventKind.ThreadExit, end + 900 * MS, pid, 3, {});
  return out;
}
