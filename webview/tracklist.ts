// The accessible track list: a <ul role="tree"> of process groups (nested by parentage) holding one
// item per thread and per counter. It is the canvas's row index too: every visible label row has the
// height of its canvas row and the same order, so screen readers, tests and the renderer agree on
// what each row is. Counter rows say where their figures come from: in schedMode 'node' Node's own
// (a thread's CPU or only its event loop's busy time; switch counts per process, never per thread).
import type { Proc, Track, TraceModel } from './model';

export type RowType = 'cores' | 'proc' | 'mem' | 'thread' | 'cpu' | 'csw';

export interface Row {
  type: RowType;
  key: string;
  label: string;
  /** shorter text shown when the label would not fit (the full label stays the accessible name) */
  short?: string;
  y: number;
  h: number;
  proc?: Proc;
  track?: Track;
}

const HEIGHT: Record<RowType, number> = { cores: 28, proc: 22, mem: 28, thread: 28, cpu: 24, csw: 24 };

export interface TrackListState {
  collapsed: Set<string>;
  expanded: Set<string>;
  hidden: Set<string>;
}

export class TrackList {
  rows: Row[] = [];
  height = 0;
  private builtFor = -1;
  constructor(
    private readonly ul: HTMLUListElement,
    private readonly model: TraceModel,
    readonly state: TrackListState,
    private readonly onChange: () => void,
  ) {
    ul.setAttribute('role', 'tree');
    ul.setAttribute('aria-label', 'Processes and threads');
    // a property, not a listener: a new list for a new trace replaces the old one's handler
    ul.onkeydown = (e) => this.key(e);
  }

  /** Rebuilds when processes or threads appeared (cheap: one element per row). */
  sync(force = false): void {
    if (!force && this.builtFor === this.model.layoutVersion) return;
    this.builtFor = this.model.layoutVersion;
    const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
    this.rows = [];
    this.ul.replaceChildren();
    this.height = 0;
    const m = this.model;
    const anySched = m.tracks.some((t) => t.hasSched) || [...m.procs.values()].some((p) => p.usage.n > 0);
    if (anySched) {
      const label = m.coresFromNode ? 'Busy cores (process CPU, from Node: node mode)' : 'Busy cores';
      this.item(this.ul, { type: 'cores', key: 'cores', label, short: 'Busy cores', y: 0, h: 0 }, 1, false);
    }
    const procs = [...m.procs.values()].filter((p) => p.tracks.length);
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const roots = procs.filter((p) => !byPid.has(p.ppid) || p.ppid === p.pid).sort(order);
    for (const p of roots) this.proc(this.ul, p, procs, 1);
    const again = focusedKey && this.ul.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusedKey)}"]`);
    if (again) again.focus();
  }

  private proc(parent: HTMLElement, p: Proc, all: Proc[], level: number): void {
    const key = 'p' + p.pid;
    const group = this.item(parent, { type: 'proc', key, label: p.label(), short: p.shortLabel(), y: 0, h: 0, proc: p }, level, true);
    if (!group) return;
    if (p.memTs.n) this.item(group, { type: 'mem', key: key + 'm', label: `memory (pid ${p.pid})`, y: 0, h: 0, proc: p }, level + 1, false);
    // node mode: Node counts switches for the whole process only, so they get a process row, not thread rows
    if (p.usage.n && !p.tracks.some((t) => t.hasOsSched)) {
      const label = `context switches, pid ${p.pid}, whole process (voluntary / involuntary, from Node: node mode)`;
      this.item(group, { type: 'csw', key: key + 's', label, short: `context switches (pid ${p.pid})`, y: 0, h: 0, proc: p }, level + 1, false);
    }
    const rank = (t: Track) => (t.kind === 'main' ? 0 : t.kind === 'worker' ? 1 : t.kind === 'recorder' ? 3 : 2);
    const threads = [...p.tracks].sort((a, b) => rank(a) - rank(b) || a.threadId - b.threadId || a.tid - b.tid);
    for (const t of threads) {
      const tk = 't' + t.pid + ':' + t.tid + ':' + t.threadId;
      const g = this.item(group, { type: 'thread', key: tk, label: t.label(), y: 0, h: 0, proc: p, track: t }, level + 1, t.hasSched);
      if (g && t.hasSched) {
        const who = `${t.name || 'thread'} ${t.tid}`;
        const cpu = t.fromNode ? `${t.cpuWhat}, ${who} (from Node: node mode)` : `CPU, ${who}`;
        this.item(g, { type: 'cpu', key: tk + 'c', label: cpu, short: `${t.cpuWhat}, ${who}`, y: 0, h: 0, proc: p, track: t }, level + 2, false);
        if (t.hasOsSched) this.item(g, { type: 'csw', key: tk + 's', label: `context switches, ${who} (voluntary / involuntary)`, y: 0, h: 0, proc: p, track: t }, level + 2, false);
      }
    }
    for (const c of all.filter((c) => c.ppid === p.pid && c !== p).sort(order)) this.proc(group, c, all, level + 1);
  }

  /** Adds one tree item; returns its child group when it has children and is expanded. */
  private item(parent: HTMLElement, row: Row, level: number, hasChildren: boolean): HTMLElement | undefined {
    const hidden = this.state.hidden.has(row.key);
    const li = document.createElement('li');
    li.setAttribute('role', 'treeitem');
    li.setAttribute('aria-level', String(level));
    li.dataset.key = row.key;
    li.className = 'ct-item ct-' + row.type;
    li.tabIndex = -1;
    const label = document.createElement('div');
    label.className = 'ct-label';
    label.style.paddingLeft = `${(level - 1) * 12 + 4}px`;
    const text = document.createElement('span');
    text.className = 'ct-label-text';
    // in three parts, so a narrow column cuts what rows share and keeps what tells them apart
    const [head, key, rest] = labelParts(row.short ?? row.label);
    for (const [part, cls] of [[head, 'ct-label-head'], [key, 'ct-label-key'], [rest, 'ct-label-rest']]) {
      if (!part) continue;
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = part;
      text.append(span);
    }
    text.title = row.label;
    li.setAttribute('aria-label', row.label);
    // Threads are collapsed by default (their counters are extra rows); processes are open.
    const expanded = hasChildren && (row.type === 'thread' ? this.state.expanded.has(row.key) : !this.state.collapsed.has(row.key));
    if (hasChildren) {
      li.setAttribute('aria-expanded', String(expanded));
      const tw = document.createElement('button');
      tw.className = 'ct-twisty';
      tw.tabIndex = -1;
      tw.textContent = expanded ? '▾' : '▸';
      tw.setAttribute('aria-label', (expanded ? 'Collapse ' : 'Expand ') + row.label);
      tw.addEventListener('click', () => this.toggle(row, !expanded));
      label.append(tw);
    } else {
      const sp = document.createElement('span');
      sp.className = 'ct-twisty-space';
      label.append(sp);
    }
    label.append(text);
    // Not a Tab stop (one per row would make the tree hundreds of stops long): from the keyboard,
    // Delete on the focused track does the same, which the item announces.
    li.setAttribute('aria-keyshortcuts', 'Delete');
    const hide = document.createElement('button');
    hide.className = 'ct-hide';
    hide.tabIndex = -1;
    hide.textContent = '×';
    hide.title = 'Hide this track (Delete)';
    hide.setAttribute('aria-label', 'Hide ' + row.label);
    hide.addEventListener('click', () => this.hide(row));
    label.append(hide);
    li.append(label);
    parent.append(li);
    if (hidden) {
      li.hidden = true;
      return undefined;
    }
    row.h = HEIGHT[row.type];
    row.y = this.height;
    this.height += row.h;
    label.style.height = `${row.h}px`;
    this.rows.push(row);
    if (!expanded) return undefined;
    const group = document.createElement('ul');
    group.setAttribute('role', 'group');
    li.append(group);
    return group;
  }

  /** Hides a track (a process with everything under it); `focusNext` is the item to focus after. */
  private hide(row: Row, focusNext?: string): void {
    this.state.hidden.add(row.key);
    this.sync(true);
    const next = focusNext && this.ul.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusNext)}"]`);
    if (next) next.focus();
    this.onChange();
  }

  private toggle(row: Row, open: boolean): void {
    if (row.type === 'thread') open ? this.state.expanded.add(row.key) : this.state.expanded.delete(row.key);
    else open ? this.state.collapsed.delete(row.key) : this.state.collapsed.add(row.key);
    this.sync(true);
    this.onChange();
  }

  rowAt(y: number): Row | undefined {
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      const r = this.rows[m];
      if (y < r.y) hi = m - 1;
      else if (y >= r.y + r.h) lo = m + 1;
      else return r;
    }
    return undefined;
  }

  rowOfTrack(t: Track): Row | undefined {
    return this.rows.find((r) => r.type === 'thread' && r.track === t);
  }

  /** Tree keyboard: up/down move, left/right collapse/expand, Delete hides. */
  private key(e: KeyboardEvent): void {
    const cur = (e.target as HTMLElement).closest('li') as HTMLLIElement | null;
    if (!cur) return;
    const items = Array.from(this.ul.querySelectorAll<HTMLLIElement>('li[role=treeitem]:not([hidden])')).filter((li) => li.offsetParent !== null);
    const at = items.indexOf(cur);
    const row = this.rows.find((r) => r.key === cur.dataset.key);
    if (e.key === 'ArrowDown' && at + 1 < items.length) items[at + 1].focus();
    else if (e.key === 'ArrowUp' && at > 0) items[at - 1].focus();
    else if (e.key === 'ArrowRight' && row && cur.getAttribute('aria-expanded') === 'false') this.toggle(row, true);
    else if (e.key === 'ArrowLeft' && row && cur.getAttribute('aria-expanded') === 'true') this.toggle(row, false);
    else if (e.key === 'Delete' && row) {
      // focus stays in the tree: on the next item that is not inside the hidden one, else the one before
      const next = items.slice(at + 1).find((li) => !cur.contains(li)) ?? items[at - 1];
      this.hide(row, next?.dataset.key);
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }
}

/**
 * A label as [head, key, rest] around what tells its row from the others: the last "pid N" or
 * "tid N" (with the parenthesis before it), else the last number. "node (tid 7971)" is
 * ["node ", "(tid 7971)", ""]; "node main.js (pid 70, ppid 62)" is ["node main.js ", "(pid 70", ", ppid 62)"].
 * The stylesheet cuts the rest first, then the head, the key last, so six threads named "node" do
 * not all read "node (ti…". A label without a number is all head.
 */
export function labelParts(text: string): [string, string, string] {
  let m: RegExpExecArray | null = null;
  for (const re of [/\b(?:pid|tid) \d+/g, /\b\d+\b/g]) {
    for (let r = re.exec(text); r; r = re.exec(text)) m = r;
    if (m) break;
  }
  if (!m) return [text, '', ''];
  let from = m.index;
  let to = from + m[0].length;
  if (text[from - 1] === '(') from--;
  if (text.length - to < 3) to = text.length; // a closing parenthesis stays with its key
  return [text.slice(0, from), text.slice(from, to), text.slice(to)];
}

function order(a: Proc, b: Proc): number {
  return a.startTs - b.startTs || a.pid - b.pid;
}
