// The comparison page: two traces' figures side by side (a table with the ratio b / a, and Chart.js
// bar charts), for the same job run as processes and as threads. It computes nothing about traces:
// everything arrives in one 'compare' message (src/protocol/messages.ts), from the VS Code host after
// 'ready', or from the standalone page's bootstrap. Every string is set as text, never as HTML,
// because names and commands come from the traced program.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Title, Tooltip } from 'chart.js';
import type { CompareRow, CompareUnit, Insights } from '../src/protocol/insights';
import type { CompareMessage } from '../src/protocol/messages';
import { countOf, formatFigure, formatRatioFigure } from '../src/protocol/figures';

const num = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Title, Tooltip);

interface VsCodeApi {
  postMessage(msg: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The charts, each a few rows of one unit that read well as bars side by side. */
const CHARTS: readonly { title: string; ids: string[]; scale?: number; unit: string }[] = [
  { title: 'Creation cost (ms)', ids: ['creation.medianMs', 'creation.maxMs'], unit: 'ms' },
  { title: 'Memory (MiB)', ids: ['memory.peakTotalRssBytes', 'memory.peakHeapUsedBytes'], scale: 1 / (1024 * 1024), unit: 'MiB' },
  { title: 'Context switches', ids: ['switches.voluntary', 'switches.involuntary'], unit: '' },
  { title: 'Message latency (ms)', ids: ['messages.medianMs', 'messages.p95Ms'], unit: 'ms' },
  { title: 'CPU and total time (ms)', ids: ['cpu.cpuMs', 'time.durationMs'], unit: 'ms' },
];

const charts: Chart[] = [];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}


export function formatValue(v: number | null, unit: CompareUnit): string {
  return formatFigure(v, unit, 'not recorded');
}

export function formatRatio(r: number | null): string {
  return formatRatioFigure(r, '×', '–');
}

/**
 * B's bars are striped, A's solid: told apart by more than colour (Light High Contrast gives both
 * chart colours in blue, and not everyone sees orange from blue).
 */
function hatched(color: string): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const g = tile.getContext('2d');
  if (!g) return color;
  g.strokeStyle = color;
  g.lineWidth = 2.5;
  g.beginPath();
  for (const o of [-8, 0, 8]) {
    g.moveTo(o, 8);
    g.lineTo(o + 8, 0);
  }
  g.stroke();
  return g.createPattern(tile, 'repeat') ?? color;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The page's live region (outside #compare, which each render replaces): what a screen reader announces. */
function announce(text: string): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.classList.add('sr-only');
}

function render(msg: CompareMessage): void {
  const root = document.getElementById('compare')!;
  for (const c of charts.splice(0)) c.destroy();
  root.replaceChildren();
  const { comparison: cmp } = msg;
  root.append(el('h1', 'Compare traces'));
  const sides = el('p', undefined, 'sides');
  sides.append('A: ', el('b', cmp.a.name), cmp.a.command ? ` (${cmp.a.command})` : '', ' · B: ', el('b', cmp.b.name), cmp.b.command ? ` (${cmp.b.command})` : '', ' · B/A below 1 means B needed less');
  root.append(sides);
  // a side cut short or still being recorded, one file twice: the figures are less than they seem
  for (const w of cmp.warnings ?? []) root.append(el('p', w, 'warning'));

  // for screen readers: column headers, each figure's name as its row's header, one row group per
  // claim; in a region that scrolls (and takes the keyboard) when the panel is narrow
  const table = el('table');
  table.id = 'compare-table';
  const caption = el('caption', 'Each figure of A and B, and B/A', 'sr-only');
  caption.id = 'compare-caption';
  table.append(caption);
  const head = el('tr');
  for (const h of ['metric', `A: ${cmp.a.name}`, `B: ${cmp.b.name}`, 'B/A']) {
    const th = el('th', h);
    th.scope = 'col';
    head.append(th);
  }
  table.append(el('thead'));
  table.tHead!.append(head);
  let body: HTMLTableSectionElement | undefined;
  for (const row of cmp.rows) {
    if (!body || body.dataset.group !== row.group) {
      body = el('tbody');
      body.dataset.group = row.group;
      const g = el('tr', undefined, 'group');
      const th = el('th', row.group);
      th.scope = 'rowgroup';
      th.colSpan = 4;
      g.append(th);
      body.append(g);
      table.append(body);
    }
    body.append(rowEl(row));
  }
  const scroller = el('div', undefined, 'table-scroll');
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-labelledby', caption.id);
  scroller.append(table);
  root.append(scroller);

  root.append(el('h2', 'Charts'));
  const grid = el('div', undefined, 'charts');
  root.append(grid);
  drawCharts(grid, cmp);

  root.append(el('h2', 'Notes'));
  for (const [side, ins, name] of [['A', msg.a, cmp.a.name], ['B', msg.b, cmp.b.name]] as const) {
    const ul = el('ul', undefined, 'notes');
    ul.dataset.side = side;
    for (const line of notes(ins)) ul.append(el('li', line));
    root.append(el('p', `${side}: ${name}`), ul);
  }
  document.body.dataset.ready = 'true';
}

/** The bar charts, in the theme's colours as they are now (Chart.js keeps the colours it was given). */
function drawCharts(grid: HTMLElement, cmp: CompareMessage['comparison']): void {
  for (const c of charts.splice(0)) c.destroy();
  grid.replaceChildren();
  const colorA = cssVar('--vscode-charts-blue', '#3794ff');
  const colorB = cssVar('--vscode-charts-orange', '#d18616');
  const fg = cssVar('--vscode-foreground', getComputedStyle(document.body).color || '#888');
  const gridColor = cssVar('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  for (const spec of CHARTS) {
    const rows = spec.ids.map((id) => cmp.rows.find((r) => r.id === id)).filter((r): r is CompareRow => !!r && (r.a !== null || r.b !== null));
    if (rows.length === 0) continue;
    const box = el('div', undefined, 'chart');
    const canvas = el('canvas');
    canvas.setAttribute('aria-label', spec.title);
    canvas.setAttribute('role', 'img');
    box.append(canvas);
    grid.append(box);
    const scale = spec.scale ?? 1;
    const values = (side: 'a' | 'b') => rows.map((r) => (r[side] === null ? null : r[side]! * scale));
    charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels: rows.map((r) => r.metric),
          datasets: [
            { label: `A: ${cmp.a.name}`, data: values('a'), backgroundColor: colorA },
            { label: `B: ${cmp.b.name}`, data: values('b'), backgroundColor: hatched(colorB), borderColor: colorB, borderWidth: 1.5 },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: {
            title: { display: true, text: spec.title, color: fg },
            legend: { labels: { color: fg } },
            tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${num.format(c.parsed.y ?? 0)}${spec.unit ? ' ' + spec.unit : ''}` } },
          },
          scales: { x: { ticks: { color: fg }, grid: { color: gridColor } }, y: { beginAtZero: true, ticks: { color: fg }, grid: { color: gridColor } } },
        },
      }),
    );
  }
  grid.dataset.charts = String(charts.length);
}

function rowEl(row: CompareRow): HTMLTableRowElement {
  const tr = el('tr');
  tr.dataset.id = row.id;
  const name = el('th', row.metric);
  name.scope = 'row';
  tr.append(name);
  for (const v of [row.a, row.b]) tr.append(el('td', formatValue(v, row.unit), v === null ? 'none' : undefined));
  const ratio = el('td', undefined, 'ratio');
  ratio.append(el('span', formatRatio(row.ratio), 'ratio-value'));
  // lower or higher said by a mark and in words too, not by colour alone
  const way = row.ratio === null ? undefined : row.ratio < 0.95 ? 'lower' : row.ratio > 1.05 ? 'higher' : undefined;
  if (way) {
    ratio.classList.add(way);
    const mark = el('span', way === 'lower' ? ' ▼' : ' ▲', 'mark');
    mark.setAttribute('aria-hidden', 'true');
    ratio.append(mark, el('span', ` (B ${way})`, 'sr-only'));
  }
  tr.append(ratio);
  return tr;
}

/** The things worth a sentence that a ratio does not say. */
function notes(i: Insights): string[] {
  const out: string[] = [];
  for (const g of i.creation.groups) out.push(`${g.kind === 'process' ? countOf(g.count, 'process', 'processes') : countOf(g.count, 'worker')} created, median ${formatValue(g.medianMs, 'ms')}, slowest ${formatValue(g.maxMs, 'ms')}`);
  if (i.messages.largeCopyCount) out.push(`${countOf(i.messages.largeCopyCount, 'large copied message')} (≥ ${formatValue(i.messages.largeCopyBytes, 'bytes')}): transferring or sharing would help`);
  if (i.locks.deadlocks.length) out.push(countOf(i.locks.deadlocks.length, 'deadlock'));
  if (i.crashes.crashes.length) out.push(countOf(i.crashes.crashes.length, 'crash', 'crashes'));
  out.push(`scheduling: ${i.parallelism.note}`);
  return out;
}

function showError(message: string): void {
  const root = document.getElementById('compare')!;
  root.replaceChildren(el('p', message, 'error'));
  announce(message);
}

// VS Code changes the theme of a page that is open by setting new --vscode-* values on <html> and the
// theme's classes on <body>: the table follows by itself, the charts are drawn again.
let shown: CompareMessage | undefined;
let redraw = 0;
const themeWatch = new MutationObserver(() => {
  cancelAnimationFrame(redraw);
  redraw = requestAnimationFrame(() => {
    const grid = document.querySelector<HTMLElement>('#compare .charts');
    if (shown && grid) drawCharts(grid, shown.comparison);
  });
});
themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
themeWatch.observe(document.body, { attributes: true, attributeFilter: ['style', 'class', 'data-vscode-theme-kind', 'data-vscode-theme-name'] });

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as Partial<CompareMessage> | undefined;
  if (!m || typeof m !== 'object' || m.type !== 'compare') return;
  try {
    if (!m.comparison || !Array.isArray(m.comparison.rows) || !m.a || !m.b) throw new Error('the comparison data is incomplete');
    render(m as CompareMessage);
    shown = m as CompareMessage;
    announce(`Compared ${m.comparison.a.name} (A) and ${m.comparison.b.name} (B)${m.comparison.warnings?.length ? `: ${m.comparison.warnings.join(' ')}` : ''}`);
  } catch (err) {
    showError(`Cannot show this comparison: ${(err as Error).message}`);
  }
});

if (typeof acquireVsCodeApi === 'function') acquireVsCodeApi().postMessage({ type: 'ready' });
