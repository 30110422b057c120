// `ctrace compare A B [--json] [-o compare.html]`: two traces side by side (typically the same job
// as processes and as threads), as a table with ratios, as JSON (a Comparison, docs/cli.md), or as
// a standalone HTML page with charts. Thin over src/recorder/insights.
import path from 'node:path';
import type { CompareMessage } from '../protocol/messages';
import { TraceReadError } from '../recorder/reader';
import { compareFiles, formatComparison, formatInsightNotes } from '../recorder/insights';
import { standaloneComparePage } from '../recorder/compare-page';
import { EXIT_USAGE, fail, sameFile, writePage } from './common';

const USAGE = 'Usage: ctrace compare A.ctrace B.ctrace [--json] [-o compare.html]';

export async function runCompare(argv: string[]): Promise<number> {
  let json = false;
  let out: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '-o' || a === '--output') {
      out = argv[++i];
      if (!out) return fail(`compare: ${a} needs a file name. ${USAGE}`, EXIT_USAGE);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n  prints each figure of A and B and their ratio B/A; --json prints them as JSON; -o writes an HTML page with charts\n`);
      return 0;
    } else if (a.startsWith('-') && a !== '-') return fail(`compare: unknown option ${a}. ${USAGE}`, EXIT_USAGE);
    else files.push(a);
  }
  if (files.length !== 2) return fail(`compare: give two trace files (you gave ${files.length}). ${USAGE}`, EXIT_USAGE);
  const clash = out === undefined ? undefined : sameFile(out, files);
  if (clash !== undefined) return fail(`compare: -o ${out} is the trace ${clash} itself; give the page another name`, EXIT_USAGE);

  let message: CompareMessage;
  try {
    message = await compareFiles(files[0], files[1]);
  } catch (e) {
    if (e instanceof TraceReadError) return fail(`compare: ${e.message}`, 1);
    throw e;
  }
  const { comparison } = message;

  if (out) {
    let html: string;
    try {
      html = standaloneComparePage(message);
    } catch (e) {
      return fail(`compare: ${(e as Error).message}`, 1);
    }
    const problem = writePage(out, html);
    if (problem) return fail(`compare: ${problem}`, 1);
    if (!json) process.stdout.write(`${path.resolve(out)}\n`);
  }
  if (json) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  else if (!out) {
    process.stdout.write(formatComparison(comparison) + '\n');
    for (const [label, side, insights] of [['A', comparison.a, message.a], ['B', comparison.b, message.b]] as const) {
      const notes = formatInsightNotes(insights);
      if (notes.length) process.stdout.write(`\n${label} (${side.name}):\n${notes.map((n) => '  ' + n).join('\n')}\n`);
    }
  }
  // after the output, not before a refusal to write it
  for (const w of comparison.warnings ?? []) process.stderr.write(`ctrace: compare: note: ${w}\n`);
  return 0;
}
