// The insights panel beside the timeline: the figures the host computed for this trace (creation
// cost, messages, lock waits, deadlocks, crashes), each with a link that selects its evidence on the
// timeline. The webview computes none of it (it never imports the recorder); it arrives as an
// 'insights' message. Every string from the trace is set as text, never as HTML.
import type { Evidence, Insights } from '../src/protocol/insights';
import type { SiteJson } from '../src/protocol/trace';
import { fmtBytes } from './format';
import { countOf, formatFigure, outlivedBy } from '../src/protocol/figures';

// as the editor's hints and ctrace summary write a figure (protocol/figures): one trace never reads
// "39.85 ms" in the editor and "39.8 ms" here
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatFigure(v, 'ms'));
const where = (s: SiteJson | null | undefined) => (s ? `${s.file.split(/[\\/]/).pop()}:${s.line}` : '');

export function renderInsights(root: HTMLDetailsElement, i: Insights | undefined, reveal: (ev: Evidence) => void): void {
  const wasOpen = root.open;
  root.replaceChildren();
  const head = document.createElement('summary');
  head.textContent = 'Insights';
  root.append(head);
  root.hidden = !i;
  if (!i) return;
  root.open = wasOpen || root.dataset.seen !== 'true';
  root.dataset.seen = 'true';

  let list: HTMLUListElement | undefined;
  const section = (title: string) => {
    const h = document.createElement('h3');
    h.textContent = title;
    list = document.createElement('ul');
    list.className = 'ct-insight-list';
    root.append(h, list);
  };
  /** one figure; `ev` makes it a link that selects the event on the timeline */
  const item = (text: string, ev?: Evidence | null, site?: SiteJson | null) => {
    const li = document.createElement('li');
    li.className = 'ct-insight';
    if (ev) {
      const a = document.createElement('a');
      a.href = '#';
      a.className = 'ct-insight-link';
      a.textContent = text;
      a.title = 'Select this event on the timeline' + (site ? ` (${site.file}:${site.line})` : '');
      a.addEventListener('click', (e) => {
        e.preventDefault();
        reveal(ev);
      });
      li.append(a);
    } else li.textContent = text;
    list!.append(li);
  };

  const c = i.creation;
  if (c.groups.length) {
    section('Creation');
    for (const g of c.groups) {
      const what = g.kind === 'worker' ? countOf(g.count, 'worker') + ' created' : countOf(g.count, 'process', 'processes') + ' spawned';
      item(`${what}: median ${ms(g.medianMs)}, slowest ${ms(g.maxMs)}`, g.slowestSites[0]?.evidence, g.slowestSites[0]?.site);
    }
    for (const x of c.items.slice(0, 20)) {
      const who = x.kind === 'worker' ? `worker ${x.workerThreadId ?? ''}`.trim() : `${x.api} ${x.target ?? ''}`.trim();
      const cost = x.ms !== null ? ms(x.ms) : x.error ? `failed: ${x.error}` : 'never ran';
      item(`${who}${where(x.evidence.site) ? ' at ' + where(x.evidence.site) : ''} · ${cost}`, x.evidence, x.evidence.site);
    }
  }
  const m = i.messages;
  if (m.totals.count) {
    section('Messages');
    item(`${countOf(m.totals.count, 'message')} · ${fmtBytes(m.totals.copiedBytes)} copied${m.totals.latency ? ` · p95 ${ms(m.totals.latency.p95Ms)}` : ''}`);
    for (const s of m.sites.slice(0, 8)) item(`${where(s.site) || s.channelKind}: ${countOf(s.count, 'message')}${s.latency ? ` · p95 ${ms(s.latency.p95Ms)}` : ''}`, s.evidence, s.site);
    for (const l of m.largeCopies.slice(0, 5)) item(`copied ${fmtBytes(l.copiedBytes)} on a ${l.channelKind} channel: ${l.advice}`, l.evidence, l.evidence.site);
  }
  if (i.locks.contended.length || i.locks.deadlocks.length) {
    section('Locks');
    for (const d of i.locks.deadlocks) item(`deadlock: ${d.explanation.join('; ')}`, d.evidence, d.cycle[0]?.site);
    for (const l of i.locks.contended) item(`${l.lock}: waited ${ms(l.totalWaitMs)} in ${countOf(l.waited, 'wait')} (longest ${ms(l.maxWaitMs)})`, l.evidence);
  }
  if (i.crashes.crashes.length) {
    section('Crashes');
    for (const x of i.crashes.crashes) item(`${x.order}. ${x.name}${x.message ? ': ' + x.message : ''} (pid ${x.pid}, thread ${x.threadId}) · ${outlivedBy(x.outlived)}`, x.evidence, x.evidence.site);
  }
  section('CPU');
  const p = i.parallelism;
  if (p.recorded) {
    const over = p.oversubscribedMs === null ? '' : `; oversubscribed ${ms(p.oversubscribedMs)}`;
    item(`average ${p.averageBusyCores?.toFixed(2) ?? '—'} busy cores, peak ${p.peakBusyCores ?? '—'}${p.cores ? ` of ${p.cores}` : ''}${over}${p.source === 'node' ? ' (process CPU measured by Node)' : ''}`);
  }
  else item(p.note);
}
