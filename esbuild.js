// Builds every bundle: the agent (preloaded into the user's program), the ctrace CLI, the VS Code
// extension and the timeline webview. `node esbuild.js --watch` rebuilds on change.
const esbuild = require('esbuild');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const watch = process.argv.includes('--watch');
const production = !process.argv.includes('--dev');

/** @type {import('esbuild').BuildOptions[]} */
const bundles = [
  // The agent runs inside the user's program, possibly on an older Node: plain CJS, no deps. Every
  // thread parses it, so whitespace is minified; identifiers are not, so the wrappers keep the names
  // the program sees (fn.name), and the linked source map gives a debugger the TypeScript.
  // dist/agent.js is the loader NODE_OPTIONS preloads; it loads dist/agent-core.js through V8's code
  // cache, named after the core's content hash (CTRACE_CORE_ID): so the core is built first.
  // The core is one line that ends with NO_EXCEPTION_LINE (noExceptionLine()): an uncaught error a
  // native function throws under a wrapper (a value postMessage cannot clone, Atomics.wait on memory
  // that is not shared) has the wrapper as its top JS frame, and Node would print that line of the
  // agent above the error, where untraced it prints the program's; with the mark it prints none, and
  // the stack below still starts at the program's frame. Syntax is not minified: it writes "\n" as a
  // template literal with a real line break, which would make the core more than one line.
  { entryPoints: ['src/agent/start.ts'], outfile: 'dist/agent-core.js', platform: 'node', format: 'cjs', target: 'node18', minifyWhitespace: true, oneLine: true },
  { entryPoints: ['src/agent/index.ts'], outfile: 'dist/agent.js', platform: 'node', format: 'cjs', target: 'node18', minifyWhitespace: true, minifySyntax: true, coreId: true },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], minify: production },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'chrome110', minify: production },
  { entryPoints: ['webview/compare.ts'], outfile: 'dist/compare.js', platform: 'browser', format: 'iife', target: 'chrome110', minify: production },
];

async function main() {
  const present = bundles.filter((b) => fs.existsSync(path.join(__dirname, b.entryPoints[0])));
  for (const { coreId, oneLine, ...b } of present) {
    const opts = { bundle: true, sourcemap: 'linked', logLevel: 'warning', ...b };
    // a watch build rebuilds the core without the loader: no id, and the loader keeps its cache per recording
    if (coreId) opts.define = { CTRACE_CORE_ID: JSON.stringify(watch ? '' : coreHash()) };
    if (oneLine) opts.plugins = [noExceptionLine(b.outfile)];
    if (watch) (await esbuild.context(opts)).watch();
    else await esbuild.build(opts);
  }
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
  for (const css of ['webview/timeline.css']) {
    if (fs.existsSync(css)) fs.copyFileSync(css, path.join('dist', path.basename(css)));
  }
  if (!watch) console.log(`built ${present.map((b) => b.outfile).join(', ')}`);
}

/**
 * Node prints no source line above an uncaught error whose top JS frame is on a line holding this
 * text (src/node_errors.cc, GetErrorSource; Node 20, 22 and 24).
 */
const NO_EXCEPTION_LINE = '/*node-do-not-add-exception-line*/';

/**
 * Ends the bundle's one line of code with NO_EXCEPTION_LINE, after its last token, so no source-map
 * column moves; fails the build if the code is not one line (the lines after the first would
 * not hold the mark).
 */
function noExceptionLine(outfile) {
  return {
    name: 'no-exception-line',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length) return;
        const file = path.join(__dirname, outfile);
        const lines = fs.readFileSync(file, 'utf8').split('\n');
        const code = lines.filter((l) => l !== '' && !l.startsWith('//# sourceMappingURL='));
        if (code.length !== 1) {
          // not left in dist/ for a recording (or a code cache) to use
          fs.rmSync(file, { force: true });
          throw new Error(`${outfile} must be one line of code, and is ${code.length}: see NO_EXCEPTION_LINE in esbuild.js`);
        }
        const at = lines.indexOf(code[0]);
        if (!code[0].endsWith(NO_EXCEPTION_LINE)) lines[at] = `${code[0]} ${NO_EXCEPTION_LINE}`;
        fs.writeFileSync(file, lines.join('\n'));
      });
    },
  };
}

/** Content hash of the built core: a V8 code cache checks only the length of the source it was made from. */
function coreHash() {
  return crypto.createHash('sha256').update(fs.readFileSync(path.join(__dirname, 'dist', 'agent-core.js'))).digest('hex').slice(0, 16);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
