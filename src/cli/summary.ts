// `ctrace summary FILE [--json]`: what a trace holds. The JSON is the stable contract in docs/cli.md.

import { buildModel, formatInsightNotes, formatSummary, readTrace, summarize, TraceReadError } from '../recorder';
import { EXIT_USAGE, fail } from './common';

export async function runSummary(argv: string[]): Promise<number> {
  let json = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === '--help' || a === '-h') {
      process.stdout.write('Usage: ctrace summary FILE [--json]\n');
      return 0;
    }
    if (a === '--json') json = true;
    else if (a.startsWith('-') && a !== '-') return fail(`summary: unknown option ${a}. Usage: ctrace summary FILE [--json]`, EXIT_USAGE);
    else files.push(a);
  }
  if (files.length !== 1) return fail(`summary: give one trace file (you gave ${files.length}). Usage: ctrace summary FILE [--json]`, EXIT_USAGE);
  let trace;
  try {
    trace = await readTrace(files[0]);
  } catch (e) {
    if (e instanceof TraceReadError) return fail(`summary: ${e.message}`, 1);
    throw e;
  }
  const model = buildModel(trace);
  const s = summarize(trace, model);
  if (json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
  else {
    const notes = s.insights ? formatInsightNotes(s.insights) : [];
    const insights = notes.length ? '\n\nInsights:\n' + notes.map((n) => '  ' + n).join('\n') : '';
    process.stdout.write(formatSummary(s, { command: trace.meta.command, truncated: trace.truncated, incomplete: trace.incomplete, model }) + insights + '\n');
  }
  return 0;
}
