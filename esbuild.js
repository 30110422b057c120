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
  // thread parses it, so whitespace and syntax are minified (~1.5 ms less per thread); identifiers are
  // not, so the wrappers keep the names the program sees (fn.name) and a debugger shows readable code.
  // dist/agent.js is the loader NODE_OPTIONS preloads; it loads dist/agent-core.js through V8's code
  // cache, named after the core's content hash (CTRACE_CORE_ID): so the core is built first.
  // Short lines: an uncaught error that Node's send throws through a wrapper (a value it cannot
  // clone) is printed under the line V8 places it on, a wrapper's, which must not be the whole core.
  { entryPoints: ['src/agent/start.ts'], outfile: 'dist/agent-core.js', platform: 'node', format: 'cjs', target: 'node18', minifyWhitespace: true, minifySyntax: true, lineLimit: 100 },
  { entryPoints: ['src/agent/index.ts'], outfile: 'dist/agent.js', platform: 'node', format: 'cjs', target: 'node18', minifyWhitespace: true, minifySyntax: true, coreId: true },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], minify: production },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'chrome110', minify: production },
  { entryPoints: ['webview/compare.ts'], outfile: 'dist/compare.js', platform: 'browser', format: 'iife', target: 'chrome110', minify: production },
];

async function main() {
  const present = bundles.filter((b) => fs.existsSync(path.join(__dirname, b.entryPoints[0])));
  for (const { coreId, ...b } of present) {
    const opts = { bundle: true, sourcemap: 'linked', logLevel: 'warning', ...b };
    // a watch build rebuilds the core without the loader: no id, and the loader keeps its cache per recording
    if (coreId) opts.define = { CTRACE_CORE_ID: JSON.stringify(watch ? '' : coreHash()) };
    if (watch) (await esbuild.context(opts)).watch();
    else await esbuild.build(opts);
  }
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
  for (const css of ['webview/timeline.css']) {
    if (fs.existsSync(css)) fs.copyFileSync(css, path.join('dist', path.basename(css)));
  }
  if (!watch) console.log(`built ${present.map((b) => b.outfile).join(', ')}`);
}

/** Content hash of the built core: a V8 code cache checks only the length of the source it was made from. */
function coreHash() {
  return crypto.createHash('sha256').update(fs.readFileSync(path.join(__dirname, 'dist', 'agent-core.js'))).digest('hex').slice(0, 16);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
