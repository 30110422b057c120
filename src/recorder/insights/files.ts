// The comparison of two trace files, ready to show: what `ctrace compare` prints and what the
// extension's "Compare Traces…" posts to the comparison page. The only part of insights/ that reads
// files; it throws the reader's TraceReadError (with its user-facing message) for a bad file.
import path from 'node:path';
import { EventKind } from '../../protocol/events';
import type { Comparison } from '../../protocol/insights';
import type { CompareMessage } from '../../protocol/messages';
import { readTrace } from '../reader';
import { compareTraces } from './compare';
import { computeInsights } from './compute';

export async function compareFiles(fileA: string, fileB: string): Promise<CompareMessage> {
  const sides = [];
  const warnings: string[] = [];
  for (const [label, f] of [['A', fileA], ['B', fileB]]) {
    const t = await readTrace(f);
    sides.push({ name: path.basename(f), command: t.meta.command?.join(' '), insights: computeInsights(t.events, t.meta) });
    if (t.truncated) warnings.push(`${label} (${path.basename(f)}) ends in the middle of a chunk: the recording was cut short, and its figures cover only what was written.`);
    else if (t.incomplete) warnings.push(`${label} (${path.basename(f)}) has no closing index: it is still being recorded, or its recorder was stopped hard; its figures cover only what was written so far.`);
    // no agent wrote anything: creation, messages and heaps are empty for that reason, not measured
    if (!t.events.some((e) => e.kind === EventKind.ProcessStart)) {
      const outside = t.meta.schedMode === 'counts' || t.meta.schedMode === 'switches' ? ': only time, memory, CPU and context switches were seen, from outside' : ', and nothing was seen from outside (no scheduling capture): only its duration is known';
      warnings.push(`${label} (${path.basename(f)}) traced no Node.js process${outside}.`);
    }
  }
  if (path.resolve(fileA) === path.resolve(fileB)) warnings.push('A and B are the same file: every ratio is 1.');
  const [a, b] = sides;
  // two files with the same base name still need telling apart (one file twice is said in a warning)
  if (a.name === b.name && path.resolve(fileA) !== path.resolve(fileB)) {
    a.name = fileA;
    b.name = fileB;
  }
  const comparison: Comparison = { a: { name: a.name, command: a.command }, b: { name: b.name, command: b.command }, rows: compareTraces(a.insights, b.insights) };
  if (warnings.length) comparison.warnings = warnings;
  return { type: 'compare', comparison, a: a.insights, b: b.insights };
}
