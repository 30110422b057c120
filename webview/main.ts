// The timeline webview's entry: builds the page, receives trace bytes from the host (VS Code or the
// standalone page's bootstrap) over the message protocol, and wires the model, the canvas renderer,
// the accessible track list, the details pane, search, filters, range statistics and live follow.
import { EventKind, KIND_NAMES } from '../src/protocol/events';
import type { HostToView } from '../src/protocol/messages';
import { checkedLostRecords, lostRecordsNote } from '../src/protocol/session';
import { untracedNodeNote } from '../src/protocol/untraced-node';
import { renderDetails } from './details';
import { fmtDur } from './format';
import { countOf } from '../src/protocol/figures';
import { createHost } from './host';
import { TraceModel } from './model';
import { evLowerBound, Palette, readPalette, Renderer } from './render';
import { parseQuery, runQuery } from './search';
import { renderSummary } from './summary';
import { Row, TrackList } from './tracklist';
import { Viewport } from './viewport';
import { Axis } from './axis';
import { Minimap } from './minimap';
import { renderRange } from './range';
import { renderInsights } from './insights-panel';
import { Splitter } from './splitter';

interface SavedState {
  name: string;
  start: number;
  end: number;
  selected: number;
  hiddenKinds: number[];
  hidden: string[];
  collapsed: string[];
  expanded: string[];
  /** the host's token for this trace (its file), so a restored panel can show it again */
  restore?: string;
  /** sizes the user chose (px), kept whatever trace the panel shows next; unset: the default for the panel's size */
  labelWidth?: number;
  sideHeight?: number;
  sideWidth?: number;
  /** the lower panes folded to their heading (their height before is sideHeight) */
  sideFolded?: boolean;
}

const host = createHost();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// ------------------------------------------------------------------ page
const app = el('div', { class: 'ct-app' });
const toolbar = el('header', { class: 'ct-toolbar' });
const title = el('span', { class: 'ct-title' }, 'Concurrency Timeline');
const search = el('input', { type: 'search', id: 'ct-search', placeholder: 'Search: kind:crash pid:1234 thread:worker text', 'aria-label': 'Search events' });
const searchPrev = el('button', { id: 'ct-search-prev', title: 'Previous match (Shift+Enter)', 'aria-label': 'Previous match' }, '↑');
const searchNext = el('button', { id: 'ct-search-next', title: 'Next match (Enter)', 'aria-label': 'Next match' }, '↓');
const searchStatus = el('span', { id: 'ct-search-status', role: 'status' });
const filters = el('details', { class: 'ct-filters', id: 'ct-filters' });
const filtersSummary = el('summary', {}, 'Filters');
const filtersBody = el('div', { class: 'ct-filters-body' });
filters.append(filtersSummary, filtersBody);
const fitBtn = el('button', { id: 'ct-fit', title: 'Fit the whole trace (F or 0)' }, 'Fit');
const zoomIn = el('button', { id: 'ct-zoom-in', title: 'Zoom in (W)', 'aria-label': 'Zoom in' }, '+');
const zoomOut = el('button', { id: 'ct-zoom-out', title: 'Zoom out (S)', 'aria-label': 'Zoom out' }, '−');
const visibleRange = el('span', { id: 'ct-visible', role: 'status', 'aria-label': 'Visible time range' });
const liveBadge = el('span', { id: 'ct-live', class: 'ct-live', hidden: '' }, '● live');
const stats = el('span', { id: 'ct-stats', class: 'ct-muted' });
toolbar.append(title, search, searchPrev, searchNext, searchStatus, filters, zoomOut, zoomIn, fitBtn, visibleRange, liveBadge, stats);
const banner = el('div', { id: 'ct-banner', role: 'alert', class: 'ct-banner', hidden: '' });
const status = el('div', { id: 'ct-status', role: 'status', class: 'ct-status' });
const body = el('div', { class: 'ct-body' });
const timeline = el('div', { class: 'ct-timeline' });
const minimap = el('canvas', { id: 'ct-minimap', class: 'ct-minimap', 'aria-label': 'Overview of the whole trace: click, drag, or use the arrow keys, Page Up, Page Down, Home and End to move the view' });
const axis = el('div', { id: 'ct-axis', class: 'ct-axis', 'aria-hidden': 'true' });
const wrap = el('div', { class: 'ct-wrap' });
const scroll = el('div', { class: 'ct-scroll', id: 'ct-scroll' });
const tree = el('ul', { id: 'ct-tracks', class: 'ct-tracks' });
const spacer = el('div', { class: 'ct-spacer' });
scroll.append(tree, spacer);
const canvas = el('canvas', {
  id: 'ct-canvas',
  class: 'ct-canvas',
  tabindex: '0',
  role: 'img',
  'aria-label': 'Timeline. Keys: W/S zoom, A/D pan, F fit, arrows move between events, Tab and Shift+Tab step through events in time, Enter opens the call site, Escape clears the selection, shift-drag selects a range.',
});
wrap.append(scroll, canvas);
const labelSplitter = el('div', { id: 'ct-label-splitter', class: 'ct-splitter ct-label-splitter' });
timeline.append(minimap, axis, wrap, labelSplitter);
const sideSplitter = el('div', { id: 'ct-side-splitter', class: 'ct-splitter' });
const side = el('aside', { id: 'ct-side', class: 'ct-side' });
const details = el('section', { id: 'ct-details', class: 'ct-details', 'aria-label': 'Details', 'aria-live': 'polite' });
const rangePane = el('section', { id: 'ct-range', class: 'ct-range', 'aria-label': 'Range selection', hidden: '' });
const insightsPane = el('details', { id: 'ct-insights', class: 'ct-summary ct-insights', hidden: '' });
const summary = el('details', { id: 'ct-summary', class: 'ct-summary' });
side.append(details, rangePane, insightsPane, summary);
body.append(timeline, sideSplitter, side);
const tooltip = el('div', { id: 'ct-tooltip', class: 'ct-tooltip', role: 'tooltip', hidden: '' });
app.append(toolbar, banner, status, body, tooltip);
(document.getElementById('app') ?? document.body).append(app);

// ------------------------------------------------------------------ state
let model = new TraceModel();
const vp = new Viewport();
const hiddenKinds = new Set<number>();
const listState = { collapsed: new Set<string>(), expanded: new Set<string>(), hidden: new Set<string>() };
let tracks = new TrackList(tree, model, listState, () => changed(true));
const renderer = new Renderer(canvas, () => requestDraw());
let pal: Palette = readPalette(app);
let selected = -1;
let selFlows: number[] = [];
let range: [number, number] | undefined;
let matches: number[] = [];
let matchSet = new Set<number>();
let matchAt = -1;
let hasSource = host.inVsCode;
let loaded = false;
let firstFrame = false;
let restored: SavedState | undefined = host.getState<SavedState>();
let restoreToken: string | undefined;

// ------------------------------------------------------------------ layout
// The label column and the lower panes (details, range, insights, summary) are sized from CSS
// variables on the app: what the user chose with the splitters (kept in the view state, whatever
// trace comes next) or a default for the panel's size, clamped so the events always keep room.
// Below 720 px (timeline.css) the panes go under the events and start with a quarter of the panel's
// height; there they also fold to the details' heading (Enter on their splitter).
const layout = { labelWidth: restored?.labelWidth, sideHeight: restored?.sideHeight, sideWidth: restored?.sideWidth, sideFolded: !!restored?.sideFolded };
const LABEL_MIN = 100;
const EVENTS_MIN_W = 160;
const EVENTS_MIN_H = 100;
const SIDE_MIN_H = 40; // the details' heading: what a folded pane shows
const SIDE_MIN_W = 160;
const clamp = (v: number, [lo, hi]: [number, number]) => Math.round(Math.min(hi, Math.max(lo, v)));

/** The lower panes are under the events (a narrow panel), not beside them. */
const stacked = () => getComputedStyle(body).flexDirection === 'column';

function labelBounds(): [number, number] {
  return [LABEL_MIN, Math.max(LABEL_MIN, Math.min(640, timeline.clientWidth - EVENTS_MIN_W - 12))];
}
function sideBounds(): [number, number] {
  if (!stacked()) return [SIDE_MIN_W, Math.max(SIDE_MIN_W, body.clientWidth - sideSplitter.offsetWidth - LABEL_MIN - EVENTS_MIN_W)];
  const chrome = minimap.offsetHeight + axis.offsetHeight + sideSplitter.offsetHeight;
  return [SIDE_MIN_H, Math.max(SIDE_MIN_H, body.clientHeight - chrome - EVENTS_MIN_H)];
}

function applyLayout(): void {
  const under = stacked();
  const folded = under && layout.sideFolded;
  side.classList.toggle('ct-folded', folded);
  if (under) {
    // a quarter of the panel: the events keep most of a short one
    const h = layout.sideHeight ?? Math.min(320, Math.max(96, app.clientHeight * 0.25));
    app.style.setProperty('--ct-side-h', `${folded ? SIDE_MIN_H : clamp(h, sideBounds())}px`);
  } else if (layout.sideWidth !== undefined) app.style.setProperty('--ct-side-w', `${clamp(layout.sideWidth, sideBounds())}px`);
  else app.style.removeProperty('--ct-side-w'); // timeline.css's, by the panel's width
  // a third of what the timeline has, within reason (read after the panes took their size)
  const w = layout.labelWidth ?? Math.min(260, Math.max(150, timeline.clientWidth * 0.32));
  app.style.setProperty('--ct-label-w', `${clamp(w, labelBounds())}px`);
  labelSplit.update();
  sideSplit.update();
}

function layoutChanged(): void {
  applyLayout();
  requestDraw();
}
function layoutChosen(): void {
  clearTimeout(saveTimer);
  saveState();
}

const labelSplit = new Splitter(labelSplitter, {
  label: 'Width of the track names',
  controls: 'ct-tracks',
  axis: () => 'x',
  sign: () => 1,
  size: () => tree.offsetWidth,
  bounds: labelBounds,
  resize: (px) => {
    layout.labelWidth = clamp(px, labelBounds());
    layoutChanged();
  },
  done: layoutChosen,
  reset: () => {
    layout.labelWidth = undefined;
    layoutChanged();
  },
});
labelSplitter.title = 'Drag to resize the track names (double-click: default width)';

const sideSplit = new Splitter(sideSplitter, {
  label: 'Size of the details and insights (Enter folds them to their heading)',
  controls: 'ct-side',
  axis: () => (stacked() ? 'y' : 'x'),
  sign: () => -1, // moving the bar right or down leaves the panes less room
  size: () => (stacked() ? side.offsetHeight : side.offsetWidth),
  bounds: sideBounds,
  resize: (px) => {
    if (stacked()) {
      layout.sideHeight = clamp(px, sideBounds());
      layout.sideFolded = false;
    } else layout.sideWidth = clamp(px, sideBounds());
    layoutChanged();
  },
  done: layoutChosen,
  reset: () => {
    if (stacked()) {
      layout.sideHeight = undefined;
      layout.sideFolded = false;
    } else layout.sideWidth = undefined;
    layoutChanged();
  },
  fold: () => {
    if (!stacked()) return false;
    layout.sideFolded = !layout.sideFolded;
    layoutChanged();
    return true;
  },
});
sideSplitter.title = 'Drag to resize the details and insights (double-click: default size)';
// a folded pane shows the details' heading only: a click on it unfolds it
details.addEventListener('click', () => {
  if (!side.classList.contains('ct-folded')) return;
  layout.sideFolded = false;
  layoutChanged();
  layoutChosen();
});
applyLayout();
// the body too: a banner or a toolbar that wraps later shrinks it inside the fixed-height app, and
// the panes' height must be clamped again so the events keep their room
const relayout = new ResizeObserver(() => applyLayout());
relayout.observe(app);
relayout.observe(body);

new MutationObserver(() => {
  pal = readPalette(app);
  overview.invalidate();
  requestDraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// ------------------------------------------------------------------ messages
host.onMessage((msg: HostToView) => {
  try {
    handle(msg);
  } catch (e) {
    showBanner(`The timeline could not process the trace: ${(e as Error).message}`);
    host.post({ type: 'log', level: 'error', message: String((e as Error).stack ?? e) });
  }
});
host.post({ type: 'ready' });

function handle(msg: HostToView): void {
  switch (msg.type) {
    case 'load': {
      const t0 = performance.now();
      performance.mark('ctrace:bytes-available');
      model = new TraceModel();
      model.name = msg.name;
      hasSource = msg.hasSource ?? host.inVsCode;
      model.load(toBytes(msg.bytes), !!msg.live);
      renderInsights(insightsPane, undefined, () => {});
      tracks = new TrackList(tree, model, listState, () => changed(true));
      title.textContent = msg.name;
      liveBadge.hidden = !msg.live;
      loaded = true;
      firstFrame = false;
      selected = -1;
      selFlows = [];
      range = undefined;
      matches = [];
      matchSet = new Set();
      if (restored && restored.name === msg.name) applyState(restored);
      else vp.fit(model.minTs, model.maxTs);
      restored = undefined;
      restoreToken = msg.restore;
      saveState();
      reportProblems();
      host.post({ type: 'log', level: 'info', message: `decoded ${model.eventCount} events in ${(performance.now() - t0).toFixed(0)} ms` });
      changed(true);
      renderSummary(summary, model);
      break;
    }
    case 'append': {
      const wasAtEnd = vp.following && vp.end >= model.maxTs - vp.span * 0.02;
      const before = model.maxTs;
      model.append(toBytes(msg.bytes));
      if (model.eventCount && before === -Infinity) vp.fit(model.minTs, model.maxTs);
      else if (wasAtEnd && model.maxTs > before) {
        // showing everything: keep showing everything; showing the latest part: slide along with it
        if (vp.start <= model.minTs) vp.fit(model.minTs, model.maxTs);
        else vp.set(model.maxTs + vp.span * 0.02 - vp.span, model.maxTs + vp.span * 0.02);
      }
      reportProblems();
      // the tree and the filters are rebuilt only when threads or kinds appeared
      const kinds = model.kindCounts.reduce((n, c) => n + (c ? 1 : 0), 0);
      changed(model.layoutVersion !== layoutSeen || kinds !== kindsSeen);
      layoutSeen = model.layoutVersion;
      kindsSeen = kinds;
      break;
    }
    case 'ended':
      model.markEnded();
      liveBadge.hidden = true;
      status.textContent = 'Recording ended.';
      renderSummary(summary, model);
      changed(true);
      break;
    case 'reveal':
      reveal(msg.pid, msg.threadId, msg.ts, msg.kind);
      break;
    case 'insights':
      renderInsights(insightsPane, msg.insights, (ev) => reveal(ev.pid, ev.threadId, ev.ts, ev.kind));
      break;
    case 'error':
      showBanner(msg.message);
      break;
  }
}

function toBytes(b: Uint8Array | ArrayBuffer | number[]): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return Uint8Array.from(b);
}

function showBanner(text: string): void {
  banner.textContent = text;
  banner.hidden = false;
}

function reportProblems(): void {
  const lost = checkedLostRecords(model.meta.lostRecords);
  const notes = [...model.warnings];
  if (model.truncatedBytes && !model.live) notes.push(`The trace ends in the middle of a chunk (${countOf(model.truncatedBytes, 'byte')} cut off): the recording was cut short. Everything before that is shown.`);
  // with the others: a damaged stream and lost records often come together (a full disk)
  if (lost.length) notes.push(lostRecordsNote(lost));
  // once the recording has ended: a child may still be starting while it runs
  const untraced = model.live ? [] : model.untracedNode.found(new Set(lost.map((l) => l.pid)));
  if (untraced.length) notes.push(untracedNodeNote(untraced));
  // a finished recording with no Node process in it: say why the page is (nearly) empty
  if (!model.live && !lost.length && ![...model.procs.values()].some((p) => p.traced)) {
    notes.push('No Node.js process was traced: the command is not Node and started no Node process, or Node did not load the agent (NODE_OPTIONS replaced rather than extended). See ctrace record\'s note when it ran.');
  }
  if (model.error) showBanner(model.error);
  else if (notes.length) showBanner(notes.join(' '));
  else banner.hidden = true;
}

// ------------------------------------------------------------------ frame scheduling
let drawQueued = false;
let layoutSeen = -1;
let kindsSeen = -1;
let frames = 0;
function requestDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    frame();
  });
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** Something changed: re-layout if needed, redraw, remember the state for when the panel comes back. */
function changed(relayout = false): void {
  if (relayout) {
    tracks.sync(true);
    const first = tree.querySelector<HTMLElement>('li[role=treeitem]:not([hidden])');
    if (first) first.tabIndex = 0;
    buildFilters();
  } else tracks.sync();
  spacer.style.height = '0px';
  stats.textContent = headerCounts();
  requestDraw();
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveState, 300);
}

/**
 * "54 events · 1 process + 11 OS processes · 3 threads + 6 OS threads": counted as the recorder and
 * `ctrace summary` count them (events without samples; the traced Node processes and their JS
 * threads), with what only the scheduler capture saw (a shell, python3, Node's own threads) apart.
 */
function headerCounts(): string {
  const c = model.entityCounts();
  return `${countOf(model.eventCount, 'event')} · ${c.processes} · ${c.threads}`;
}

function saveState(): void {
  if (!loaded) return;
  host.setState<SavedState>({
    name: model.name,
    start: vp.start,
    end: vp.end,
    selected,
    hiddenKinds: [...hiddenKinds],
    hidden: [...listState.hidden],
    collapsed: [...listState.collapsed],
    expanded: [...listState.expanded],
    restore: restoreToken,
    ...layout,
  });
}

function applyState(s: SavedState): void {
  vp.set(s.start, s.end);
  hiddenKinds.clear();
  s.hiddenKinds.forEach((k) => hiddenKinds.add(k));
  listState.hidden = new Set(s.hidden);
  listState.collapsed = new Set(s.collapsed);
  listState.expanded = new Set(s.expanded);
  tracks = new TrackList(tree, model, listState, () => changed(true));
  if (s.selected >= 0 && s.selected < model.eventCount) select(s.selected, false);
}

function frame(): void {
  const t0 = performance.now();
  const w = Math.max(1, canvas.clientWidth); // a collapsed panel must not make the scale infinite
  vp.width = w;
  const ticks = axisView.update(model, vp);
  renderer.ticks = ticks;
  renderer.draw({
    model,
    vp,
    rows: tracks.rows,
    scrollTop: scroll.scrollTop,
    height: canvas.clientHeight,
    pal,
    hiddenKinds,
    selected,
    linkedTo: selected,
    range,
    matches: matchSet,
    selFlows,
    cpus: typeof model.meta.cpus === 'number' ? model.meta.cpus : 0,
  });
  overview.draw(model, vp, pal);
  // an empty or unreadable trace has no times (its bounds are ±Infinity): say so instead
  visibleRange.textContent = !loaded ? '' : model.maxTs >= model.minTs ? `${fmtDur(vp.start - model.origin)} – ${fmtDur(vp.end - model.origin)} (${fmtDur(vp.span)} visible)` : 'no events';
  // one User Timing entry per frame: the bench reads frame costs from here (the buffer is kept short)
  if (++frames % 500 === 0) performance.clearMeasures('ctrace:frame');
  performance.measure('ctrace:frame', { start: t0 });
  if (loaded && !firstFrame) {
    firstFrame = true;
    performance.mark('ctrace:first-frame');
    app.dataset.ready = 'true';
    // what later frames need (the flow index) is built after the first picture, not before it
    setTimeout(() => renderer.flowIndex.get(model), 0);
  }
}

// ------------------------------------------------------------------ axis and minimap
const axisView = new Axis(axis);
const overview = new Minimap(minimap, (t) => {
  const half = vp.span / 2;
  vp.set(t - half, t + half);
  vp.following = false;
  changed();
});

// ------------------------------------------------------------------ filters
function buildFilters(): void {
  filtersBody.replaceChildren();
  const kinds = el('fieldset', { class: 'ct-kinds' });
  kinds.append(el('legend', {}, 'Event kinds'));
  for (const [k, name] of Object.entries(KIND_NAMES)) {
    const kind = Number(k);
    const count = model.kindCounts[kind];
    if (!count) continue;
    const label = el('label', { class: 'ct-kind' });
    const box = el('input', { type: 'checkbox', 'data-kind': name });
    box.checked = !hiddenKinds.has(kind);
    box.addEventListener('change', () => {
      if (box.checked) hiddenKinds.delete(kind);
      else hiddenKinds.add(kind);
      if (selected >= 0 && hiddenKinds.has(model.kind.a[selected])) select(-1);
      changed();
    });
    label.append(box, document.createTextNode(` ${name} (${count.toLocaleString('en')})`));
    kinds.append(label);
  }
  filtersBody.append(kinds);
  const hidden = listState.hidden.size;
  const show = el('button', { id: 'ct-show-tracks' }, hidden ? `Show ${hidden} hidden track${hidden > 1 ? 's' : ''}` : 'No hidden tracks');
  show.disabled = !hidden;
  show.addEventListener('click', () => {
    listState.hidden.clear();
    changed(true);
  });
  filtersBody.append(show);
}

// ------------------------------------------------------------------ selection and navigation
function select(i: number, scrollIntoView = true, center = false): void {
  selected = i;
  selFlows = [];
  if (i >= 0) {
    const from = model.flowFrom.a, to = model.flowTo.a;
    for (let k = 0; k < model.flowCount; k++) if (from[k] === i || to[k] === i) selFlows.push(k);
    const tr = model.tracks[model.track.a[i]];
    host.post({ type: 'selection', pid: tr.pid, threadId: tr.threadId, ts: model.ts.a[i], kind: model.kind.a[i] });
  }
  renderDetails(details, model, i, { jump: (j) => jump(j), openSite });
  if (i >= 0 && scrollIntoView) ensureVisible(i, center);
  changed();
}

/** Select an event and bring it into view: its row scrolled in, its time inside the window. */
function jump(i: number): void {
  const tr = model.tracks[model.track.a[i]];
  // A jump is asked for (a link, a search, an editor hint): its row must be on screen even when the
  // user hid or collapsed it, or any process above it, or filtered its kind out.
  let relayout = listState.hidden.delete(rowKey(tr));
  const seen = new Set<number>();
  for (let p = model.procs.get(tr.pid); p && !seen.has(p.pid); p = model.procs.get(p.ppid)) {
    seen.add(p.pid);
    if (listState.hidden.delete('p' + p.pid)) relayout = true;
    if (listState.collapsed.delete('p' + p.pid)) relayout = true;
  }
  if (hiddenKinds.delete(model.kind.a[i])) relayout = true;
  if (relayout) changed(true);
  select(i, true, true);
  canvas.focus();
}

function rowKey(tr: { pid: number; tid: number; threadId: number }): string {
  return 't' + tr.pid + ':' + tr.tid + ':' + tr.threadId;
}

/** `center`: a jump (link, search, reveal) puts the event in the middle, like a "go to". */
function ensureVisible(i: number, center: boolean): void {
  const t = model.ts.a[i];
  if (center || t < vp.start || t > vp.end) {
    // centred, but kept over the data: no view of empty time before the start or after the end
    const width = vp.span;
    const pad = Math.max((model.maxTs - model.minTs) * 0.02, 1000);
    const lo = model.minTs - pad;
    const hi = model.maxTs + pad;
    if (width >= (hi - lo) * 0.999) vp.fit(model.minTs, model.maxTs);
    else {
      const start = Math.min(Math.max(t - width / 2, lo), hi - width);
      vp.set(start, start + width);
    }
    vp.following = false;
  }
  const row = tracks.rowOfTrack(model.tracks[model.track.a[i]]);
  if (row) {
    const view = scroll.clientHeight;
    if (row.y < scroll.scrollTop || row.y + row.h > scroll.scrollTop + view) scroll.scrollTop = Math.max(0, row.y - view / 3);
  }
}

function openSite(file: string, line: number, column: number): void {
  if (hasSource) host.post({ type: 'openSource', file, line, column });
  else status.textContent = `Source: ${file}:${line}:${column}`;
}

/** The next/previous visible event on the same track (arrow keys). */
function step(dir: 1 | -1): void {
  if (selected < 0) {
    const first = firstVisibleEvent();
    if (first >= 0) select(first);
    return;
  }
  const tr = model.tracks[model.track.a[selected]];
  const ev = tr.ev.a;
  let k = evLowerBound(model, tr, model.ts.a[selected]);
  while (k < tr.ev.n && ev[k] !== selected) k++;
  for (k += dir; k >= 0 && k < tr.ev.n; k += dir) if (!hiddenKinds.has(model.kind.a[ev[k]])) return select(ev[k]);
}

/** The earliest shown event at or after the view's start (or after the trace start when none is in view). */
function firstVisibleEvent(): number {
  for (const from of [vp.start, -Infinity]) {
    let best = -1;
    for (const r of tracks.rows) {
      if (r.type !== 'thread' || !r.track) continue;
      const tr = r.track;
      for (let k = evLowerBound(model, tr, from); k < tr.ev.n; k++) {
        const i = tr.ev.a[k];
        if (hiddenKinds.has(model.kind.a[i])) continue;
        if (best < 0 || model.ts.a[i] < model.ts.a[best]) best = i;
        break;
      }
    }
    if (best >= 0) return best;
  }
  return -1;
}

/** Tab / Shift+Tab: the next / previous shown event in time on any shown thread. */
function stepTime(dir: 1 | -1): void {
  const ts = model.ts.a;
  const t = ts[selected];
  let best = -1;
  const better = (i: number) => {
    if (i === selected || hiddenKinds.has(model.kind.a[i])) return false;
    const after = ts[i] > t || (ts[i] === t && i > selected);
    const before = ts[i] < t || (ts[i] === t && i < selected);
    if (dir === 1 ? !after : !before) return false;
    if (best < 0) return true;
    return dir === 1 ? ts[i] < ts[best] || (ts[i] === ts[best] && i < best) : ts[i] > ts[best] || (ts[i] === ts[best] && i > best);
  };
  for (const r of tracks.rows) {
    if (r.type !== 'thread' || !r.track) continue;
    const tr = r.track;
    const k = evLowerBound(model, tr, t);
    // the candidates are next to where t would sit; a few either side cover equal times and hidden kinds
    for (let j = Math.max(0, k - 8); j < Math.min(tr.ev.n, k + 8); j++) if (better(tr.ev.a[j])) best = tr.ev.a[j];
  }
  if (best >= 0) select(best);
}

/** Up/down: the nearest event in time on the previous/next thread row. */
function stepRow(dir: 1 | -1): void {
  const rows = tracks.rows.filter((r) => r.type === 'thread' && r.track && r.track.ev.n);
  if (!rows.length) return;
  if (selected < 0) return step(1);
  const cur = rows.findIndex((r) => r.track!.index === model.track.a[selected]);
  const next = rows[cur + dir];
  if (!next) return;
  const i = nearestOnTrack(next, model.ts.a[selected], Infinity);
  if (i >= 0) select(i);
}

function nearestOnTrack(r: Row, t: number, maxDt: number): number {
  const tr = r.track!;
  const ev = tr.ev.a;
  const k = evLowerBound(model, tr, t);
  let best = -1;
  let bestD = maxDt;
  for (let j = Math.max(0, k - 3); j < Math.min(tr.ev.n, k + 3); j++) {
    const i = ev[j];
    if (hiddenKinds.has(model.kind.a[i])) continue;
    const d = Math.abs(model.ts.a[i] - t);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** The event under a canvas point: a marker within a few pixels, else the span covering it. */
function hit(x: number, y: number): { row?: Row; event: number } {
  const row = tracks.rowAt(y + scroll.scrollTop);
  if (!row || row.type !== 'thread' || !row.track) return { row, event: -1 };
  const t = vp.t(x);
  const i = nearestOnTrack(row, t, vp.nsPerPx * 6);
  if (i >= 0) return { row, event: i };
  const tr = row.track;
  const n = tr.spanCount;
  const ts = model.ts.a;
  for (let k = tr.spanLowerBound(ts, t - tr.maxSpan); k < n && ts[tr.spanEv.a[k]] <= t; k++) {
    if (tr.spanEnd.a[k] >= t - vp.nsPerPx && !hiddenKinds.has(model.kind.a[tr.spanEv.a[k]])) return { row, event: tr.spanEv.a[k] };
  }
  return { row, event: -1 };
}

function reveal(pid: number, threadId: number, ts: number, kind?: number): void {
  // the recorder's own records (a deadlock it found) are on its track, which has no JS threadId
  const tr = model.tracks.find((t) => t.pid === pid && (t.threadId === threadId || (pid === 0 && t.kind === 'recorder')));
  if (!tr || !tr.ev.n) return;
  let best = -1;
  let bestD = Infinity;
  for (let k = 0; k < tr.ev.n; k++) {
    const i = tr.ev.a[k];
    if (kind !== undefined && model.kind.a[i] !== kind) continue;
    const d = Math.abs(model.ts.a[i] - ts);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  if (best >= 0) jump(best);
}

// ------------------------------------------------------------------ range statistics
function showRange(): void {
  renderRange(rangePane, model, tracks.rows, range, hiddenKinds, () => {
    range = undefined;
    showRange();
    changed();
  });
}

// ------------------------------------------------------------------ pointer
let drag: { x: number; y: number; start: number; end: number; shift: boolean; moved: boolean; scroll: number } | undefined;
canvas.addEventListener('pointerdown', (e) => {
  canvas.focus();
  canvas.setPointerCapture(e.pointerId);
  drag = { x: e.offsetX, y: e.offsetY, start: vp.start, end: vp.end, shift: e.shiftKey, moved: false, scroll: scroll.scrollTop };
});
canvas.addEventListener('pointermove', (e) => {
  lastMouseX = e.offsetX;
  if (!drag) return hover(e);
  const dx = e.offsetX - drag.x;
  if (Math.abs(dx) > 3 || Math.abs(e.offsetY - drag.y) > 3) drag.moved = true;
  if (!drag.moved) return;
  if (drag.shift) {
    const a = vp.t(Math.min(drag.x, e.offsetX));
    const b = vp.t(Math.max(drag.x, e.offsetX));
    range = [a, b];
  } else {
    const dt = (dx / vp.width) * (drag.end - drag.start);
    vp.set(drag.start - dt, drag.end - dt);
    vp.following = false;
    scroll.scrollTop = drag.scroll - (e.offsetY - drag.y);
  }
  requestDraw();
});
canvas.addEventListener('pointerup', (e) => {
  const d = drag;
  drag = undefined;
  if (!d) return;
  if (d.moved && d.shift) {
    showRange();
    changed();
  } else if (!d.moved) {
    const h = hit(e.offsetX, e.offsetY);
    select(h.event, false);
  } else changed();
});
canvas.addEventListener('pointerleave', () => {
  tooltip.hidden = true;
});
canvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) vp.pan(e.shiftKey ? e.deltaY : e.deltaX);
    else vp.zoomAt(e.offsetX, Math.exp(e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002)));
    vp.following = vp.end >= model.maxTs;
    changed();
  },
  { passive: false },
);
scroll.addEventListener('scroll', () => requestDraw());
new ResizeObserver(() => requestDraw()).observe(canvas);

let lastMouseX = -1;
function hover(e: PointerEvent): void {
  const h = hit(e.offsetX, e.offsetY);
  let text = '';
  if (h.event >= 0) {
    const i = h.event;
    const span = model.spanOf(i);
    const tr = model.tracks[model.track.a[i]];
    text = `${KIND_NAMES[model.kind.a[i]]} at ${fmtDur(model.ts.a[i] - model.origin)}${span ? `, ${fmtDur(span.end - span.start)}` : ''} · ${tr.name || 'thread'} (pid ${tr.pid}, tid ${tr.tid})`;
    const kind = model.kind.a[i];
    if (kind === EventKind.Crash || kind === EventKind.SpawnError) {
      const f = model.fields(i);
      text += `\n${f.name ?? f.code ?? 'Error'}: ${f.message ?? ''}`;
    }
  } else if (h.row && (h.row.type === 'cpu' || h.row.type === 'thread') && h.row.track?.hasSched) {
    const tr = h.row.track;
    const s = tr.cpuSeries;
    const t = vp.t(e.offsetX);
    const dt = vp.nsPerPx * 4;
    const pct = ((s.runAt(t + dt) - s.runAt(t - dt)) / (2 * dt)) * 100;
    text = `${h.row.label}: ${tr.cpuWhat} ${Math.max(0, pct).toFixed(0)}% at ${fmtDur(t - model.origin)}`;
    if (tr.fromNode) text += `\n${tr.cpuIsCpu ? "this thread's CPU time" : "the share of time this thread's event loop was busy (this Node has no per-thread CPU time)"}, as Node reported it from inside the program (node mode)`;
  } else if (h.row && h.row.type === 'cores') {
    const t = vp.t(e.offsetX);
    const dt = vp.nsPerPx * 4;
    text = `${h.row.label}: ${model.busyCoresIn(t - dt, t + dt).toFixed(2)} at ${fmtDur(t - model.origin)}`;
    if (model.coresFromNode) text += "\neach process's CPU time (user + system) as Node reported it from inside the program (node mode)";
  } else if (h.row) text = h.row.label;
  if (!text) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = text;
  tooltip.hidden = false;
  const r = canvas.getBoundingClientRect();
  tooltip.style.left = `${Math.min(r.left + e.offsetX + 12, window.innerWidth - 320)}px`;
  tooltip.style.top = `${r.top + e.offsetY + 16}px`;
}

// ------------------------------------------------------------------ keyboard
function zoomKey(factor: number): void {
  const x = lastMouseX >= 0 && lastMouseX <= vp.width ? lastMouseX : vp.width / 2;
  vp.zoomAt(x, factor);
  vp.following = vp.end >= model.maxTs;
  changed();
}
function fit(): void {
  vp.fit(model.minTs, model.maxTs);
  vp.following = true;
  changed();
}
app.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
  const onCanvas = target === canvas || target === document.body || target === app;
  switch (e.key) {
    case 'w':
    case 'W':
    case '+':
    case '=':
      zoomKey(0.7);
      break;
    case 's':
    case 'S':
    case '-':
      zoomKey(1 / 0.7);
      break;
    case 'a':
    case 'A':
      vp.pan(-vp.width * 0.15);
      vp.following = false;
      changed();
      break;
    case 'd':
    case 'D':
      vp.pan(vp.width * 0.15);
      vp.following = vp.end >= model.maxTs;
      changed();
      break;
    case 'f':
    case 'F':
    case '0':
      fit();
      break;
    case 'ArrowRight':
      if (!onCanvas) return;
      step(1);
      break;
    case 'ArrowLeft':
      if (!onCanvas) return;
      step(-1);
      break;
    case 'ArrowDown':
      if (!onCanvas) return;
      stepRow(1);
      break;
    case 'ArrowUp':
      if (!onCanvas) return;
      stepRow(-1);
      break;
    case 'Tab':
      // With an event selected, Tab walks events in time across all shown threads; Esc clears the
      // selection, and Tab then leaves the timeline as usual.
      if (!onCanvas || selected < 0) return;
      stepTime(e.shiftKey ? -1 : 1);
      break;
    case 'Enter': {
      if (!onCanvas || selected < 0) return;
      const site = details.querySelector<HTMLButtonElement>('.ct-site');
      if (site) site.click();
      break;
    }
    case 'Escape':
      if (range) {
        range = undefined;
        showRange();
      } else select(-1);
      changed();
      break;
    default:
      return;
  }
  e.preventDefault();
});
fitBtn.addEventListener('click', fit);
zoomIn.addEventListener('click', () => zoomKey(0.7));
zoomOut.addEventListener('click', () => zoomKey(1 / 0.7));

// ------------------------------------------------------------------ search
function runSearch(): void {
  const q = parseQuery(search.value);
  if (typeof q === 'string') {
    searchStatus.textContent = q;
    return;
  }
  if (!search.value.trim()) {
    matches = [];
    matchSet = new Set();
    searchStatus.textContent = '';
    changed();
    return;
  }
  matches = runQuery(model, q, hiddenKinds);
  matchSet = new Set(matches.length < 5000 ? matches : []);
  matchAt = -1;
  if (!matches.length) searchStatus.textContent = 'No matches';
  else nextMatch(1);
  changed();
}
function nextMatch(dir: 1 | -1): void {
  if (!matches.length) return;
  matchAt = (matchAt + dir + matches.length) % matches.length;
  const n = matches.length;
  searchStatus.textContent = `${matchAt + 1} of ${n >= 20000 ? `${n.toLocaleString('en-US')}+ matches` : countOf(n, 'match', 'matches')}`;
  select(matches[matchAt], true, true);
}
let lastQuery = '';
search.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  if (search.value !== lastQuery) {
    lastQuery = search.value;
    runSearch();
  } else nextMatch(e.shiftKey ? -1 : 1);
});
search.addEventListener('search', () => {
  if (!search.value) {
    lastQuery = '';
    runSearch();
  }
});
searchNext.addEventListener('click', () => (search.value !== lastQuery ? ((lastQuery = search.value), runSearch()) : nextMatch(1)));
searchPrev.addEventListener('click', () => nextMatch(-1));

renderDetails(details, model, -1, { jump, openSite });

