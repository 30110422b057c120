// The comparison of two trace files, ready to show: what `ctrace compare` prints and what the
// extension's "Compare Traces…" posts to the comparison page. The only part of insights/ that reads
// files; it throws the reader's TraceReadError (with its user-facing message) for a bad file.
import path from 'node:path';
import type { Comparison } from '../../protocol/insights';
import type { CompareMessage } from '../../protocol/messages';
import { readTrace } from '../reader';
import { compareTraces } from './compare';
import { computeInsights } from './compute';

export async function compareFiles(fileA: string, fileB: string): Promise<CompareMessage> {
  const sides = [];
  for (const f of [fileA, fileB]) {
    const t = await readTrace(f);
    sides.push({ name: path.basename(f), command: t.meta.command?.join(' '), insights: computeInsights(t.events, t.meta) });
  }
  const [a, b] = sides;
  // two files with the same base name still need telling apart
  if (a.name === b.name) {
    a.name = fileA;
    b.name = fileB;
  }
  const comparison: Comparison = { a: { name: a.name, command: a.command }, b: { name: b.name, command: b.command }, rows: compareTraces(a.insights, b.insights) };
  return { type: 'compare', comparison, a: a.insights, b: b.insights };
}
