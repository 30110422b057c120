// The extension's integration tests, offline: code-server (VS Code 1.100.3 server + its Node extension
// host) on 127.0.0.1, driven through Debian's Chromium with playwright-core, as a user would.
//   dev:   extension loaded unpacked (extensionDevelopmentPath). Open examples/workers/main.js, run
//          "Concurrency: Trace Concurrency", the timeline appears beside the editor with a track per
//          process and worker, select the worker-create event and click its call site: the active
//          editor is main.js at the `new Worker` line.
//   exthost: the mocha suite in test/extension/suite inside the extension host (extensionTestsPath).
//   vsix:  `vsce package`, `--install-extension`, a server WITH workspace trust (Restricted Mode): the
//          dev run's saved trace opens in the custom editor and still links to source; Trace
//          Concurrency is refused with its message.
// Prints "RESULT: N passed, N failed". Logs and failure screenshots go to .tmp/ext-run-*/.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { format } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODE_SERVER = process.env.CODE_SERVER || path.join(ROOT, '.code-server/node_modules/.bin/code-server');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUN_DIR = path.join(ROOT, '.tmp', `ext-run-${Date.now()}`);
// each run keeps its logs and failure screenshots in .tmp/ext-run-<time>; the last 5 runs' are kept
pruneRuns(path.join(ROOT, '.tmp'), 5);
const EXT_ID = 'concurrency-timeline.concurrency-timeline';
const T0 = Date.now();
// EXT_PHASES=exthost (comma-separated: dev, exthost, vsix) runs a subset while working on one part.
const PHASES = new Set((process.env.EXT_PHASES || 'dev,exthost,vsix').split(','));
const log = (...a) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);

// VS Code makes its IPC sockets (vscode-ipc-*.sock, ~5 a run) in XDG_RUNTIME_DIR, else in /tmp, and
// leaves them there: a folder of the run's own, removed at its end (short: a socket path has ~107 bytes)
const IPC_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-ipc-'));
process.on('exit', () => fs.rmSync(IPC_DIR, { recursive: true, force: true }));
const SERVER_ENV = { ...process.env, EXTENSIONS_GALLERY: '{}', XDG_CONFIG_HOME: path.join(RUN_DIR, 'xdg-config'), XDG_DATA_HOME: path.join(RUN_DIR, 'xdg-data'), XDG_RUNTIME_DIR: IPC_DIR };
const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  // Restricted Mode without the modal trust prompt (the vsix server runs with workspace trust on).
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'workbench.editor.enablePreview': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  // the DOM renderer keeps terminal text in the DOM, where the test can read it
  'terminal.integrated.gpuAcceleration': 'off',
};
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

let passed = 0;
let failed = 0;
let shots = 0;
async function check(name, fn, page) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    log(`ok - ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    return true;
  } catch (e) {
    failed++;
    log(`not ok - ${name}: ${e.message.split('\n').slice(0, 6).join('\n    ')}`);
    if (page) {
      const shot = path.join(RUN_DIR, `failure-${++shots}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      log(`  screenshot: ${shot}`);
    }
    return false;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** A fresh user-data dir, extensions dir and workspace (the examples plus the suite's small programs). */
function isolatedDirs(name) {
  const d = { data: path.join(RUN_DIR, name, 'data'), exts: path.join(RUN_DIR, name, 'exts'), ws: path.join(RUN_DIR, name, 'workspace') };
  for (const p of Object.values(d)) fs.mkdirSync(p, { recursive: true });
  fs.mkdirSync(path.join(d.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(d.data, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  fs.cpSync(path.join(ROOT, 'examples'), path.join(d.ws, 'examples'), { recursive: true, filter: (s) => !s.endsWith('.ctrace') });
  fs.cpSync(path.join(ROOT, 'test', 'extension', 'workspace'), d.ws, { recursive: true });
  // typed.ts runs through the repository's tsx, found the way a project's own would be
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(d.ws, 'node_modules'), 'dir');
  return d;
}

async function startServer(dirs, label, { trust = false } = {}) {
  const port = await freePort();
  const t = Date.now();
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', dirs.data, '--extensions-dir', dirs.exts,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'];
  if (!trust) args.push('--disable-workspace-trust');
  const child = spawn(CODE_SERVER, args, { env: SERVER_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(RUN_DIR, `code-server-${label}.log`));
  // Both streams feed one file: neither may end it while the other still writes (write after end).
  child.stdout.pipe(logFile, { end: false });
  child.stderr.pipe(logFile, { end: false });
  child.on('close', () => logFile.end());
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (${child.exitCode}), see ${logFile.path}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {}
    if (Date.now() - t > 60000) throw new Error('code-server did not come up in 60s');
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`code-server (${label}) on 127.0.0.1:${port} after ${((Date.now() - t) / 1000).toFixed(1)}s`);
  // detached: its own process group, so stopping kills the server, extension hosts and traced programs.
  return { port, stop: () => { try { process.kill(-child.pid, 'SIGTERM'); } catch {} } };
}

const remoteUri = (p) => `vscode-remote://remote${p}`;
function workbenchUrl(port, folder, payload = []) {
  const u = new URL(`http://127.0.0.1:${port}/`);
  u.searchParams.set('folder', folder);
  if (payload.length) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  context.on('request', (r) => {
    const { protocol, hostname } = new URL(r.url());
    // *.vscode-resource.vscode-cdn.net is answered by the webview's service worker, not the network.
    if (protocol.startsWith('http') && hostname !== '127.0.0.1' && !hostname.endsWith('.vscode-resource.vscode-cdn.net')) log('WARNING: external request from browser:', r.url());
  });
  return page;
}

/** Runs a palette command by title; retries because contributed commands show up a few seconds late. */
async function runCommand(page, title, timeoutMs = 60000, { run = true } = {}) {
  const input = page.locator('.quick-input-widget input.input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await input.isVisible())) {
      await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 700, y: 10 } });
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 2000 }).catch(() => {});
      continue;
    }
    if (!(await input.fill(`>${title}`, { timeout: 2000 }).then(() => true, () => false))) continue;
    if (await row.waitFor({ timeout: 2000 }).then(() => true, () => false)) {
      await page.keyboard.press(run ? 'Enter' : 'Escape');
      return;
    }
    await page.keyboard.press('Escape');
  }
  throw new Error(`command "${title}" never showed up in the command palette`);
}

/** Opens a workspace file the way a user does: Go to File, type, Enter. */
async function openFile(page, relPath) {
  await runCommand(page, 'Go to File...');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(relPath);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relPath) }).first();
  await row.waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: path.basename(relPath) }).waitFor({ timeout: 15000 });
}

/** The timeline webview's content frame (outer host iframe -> inner #active-frame). */
function timeline(page) {
  return page.frameLocator(`iframe.webview.ready[src*="extensionId=${EXT_ID}"]`).last().frameLocator('iframe#active-frame');
}

/** The event count in the webview's header ("1,234 events · ..."). */
async function shownEvents(view) {
  return Number(((await view.locator('#ct-stats').textContent()) ?? '').replace(/,/g, '').match(/(\d+) events/)?.[1]);
}

async function trackLabels(view) {
  return view.locator('li[role=treeitem]').evaluateAll((els) => els.map((e) => ({ label: e.getAttribute('aria-label'), cls: e.className })));
}

/** Waits for a track list with a process and at least `workers` worker threads; returns the labels. */
async function waitForTracks(view, workers, timeoutMs = 45000) {
  const t = Date.now();
  let labels = [];
  for (;;) {
    labels = await trackLabels(view).catch(() => []);
    const procs = labels.filter((l) => /\bct-proc\b/.test(l.cls));
    const threads = labels.filter((l) => /\bct-thread\b/.test(l.cls));
    const workerThreads = threads.filter((l) => /worker|hasher/i.test(l.label));
    if (procs.length >= 1 && workerThreads.length >= workers) return { procs, threads, workerThreads };
    if (Date.now() - t > timeoutMs) throw new Error(`track list never showed a process and ${workers} workers; saw ${JSON.stringify(labels)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Selects an event of a kind through the webview's search box (the first whose call site is in `inFile`)
 *  and clicks its call site. */
async function clickCallSite(view, kind, inFile) {
  const search = view.locator('#ct-search');
  await search.fill(`kind:${kind}`);
  await search.press('Enter');
  const site = view.locator('#ct-details .ct-site').first();
  for (let i = 0; ; i++) {
    await site.waitFor({ timeout: 15000 });
    const text = (await site.textContent()).trim();
    if (!inFile || text.includes(inFile)) {
      await site.click();
      return text;
    }
    if (i >= 20) throw new Error(`no ${kind} event with a call site in ${inFile}; last was ${text}`);
    await search.press('Enter'); // next match
    await view.locator('#ct-details .ct-site', { hasNotText: text }).first().waitFor({ timeout: 5000 }).catch(() => {});
  }
}

/** The active editor's file name and cursor line, from the workbench's tab and status bar. */
async function waitForEditorAt(page, fileName, line, timeoutMs = 15000) {
  const t = Date.now();
  let seen = '';
  for (;;) {
    const tab = (await page.locator('.tabs-container .tab.active .label-name').allTextContents().catch(() => [])).join('|');
    const pos = (await page.locator('#status\\.editor\\.selection').textContent().catch(() => '')) ?? '';
    seen = `tabs=${tab} pos=${pos}`;
    if (tab.split('|').includes(fileName) && new RegExp(`Ln ${line},`).test(pos)) return seen;
    if (Date.now() - t > timeoutMs) throw new Error(`expected ${fileName} at line ${line}; saw ${seen}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function lineOf(file, needle) {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return i + 1;
}

async function withPage(browser, label, fn) {
  const page = await newPage(browser);
  try {
    return await fn(page);
  } catch (e) {
    const shot = path.join(RUN_DIR, `failure-${label}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    log(`[${label}] screenshot: ${shot}`);
    throw e;
  } finally {
    await page.context().close();
  }
}

async function devUi(browser, port, dirs) {
  await withPage(browser, 'dev', async (page) => {
    // Console messages of every frame, the webview's included: a CSP violation shows up here.
    const cspViolations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|apply|connect)/i.test(m.text()) && /vscode-resource|webview|timeline|nonce/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(workbenchUrl(port, dirs.ws, [['extensionDevelopmentPath', remoteUri(ROOT)]]));
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60000 });
    const workerLine = lineOf(path.join(dirs.ws, 'examples/workers/main.js'), 'new Worker(');
    let view;
    let liveShown;
    await check('Trace Concurrency on examples/workers/main.js opens the timeline beside the editor', async () => {
      await openFile(page, 'examples/workers/main.js');
      await runCommand(page, 'Concurrency: Trace Concurrency');
      view = timeline(page);
      await view.locator('li[role=treeitem]').first().waitFor({ timeout: 45000 });
      await page.locator('.tabs-container .tab', { hasText: 'Timeline: main.js' }).waitFor({ timeout: 5000 });
      const groups = await page.locator('.editor-group-container').count();
      if (groups < 2) throw new Error(`the timeline should open beside the editor (editor groups: ${groups})`);
    }, page);
    await check('the timeline has a track for the process and each worker', async () => {
      const { procs, threads, workerThreads } = await waitForTracks(view, 2);
      log(`  processes: ${procs.map((p) => p.label).join('; ')}`);
      log(`  threads: ${threads.map((p) => p.label).join('; ')}`);
      if (workerThreads.length < 2) throw new Error('two worker tracks expected');
    }, page);
    await check('the program runs in the "Trace: main.js" terminal, which shows its output and where the trace went; the timeline says the run ended', async () => {
      await page.locator('.part.panel', { hasText: 'Trace: main.js' }).first().waitFor({ timeout: 15000 });
      await page.locator('.xterm-rows', { hasText: 'workers: 8 chunks hashed by 2 workers' }).first().waitFor({ timeout: 30000 });
      await page.locator('.xterm-rows', { hasText: 'Trace saved' }).first().waitFor({ timeout: 30000 });
      await view.locator('#ct-status', { hasText: 'Recording ended' }).waitFor({ timeout: 10000 });
      liveShown = await shownEvents(view);
      log(`  the live timeline shows ${liveShown} events at the end of the run`);
    }, page);
    await check('clicking the worker-create event\'s call site opens main.js at the `new Worker` line', async () => {
      const site = await clickCallSite(view, 'worker-create');
      log(`  call site: ${site}`);
      log(`  editor: ${await waitForEditorAt(page, 'main.js', workerLine)}`);
    }, page);
    await check('after the run the timeline shows its insights, and main.js a hint at the `new Worker` line', async () => {
      await view.locator('#ct-insights .ct-insight', { hasText: /^2 workers created: median / }).first().waitFor({ timeout: 15000 });
      const lens = page.locator('.codelens-decoration', { hasText: 'created 2 workers' }).first();
      await lens.waitFor({ timeout: 15000 });
      log(`  hint: ${await lens.innerText()}`);
    }, page);
    await check('hidden behind another editor and shown again, the timeline comes back with its selection and the same events the live view had', async () => {
      await page.locator('.tabs-container .tab', { hasText: 'Timeline: main.js' }).click();
      await openFile(page, 'notes.txt'); // opens in the timeline's group, on top of it
      // hidden webviews are torn down (no retainContextWhenHidden): the content must be rebuilt on show
      await page.locator(`iframe.webview.ready[src*="extensionId=${EXT_ID}"]`).first().waitFor({ state: 'hidden', timeout: 10000 });
      await page.locator('.tabs-container .tab', { hasText: 'Timeline: main.js' }).click();
      await waitForTracks(timeline(page), 2, 20000);
      await timeline(page).locator('#ct-details h2', { hasText: 'worker-create' }).waitFor({ timeout: 10000 });
      // the reloaded view decodes the whole file at once: the live appends must have added up to the same
      const whole = await shownEvents(timeline(page));
      if (!(whole > 0) || whole !== liveShown) throw new Error(`live view showed ${liveShown} events, the whole file ${whole}`);
    }, page);
    await check('after the window reloads, the timeline panel comes back showing the saved trace', async () => {
      // the command, as a user reloads: the workbench shuts down in order and saves its open editors
      // first (a bare page reload raced that save on a fresh install: the tab was not restored)
      const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60000 });
      await runCommand(page, 'Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60000 });
      await page.locator('.tabs-container .tab', { hasText: 'Timeline: main.js' }).first().click({ timeout: 30000 });
      const v = timeline(page);
      await waitForTracks(v, 2, 30000);
      const shown = await shownEvents(v);
      if (shown !== liveShown) throw new Error(`the restored panel shows ${shown} events, the live view showed ${liveShown}`);
      if (await v.locator('#ct-live').isVisible().catch(() => false)) throw new Error('the restored panel still says it is live');
      log(`  restored: ${shown} events`);
    }, page);
    await check('with no file open, Trace Concurrency offers the workspace\'s entry files; the picked one gets a group per process', async () => {
      await runCommand(page, 'View: Close All Editors');
      await page.locator(`iframe.webview.ready[src*="extensionId=${EXT_ID}"]`).first().waitFor({ state: 'detached', timeout: 10000 });
      await runCommand(page, 'Concurrency: Trace Concurrency');
      const input = page.locator('.quick-input-widget input.input');
      await page.locator('.quick-input-widget input[placeholder*="No JavaScript or TypeScript file is open"]').waitFor({ timeout: 15000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Report launch' }).waitFor({ timeout: 10000 }); // launch.json is offered too
      await input.fill('processes/main.js');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'processes' }).first().waitFor({ timeout: 10000 });
      await page.keyboard.press('Enter');
      const v = timeline(page);
      const t = Date.now();
      for (;;) {
        const procs = (await trackLabels(v).catch(() => [])).filter((l) => /\bct-proc\b/.test(l.cls));
        if (procs.length >= 3) {
          log(`  processes: ${procs.map((p) => p.label).join('; ')}`);
          break;
        }
        if (Date.now() - t > 45000) throw new Error(`expected the parent and 2 forked children; saw ${JSON.stringify(procs)}`);
        await page.waitForTimeout(300);
      }
    }, page);
    await check('TypeScript through tsx: the worker\'s call site opens typed.ts on its own line', async () => {
      await runCommand(page, 'View: Close All Editors');
      await openFile(page, 'typed.ts');
      await runCommand(page, 'Concurrency: Trace Concurrency');
      const v = timeline(page);
      await waitForTracks(v, 1);
      await v.locator('#ct-status', { hasText: 'Recording ended' }).waitFor({ timeout: 30000 });
      const site = await clickCallSite(v, 'worker-create', 'typed.ts');
      log(`  recorded call site: ${site}`);
      log(`  editor: ${await waitForEditorAt(page, 'typed.ts', lineOf(path.join(dirs.ws, 'typed.ts'), 'new Worker('))}`);
    }, page);
    await check('while recording, the status bar shows elapsed time and events; clicking it stops the program and keeps the trace', async () => {
      await openFile(page, 'forever.js');
      await runCommand(page, 'Concurrency: Trace Concurrency');
      const item = page.locator('.statusbar-item', { hasText: /Tracing \d+:\d\d · [\d,]+ events?/ }).first();
      await item.waitFor({ timeout: 30000 });
      await page.locator('.statusbar-item', { hasText: /Tracing 0:0[2-9]/ }).first().waitFor({ timeout: 15000 }); // the clock runs
      log(`  status bar: ${(await item.textContent()).trim()}`);
      await item.click();
      await item.waitFor({ state: 'detached', timeout: 20000 });
      // earlier runs' terminals are still there, hidden: read the one on screen
      const rows = page.locator('.xterm-rows:visible');
      await rows.filter({ hasText: /forever\.js (was stopped by SIG\w+|exited with code \d+) after/ }).first().waitFor({ timeout: 20000 });
      await rows.filter({ hasText: 'Trace saved' }).first().waitFor({ timeout: 5000 });
    }, page);
    await check('stopping a program that ignores SIGINT and SIGTERM: the status bar says it is stopping until SIGKILL ends it', async () => {
      await openFile(page, 'stubborn.js');
      await runCommand(page, 'Concurrency: Trace Concurrency');
      const item = page.locator('.statusbar-item', { hasText: /Tracing \d+:\d\d · [\d,]+ events?/ }).first();
      await item.waitFor({ timeout: 30000 });
      await page.locator('.xterm-rows:visible').filter({ hasText: 'running until killed' }).first().waitFor({ timeout: 20000 });
      await item.click();
      const stopping = page.locator('.statusbar-item', { hasText: 'Stopping stubborn.js' }).first();
      await stopping.waitFor({ timeout: 5000 });
      await page.locator('.xterm-rows:visible').filter({ hasText: 'ignoring SIGINT' }).first().waitFor({ timeout: 10000 });
      await stopping.waitFor({ state: 'detached', timeout: 30000 });
      await page.locator('.xterm-rows:visible').filter({ hasText: /stubborn\.js was stopped by SIGKILL after/ }).first().waitFor({ timeout: 20000 });
    }, page);
    await check('the timeline webview ran under its Content Security Policy without a violation', async () => {
      if (cspViolations.length) throw new Error(cspViolations.slice(0, 3).join('\n'));
    });
    // docs/images/extension-timeline.png was taken here (with the side bar closed)
    await page.screenshot({ path: path.join(RUN_DIR, 'dev-timeline.png') }).catch(() => {});
  });
}

async function exthostTests(browser, port, dirs) {
  const page = await newPage(browser);
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  const out = [];
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = format(...args);
    out.push(line);
    console.log(`  [exthost ${type}]`, line);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.goto(workbenchUrl(port, dirs.ws, [
    ['extensionDevelopmentPath', remoteUri(ROOT)],
    ['extensionTestsPath', remoteUri(path.join(ROOT, 'test', 'extension', 'suite', 'index.js'))],
  ]));
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 240000))]);
  if (code === 'timeout') await page.screenshot({ path: path.join(RUN_DIR, 'failure-exthost.png') }).catch(() => {});
  await page.context().close();
  const text = out.join('\n');
  const pass = Number(/(\d+) passing/.exec(text)?.[1] ?? 0);
  const fail = Number(/(\d+) failing/.exec(text)?.[1] ?? 0);
  passed += pass;
  failed += fail;
  log(`[exthost] mocha: ${pass} passing, ${fail} failing, exit code ${code}`);
  if (code !== 0 && fail === 0) failed++;
}

async function vsixUi(browser, savedTrace) {
  const vsix = path.join(RUN_DIR, 'concurrency-timeline.vsix');
  let installed = false;
  const dirs = isolatedDirs('vsix');
  await check('npm run package\'s vsce produces a .vsix with only what the extension needs, and it installs', async () => {
    execFileSync(path.join(ROOT, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '-o', vsix], { cwd: ROOT, stdio: 'pipe' });
    // vsce stores README/CHANGELOG in lower case and LICENSE as LICENSE.txt
    const listing = execFileSync('unzip', ['-Z1', vsix]).toString().split('\n').filter((l) => l.startsWith('extension/')).map((l) => l.replace(/^extension\/(readme|changelog)\.md$/, (m, n) => `extension/${n.toUpperCase()}.md`));
    log(`  vsix: ${listing.join(' ')}`);
    for (const need of ['extension/dist/extension.js', 'extension/dist/agent.js', 'extension/dist/webview.js', 'extension/media/icon.png', 'extension/package.json', 'extension/README.md', 'extension/CHANGELOG.md', 'extension/LICENSE.txt'])
      if (!listing.includes(need) && !(need.endsWith('LICENSE.txt') && listing.includes('extension/LICENSE'))) throw new Error(`${need} missing from the vsix`);
    const extra = listing.filter((l) => /^extension\/(src|test|node_modules|bench|webview|examples|\.code-server|\.tmp)\//.test(l) || l.endsWith('.map') || l.endsWith('.ts'));
    if (extra.length) throw new Error(`the vsix ships files it does not need: ${extra.join(', ')}`);
    execFileSync(CODE_SERVER, ['--user-data-dir', dirs.data, '--extensions-dir', dirs.exts, '--install-extension', vsix], { env: SERVER_ENV, stdio: 'pipe' });
    const list = execFileSync(CODE_SERVER, ['--user-data-dir', dirs.data, '--extensions-dir', dirs.exts, '--list-extensions', '--show-versions'], { env: SERVER_ENV }).toString();
    if (!list.includes(EXT_ID)) throw new Error(`not installed: ${list}`);
    installed = true;
  });
  if (!installed) return;
  if (!savedTrace) {
    // running this phase alone (EXT_PHASES=vsix): record the dev workspace's example with the CLI
    const dev = isolatedDirs('dev');
    savedTrace = path.join(RUN_DIR, 'workers.ctrace');
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'record', '-o', savedTrace, '--', 'node', path.join(dev.ws, 'examples/workers/main.js')], { stdio: 'pipe' });
  }
  fs.mkdirSync(path.join(dirs.ws, 'traces'), { recursive: true });
  const tracePath = path.join(dirs.ws, 'traces', 'workers-run.ctrace');
  if (savedTrace) fs.copyFileSync(savedTrace, tracePath);
  const server = await startServer(dirs, 'vsix', { trust: true });
  try {
    await withPage(browser, 'vsix', async (page) => {
      await page.goto(workbenchUrl(port(server), dirs.ws));
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60000 });
      await check('in Restricted Mode, a saved trace opens in the custom editor and still links to source', async () => {
        if (!savedTrace) throw new Error('the dev run left no saved trace in the workspace storage');
        // opened before the extension host has registered the installed extension, the file would
        // get the plain text editor: wait until its contributions are there, as a user would see them
        await runCommand(page, 'Concurrency: Open Trace', 60000, { run: false });
        await openFile(page, 'traces/workers-run.ctrace');
        const view = timeline(page);
        await waitForTracks(view, 2);
        // the trace was recorded in the dev workspace; its call sites point there
        const devMain = path.join(RUN_DIR, 'dev', 'workspace', 'examples', 'workers', 'main.js');
        await clickCallSite(view, 'worker-create');
        log(`  editor: ${await waitForEditorAt(page, 'main.js', lineOf(devMain, 'new Worker('))}`);
      }, page);
      await check('in Restricted Mode, Trace Concurrency is refused with a message saying why', async () => {
        await openFile(page, 'examples/workers/main.js');
        await runCommand(page, 'Concurrency: Trace Concurrency');
        await page.locator('.notification-toast', { hasText: 'Tracing is disabled in Restricted Mode' }).waitFor({ timeout: 20000 });
        if (await page.locator('.tabs-container .tab', { hasText: 'Timeline: main.js' }).count()) throw new Error('a timeline opened anyway');
      }, page);
    });
  } finally {
    server.stop();
  }
}
const port = (s) => s.port;

function findTraces(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ctrace')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

let browser;
const servers = [];
try {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const dev = isolatedDirs('dev');
  const s1 = await startServer(dev, 'dev');
  servers.push(s1);
  let saved;
  if (PHASES.has('dev')) {
    await devUi(browser, s1.port, dev);
    // Each run is kept in the workspace storage (the default trace folder).
    // the first run's (examples/workers) trace: names sort by start time
    saved = findTraces(path.join(dev.data, 'User', 'workspaceStorage')).filter((p) => /main\.js-\d{8}-\d{6}/.test(path.basename(p))).sort((a, b) => path.basename(a).localeCompare(path.basename(b)))[0];
    await check('the run\'s trace is kept in the workspace storage', async () => {
      if (!saved) throw new Error(`no main.js-*.ctrace under ${path.join(dev.data, 'User', 'workspaceStorage')}`);
      log(`  kept: ${path.relative(RUN_DIR, saved)}`);
    });
  }
  if (PHASES.has('exthost')) await exthostTests(browser, s1.port, isolatedDirs('exthost'));
  s1.stop();
  if (PHASES.has('vsix')) await vsixUi(browser, saved);
} catch (e) {
  failed++;
  console.error(e);
} finally {
  await browser?.close();
  servers.forEach((s) => s.stop());
}
log(`logs: ${RUN_DIR}`);
console.log(`RESULT: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

function pruneRuns(dir, keep) {
  let runs = [];
  try {
    runs = fs.readdirSync(dir).filter((n) => /^ext-run-\d+$/.test(n)).sort((a, b) => Number(b.slice(8)) - Number(a.slice(8)));
  } catch {
    return; // no .tmp yet
  }
  for (const old of runs.slice(keep)) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
}
