// Live deadlock detection: a wait-for graph between threads, kept up to date event by event.
//
// A thread waits for a lock when it is blocked in Atomics.wait on a lock word with no timeout, or
// has a Web Lock request not yet granted. It waits *for a thread* when that lock is held (taken and
// not released) by another thread. A cycle of such edges is a deadlock: each thread can only go on
// when the next one releases, and that one is blocked. Besides cycles, a process whose every known
// JS thread is blocked in an untimed Atomics.wait can never wake (only its own threads share its
// memory) and is reported too, with what each thread holds and waits for.
//
// Not deadlocks: a wait with a timeout (it ends by itself), a wait on a word nobody holds while some
// thread of the process still runs (it may notify), an async-mutex queue (one thread, no blocking).
// A cycle is reported once every wait in it has lasted `graceMs` (the collector reads each thread's
// stream with some delay; a release may still be in flight) and only once.
//
// Cost: the collector feeds it every event of a recording of any length, so add() does O(1) work
// per event (a process exit: O(that process's threads)) and check() walks the threads seen and
// their waits, never the events.

import { EventKind, type TraceEvent } from '../../protocol/events';
import type { DeadlockParticipant, DeadlockReport, SiteJson } from '../../protocol/trace';
import { acquireSite, atomicsRef, lockOf, threadKey, type LockRef } from './keys';

interface Blocking {
  lock: LockRef;
  since: number;
  site: SiteJson | null;
  /** Atomics wait id, or the Web Lock request's lockId */
  id: number;
}

interface Hold {
  lock: LockRef;
  lockId: number;
  since: number;
  site: SiteJson | null;
}

interface ThreadState {
  pid: number;
  threadId: number;
  /** blocked in a synchronous, untimed Atomics.wait */
  wait?: Blocking;
  /** Web Lock requests not granted yet, by lockId */
  requests: Map<number, Blocking>;
  /** held locks by lock key */
  holds: Map<string, Hold>;
  alive: boolean;
}

export interface DetectorOptions {
  /** how long every wait of a cycle must have lasted before it is reported (default 500 ms) */
  graceMs?: number;
}

const site = (s: ReturnType<typeof acquireSite>): SiteJson | null => (s ? { file: s.file, line: s.line, column: s.column } : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export class DeadlockDetector {
  private readonly threads = new Map<string, ThreadState>();
  /** pid -> its thread keys, so a process exit does not walk every thread ever seen */
  private readonly threadsOfPid = new Map<number, string[]>();
  /** lock key -> thread keys holding it */
  private readonly holders = new Map<string, Set<string>>();
  private readonly reported = new Set<string>();
  private readonly reportedPids = new Set<number>();
  private readonly graceNs: number;
  private lastTs = 0;

  constructor(options: DetectorOptions = {}) {
    this.graceNs = (options.graceMs ?? 500) * 1e6;
  }

  /** feeds one event in time order per thread; returns cycles newly found by it */
  add(e: TraceEvent): DeadlockReport[] {
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    switch (e.kind) {
      case EventKind.ProcessStart:
      case EventKind.ThreadStart:
        this.thread(e.pid, e.threadId).alive = true;
        return [];
      case EventKind.WorkerCreate:
        // a worker still starting up counts as running: it may be the one that wakes its creator
        this.thread(e.pid, num(e.fields.workerThreadId)).alive = true;
        return [];
      case EventKind.WorkerExit:
        this.end(threadKey(e.pid, num(e.fields.workerThreadId)));
        return [];
      case EventKind.ThreadExit:
        this.end(threadKey(e.pid, e.threadId));
        return [];
      case EventKind.ProcessExit:
        for (const k of this.threadsOfPid.get(e.pid) ?? []) this.end(k);
        return [];
      case EventKind.AtomicsWaitBegin: {
        if (num(e.fields.async) !== 0 || num(e.fields.timeoutMs) >= 0) return [];
        const t = this.thread(e.pid, e.threadId);
        t.wait = {
          lock: atomicsRef(String(e.fields.lock ?? ''), num(e.fields.index)),
          since: e.ts,
          site: site(acquireSite(e.fields.site, e.fields.stack)),
          id: num(e.fields.waitId),
        };
        return [];
      }
      case EventKind.AtomicsWaitEnd: {
        const t = this.threads.get(threadKey(e.pid, e.threadId));
        if (t?.wait && t.wait.id === num(e.fields.waitId)) t.wait = undefined;
        return [];
      }
      case EventKind.LockRequest: {
        const lock = lockOf(e);
        if (!lock || lock.kind !== 'weblock') return [];
        this.thread(e.pid, e.threadId).requests.set(num(e.fields.lockId), {
          lock,
          since: e.ts,
          site: site(acquireSite(e.fields.site, e.fields.stack)),
          id: num(e.fields.lockId),
        });
        return [];
      }
      case EventKind.LockAcquired: {
        const lock = lockOf(e);
        if (!lock || lock.kind === 'async-mutex') return [];
        const k = threadKey(e.pid, e.threadId);
        const t = this.thread(e.pid, e.threadId);
        const id = num(e.fields.lockId);
        t.requests.delete(id);
        if (lock.kind === 'atomics' || e.fields.mode !== 'shared') {
          // an exclusive grant (or a lock word found at 0) means every earlier holder has released,
          // whatever we have seen so far (e.g. a word released with Atomics.sub, which is not watched)
          for (const other of [...(this.holders.get(lock.key) ?? [])]) if (other !== k) this.release(other, lock.key);
        }
        t.holds.set(lock.key, { lock, lockId: id, since: e.ts, site: site(acquireSite(e.fields.site, e.fields.stack)) });
        let h = this.holders.get(lock.key);
        if (!h) this.holders.set(lock.key, (h = new Set()));
        h.add(k);
        return [];
      }
      case EventKind.LockReleased: {
        const lock = lockOf(e);
        if (!lock || lock.kind === 'async-mutex') return [];
        const k = threadKey(e.pid, e.threadId);
        const t = this.threads.get(k);
        if (!t) return [];
        const id = num(e.fields.lockId);
        if (t.requests.delete(id)) return []; // a request that ended without a grant
        const hold = t.holds.get(lock.key);
        if (hold && (lock.kind === 'atomics' || hold.lockId === id)) this.release(k, lock.key);
        return [];
      }
      default:
        return [];
    }
  }

  /** re-checks the wait-for graph (called on a timer while the program runs, and on Ctrl-C) */
  check(now: number = this.lastTs): DeadlockReport[] {
    const out: DeadlockReport[] = [];
    const edges = this.edges(now);
    for (const cycle of findCycles(edges)) {
      const key = cycle.map((c) => `${c.from}>${c.lock.key}`).sort().join('|');
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      for (const c of cycle) this.reportedPids.add(this.threads.get(c.from)!.pid);
      out.push({ ts: now, cycle: cycle.map((c) => this.participant(c.from, c.lock, c.site)) });
    }
    out.push(...this.allBlocked(now));
    return out;
  }

  private participant(k: string, waitsFor: LockRef, at: SiteJson | null): DeadlockParticipant {
    const t = this.threads.get(k)!;
    const holds = [...t.holds.values()];
    return { pid: t.pid, threadId: t.threadId, holds: holds.map((h) => h.lock.label), waitsFor: waitsFor.label, site: at, heldAt: holds.map((h) => h.site) };
  }

  /** Every blocking wait that has lasted the grace period, as edges to the holders of its lock. */
  private edges(now: number): Map<string, Edge[]> {
    const edges = new Map<string, Edge[]>();
    for (const [k, t] of this.threads) {
      if (!t.alive && !t.wait) continue;
      const blocking: Blocking[] = [];
      if (t.wait) blocking.push(t.wait);
      for (const r of t.requests.values()) blocking.push(r);
      for (const b of blocking) {
        if (now - b.since < this.graceNs) continue;
        for (const h of this.holders.get(b.lock.key) ?? []) {
          if (h === k) continue;
          let list = edges.get(k);
          if (!list) edges.set(k, (list = []));
          list.push({ from: k, to: h, lock: b.lock, site: b.site });
        }
      }
    }
    return edges;
  }

  /** A process whose every known thread is blocked in an untimed Atomics.wait (no cycle reported). */
  private allBlocked(now: number): DeadlockReport[] {
    const byPid = new Map<number, ThreadState[]>();
    for (const t of this.threads.values()) {
      if (!t.alive) continue;
      let list = byPid.get(t.pid);
      if (!list) byPid.set(t.pid, (list = []));
      list.push(t);
    }
    const out: DeadlockReport[] = [];
    for (const [pid, list] of byPid) {
      if (this.reportedPids.has(pid)) continue;
      if (!list.every((t) => t.wait && now - t.wait.since >= this.graceNs)) continue;
      this.reportedPids.add(pid);
      list.sort((a, b) => a.threadId - b.threadId);
      out.push({ ts: now, cycle: list.map((t) => this.participant(threadKey(t.pid, t.threadId), t.wait!.lock, t.wait!.site)) });
    }
    return out;
  }

  private thread(pid: number, threadId: number): ThreadState {
    const k = threadKey(pid, threadId);
    let t = this.threads.get(k);
    if (!t) {
      this.threads.set(k, (t = { pid, threadId, requests: new Map(), holds: new Map(), alive: true }));
      let keys = this.threadsOfPid.get(pid);
      if (!keys) this.threadsOfPid.set(pid, (keys = []));
      keys.push(k);
    }
    return t;
  }

  private release(k: string, lockKey: string): void {
    this.threads.get(k)?.holds.delete(lockKey);
    const h = this.holders.get(lockKey);
    if (h) {
      h.delete(k);
      if (h.size === 0) this.holders.delete(lockKey);
    }
  }

  /** A thread that ended waits for nothing; its Web Locks are released (its Atomics words are not). */
  private end(k: string): void {
    const t = this.threads.get(k);
    if (!t) return;
    t.alive = false;
    t.wait = undefined;
    t.requests.clear();
    for (const [key, h] of [...t.holds]) if (h.lock.kind === 'weblock') this.release(k, key);
  }
}

interface Edge {
  from: string;
  to: string;
  lock: LockRef;
  site: SiteJson | null;
}

/** Elementary cycles of a small graph, each starting at its smallest thread key. */
function findCycles(edges: Map<string, Edge[]>): Edge[][] {
  const cycles: Edge[][] = [];
  const nodes = [...edges.keys()].sort(compareThreadKeys);
  for (const start of nodes) {
    const path: Edge[] = [];
    const onPath = new Set<string>([start]);
    const dfs = (at: string): void => {
      for (const e of edges.get(at) ?? []) {
        if (e.to === start) {
          cycles.push([...path, e]);
          continue;
        }
        // only visit nodes after `start` so each cycle is found once, from its smallest node
        if (onPath.has(e.to) || compareThreadKeys(e.to, start) < 0 || !edges.has(e.to)) continue;
        onPath.add(e.to);
        path.push(e);
        dfs(e.to);
        path.pop();
        onPath.delete(e.to);
      }
    };
    dfs(start);
  }
  return cycles;
}

function compareThreadKeys(a: string, b: string): number {
  const [pa, ta] = a.split(':').map(Number);
  const [pb, tb] = b.split(':').map(Number);
  return pa - pb || ta - tb;
}
