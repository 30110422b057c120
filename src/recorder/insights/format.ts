// Insights and comparisons as plain text for the terminal (`ctrace compare`, `ctrace summary`).
import type { CompareUnit, Comparison, Insights } from '../../protocol/insights';
import { countOf, formatFigure, formatRatioFigure, outlivedBy } from '../../protocol/figures';

export function formatValue(v: number | null, unit: CompareUnit): string {
  return formatFigure(v, unit);
}

export function formatRatio(r: number | null): string {
  return formatRatioFigure(r);
}

/** The comparison as an aligned table, grouped, with B/A in the last column. */
export function formatComparison(c: Comparison): string {
  const rows: string[][] = [['', `A: ${c.a.name}`, `B: ${c.b.name}`, 'B/A']];
  let group = '';
  const groupRows = new Set<number>();
  for (const r of c.rows) {
    if (r.group !== group) {
      group = r.group;
      groupRows.add(rows.length);
      rows.push([group, '', '', '']);
    }
    rows.push(['  ' + r.metric, formatValue(r.a, r.unit), formatValue(r.b, r.unit), formatRatio(r.ratio)]);
  }
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((r) => r[col].length)));
  const lines = rows.map((r, i) => (groupRows.has(i) ? r[0] : r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ').trimEnd()));
  const legend = [`A: ${c.a.command ?? c.a.name}`, `B: ${c.b.command ?? c.b.name}`, 'B/A below 1 means B needed less; "-" means not recorded.'];
  return [...lines, '', ...legend].join('\n');
}

/** The few insights a ratio does not say, one line each. */
export function formatInsightNotes(i: Insights): string[] {
  const out: string[] = [];
  for (const g of i.creation.groups) {
    const slow = g.slowestSites[0];
    const where = slow?.site ? ` (slowest at ${slow.site.file}:${slow.site.line})` : '';
    out.push(`${g.kind === 'process' ? countOf(g.count, 'process', 'processes') : countOf(g.count, 'worker')} created: median ${formatValue(g.medianMs, 'ms')}, slowest ${formatValue(g.maxMs, 'ms')}${where}`);
  }
  for (const l of i.messages.largeCopies.slice(0, 3)) {
    const where = l.evidence.site ? ` at ${l.evidence.site.file}:${l.evidence.site.line}` : '';
    out.push(`large copied message: ${formatValue(l.copiedBytes, 'bytes')} on ${l.channelKind} channel${where}: ${l.advice}`);
  }
  for (const l of i.locks.contended.filter((c) => c.waited > 0).slice(0, 3)) {
    const where = l.sites[0] ? ` (most at ${l.sites[0].file}:${l.sites[0].line})` : '';
    out.push(`lock ${l.lock}: waited ${formatValue(l.totalWaitMs, 'ms')} in ${countOf(l.waited, 'wait')}, longest ${formatValue(l.maxWaitMs, 'ms')}; held ${formatValue(l.totalHoldMs, 'ms')} in all${where}`);
  }
  // one line per thread of the cycle: together they are too long for one
  for (const d of i.locks.deadlocks) d.explanation.forEach((step, k) => out.push(k === 0 ? `deadlock: ${step}` : `  ${step}`));
  for (const c of i.crashes.crashes) out.push(`crash ${c.order}: ${c.name}: ${c.message} (pid ${c.pid}, thread ${c.threadId}); ${outlivedBy(c.outlived)}`);
  if (!i.parallelism.recorded) out.push(`CPU and context switches: ${i.parallelism.note}`);
  return out;
}
