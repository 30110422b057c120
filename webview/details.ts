// The details pane: what the selected event is, when, where (pid, tid, threadId, call site) and what
// it links to (send -> receipt, spawn -> child, notify -> woken wait), each link a button that jumps.
// Everything from the trace is set with textContent: a trace is data, never markup.
import { CHANNEL_NAMES, CRASH_KIND_NAMES, EventKind, KIND_NAMES, LOCK_KIND_NAMES, parseSite, THREAD_KIND_NAMES, WAIT_RESULT_NAMES } from '../src/protocol/events';
import { fmtBytes, fmtDur } from './format';
import { FlowType, SPAN_NAMES, TraceModel } from './model';

export interface DetailsActions {
  jump(i: number): void;
  openSite(file: string, line: number, column: number): void;
}

const LINK_OUT: Record<number, string> = {
  [FlowType.Message]: 'receipt →',
  [FlowType.Spawn]: 'child process →',
  [FlowType.Worker]: 'worker thread →',
  [FlowType.Wake]: 'woke →',
  [FlowType.Report]: 'reported to its parent →',
};
const LINK_IN: Record<number, string> = {
  [FlowType.Message]: '← send',
  [FlowType.Spawn]: '← spawned by',
  [FlowType.Worker]: '← created by',
  [FlowType.Wake]: '← woken by',
  [FlowType.Report]: '← the crash itself',
};

export function renderDetails(root: HTMLElement, model: TraceModel, i: number, actions: DetailsActions): void {
  root.replaceChildren();
  const h = document.createElement('h2');
  if (i < 0 || i >= model.eventCount) {
    h.textContent = 'Details';
    const p = document.createElement('p');
    p.className = 'ct-hint';
    p.textContent = 'Click an event on the timeline, or use the arrow keys, to see its details.';
    root.append(h, p);
    return;
  }
  const kind = model.kind.a[i];
  const tr = model.tracks[model.track.a[i]];
  const f = model.fields(i);
  const span = model.spanOf(i);
  h.textContent = span ? `${SPAN_NAMES[span.type]} (${KIND_NAMES[kind]})` : KIND_NAMES[kind] ?? `kind ${kind}`;
  h.dataset.kind = KIND_NAMES[kind] ?? String(kind);
  root.append(h);
  const dl = document.createElement('dl');
  const row = (k: string, v: string | Node, label = k) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    if (typeof v === 'string') dd.textContent = v;
    else dd.append(v);
    dd.dataset.field = k;
    dl.append(dt, dd);
  };
  const ts = model.ts.a[i];
  row('kind', KIND_NAMES[kind] ?? String(kind));
  row('start', `${fmtDur(ts - model.origin)} (${ts} ns)`);
  if (span) row('duration', fmtDur(span.end - span.start) + (model.openSpans.has(i) ? ' (never ended: still open when the trace ends)' : ''));
  row('pid', String(tr.pid));
  row('tid', String(tr.tid));
  if (tr.threadId >= 0) row('threadId', String(tr.threadId));
  row('thread', tr.name || tr.kind);
  // a message's size: on its receipt since format 2 (where the clone is read), on its send in
  // format 1 (whose structured-clone receipts have none); what was transferred is on the send
  const message = kind === EventKind.MessageSend || kind === EventKind.MessageReceive;
  if (message) {
    const other = kind === EventKind.MessageSend ? (f.bytes ? undefined : linkedFields(model, i, true)) : f.bytes ? undefined : linkedFields(model, i, false);
    const send = kind === EventKind.MessageSend ? f : linkedFields(model, i, false);
    const bytes = f.bytes || other?.bytes;
    const shared = f.sharedBytes || other?.sharedBytes;
    const moved = send?.transferredBytes;
    if (typeof bytes === 'number') {
      const parts = [fmtBytes(bytes)];
      if (typeof moved === 'number' && moved) parts.push(`${fmtBytes(moved)} transferred`);
      if (typeof shared === 'number' && shared) parts.push(`${fmtBytes(shared)} shared`);
      row('size', parts.join(', '));
    } else row('size', `not known (sized where it is received, and no receipt was recorded)${typeof moved === 'number' && moved ? `; ${fmtBytes(moved)} transferred` : ''}`);
  }
  for (const [name, value] of Object.entries(f)) {
    if (name === 'site' || name === 'stack' || value === undefined) continue;
    if (message && (name === 'bytes' || name === 'sharedBytes' || name === 'transferredBytes')) continue;
    if (name === 'json' && kind === EventKind.Deadlock) continue;
    // fields that repeat the rows above say nothing new
    if ((name === 'pid' && value === tr.pid) || (name === 'tid' && value === tr.tid) || (name === 'threadId' && value === tr.threadId)) continue;
    row(name, describe(kind, name, value), fieldLabel(name));
  }
  const extra = kind === EventKind.Deadlock && typeof f.json === 'string' ? deadlock(dl, model, f.json, actions) : [];
  const site = typeof f.site === 'string' ? f.site : undefined;
  const parsed = parseSite(site);
  if (site) {
    if (parsed) {
      const b = document.createElement('button');
      b.className = 'ct-link ct-site';
      b.textContent = site;
      b.title = 'Open this call site in the editor (Enter on a selected event does the same)';
      b.addEventListener('click', () => actions.openSite(parsed.file, parsed.line, parsed.column));
      row('call site', b);
    } else row('call site', site);
  }
  root.append(dl, ...extra);
  if (typeof f.stack === 'string' && f.stack) {
    const hs = document.createElement('h3');
    hs.textContent = 'stack';
    const pre = document.createElement('pre');
    pre.className = 'ct-stack';
    pre.textContent = f.stack;
    root.append(hs, pre);
  }
  const links = model.linksOf(i);
  if (links.length) {
    const hl = document.createElement('h3');
    hl.textContent = 'linked events';
    const ul = document.createElement('ul');
    ul.className = 'ct-links';
    for (const l of links.slice(0, 50)) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.className = 'ct-link ct-jump';
      const other = model.tracks[model.track.a[l.other]];
      const dt = model.ts.a[l.other] - ts;
      b.textContent = (l.outgoing ? LINK_OUT : LINK_IN)[l.type];
      b.dataset.target = String(l.other);
      const note = document.createElement('span');
      note.className = 'ct-link-note';
      note.textContent = ` ${KIND_NAMES[model.kind.a[l.other]]} on ${other.name || 'thread'} (pid ${other.pid}, tid ${other.tid}), ${dt >= 0 ? '+' : '−'}${fmtDur(Math.abs(dt))}`;
      b.addEventListener('click', () => actions.jump(l.other));
      li.append(b, note);
      ul.append(li);
    }
    root.append(hl, ul);
  }
}

/** The fields of the send a receipt pairs with, if the trace has it. */
/** The fields of the other end of message i: its (first) receipt if `outgoing`, else its send. */
function linkedFields(model: TraceModel, i: number, outgoing: boolean): ReturnType<TraceModel['fields']> | undefined {
  const link = model.linksOf(i).find((l) => l.outgoing === outgoing && l.type === FlowType.Message);
  return link === undefined ? undefined : model.fields(link.other);
}

interface Participant {
  pid: number;
  threadId: number;
  holds?: string[];
  waitsFor?: string;
  site?: { file: string; line: number; column: number } | null;
}

/** The cycle of a deadlock: who holds what and waits for what, where, with a jump to each thread's wait. */
function deadlock(dl: HTMLElement, model: TraceModel, json: string, actions: DetailsActions): HTMLElement[] {
  let cycle: Participant[] = [];
  try {
    const r = JSON.parse(json) as { cycle?: Participant[] };
    cycle = Array.isArray(r.cycle) ? r.cycle : [];
  } catch {
    const dt = document.createElement('dt');
    dt.textContent = 'report';
    const dd = document.createElement('dd');
    dd.textContent = json;
    dl.append(dt, dd);
    return [];
  }
  const list = document.createElement('ol');
  list.className = 'ct-cycle';
  for (const p of cycle) {
    const li = document.createElement('li');
    const tr = model.tracks.find((t) => t.pid === p.pid && t.threadId === p.threadId);
    const who = tr ? `${tr.name || 'thread'} (pid ${p.pid}, threadId ${p.threadId})` : `pid ${p.pid} threadId ${p.threadId}`;
    li.append(document.createTextNode(`${who} holds ${(p.holds ?? []).join(', ') || 'nothing'} and waits for ${p.waitsFor ?? '?'}`));
    if (p.site) {
      const site = p.site;
      const b = document.createElement('button');
      b.className = 'ct-link';
      b.textContent = ` at ${site.file}:${site.line}:${site.column}`;
      b.addEventListener('click', () => actions.openSite(site.file, site.line, site.column));
      li.append(b);
    }
    // the wait itself: the last wait or lock request that thread began
    if (tr) {
      for (let k = tr.ev.n - 1; k >= 0; k--) {
        const i = tr.ev.a[k];
        const kd = model.kind.a[i];
        if (kd !== EventKind.AtomicsWaitBegin && kd !== EventKind.LockRequest) continue;
        const b = document.createElement('button');
        b.className = 'ct-link ct-jump';
        b.textContent = ' its wait →';
        b.addEventListener('click', () => actions.jump(i));
        li.append(b);
        break;
      }
    }
    list.append(li);
  }
  const h = document.createElement('h3');
  h.textContent = 'cycle';
  return [h, list];
}

/**
 * A record field's name as a row label: words, not the wire's camelCase ("target pid", "lock id"),
 * and a thread start's own `kind` apart from the row above that names the event's kind.
 */
function fieldLabel(name: string): string {
  if (name === 'kind') return 'thread kind';
  return name.replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

function describe(kind: number, name: string, v: number | string): string {
  if (typeof v === 'string') return v;
  if (name.endsWith('Bytes') || name === 'bytes') return fmtBytes(v);
  if (name === 'channelKind') return CHANNEL_NAMES[v] ?? String(v);
  if (name === 'crashKind') return CRASH_KIND_NAMES[v] ?? String(v);
  if (name === 'lockKind') return LOCK_KIND_NAMES[v] ?? String(v);
  if (name === 'result' && kind === EventKind.AtomicsWaitEnd) return WAIT_RESULT_NAMES[v] ?? String(v);
  if (name === 'kind' && kind === EventKind.ThreadStart) return THREAD_KIND_NAMES[v] ?? String(v);
  return String(v);
}
