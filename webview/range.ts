// The range pane (shift-drag on the timeline): the range's duration and what happened in it on the
// shown threads: events by kind, time spent waiting for and holding locks, CPU per thread (in node
// mode without per-thread CPU, the event loop's busy time, named so).
import { KIND_NAMES } from '../src/protocol/events';
import { fmtDur } from './format';
import { SpanType, TraceModel } from './model';
import { evLowerBound } from './render';
import type { Row } from './tracklist';

export function renderRange(pane: HTMLElement, model: TraceModel, rows: Row[], range: [number, number] | undefined, hiddenKinds: Set<number>, clear: () => void): void {
  pane.replaceChildren();
  if (!range) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const [a, b] = range;
  const h = document.createElement('h2');
  h.textContent = 'Range';
  const dl = document.createElement('dl');
  const row = (k: string, v: string) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.dataset.field = k;
    dd.textContent = v;
    dl.append(dt, dd);
  };
  row('duration', fmtDur(b - a));
  row('from', fmtDur(a - model.origin));
  row('to', fmtDur(b - model.origin));
  const counts = new Map<number, number>();
  let events = 0;
  let wait = 0;
  let hold = 0;
  const cpu: [string, number][] = [];
  const ts = model.ts.a;
  for (const r of rows) {
    if (r.type !== 'thread' || !r.track) continue;
    const tr = r.track;
    const k0 = evLowerBound(model, tr, a);
    const k1 = evLowerBound(model, tr, b);
    // counting every event of a huge range by kind would be O(events): past 200k per track, sample
    const stride = Math.max(1, Math.floor((k1 - k0) / 200000));
    for (let k = k0; k < k1; k += stride) {
      const kd = model.kind.a[tr.ev.a[k]];
      if (hiddenKinds.has(kd)) continue;
      counts.set(kd, (counts.get(kd) ?? 0) + stride);
      events += stride;
    }
    for (let k = tr.spanLowerBound(ts, a - tr.maxSpan); k < tr.spanCount && ts[tr.spanEv.a[k]] < b; k++) {
      const s = Math.max(a, ts[tr.spanEv.a[k]]);
      const e = Math.min(b, tr.spanEnd.a[k]);
      if (e <= s) continue;
      if (tr.spanType.a[k] === SpanType.LockHold) hold += e - s;
      else wait += e - s;
    }
    const s = tr.cpuSeries;
    if (s.n) cpu.push([`${tr.cpuWhat} ${tr.name || 'thread'} (tid ${tr.tid})`, s.runAt(b) - s.runAt(a)]);
  }
  row('events', events.toLocaleString('en'));
  for (const [k, n] of [...counts].sort((x, y) => y[1] - x[1]).slice(0, 8)) row(KIND_NAMES[k] ?? String(k), n.toLocaleString('en'));
  if (wait) row('time waiting for locks', fmtDur(wait));
  if (hold) row('time holding locks', fmtDur(hold));
  cpu.sort((x, y) => y[1] - x[1]);
  for (const [name, ns] of cpu.slice(0, 6)) row(name, `${fmtDur(ns)} (${((ns / (b - a)) * 100).toFixed(0)}%)`);
  const button = document.createElement('button');
  button.className = 'ct-link';
  button.textContent = 'Clear range (Esc)';
  button.addEventListener('click', clear);
  pane.append(h, dl, button);
}
