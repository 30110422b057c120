// `ctrace`: record a Node program's processes and threads into a .ctrace, summarize it, view it.
// Thin over src/recorder; each command lives in its own file. Exit codes are in docs/cli.md.

import { runRecord } from './record';
import { runSummary } from './summary';
import { EXIT_USAGE, HELP, fail } from './common';

/**
 * Commands whose files other parts own (view.ts, compare.ts) are bundled when they exist; until
 * then the require fails (esbuild only warns about an unresolved require inside try) and the user
 * gets `missing`.
 */
async function dispatchOptional(file: 'view' | 'compare', fn: string, argv: string[], missing: string): Promise<number> {
  let mod: Record<string, unknown> | undefined;
  try {
    mod = file === 'view' ? require('./view') : require('./compare');
  } catch {
    mod = undefined;
  }
  const run = mod?.[fn];
  if (typeof run !== 'function') return fail(missing, 1);
  return (run as (a: string[]) => Promise<number>)(argv);
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'record':
      return runRecord(rest);
    case 'summary':
      return runSummary(rest);
    case 'view':
      return dispatchOptional('view', 'runView', rest, 'ctrace view: the timeline page is not built yet in this version (use ctrace summary FILE)');
    case 'compare':
      return dispatchOptional('compare', 'runCompare', rest, 'ctrace compare: not available yet in this version');
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return cmd === undefined ? EXIT_USAGE : 0;
    case 'version':
    case '--version':
    case '-v':
    case '-V':
      process.stdout.write(`${require('../recorder/version').RECORDER_VERSION}\n`);
      return 0;
    default:
      return fail(`unknown command "${cmd}". Commands: record, summary, view, compare, help, version`, EXIT_USAGE);
  }
}

// `ctrace summary x.ctrace | head` closes our stdout early; that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// ctrace's own lines on stderr (`2>&1 | head`, `| grep -q`): a closed pipe must not change the exit
// code, which is the program's
process.stderr.on('error', () => {});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`ctrace: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  },
);
