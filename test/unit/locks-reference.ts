// The straightforward lock analysis as first written (src/recorder/locks/analyze.ts before it was
// made near-linear), kept only as the oracle for test/unit/locks-scale.test.ts: the fast version
// must give exactly what this gives. It scans every ended wait per notify and every release per
// acquisition, so it is quadratic; tests run it on a few thousand events only.
import { EventKind, WaitResult, type TraceEvent } from '../../src/protocol/events';
import type { ContentionEntry, ContentionSite, DeadlockReport, SiteJson } from '../../src/protocol/trace';
import { DeadlockDetector } from '../../src/recorder/locks/detector';
import { acquireSite, atomicsRef, lockOf, threadKey, type LockKindName } from '../../src/recorder/locks/keys';

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

export function analyzeLocksReference(events: readonly TraceEvent[]): LockAnalysis {
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  const spans: LockSpan[] = [];
  const wakeups: Wakeup[] = [];
  const entries = new Map<string, Entry>();
  const entry = (key: string, label: string, kind: LockKindName): Entry => {
    let x = entries.get(key);
    if (!x) entries.set(key, (x = { lock: label, kind, acquisitions: 0, waited: 0, totalWaitNs: 0, maxWaitNs: 0, totalHoldNs: 0, sites: new Map() }));
    return x;
  };

  const openWaits = new Map<string, { span: LockSpan; key: string; thread: string }>(); // by thread:waitId
  const firstWait = new Map<string, number>(); // thread|lockKey -> ts of the first wait since last acquire
  const requests = new Map<string, { span: LockSpan; key: string; ts: number; contended: boolean }>(); // thread|lockId
  const holds = new Map<string, { span: LockSpan; entry: Entry }>(); // thread|lockKey|lockId
  const holders = new Map<string, Set<string>>(); // lockKey -> threads
  const endedWaits: { key: string; thread: string; pid: number; threadId: number; start: number; end: number; matched: boolean }[] = [];
  const notifies: { key: string; pid: number; threadId: number; ts: number; woken: number; matched?: number }[] = [];
  const releases = new Map<string, { pid: number; threadId: number; ts: number }[]>(); // lockKey -> releases
  const deadlocks: DeadlockReport[] = [];
  const detector = new DeadlockDetector();

  for (const e of sorted) {
    detector.add(e);
    const thread = threadKey(e.pid, e.threadId);
    switch (e.kind) {
      case EventKind.AtomicsWaitBegin: {
        const ref = atomicsRef(String(e.fields.lock ?? ''), num(e.fields.index));
        const span: LockSpan = { type: 'wait', pid: e.pid, threadId: e.threadId, lock: ref.label, kind: 'atomics', start: e.ts, site: siteJson(e) };
        spans.push(span);
        openWaits.set(`${thread}|${num(e.fields.waitId)}`, { span, key: ref.key, thread });
        if (!firstWait.has(`${thread}|${ref.key}`)) firstWait.set(`${thread}|${ref.key}`, e.ts);
        break;
      }
      case EventKind.AtomicsWaitEnd: {
        const w = openWaits.get(`${thread}|${num(e.fields.waitId)}`);
        if (!w) break;
        openWaits.delete(`${thread}|${num(e.fields.waitId)}`);
        w.span.end = e.ts;
        w.span.result = RESULTS[num(e.fields.result)] ?? 'ok';
        if (num(e.fields.result) === WaitResult.Ok) endedWaits.push({ key: w.key, thread, pid: e.pid, threadId: e.threadId, start: w.span.start, end: e.ts, matched: false });
        break;
      }
      case EventKind.AtomicsNotify: {
        const ref = atomicsRef(String(e.fields.lock ?? ''), num(e.fields.index));
        notifies.push({ key: ref.key, pid: e.pid, threadId: e.threadId, ts: e.ts, woken: num(e.fields.woken) });
        break;
      }
      case EventKind.LockRequest: {
        const ref = lockOf(e)!;
        const span: LockSpan = { type: 'wait', pid: e.pid, threadId: e.threadId, lock: ref.label, kind: ref.kind, start: e.ts, site: siteJson(e) };
        spans.push(span);
        const others = [...(holders.get(ref.key) ?? [])].some((h) => h !== thread);
        requests.set(`${thread}|${num(e.fields.lockId)}`, { span, key: ref.key, ts: e.ts, contended: others });
        break;
      }
      case EventKind.LockAcquired: {
        const ref = lockOf(e)!;
        const x = entry(ref.key, ref.label, ref.kind);
        const id = num(e.fields.lockId);
        let waitedNs = -1;
        let at = siteJson(e);
        if (ref.kind === 'atomics') {
          const fw = firstWait.get(`${thread}|${ref.key}`);
          if (fw !== undefined) {
            waitedNs = e.ts - fw;
            firstWait.delete(`${thread}|${ref.key}`);
          }
        } else {
          const r = requests.get(`${thread}|${id}`);
          if (r) {
            requests.delete(`${thread}|${id}`);
            r.span.end = e.ts;
            r.span.result = 'granted';
            at = r.span.site ?? at;
            const queued = ref.kind === 'async-mutex' ? num(e.fields.waited) === 1 : r.contended;
            if (queued) {
              waitedNs = e.ts - r.ts;
              // the release that let this request through
              const rel = (releases.get(ref.key) ?? []).filter((q) => q.ts >= r.ts && q.ts <= e.ts).pop();
              if (rel) wakeups.push({ lock: ref.label, from: rel, to: { pid: e.pid, threadId: e.threadId, ts: e.ts } });
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
        if (ref.kind === 'atomics') {
          // the word was 0 when taken: whoever held it before released it in a way we do not watch
          for (const other of [...(holders.get(ref.key) ?? [])]) {
            const hk = `${other}|${ref.key}|0`;
            const prev = holds.get(hk);
            if (!prev) continue;
            holds.delete(hk);
            prev.span.end = e.ts;
            prev.entry.totalHoldNs += e.ts - prev.span.start;
            holders.get(ref.key)?.delete(other);
          }
        }
        const span: LockSpan = { type: 'hold', pid: e.pid, threadId: e.threadId, lock: ref.label, kind: ref.kind, start: e.ts, site: at };
        spans.push(span);
        holds.set(`${thread}|${ref.key}|${ref.kind === 'atomics' ? 0 : id}`, { span, entry: x });
        let h = holders.get(ref.key);
        if (!h) holders.set(ref.key, (h = new Set()));
        h.add(thread);
        break;
      }
      case EventKind.LockReleased: {
        const ref = lockOf(e)!;
        const id = num(e.fields.lockId);
        const r = requests.get(`${thread}|${id}`);
        if (r) {
          requests.delete(`${thread}|${id}`);
          r.span.end = e.ts;
          r.span.result = 'cancelled';
          break;
        }
        const hk = `${thread}|${ref.key}|${ref.kind === 'atomics' ? 0 : id}`;
        const hold = holds.get(hk);
        if (!hold) break;
        holds.delete(hk);
        hold.span.end = e.ts;
        hold.entry.totalHoldNs += e.ts - hold.span.start;
        holders.get(ref.key)?.delete(thread);
        let list = releases.get(ref.key);
        if (!list) releases.set(ref.key, (list = []));
        list.push({ pid: e.pid, threadId: e.threadId, ts: e.ts });
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

  // notify -> woken: the earliest-ending ok waits on the word that were in progress at the notify.
  // The notify's time is taken just before the call (so a wake-up never precedes it); a wait that
  // began in that short gap was still woken by it, hence the slack on the start side.
  type Notified = (typeof notifies)[number];
  type Ended = (typeof endedWaits)[number];
  const arrows: { n: Notified; w: Ended; wake: Wakeup }[] = [];
  const arrow = (n: Notified, w: Ended): void => {
    w.matched = true;
    n.matched = (n.matched ?? 0) + 1;
    const wake: Wakeup = { lock: atomicsRefLabel(n.key), from: { pid: n.pid, threadId: n.threadId, ts: n.ts }, to: { pid: w.pid, threadId: w.threadId, ts: w.end } };
    wakeups.push(wake);
    arrows.push({ n, w, wake });
  };
  for (const n of notifies) {
    let left = n.woken;
    const candidates = endedWaits.filter((w) => !w.matched && w.key === n.key && w.start <= n.ts + NOTIFY_SLACK_NS && w.end >= n.ts && w.thread !== threadKey(n.pid, n.threadId)).sort((a, b) => a.end - b.end);
    for (const w of candidates) {
      if (left-- <= 0) break;
      arrow(n, w);
    }
  }

  // Rarely (loaded machine) a woken wait seems to begin ms after the notify that woke it; each
  // thread calibrates its own clock, the likely cause. A notify left with woken threads unmatched
  // takes the nearest unmatched ok wait on its word, within SKEW_NS.
  for (const n of notifies) {
    let left = n.woken - (n.matched ?? 0);
    while (left-- > 0) {
      let best: Ended | undefined;
      for (const w of endedWaits) {
        if (w.matched || w.key !== n.key || w.thread === threadKey(n.pid, n.threadId)) continue;
        if (Math.abs(w.end - n.ts) > SKEW_NS) continue;
        if (!best || Math.abs(w.end - n.ts) < Math.abs(best.end - n.ts)) best = w;
      }
      if (!best) break;
      arrow(n, best);
    }
  }

  // A notify still short whose only unmatched waits near it are its own thread's: it swaps partners
  // with an arrow on its word (that arrow's notify takes the notifier's wait, the notifier takes that
  // arrow's wait) when both new arrows join different threads within SKEW_NS; the smallest summed
  // distance, ties: the earlier wait, then the earlier arrow.
  for (const n of notifies) {
    const self = threadKey(n.pid, n.threadId);
    let left = n.woken - (n.matched ?? 0);
    while (left-- > 0) {
      let best: { w: Ended; a: (typeof arrows)[number]; d: number } | undefined;
      for (const w of endedWaits) {
        if (w.matched || w.key !== n.key || w.thread !== self || Math.abs(w.end - n.ts) > SKEW_NS) continue;
        for (const a of arrows) {
          if (a.n.key !== n.key || a.w.thread === self || threadKey(a.n.pid, a.n.threadId) === self) continue;
          if (Math.abs(a.w.end - n.ts) > SKEW_NS || Math.abs(w.end - a.n.ts) > SKEW_NS) continue;
          const d = Math.abs(a.w.end - n.ts) + Math.abs(w.end - a.n.ts);
          if (!best || d < best.d) best = { w, a, d };
        }
      }
      if (!best) break;
      const { w, a } = best;
      const theirs = a.w;
      w.matched = true;
      a.w = w;
      a.wake.to = { pid: w.pid, threadId: w.threadId, ts: w.end };
      n.matched = (n.matched ?? 0) + 1;
      const wake: Wakeup = { lock: atomicsRefLabel(n.key), from: { pid: n.pid, threadId: n.threadId, ts: n.ts }, to: { pid: theirs.pid, threadId: theirs.threadId, ts: theirs.end } };
      wakeups.push(wake);
      arrows.push({ n, w: theirs, wake });
    }
  }

  if (deadlocks.length === 0 && sorted.length > 0) deadlocks.push(...detector.check(sorted[sorted.length - 1].ts));

  // still open at the last event: a blocked Atomics wait on a word someone took, a queued request and
  // a hold run until then
  if (sorted.length > 0) {
    const last = sorted[sorted.length - 1].ts;
    const addWait = (x: Entry, ns: number, site: SiteJson | null | undefined) => {
      x.waited += 1;
      x.totalWaitNs += ns;
      x.maxWaitNs = Math.max(x.maxWaitNs, ns);
      if (site) {
        const k = `${site.file}:${site.line}:${site.column}`;
        const s = x.sites.get(k) ?? { site, acquisitions: 0, waited: 0, totalWaitNs: 0 };
        x.sites.set(k, s);
        s.waited += 1;
        s.totalWaitNs += ns;
      }
    };
    const blocked = new Set<string>();
    for (const w of openWaits.values()) {
      const x = entries.get(w.key);
      if (x === undefined || blocked.has(`${w.thread}|${w.key}`)) continue;
      blocked.add(`${w.thread}|${w.key}`);
      addWait(x, last - (firstWait.get(`${w.thread}|${w.key}`) ?? w.span.start), w.span.site);
    }
    for (const r of requests.values()) {
      if (!r.contended && r.span.kind !== 'async-mutex') continue;
      addWait(entry(r.key, r.span.lock, r.span.kind), last - r.ts, r.span.site);
    }
    for (const h of holds.values()) h.entry.totalHoldNs += last - h.span.start;
  }

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

function atomicsRefLabel(key: string): string {
  return `atomics:${key.slice(2)}`;
}

function siteJson(e: TraceEvent): SiteJson | null {
  const s = acquireSite(e.fields.site, e.fields.stack);
  return s ? { file: s.file, line: s.line, column: s.column } : null;
}
