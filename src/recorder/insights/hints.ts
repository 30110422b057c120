// Editor hints: the insights said at the source line that caused them ("spawned 3 workers · 12 ms",
// "1,204 messages · p95 0.4 ms", "waited 2.1 s on lock"), each with the event a click reveals. Pure,
// so the extension only has to place them.
import type { EditorHint, Insights } from '../../protocol/insights';
import type { SiteJson } from '../../protocol/trace';
import { countOf } from '../../protocol/figures';
import { formatValue } from './format';
import { median, siteKey } from './stats';

const dur = (v: number) => formatValue(v, 'ms');

export function editorHints(i: Insights): EditorHint[] {
  const out: EditorHint[] = [];
  // creation: one hint per call site and kind
  const bySite = new Map<string, { site: SiteJson; items: Insights['creation']['items'] }>();
  for (const c of i.creation.items) {
    if (!c.evidence.site) continue;
    const k = c.kind + '\u0000' + siteKey(c.evidence.site);
    const entry = bySite.get(k) ?? { site: c.evidence.site, items: [] };
    entry.items.push(c);
    bySite.set(k, entry);
  }
  for (const { site, items } of bySite.values()) {
    const timed = items.filter((c) => c.ms !== null).map((c) => c.ms!).sort((a, b) => a - b);
    const failed = items.length - timed.length;
    const what = items[0].kind === 'worker' ? `created ${countOf(items.length, 'worker')}` : `spawned ${countOf(items.length, 'process', 'processes')}`;
    const cost = timed.length === 0 ? '' : timed.length === 1 ? ` · ${dur(timed[0])}` : ` · median ${dur(median(timed))}, slowest ${dur(timed[timed.length - 1])}`;
    const errors = failed ? ` · ${countOf(failed, 'failure')}` : '';
    const slowest = items.reduce((a, b) => ((b.ms ?? -1) > (a.ms ?? -1) ? b : a));
    out.push({ site, text: what + cost + errors, topic: 'creation', evidence: slowest.evidence });
  }
  for (const s of i.messages.sites) {
    if (!s.site) continue;
    const lat = s.latency ? ` · p95 ${dur(s.latency.p95Ms)}` : '';
    out.push({ site: s.site, text: `${countOf(s.count, 'message')}${lat} · ${formatValue(s.copiedBytes, 'bytes')} copied`, topic: 'messages', evidence: s.evidence });
  }
  const large = new Map<string, { hint: EditorHint; n: number; bytes: number; ipc: boolean }>();
  for (const l of i.messages.largeCopies) {
    if (!l.evidence.site) continue;
    const k = siteKey(l.evidence.site);
    const e = large.get(k) ?? { hint: { site: l.evidence.site, text: '', topic: 'large-copy' as const, evidence: l.evidence }, n: 0, bytes: 0, ipc: l.channelKind === 'process' };
    e.n++;
    e.bytes = Math.max(e.bytes, l.copiedBytes);
    large.set(k, e);
  }
  for (const { hint, n, bytes, ipc } of large.values()) {
    const fix = ipc ? 'IPC copies every byte; a worker could transfer or share it' : 'transfer or share it instead';
    hint.text = `copies ${formatValue(bytes, 'bytes')}${n > 1 ? ` (${n} times)` : ''}: ${fix}`;
    out.push(hint);
  }
  for (const c of i.locks.contended) {
    for (const s of c.sites) {
      if (!s.waited || !s.evidence) continue;
      out.push({ site: { file: s.file, line: s.line, column: s.column }, text: `waited ${dur(s.totalWaitMs)} on ${lockPhrase(c.lock)} (${countOf(s.waited, 'time')})`, topic: 'lock', evidence: s.evidence });
    }
  }
  for (const c of i.crashes.crashes) {
    if (!c.evidence.site) continue;
    const survivors = c.outlived.length ? ` · ${countOf(c.outlived.length, 'survivor')}` : '';
    out.push({ site: c.evidence.site, text: `crash ${c.order}: ${c.name}${c.message ? ': ' + c.message : ''}${survivors}`, topic: 'crash', evidence: c.evidence });
  }
  return out;
}

/**
 * A lock as a hint names it beside the code: its kind and what the code chose (a Web Lock's name, an
 * Atomics word's index), not the recording's id of its buffer (`atomics:4960.0.1[0]`: a pid that
 * changes every run), which the timeline and `ctrace summary` show.
 */
function lockPhrase(label: string): string {
  const atomics = /^atomics:.*\[(\d+)\]$/.exec(label);
  if (atomics) return `an Atomics lock (index ${atomics[1]})`;
  if (label.startsWith('weblock:')) return `Web Lock "${label.slice('weblock:'.length)}"`;
  if (label.startsWith('async-mutex:')) return 'an async-mutex lock';
  return label;
}
