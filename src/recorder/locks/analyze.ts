// Whole-trace lock analysis: wait and hold spans per thread, the wake-up that ended each wait, and
// contention per lock and acquire site, ranked by total wait. Deadlocks: the Deadlock records the
// live detector wrote, else the detector replayed over the trace (a trace recorded without it).
//
// When an acquisition "waited":
//   atomics      the thread blocked in Atomics.wait / waitAsync on the lock word since it last took it;
//                the wait runs from the first such wait to the acquire
//   weblock      another thread held the lock when the request was made; request -> grant
//   async-mutex  the request was queued (the agent's `waited` flag); request -> grant
// Holds run from acquire to release; a lock never released (the program ended or hung) adds no hold.
//
// Cost: near-linear in the events (1M lock events in seconds), because summarize() runs this on
// every `ctrace summary`. Matching notifies to woken waits looks only at the waits on the notify's
// word that are in progress at it (a heap by end time) or end near it (binary search, skipping
// matched waits in O(1)); test/unit/locks-scale.test.ts holds it to the plain quadratic rules.

import { EventKind, WaitResult, type TraceEvent } from '../../protocol/events';
import type { ContentionEntry, ContentionSite, DeadlockReport, SiteJson } from '../../protocol/trace';
import { DeadlockDetector } from './detector';
import { acquireSite, atomicsRef, lockOf, threadKey, type LockKindName } from './keys';

export interface LockSpan {
  type: 'wait' | 'hold';
  pid: number;
  threadId: number;
  lock: string;
  kind: LockKindName;
  start: number;
  /** undefined: still open at the end of the trace */
  end?: number;
  site: SiteJson | null;
  /** waits: how it ended (atomics: ok / not-equal / timed-out; locks: granted) */
  result?: 'ok' | 'not-equal' | 'timed-out' | 'interrupted' | 'granted' | 'cancelled';
}

/** An arrow from the notify or release that ended a wait to the woken thread. */
export interface Wakeup {
  lock: string;
  from: { pid: number; threadId: number; ts: number };
  to: { pid: number; threadId: number; ts: number };
}

export interface LockAnalysis {
  contention: ContentionEntry[];
  deadlocks: DeadlockReport[];
  spans: LockSpan[];
  wakeups: Wakeup[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const RESULTS = ['ok', 'not-equal', 'timed-out', 'interrupted'] as const;
const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
const NOTIFY_SLACK_NS = 1e6;
const SKEW_NS = 20e6;

interface Entry {
  lock: string;
  kind: LockKindName;
  acquisitions: number;
  waited: number;
  totalWaitNs: number;
  maxWaitNs: number;
  totalHoldNs: number;
  sites: Map<string, { site: SiteJson; acquisitions: number; waited: number; totalWaitNs: number }>;
}

export function analyzeLocks(events: readonly TraceEvent[]): LockAnalysis {
  const sorted = inTimeOrder(events) ? events : [...events].sort((a, b) => a.ts - b.ts);
  const spans: LockSpan[] = [];
  const wakeups: Wakeup[] = [];
  const entries = new Map<string, Entry>();
  const entry = (key: string, label: string, kind: LockKindName): Entry => {
    let x = entries.get(key);
    if (!x) entries.set(key, (x = { lock: label, kind, acquisitions: 0, waited: 0, totalWaitNs: 0, maxWaitNs: 0, totalHoldNs: 0, sites: new Map() }));
    return x;
  };

  // per thread (by pid, then threadId): its open waits by waitId, the first wait on each word since
  // it last took it, its pending requests by lockId, its holds by lock key then lockId (0: atomics)
  const threads = new Map<number, Map<number, ThreadLocks>>();
  const threadOf = (pid: number, threadId: number): ThreadLocks => {
    let byId = threads.get(pid);
    if (!byId) threads.set(pid, (byId = new Map()));
    let t = byId.get(threadId);
    if (!t) byId.set(threadId, (t = { key: threadKey(pid, threadId), openWaits: new Map(), firstWait: new Map(), requests: new Map(), holds: new Map() }));
    return t;
  };
  const holders = new Map<string, Set<ThreadLocks>>(); // lockKey -> threads
  const endedWaits = new Map<string, EndedWait[]>(); // lockKey -> ok waits in end order
  const notifies: Notify[] = [];
  // lockKey -> its latest release: events come in time order, so a grant's own release is the latest
  const lastRelease = new Map<string, { pid: number; threadId: number; ts: number }>();
  const deadlocks: DeadlockReport[] = [];
  const detector = new DeadlockDetector();

  for (const e of sorted) {
    detector.add(e);
    switch (e.kind) {
      case EventKind.AtomicsWaitBegin: {
        const t = threadOf(e.pid, e.threadId);
        const ref = atomicsRef(String(e.fields.lock ?? ''), num(e.fields.index));
        const span: LockSpan = { type: 'wait', pid: e.pid, threadId: e.threadId, lock: ref.label, kind: 'atomics', start: e.ts, site: siteJson(e) };
        spans.push(span);
        t.openWaits.set(num(e.fields.waitId), { span, key: ref.key });
        if (!t.firstWait.has(ref.key)) t.firstWait.set(ref.key, e.ts);
        break;
      }
      case EventKind.AtomicsWaitEnd: {
        const t = threadOf(e.pid, e.threadId);
        const w = t.openWaits.get(num(e.fields.waitId));
        if (!w) break;
        t.openWaits.delete(num(e.fields.waitId));
        w.span.end = e.ts;
        w.span.result = RESULTS[num(e.fields.result)] ?? 'ok';
        if (num(e.fields.result) === WaitResult.Ok) {
          let list = endedWaits.get(w.key);
          if (!list) endedWaits.set(w.key, (list = []));
          list.push({ thread: t.key, pid: e.pid, threadId: e.threadId, start: w.span.start, end: e.ts, index: list.length, matched: false });
        }
        break;
      }
      case EventKind.AtomicsNotify: {
        const ref = atomicsRef(String(e.fields.lock ?? ''), num(e.fields.index));
        notifies.push({ key: ref.key, pid: e.pid, threadId: e.threadId, ts: e.ts, woken: num(e.fields.woken), matched: 0 });
        break;
      }
      case EventKind.LockRequest: {
        const t = threadOf(e.pid, e.threadId);
        const ref = lockOf(e)!;
        const span: LockSpan = { type: 'wait', pid: e.pid, threadId: e.threadId, lock: ref.label, kind: ref.kind, start: e.ts, site: siteJson(e) };
        spans.push(span);
        let others = false;
        for (const h of holders.get(ref.key) ?? []) if (h !== t) others = true;
        t.requests.set(num(e.fields.lockId), { span, ts: e.ts, contended: others, key: ref.key });
        break;
      }
      case EventKind.LockAcquired: {
        const t = threadOf(e.pid, e.threadId);
        const ref = lockOf(e)!;
        const x = entry(ref.key, ref.label, ref.kind);
        const id = num(e.fields.lockId);
        let waitedNs = -1;
        let at = siteJson(e);
        if (ref.kind === 'atomics') {
          const fw = t.firstWait.get(ref.key);
          if (fw !== undefined) {
            waitedNs = e.ts - fw;
            t.firstWait.delete(ref.key);
          }
        } else {
          const r = t.requests.get(id);
          if (r) {
            t.requests.delete(id);
            r.span.end = e.ts;
            r.span.result = 'granted';
            at = r.span.site ?? at;
            const queued = ref.kind === 'async-mutex' ? num(e.fields.waited) === 1 : r.contended;
            if (queued) {
              waitedNs = e.ts - r.ts;
              // the release that let this request through: the latest one, if it came after the request
              const rel = lastRelease.get(ref.key);
              if (rel && rel.ts >= r.ts) wakeups.push({ lock: ref.label, from: rel, to: { pid: e.pid, threadId: e.threadId, ts: e.ts } });
            }
          }
        }
        x.acquisitions++;
        const siteKey = at ? `${at.file}:${at.line}:${at.column}` : '?';
        let s = x.sites.get(siteKey);
        if (!s && at) x.sites.set(siteKey, (s = { site: at, acquisitions: 0, waited: 0, totalWaitNs: 0 }));
        if (s) s.acquisitions++;
        if (waitedNs >= 0) {
          x.waited++;
          x.totalWaitNs += waitedNs;
          if (waitedNs > x.maxWaitNs) x.maxWaitNs = waitedNs;
          if (s) {
            s.waited++;
            s.totalWaitNs += waitedNs;
          }
        }
        let h = holders.get(ref.key);
        if (ref.kind === 'atomics' && h) {
          // the word was 0 when taken: whoever held it before released it in a way we do not watch
          for (const other of [...h]) {
            const byId = other.holds.get(ref.key);
            const prev = byId?.get(0);
            if (!prev) continue;
            byId!.delete(0);
            prev.span.end = e.ts;
            prev.entry.totalHoldNs += e.ts - prev.span.start;
            h.delete(other);
          }
        }
        const span: LockSpan = { type: 'hold', pid: e.pid, threadId: e.threadId, lock: ref.label, kind: ref.kind, start: e.ts, site: at };
        spans.push(span);
        let mine = t.holds.get(ref.key);
        if (!mine) t.holds.set(ref.key, (mine = new Map()));
        mine.set(ref.kind === 'atomics' ? 0 : id, { span, entry: x });
        if (!h) holders.set(ref.key, (h = new Set()));
        h.add(t);
        break;
      }
      case EventKind.LockReleased: {
        const t = threadOf(e.pid, e.threadId);
        const ref = lockOf(e)!;
        const id = num(e.fields.lockId);
        const r = t.requests.get(id);
        if (r) {
          t.requests.delete(id);
          r.span.end = e.ts;
          r.span.result = 'cancelled';
          break;
        }
        const byId = t.holds.get(ref.key);
        const hid = ref.kind === 'atomics' ? 0 : id;
        const hold = byId?.get(hid);
        if (!hold) break;
        byId!.delete(hid);
        hold.span.end = e.ts;
        hold.entry.totalHoldNs += e.ts - hold.span.start;
        holders.get(ref.key)?.delete(t);
        lastRelease.set(ref.key, { pid: e.pid, threadId: e.threadId, ts: e.ts });
        break;
      }
      case EventKind.Deadlock: {
        try {
          const r = JSON.parse(String(e.fields.json)) as DeadlockReport;
          if (r && Array.isArray(r.cycle)) deadlocks.push({ ts: r.ts ?? e.ts, cycle: r.cycle });
        } catch {
          // a damaged record is not a deadlock
        }
        break;
      }
    }
  }

  matchNotifies(notifies, endedWaits, wakeups);

  if (deadlocks.length === 0 && sorted.length > 0) deadlocks.push(...detector.check(sorted[sorted.length - 1].ts));

  if (sorted.length > 0) countUnfinished(threads, entries, sorted[sorted.length - 1].ts);

  const contention: ContentionEntry[] = [...entries.values()]
    .map((x) => ({
      lock: x.lock,
      kind: x.kind,
      acquisitions: x.acquisitions,
      waited: x.waited,
      totalWaitMs: ms(x.totalWaitNs),
      maxWaitMs: ms(x.maxWaitNs),
      totalHoldMs: ms(x.totalHoldNs),
      sites: [...x.sites.values()]
        .sort((a, b) => b.totalWaitNs - a.totalWaitNs || b.waited - a.waited || b.acquisitions - a.acquisitions)
        .map((s): ContentionSite => ({ ...s.site, waited: s.waited, totalWaitMs: ms(s.totalWaitNs) })),
    }))
    .sort((a, b) => b.totalWaitMs - a.totalWaitMs || b.waited - a.waited || b.acquisitions - a.acquisitions);

  return { contention, deadlocks, spans, wakeups };
}

/**
 * Waits and holds still open when the trace ends (a deadlock's, a program killed while it waited)
 * count up to that end: the locks a user most needs to see must not read as never waited for. An
 * Atomics wait counts only on a word some thread took as a lock (a wait used as a sleep or on a flag
 * is not one); a Web Lock or async-mutex request counts when it had to queue.
 */
function countUnfinished(threads: Map<number, Map<number, ThreadLocks>>, entries: Map<string, Entry>, end: number): void {
  const wait = (x: Entry, ns: number, site: SiteJson | null | undefined) => {
    x.waited++;
    x.totalWaitNs += ns;
    if (ns > x.maxWaitNs) x.maxWaitNs = ns;
    if (!site) return;
    const k = `${site.file}:${site.line}:${site.column}`;
    let s = x.sites.get(k);
    if (!s) x.sites.set(k, (s = { site, acquisitions: 0, waited: 0, totalWaitNs: 0 }));
    s.waited++;
    s.totalWaitNs += ns;
  };
  for (const byId of threads.values()) {
    for (const t of byId.values()) {
      const counted = new Set<string>();
      for (const w of t.openWaits.values()) {
        const x = entries.get(w.key);
        if (!x || counted.has(w.key)) continue;
        counted.add(w.key);
        wait(x, end - (t.firstWait.get(w.key) ?? w.span.start), w.span.site);
      }
      for (const r of t.requests.values()) {
        if (r.contended || r.span.kind === 'async-mutex') {
          const x = entries.get(r.key) ?? { lock: r.span.lock, kind: r.span.kind, acquisitions: 0, waited: 0, totalWaitNs: 0, maxWaitNs: 0, totalHoldNs: 0, sites: new Map() };
          entries.set(r.key, x);
          wait(x, end - r.ts, r.span.site);
        }
      }
      for (const byKey of t.holds.values()) for (const h of byKey.values()) h.entry.totalHoldNs += end - h.span.start;
    }
  }
}

function inTimeOrder(events: readonly TraceEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (!(events[i - 1].ts <= events[i].ts)) return false;
  return true;
}

interface ThreadLocks {
  key: string;
  openWaits: Map<number, { span: LockSpan; key: string }>;
  /** lock key -> ts of the first wait on it since the thread last took it */
  firstWait: Map<string, number>;
  requests: Map<number, { span: LockSpan; ts: number; contended: boolean; key: string }>;
  holds: Map<string, Map<number, { span: LockSpan; entry: Entry }>>;
}

interface EndedWait {
  thread: string;
  pid: number;
  threadId: number;
  start: number;
  end: number;
  /** position in its word's list (end order), which breaks ties between equal ends */
  index: number;
  matched: boolean;
}

interface Notify {
  key: string;
  pid: number;
  threadId: number;
  ts: number;
  woken: number;
  matched: number;
}

/**
 * Which ok waits each notify woke (notifies in time order, first come first served).
 *
 * First pass: the earliest-ending unmatched ok waits of other threads on the word that were in
 * progress at the notify. The notify's time is taken just before the call (so a wake-up never
 * precedes it); a wait that began in that short gap was still woken by it, hence the slack on the
 * start side. Notify times only grow, so a word's waits join a heap (by end) once they have begun
 * by the notify's time plus the slack, and leave it for good once they ended before a notify.
 *
 * Second pass: rarely (loaded machine) a woken wait seems to begin ms after the notify that woke
 * it; each thread calibrates its own clock, the likely cause. A notify left with woken threads
 * unmatched takes the nearest unmatched ok wait on its word, within SKEW_NS (ties: the earlier).
 *
 * Third pass (swapPartners): a notify still short whose only unmatched waits near it are its own
 * thread's, which it cannot have woken.
 */
function matchNotifies(notifies: readonly Notify[], endedWaits: ReadonlyMap<string, EndedWait[]>, wakeups: Wakeup[]): void {
  const arrows = new Map<string, Arrow[]>(); // by word, in the order they were made
  const arrow = (n: Notify, w: EndedWait): void => {
    w.matched = true;
    n.matched++;
    const wake = wakeOf(n, w);
    wakeups.push(wake);
    let list = arrows.get(n.key);
    if (!list) arrows.set(n.key, (list = []));
    list.push({ n, w, wake, order: list.length });
  };

  const inProgress = new Map<string, { byStart: EndedWait[]; next: number; heap: WaitHeap }>();
  for (const n of notifies) {
    const list = endedWaits.get(n.key);
    if (!list) continue;
    let st = inProgress.get(n.key);
    if (!st) inProgress.set(n.key, (st = { byStart: [...list].sort((a, b) => a.start - b.start || a.index - b.index), next: 0, heap: new WaitHeap() }));
    const { byStart, heap } = st;
    while (st.next < byStart.length && byStart[st.next].start <= n.ts + NOTIFY_SLACK_NS) heap.push(byStart[st.next++]);
    while (heap.size > 0 && heap.peek().end < n.ts) heap.pop();
    const self = threadKey(n.pid, n.threadId);
    const own: EndedWait[] = []; // the notifier's own waits: not woken by it, but may be by others
    let left = n.woken;
    while (heap.size > 0 && !(left <= 0)) {
      const w = heap.pop();
      if (w.thread === self) {
        own.push(w);
        continue;
      }
      left--;
      arrow(n, w);
    }
    for (const w of own) heap.push(w);
  }

  const unmatched = new Map<string, UnmatchedIndex>();
  for (const n of notifies) {
    let left = n.woken - n.matched;
    if (!(left > 0)) continue;
    const list = endedWaits.get(n.key);
    if (!list) continue;
    let idx = unmatched.get(n.key);
    if (!idx) unmatched.set(n.key, (idx = new UnmatchedIndex(list)));
    const self = threadKey(n.pid, n.threadId);
    while (left-- > 0) {
      const best = nearestUnmatched(list, idx, n.ts, self);
      if (!best) break;
      idx.remove(best.index);
      arrow(n, best);
    }
  }
  swapPartners(notifies, endedWaits, unmatched, arrows, wakeups);
}

/** The arrow from a notify to the wait it woke. */
function wakeOf(n: Notify, w: EndedWait): Wakeup {
  return { lock: atomicsRefLabel(n.key), from: { pid: n.pid, threadId: n.threadId, ts: n.ts }, to: { pid: w.pid, threadId: w.threadId, ts: w.end } };
}

interface Arrow {
  n: Notify;
  w: EndedWait;
  wake: Wakeup;
  /** position among its word's arrows, in the order they were made */
  order: number;
}

/**
 * The first two passes take waits first come first served, so under clock skew a notify can lose
 * the wait it woke to another notify whose own wake-up is the first notifier's wait: left with only
 * its own thread's wait near it, it would go unmatched (and so would that wait). It then swaps
 * partners with an arrow on its word: that arrow's notify takes the notifier's wait and the notifier
 * takes that arrow's wait, when both new arrows join different threads within SKEW_NS. Chosen: the
 * smallest summed distance between each notify and the end of its new wait; ties: the earlier wait
 * (end order), then the earlier arrow. The changed arrow keeps its place in `wakeups`.
 */
function swapPartners(notifies: readonly Notify[], endedWaits: ReadonlyMap<string, EndedWait[]>, unmatched: Map<string, UnmatchedIndex>, arrows: Map<string, Arrow[]>, wakeups: Wakeup[]): void {
  const byTime = new Map<string, Arrow[]>(); // a word's arrows by notify time, made on first need
  for (const n of notifies) {
    let left = n.woken - n.matched;
    if (!(left > 0)) continue;
    const list = endedWaits.get(n.key);
    const made = arrows.get(n.key);
    if (!list || !made) continue;
    let idx = unmatched.get(n.key);
    if (!idx) unmatched.set(n.key, (idx = new UnmatchedIndex(list)));
    let sorted = byTime.get(n.key);
    if (!sorted) byTime.set(n.key, (sorted = [...made].sort((a, b) => a.n.ts - b.n.ts || a.order - b.order)));
    const self = threadKey(n.pid, n.threadId);
    while (left-- > 0) {
      let best: { w: EndedWait; a: Arrow; d: number } | undefined;
      // the notifier's own unmatched waits ending within SKEW_NS of it, in end order
      for (let i = idx.atOrAfter(lowerBound(list.length, (j) => list[j].end >= n.ts - SKEW_NS)); i < list.length && list[i].end <= n.ts + SKEW_NS; i = idx.atOrAfter(i + 1)) {
        const w = list[i];
        if (w.thread !== self) continue;
        // arrows whose notify is within SKEW_NS of this wait's end
        for (let k = lowerBound(sorted.length, (j) => sorted![j].n.ts >= w.end - SKEW_NS); k < sorted.length && sorted[k].n.ts <= w.end + SKEW_NS; k++) {
          const a = sorted[k];
          if (a.w.thread === self || threadKey(a.n.pid, a.n.threadId) === self) continue;
          const dw = Math.abs(a.w.end - n.ts);
          if (dw > SKEW_NS) continue;
          const d = dw + Math.abs(w.end - a.n.ts);
          if (!best || d < best.d || (d === best.d && best.w === w && a.order < best.a.order)) best = { w, a, d };
        }
      }
      if (!best) break;
      const { w, a } = best;
      idx.remove(w.index);
      w.matched = true;
      const theirs = a.w;
      a.w = w;
      a.wake.to = wakeOf(a.n, w).to;
      n.matched++;
      const wake = wakeOf(n, theirs);
      wakeups.push(wake);
      const mine: Arrow = { n, w: theirs, wake, order: made.length };
      made.push(mine);
      // after the arrows of the same time: it was made after them
      sorted.splice(lowerBound(sorted.length, (j) => sorted![j].n.ts > n.ts), 0, mine);
    }
  }
}

/** The first index in [0, n) for which `at` holds, `at` being false then true along the range. */
function lowerBound(n: number, at: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The unmatched wait of another thread whose end is nearest `ts` (within SKEW_NS); ties: the earlier in the list. */
function nearestUnmatched(list: readonly EndedWait[], idx: UnmatchedIndex, ts: number, self: string): EndedWait | undefined {
  const lo = lowerBound(list.length, (j) => list[j].end >= ts);
  // after: ends >= ts, distance grows with the index, so the first eligible one is the best
  let after: EndedWait | undefined;
  for (let i = idx.atOrAfter(lo); i < list.length; i = idx.atOrAfter(i + 1)) {
    const w = list[i];
    if (Math.abs(w.end - ts) > SKEW_NS) break;
    if (w.thread === self) continue;
    after = w;
    break;
  }
  // before: ends < ts, distance grows as the index falls; among equal distances the lowest index
  let before: EndedWait | undefined;
  for (let i = idx.atOrBefore(lo - 1); i >= 0; i = idx.atOrBefore(i - 1)) {
    const w = list[i];
    const d = Math.abs(w.end - ts);
    if (d > SKEW_NS || (before && d > Math.abs(before.end - ts))) break;
    if (w.thread !== self) before = w;
  }
  if (before && (!after || Math.abs(before.end - ts) <= Math.abs(after.end - ts))) return before;
  return after;
}

/** The unmatched positions of a list, found from any position in near O(1) (union-find, path halving). */
class UnmatchedIndex {
  private readonly right: Int32Array;
  private readonly left: Int32Array;

  constructor(list: readonly EndedWait[]) {
    const n = list.length;
    this.right = new Int32Array(n + 1);
    this.left = new Int32Array(n + 1); // shifted by one: left[i + 1] stands for position i, left[0] for "none"
    for (let i = 0; i <= n; i++) {
      const gone = i < n && list[i].matched;
      this.right[i] = gone ? i + 1 : i;
      this.left[i] = i > 0 && list[i - 1].matched ? i - 1 : i;
    }
  }

  remove(i: number): void {
    this.right[i] = i + 1;
    this.left[i + 1] = i;
  }

  /** the first unmatched position >= i, or the list's length */
  atOrAfter(i: number): number {
    const r = this.right;
    while (r[i] !== i) {
      r[i] = r[r[i]];
      i = r[i];
    }
    return i;
  }

  /** the last unmatched position <= i, or -1 */
  atOrBefore(i: number): number {
    const l = this.left;
    let j = i + 1;
    while (l[j] !== j) {
      l[j] = l[l[j]];
      j = l[j];
    }
    return j - 1;
  }
}

/** A binary min-heap of waits by (end, index). */
class WaitHeap {
  private readonly items: EndedWait[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): EndedWait {
    return this.items[0];
  }

  push(w: EndedWait): void {
    const a = this.items;
    let i = a.length;
    a.push(w);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(w, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = w;
  }

  pop(): EndedWait {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && before(a[l + 1], a[l]) ? l + 1 : l;
        if (!before(a[c], last)) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

const before = (a: EndedWait, b: EndedWait): boolean => a.end < b.end || (a.end === b.end && a.index < b.index);

function atomicsRefLabel(key: string): string {
  return `atomics:${key.slice(2)}`;
}

function siteJson(e: TraceEvent): SiteJson | null {
  const s = acquireSite(e.fields.site, e.fields.stack);
  return s ? { file: s.file, line: s.line, column: s.column } : null;
}
