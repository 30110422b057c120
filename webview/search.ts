// The search box: "kind:crash pid:1234 tid:1240 thread:worker some text". Kind, pid, tid and thread
// terms filter on the columns alone; free text is matched (case-insensitively) against the event's
// kind name, its thread's name and every string field, decoding chunks on demand.
import { KIND_NAMES } from '../src/protocol/events';
import type { TraceModel } from './model';

export interface Query {
  kinds?: Set<number>;
  pid?: number;
  tid?: number;
  thread?: string;
  text: string[];
}

const EXAMPLES: Record<string, string> = { kind: 'kind:crash', pid: 'pid:1234', tid: 'tid:1240', thread: 'thread:worker' };

export function parseQuery(q: string): Query | string {
  const out: Query = { text: [] };
  for (const tok of q.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(kind|pid|tid|thread):(.*)$/i.exec(tok);
    if (!m) {
      out.text.push(tok.toLowerCase());
      continue;
    }
    const [, key, val] = m;
    // "pid:" alone would read as pid 0, and "kind:" or "thread:" as everything
    if (val === '') return `"${tok}" needs a value, e.g. ${EXAMPLES[key.toLowerCase()]}.`;
    if (key.toLowerCase() === 'kind') {
      const want = val.toLowerCase();
      const kinds = Object.entries(KIND_NAMES).filter(([, n]) => n.includes(want)).map(([k]) => Number(k));
      if (!kinds.length) return `No event kind matches "${val}". Kinds: ${Object.values(KIND_NAMES).join(', ')}.`;
      out.kinds = new Set(kinds);
    } else if (key.toLowerCase() === 'thread') out.thread = val.toLowerCase();
    else {
      const n = Number(val);
      if (!Number.isInteger(n)) return `"${tok}": ${key} needs a number, e.g. ${key}:1234.`;
      if (key.toLowerCase() === 'pid') out.pid = n;
      else out.tid = n;
    }
  }
  return out;
}

/** Matching event indices in time order (at most `limit`). */
export function runQuery(model: TraceModel, q: Query, hiddenKinds: Set<number>, limit = 20000): number[] {
  const kindA = model.kind.a;
  const trackA = model.track.a;
  const trackOk = model.tracks.map(
    (t) => (q.pid === undefined || t.pid === q.pid) && (q.tid === undefined || t.tid === q.tid) && (q.thread === undefined || t.name.toLowerCase().includes(q.thread)),
  );
  const pre = (i: number) => trackOk[trackA[i]] && !hiddenKinds.has(kindA[i]) && (!q.kinds || q.kinds.has(kindA[i]));
  let hits: number[];
  if (!q.text.length) {
    hits = [];
    for (let i = 0; i < model.eventCount && hits.length < limit; i++) if (pre(i)) hits.push(i);
  } else {
    hits = model.scan((i, kind, _get, strings) => {
      if (!pre(i)) return false;
      const hay = [KIND_NAMES[kind] ?? '', model.tracks[trackA[i]].name, ...strings()].join('\n').toLowerCase();
      return q.text.every((t) => hay.includes(t));
    }, limit);
  }
  const ts = model.ts.a;
  return hits.sort((a, b) => ts[a] - ts[b]);
}
