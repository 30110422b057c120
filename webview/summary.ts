// The summary panel: CPU time per thread (a Chart.js bar chart, drawn when the panel is opened) and
// the trace's headline counts. The main timeline is the custom canvas; charts fit here.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { EventKind } from '../src/protocol/events';
import { fmtBytes, fmtDur } from './format';
import type { TraceModel } from './model';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

let chart: Chart | undefined;

const SCHED_MODES: Record<string, string> = {
  switches: 'every context switch (perf)',
  counts: 'sampled counts and states (/proc)',
  node: "Node's own figures from inside the program (node mode): no thread states or per-thread switches",
  off: 'not recorded',
};

export function renderSummary(root: HTMLDetailsElement, model: TraceModel): void {
  root.replaceChildren();
  const s = document.createElement('summary');
  s.textContent = 'Summary';
  root.append(s);
  const dl = document.createElement('dl');
  const row = (k: string, v: string) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  };
  const c = model.kindCounts;
  row('duration', model.maxTs > model.minTs ? fmtDur(model.maxTs - model.minTs) : '—');
  const n = model.entityCounts();
  row('processes', n.processes);
  row('threads', n.threads);
  row('messages', `${c[EventKind.MessageSend]} sent, ${c[EventKind.MessageReceive]} received`);
  row('spawns / workers', `${c[EventKind.SpawnCall]} / ${c[EventKind.WorkerCreate]}`);
  row('crashes', String(model.crashCount));
  const peak = Math.max(0, ...[...model.procs.values()].map((p) => p.peakRss));
  if (peak) row('peak RSS', fmtBytes(peak));
  const mode = model.meta.schedMode;
  if (typeof mode === 'string') {
    row('scheduling', SCHED_MODES[mode] ?? mode);
    const note = model.meta.schedNote;
    if (typeof note === 'string' && note) (dl.lastElementChild as HTMLElement).title = note;
  }
  root.append(dl);
  // event-loop busy time (node mode without per-thread CPU) is not CPU: it stays out of this chart
  const cpu = model.tracks
    .filter((t) => t.cpuSeries.n && t.cpuIsCpu)
    .map((t) => ({ label: `${t.name || 'thread'} ${t.tid}`, ms: t.cpuSeries.run.a[t.cpuSeries.n - 1] / 1e6 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 16);
  if (!cpu.length) return;
  const box = document.createElement('div');
  box.className = 'ct-chart';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'CPU time per thread: ' + cpu.map((x) => `${x.label} ${x.ms.toFixed(1)} ms`).join(', '));
  box.append(canvas);
  root.append(box);
  const draw = () => {
    if (!root.open) return;
    chart?.destroy();
    const color = getComputedStyle(root).getPropertyValue('--ct-cpu').trim() || '#2a9d8f';
    const fg = getComputedStyle(root).getPropertyValue('--ct-fg').trim() || '#333';
    chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: cpu.map((x) => x.label), datasets: [{ label: 'CPU ms', data: cpu.map((x) => x.ms), backgroundColor: color }] },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { ticks: { color: fg }, title: { display: true, text: 'CPU ms', color: fg } }, y: { ticks: { color: fg } } },
        plugins: { tooltip: { enabled: true } },
      },
    });
  };
  root.addEventListener('toggle', draw);
  draw();
}
