// `ctrace view FILE [-o out.html]`: writes the timeline of a trace as one self-contained HTML page
// (no server, no network: open it in any browser) and prints its path.
import fs from 'node:fs';
import path from 'node:path';
import { checkFileHeader } from '../protocol/wire';
import type { Insights } from '../protocol/insights';
import { formatFigure } from '../protocol/figures';
import { computeInsights, readTrace, TraceReadError } from '../recorder/index';
import { standaloneViewPage } from '../recorder/view-page';
import { EXIT_USAGE, fail, sameFile, writePage } from './common';

const USAGE = 'Usage: ctrace view FILE.ctrace [-o out.html]';
/** base64 makes 4 characters of 3 bytes, and V8's strings stop at 2^29 - 24 characters: keep well under */
const MAX_PAGE_TRACE_BYTES = 256 * 2 ** 20;

export async function runView(argv: string[]): Promise<number> {
  let out: string | undefined;
  const files: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '-o' || a === '--output') {
      out = argv[++k];
      if (!out) return fail(`view: ${a} needs a file name. ${USAGE}`, EXIT_USAGE);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (a.startsWith('-')) return fail(`view: unknown option ${a}. ${USAGE}`, EXIT_USAGE);
    else files.push(a);
  }
  if (files.length !== 1) return fail(`view: give one trace file (you gave ${files.length}). ${USAGE}`, EXIT_USAGE);
  const file = files[0];
  const target = out ?? file.replace(/\.ctrace$/i, '') + '.html';
  if (sameFile(target, [file])) return fail(`view: ${target} is the trace itself; give the page another name with -o`, EXIT_USAGE);
  let bytes: Uint8Array;
  // too big to decode into objects means too big for insights too: the page then shows the timeline only
  let insights: Insights | undefined;
  try {
    const t = await readTrace(file);
    bytes = t.bytes;
    insights = computeInsights(t.events, t.meta);
    if (t.truncated) process.stderr.write(`ctrace: note: ${file} ends mid-chunk (the recording was cut short); the page shows everything before that.\n`);
  } catch (e) {
    // readTrace decodes every event into objects and refuses files too big for that; the page needs
    // only the bytes (the browser decodes them compactly), so a big but valid file still gets a page.
    if (!(e instanceof TraceReadError && e.reason === 'too-big')) return fail(`view: ${(e as Error).message}`, 1);
    // the page holds the file as base64 text: V8's longest string caps what one page can carry
    const size = fs.statSync(file).size;
    if (size > MAX_PAGE_TRACE_BYTES) {
      return fail(`view: ${file} is ${formatFigure(size, 'bytes')}, too big for a standalone page (${formatFigure(MAX_PAGE_TRACE_BYTES, 'bytes')} at most). Open it in VS Code (Concurrency: Open Trace...), which reads it without copying it into a page.`, 1);
    }
    try {
      bytes = new Uint8Array(fs.readFileSync(file));
    } catch (err) {
      return fail(`view: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 1);
    }
    if (!checkFileHeader(bytes).ok) return fail(`view: ${file} is not a Concurrency Timeline trace (it does not start with "CTRACE").`, 1);
  }
  let html: string;
  try {
    html = standaloneViewPage(path.basename(file), bytes, insights);
  } catch (e) {
    return fail(`view: ${(e as Error).message}`, 1);
  }
  const problem = writePage(target, html);
  if (problem) return fail(`view: ${problem}`, 1);
  process.stdout.write(path.resolve(target) + '\n');
  return 0;
}
