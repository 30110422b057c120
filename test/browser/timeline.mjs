// The timeline in a real Chromium (playwright-core + Debian's /usr/bin/chromium): records bundled
// examples with the real CLI, writes the standalone page with `ctrace view`, opens it from a file://
// URL and works it the way a user does, reading results only from what the user sees: the track
// list (a role=tree), the details pane, the search status, the filters and the axis. Also saves the
// README's screenshots into docs/images/. Prints `RESULT: N passed, N failed`.
//   node test/browser/timeline.mjs [--screenshots]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ARGS, assert, check, CHROMIUM, cli, ctraceIn, finish, requirePrerequisites, root, tearDown } from './support/page-test.mjs';

const shots = process.argv.includes('--screenshots'); // refreshes docs/images (not during npm test)
/** "1.25 ms" -> ns (the first duration in the text) */
function parseDur(text) {
  const m = /(-?[\d.]+) (ns|µs|ms|s)\b/.exec(text);
  if (!m) throw new Error(`no duration in "${text}"`);
  return Number(m[1]) * { ns: 1, 'µs': 1e3, ms: 1e6, s: 1e9 }[m[2]];
}

requirePrerequisites();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-timeline-'));
const ctrace = (args) => ctraceIn(tmp, args);
/** Records an example and writes its page; returns what the test needs to know about it. */
function prepare(example) {
  const trace = path.join(tmp, `${example}.ctrace`);
  ctrace(['record', '-o', trace, '--', process.execPath, path.join(root, 'examples', example, 'main.js')]);
  const summary = JSON.parse(ctrace(['summary', '--json', trace]));
  const html = ctrace(['view', trace, '-o', path.join(tmp, `${example}.html`)]).trim();
  return { trace, summary, html };
}

const user = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-chromium-'));
const ctx = await chromium.launchPersistentContext(user, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 820 } });
const problems = [];
async function open(html) {
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(pathToFileURL(html).href);
  await page.locator('.ct-app[data-ready=true]').waitFor({ timeout: 20000 });
  return page;
}
const detailsKind = (page) => page.locator('#ct-details h2').getAttribute('data-kind');
const field = (page, name) => page.locator(`#ct-details dd[data-field="${name}"]`).innerText();

try {
  let workers;
  await check('record examples/workers and write its page with ctrace view', async () => {
    workers = prepare('workers');
    assert(fs.statSync(workers.html).size > 1000, 'page too small');
    const text = fs.readFileSync(workers.html, 'utf8');
    assert(/Content-Security-Policy/.test(text) && /nonce-/.test(text), 'page has no CSP with a nonce');
    assert(!/<script(?![^>]*nonce)(?![^>]*application\/octet-stream)[^>]*>/.test(text), 'a script without the nonce');
  });
  if (!workers) finish();
  const page = await open(workers.html);

  await check('the track list shows one item per process and per JS thread, by label', async () => {
    const items = await page.locator('#ct-tracks [role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    for (const p of workers.summary.processes) assert(items.some((l) => l.includes(`pid ${p.pid}`) && l.includes(`ppid ${p.ppid}`)), `no process item for pid ${p.pid} in ${JSON.stringify(items)}`);
    for (const t of workers.summary.threads) assert(items.some((l) => l.includes(`tid ${t.tid})`) || l.includes(`tid ${t.tid},`) || l.endsWith(`tid ${t.tid}`)), `no thread item for tid ${t.tid} (${t.name})`);
    assert(items.filter((l) => /threadId [12],/.test(l)).length === 2, 'expected two worker tracks (threadId 1 and 2)');
    assert(items.some((l) => /^main \(tid /.test(l)), 'no main thread track');
    assert((await page.locator('#ct-tracks').getAttribute('role')) === 'tree', 'track list is not a tree');
  });

  await check('clicking an event on the canvas shows it in the details pane', async () => {
    // Put a worker-create in the middle of the view (search is a "go to", it centres the match), then clear the selection
    // and click where the event is drawn: the middle of the canvas, on the main thread's row.
    await page.locator('#ct-canvas').focus();
    for (let k = 0; k < 6; k++) await page.keyboard.press('w'); // zoom in first: a jump keeps the zoom
    await page.fill('#ct-search', 'kind:worker-create');
    await page.press('#ct-search', 'Enter');
    await page.locator('#ct-search-status', { hasText: 'of 2 matches' }).waitFor({ timeout: 5000 });
    await page.locator('#ct-canvas').focus();
    await page.keyboard.press('Escape');
    assert((await detailsKind(page)) === null, 'selection was not cleared');
    const canvas = await page.locator('#ct-canvas').boundingBox();
    const row = await page.locator('#ct-tracks li[aria-label^="main (tid"] > .ct-label').boundingBox();
    await page.mouse.click(canvas.x + canvas.width / 2, row.y + row.height / 2);
    await page.locator('#ct-details h2[data-kind="worker-create"]').waitFor({ timeout: 5000 });
    assert((await field(page, 'pid')) === String(workers.summary.processes[0].pid), 'pid in details');
    const site = await page.locator('#ct-details .ct-site').innerText();
    assert(/examples\/workers\/main\.js:\d+:\d+$/.test(site), `call site ${site}`);
    await page.locator('#ct-details .ct-site').click();
    await page.locator('#ct-status', { hasText: 'examples/workers/main.js' }).waitFor({ timeout: 3000 });
  });

  await check('following a message arrow jumps to the receipt', async () => {
    await page.fill('#ct-search', 'kind:message-send');
    await page.press('#ct-search', 'Enter');
    await page.locator('#ct-details h2[data-kind="message-send"]').waitFor({ timeout: 5000 });
    const sendTid = await field(page, 'tid');
    const seq = await field(page, 'seq');
    const channel = await field(page, 'channel');
    const size = await field(page, 'size');
    assert(/^\d+(\.\d+)? (B|KiB|MiB|GiB)/.test(size) && !/^0 B/.test(size), `send size ${size}`);
    const link = page.locator('#ct-details button.ct-jump', { hasText: 'receipt →' });
    assert((await link.count()) === 1, 'no "receipt →" link on a message send');
    await link.click();
    await page.locator('#ct-details h2[data-kind="message-receive"]').waitFor({ timeout: 5000 });
    assert((await field(page, 'seq')) === seq && (await field(page, 'channel')) === channel, 'receipt is for another message');
    assert((await field(page, 'tid')) !== sendTid, 'receipt on the sending thread');
    // the agent leaves a receipt's size to its send (the same clone): the pane shows the send's
    assert((await field(page, 'size')) === size, `receipt size ${await field(page, 'size')}, send ${size}`);
    assert((await page.locator('#ct-details button.ct-jump', { hasText: '← send' }).count()) === 1, 'no way back to the send');
  });

  await check('search by kind and by text finds events and reports the count', async () => {
    await page.fill('#ct-search', 'kind:message pid:' + workers.summary.processes[0].pid);
    await page.press('#ct-search', 'Enter');
    await page.locator('#ct-search-status', { hasText: 'of 40 matches' }).waitFor({ timeout: 5000 });
    await page.fill('#ct-search', 'hasher');
    await page.press('#ct-search', 'Enter');
    await page.locator('#ct-search-status', { hasText: /of \d+ matches/ }).waitFor({ timeout: 5000 });
    const t = await page.locator('#ct-details dd[data-field="thread"]').innerText();
    assert(/hasher/.test(t), `text search selected an event on ${t}`);
    await page.fill('#ct-search', 'kind:nosuchkind');
    await page.press('#ct-search', 'Enter');
    await page.locator('#ct-search-status', { hasText: 'No event kind matches' }).waitFor({ timeout: 3000 });
  });

  await check('filters hide an event kind and a track', async () => {
    await page.locator('#ct-filters summary').click();
    await page.locator('#ct-filters input[data-kind="message-send"]').uncheck();
    await page.fill('#ct-search', 'kind:message-send');
    await page.press('#ct-search', 'Enter');
    await page.locator('#ct-search-status', { hasText: 'No matches' }).waitFor({ timeout: 5000 });
    await page.locator('#ct-filters input[data-kind="message-send"]').check();
    await page.locator('#ct-filters summary').click();
    const before = await page.locator('#ct-tracks li[role=treeitem]:visible').count();
    const hasher = page.locator('#ct-tracks li[aria-label^="hasher 1"]');
    await hasher.locator('> .ct-label').hover();
    await hasher.locator('> .ct-label .ct-hide').click();
    const after = await page.locator('#ct-tracks li[role=treeitem]:visible').count();
    assert(after === before - 1, `visible tracks ${before} -> ${after}`);
    assert(!(await page.locator('#ct-tracks li[aria-label^="hasher 1"]').isVisible()), 'hidden track still visible');
    await page.locator('#ct-filters summary').click();
    await page.locator('#ct-show-tracks', { hasText: 'Show 1 hidden track' }).click();
    await page.locator('#ct-filters summary').click();
    assert(await page.locator('#ct-tracks li[aria-label^="hasher 1"]').isVisible(), 'track did not come back');
  });

  await check('Delete on a focused track hides it and keeps the focus in the tree', async () => {
    const hasher = page.locator('#ct-tracks li[aria-label^="hasher 1"]');
    const before = await page.locator('#ct-tracks li[role=treeitem]:visible').count();
    await hasher.focus();
    await page.keyboard.press('Delete');
    await page.locator('#ct-tracks li[aria-label^="hasher 1"]').waitFor({ state: 'hidden', timeout: 3000 });
    const after = await page.locator('#ct-tracks li[role=treeitem]:visible').count();
    assert(after === before - 1, `visible tracks ${before} -> ${after}`);
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('role') === 'treeitem' && !document.activeElement.closest('[hidden]'));
    assert(focused, `focus left the tree: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`);
    // the key is announced by the item and named by its (mouse-only) hide button
    assert((await page.locator('#ct-tracks li[aria-label^="hasher 1"]').getAttribute('aria-keyshortcuts')) === 'Delete', 'the track does not announce Delete');
    assert(/\(Delete\)/.test((await page.locator('#ct-tracks li[aria-label^="hasher 1"] > .ct-label .ct-hide').getAttribute('title')) ?? ''), 'the hide button does not name its key');
    await page.locator('#ct-filters summary').click();
    await page.locator('#ct-show-tracks', { hasText: 'Show 1 hidden track' }).click();
    await page.locator('#ct-filters summary').click();
    assert(await page.locator('#ct-tracks li[aria-label^="hasher 1"]').isVisible(), 'track did not come back');
  });

  await check('the overview is in the Tab order and moves the view with the arrow keys, Page Up/Down, Home and End', async () => {
    const minimap = page.locator('#ct-minimap');
    await page.locator('#ct-fit').focus();
    await page.keyboard.press('Tab');
    assert((await page.evaluate(() => document.activeElement?.id)) === 'ct-minimap', 'Tab from Fit does not reach the overview');
    assert((await minimap.getAttribute('role')) === 'slider', 'the overview is not a slider');
    await page.keyboard.press('f');
    for (let k = 0; k < 8; k++) await page.keyboard.press('w'); // a view narrower than the trace
    const visible = async () => {
      await page.waitForTimeout(50); // the range label follows on the next frame
      return page.locator('#ct-visible').innerText();
    };
    const start = (text) => parseDur(text.split('–')[0]);
    const value = async () => Number(await minimap.getAttribute('aria-valuenow'));
    await page.keyboard.press('Home');
    const atHome = await visible();
    assert((await value()) === 0, `Home: aria-valuenow ${await value()}`);
    await page.keyboard.press('ArrowLeft');
    assert((await visible()) === atHome, `ArrowLeft at the start moved the view: ${atHome} -> ${await visible()}`);
    await page.keyboard.press('ArrowRight');
    const right = await visible();
    assert(start(right) > start(atHome) && (await value()) > 0, `ArrowRight did not move the view on: ${atHome} -> ${right}`);
    await page.keyboard.press('PageUp');
    const paged = await visible();
    assert(start(paged) > start(right), `PageUp did not move the view on: ${right} -> ${paged}`);
    await page.keyboard.press('End');
    const atEnd = await visible();
    assert((await value()) === 100 && start(atEnd) > start(paged), `End: ${atEnd}, aria-valuenow ${await value()}`);
    assert(/ of /.test((await minimap.getAttribute('aria-valuetext')) ?? ''), `aria-valuetext ${await minimap.getAttribute('aria-valuetext')}`);
    await page.keyboard.press('PageDown');
    assert(start(await visible()) < start(atEnd), 'PageDown did not move the view back');
    assert((await page.evaluate(() => document.activeElement?.id)) === 'ct-minimap', 'the overview lost the focus');
  });

  await check('keyboard zoom changes the axis labels; F fits the whole trace again', async () => {
    await page.locator('#ct-canvas').focus();
    await page.keyboard.press('f');
    await page.waitForTimeout(100); // the axis and the range label follow on the next frame
    const ticks = () => page.locator('#ct-axis .ct-tick:visible').allInnerTexts();
    const fitTicks = (await ticks()).join(' ');
    const fitRange = await page.locator('#ct-visible').innerText();
    for (let k = 0; k < 26; k++) await page.keyboard.press('w');
    await page.waitForTimeout(100);
    const zoomed = (await ticks()).join(' ');
    assert(zoomed !== fitTicks, `axis did not change: ${zoomed}`);
    assert(/ms/.test(fitTicks) || / s\b/.test(fitTicks), `fit axis ${fitTicks}`);
    assert(/µs/.test(zoomed), `deep zoom should label µs: ${zoomed}`);
    await page.keyboard.press('d');
    await page.keyboard.press('a');
    await page.keyboard.press('0');
    await page.waitForTimeout(100);
    assert((await page.locator('#ct-visible').innerText()) === fitRange, 'fit did not restore the range');
  });

  await check('arrow keys move between events and shift-drag selects a range with statistics', async () => {
    await page.locator('#ct-canvas').focus();
    await page.keyboard.press('f');
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowRight');
    await page.locator('#ct-details dd[data-field="start"]').waitFor({ timeout: 3000 });
    const first = await page.locator('#ct-details dl').innerText();
    await page.keyboard.press('ArrowRight');
    const second = await page.locator('#ct-details dl').innerText();
    assert(first !== second, 'ArrowRight did not move');
    const startOf = async () => parseDur(await page.locator('#ct-details dd[data-field="start"]').innerText());
    const t0 = await startOf();
    await page.keyboard.press('Tab');
    const t1 = await startOf();
    await page.keyboard.press('Tab');
    const t2 = await startOf();
    assert(t1 >= t0 && t2 >= t1 && (t1 !== t0 || t2 !== t1), `Tab did not walk forward in time: ${t0} ${t1} ${t2}`);
    assert((await page.evaluate(() => document.activeElement?.id)) === 'ct-canvas', 'Tab left the timeline while an event was selected');
    const box = await page.locator('#ct-canvas').boundingBox();
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.05, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.95, box.y + 60, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.locator('#ct-range dd[data-field="duration"]').waitFor({ timeout: 3000 });
    const events = Number((await page.locator('#ct-range dd[data-field="events"]').innerText()).replace(/,/g, ''));
    assert(events > 0, 'range counted no events');
  });

  await check('the summary panel charts CPU time per thread (Chart.js under the CSP)', async () => {
    await page.locator('#ct-summary > summary').click();
    const chart = page.locator('#ct-summary canvas[role=img]');
    await chart.waitFor({ timeout: 5000 });
    const label = await chart.getAttribute('aria-label');
    assert(/^CPU time per thread: .*hasher 0/.test(label ?? ''), `chart label: ${label}`);
    const drawn = await chart.evaluate((c) => c.width > 0 && c.height > 0);
    assert(drawn, 'chart canvas has no size');
  });

  await check('the insights panel shows the worker creation figures; clicking one selects that event', async () => {
    const ins = workers.summary.insights.creation;
    const panel = page.locator('#ct-insights');
    await panel.locator('.ct-insight-link').first().waitFor({ timeout: 5000 });
    const group = await panel.locator('.ct-insight').first().innerText();
    assert(/^2 workers created: median [\d.]+ (ns|µs|ms|s), slowest [\d.]+ (ns|µs|ms|s)$/.test(group), `group line: ${group}`);
    const second = ins.items[1];
    const line = `main.js:${second.evidence.site.line}`;
    const link = panel.locator('.ct-insight-link', { hasText: `worker ${second.workerThreadId} at ${line}` });
    assert((await link.count()) === 1, `no link for worker ${second.workerThreadId} at ${line}: ${await panel.innerText()}`);
    await page.locator('#ct-canvas').focus();
    await page.keyboard.press('Escape');
    await link.click();
    await page.locator('#ct-details h2[data-kind="worker-create"]').waitFor({ timeout: 5000 });
    assert((await field(page, 'pid')) === String(second.evidence.pid), 'pid in details');
    // the second worker's own creation, not the first's at the same line
    assert((await field(page, 'workerThreadId')).startsWith(String(second.workerThreadId)), `workerThreadId ${await field(page, 'workerThreadId')}`);
    assert((await field(page, 'start')).includes(`(${second.evidence.ts} ns)`), `start ${await field(page, 'start')}`);
    // row labels are words, each once (the record's own field names are camelCase)
    const labels = await page.locator('#ct-details dt').allInnerTexts();
    assert(labels.includes('worker thread id') && !labels.some((l) => /[a-z][A-Z]/.test(l) && l !== 'threadId') && new Set(labels).size === labels.length, `labels: ${labels.join(', ')}`);
    const site = await page.locator('#ct-details .ct-site').innerText();
    assert(site.endsWith(`examples/workers/main.js:${second.evidence.site.line}:${second.evidence.site.column}`), `call site ${site}`);
  });

  await check('an insight link (as an editor hint) brings its event on screen when its process was collapsed, hidden or its kind filtered out', async () => {
    const link = page.locator('#ct-insights .ct-insight-link', { hasText: /^worker \d+ at main\.js:/ }).first();
    const proc = page.locator('li.ct-proc').first();
    const workerTracks = () => page.locator('li.ct-thread:not([hidden])', { hasText: 'hasher' }).count();
    const mainTrackShown = () => page.locator('li.ct-thread:not([hidden])', { hasText: /main \(tid/ }).count();
    // collapsed: the thread rows are gone from the tree and from the canvas
    await proc.locator('.ct-twisty').first().click();
    assert((await proc.getAttribute('aria-expanded')) === 'false' && (await workerTracks()) === 0, 'the process did not collapse');
    await link.click();
    await page.locator('#ct-details h2[data-kind="worker-create"]').waitFor({ timeout: 5000 });
    assert((await proc.getAttribute('aria-expanded')) === 'true', 'the collapsed process was left collapsed: the selected event is not on screen');
    assert((await mainTrackShown()) === 1, 'the track of the selected event is not shown');
    // hidden (the × of the process row): the whole process is gone
    await proc.locator('.ct-label').first().hover();
    await proc.locator('.ct-hide').first().click();
    assert((await page.locator('li.ct-proc:not([hidden])').count()) === 0, 'the process was not hidden');
    await page.locator('#ct-canvas').focus();
    await page.keyboard.press('Escape');
    await link.click();
    await page.locator('#ct-details h2[data-kind="worker-create"]').waitFor({ timeout: 5000 });
    assert((await page.locator('li.ct-proc:not([hidden])').count()) === 1 && (await mainTrackShown()) === 1, 'the hidden process was left hidden: the selected event is not on screen');
    // its kind filtered out: the event would be selected but not drawn
    await page.locator('summary', { hasText: 'Filters' }).first().click();
    const box = page.locator('input[data-kind="worker-create"]');
    await box.uncheck();
    await link.click();
    await page.locator('#ct-details h2[data-kind="worker-create"]').waitFor({ timeout: 5000 });
    assert(await page.locator('input[data-kind="worker-create"]').isChecked(), 'the worker-create kind stayed filtered out: the selected event is not drawn');
    await page.locator('summary', { hasText: 'Filters' }).first().click();
  });

  await check('the page ran without errors or CSP violations', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
  await page.close();

  if (shots) {
    // The README's pictures: a fresh page, a worker's counters expanded, a message selected.
    const pg = await open(workers.html);
    await pg.locator('#ct-tracks li[aria-label^="hasher 0"] > .ct-label .ct-twisty').click();
    await pg.fill('#ct-search', 'kind:message-receive thread:hasher');
    await pg.press('#ct-search', 'Enter');
    await pg.locator('#ct-details h2[data-kind="message-receive"]').waitFor();
    await pg.fill('#ct-search', '');
    await pg.locator('#ct-canvas').focus();
    await pg.keyboard.press('f');
    await pg.mouse.move(5, 800);
    await pg.waitForTimeout(150);
    await pg.screenshot({ path: path.join(root, 'docs', 'images', 'timeline.png') });
    for (let k = 0; k < 7; k++) await pg.keyboard.press('w');
    await pg.locator('#ct-details button.ct-jump', { hasText: '← send' }).first().click();
    await pg.mouse.move(5, 800);
    await pg.waitForTimeout(150);
    await pg.screenshot({ path: path.join(root, 'docs', 'images', 'timeline-message.png') });
    await pg.close();
  }

  await check('processes: one group per process, nested by parentage, with spawn links', async () => {
    const p = prepare('processes');
    const pg = await open(p.html);
    const parent = p.summary.processes.find((x) => !p.summary.processes.some((y) => y.pid === x.ppid));
    for (const proc of p.summary.processes) {
      const item = pg.locator(`#ct-tracks li.ct-proc[aria-label*="pid ${proc.pid},"]`);
      assert((await item.count()) === 1, `no group for pid ${proc.pid}`);
      if (proc !== parent) {
        const nested = pg.locator(`#ct-tracks li.ct-proc[aria-label*="pid ${parent.pid},"] li.ct-proc[aria-label*="pid ${proc.pid},"]`);
        assert((await nested.count()) === 1, `pid ${proc.pid} not nested under ${parent.pid}`);
      }
    }
    await pg.fill('#ct-search', 'kind:spawn pid:' + parent.pid);
    await pg.press('#ct-search', 'Enter');
    await pg.locator('#ct-details h2[data-kind="spawn"]').waitFor({ timeout: 5000 });
    await pg.locator('#ct-details button.ct-jump', { hasText: 'child process →' }).click();
    await pg.locator('#ct-details h2[data-kind="process-start"]').waitFor({ timeout: 5000 });
    if (shots) {
      await pg.keyboard.press('f');
      await pg.waitForTimeout(100);
      await pg.screenshot({ path: path.join(root, 'docs', 'images', 'timeline-processes.png') });
    }
    await pg.close();
  });

  await check('crash: the crash marker carries the error and its stack', async () => {
    const c = prepare('crash');
    const pg = await open(c.html);
    await pg.fill('#ct-search', 'kind:crash boom');
    await pg.press('#ct-search', 'Enter');
    await pg.locator('#ct-details h2[data-kind="crash"]').waitFor({ timeout: 5000 });
    assert(/boom in worker/.test(await field(pg, 'message')), 'crash message');
    assert(/boom in worker/.test(await pg.locator('#ct-details .ct-stack').innerText()), 'crash stack');
    // one crash, reported twice (where it was thrown, and by the parent's 'error' event): the first is
    // the crash and links to the second, which says whose crash it reports
    const report = pg.locator('#ct-details button.ct-jump', { hasText: 'reported to its parent →' });
    assert((await report.count()) === 1, 'the worker\'s crash links to its report in the parent');
    await report.click();
    await pg.locator('#ct-details button.ct-jump', { hasText: '← the crash itself' }).waitFor({ timeout: 5000 });
    assert(/boom in worker/.test(await field(pg, 'message')), 'the report carries the same error');
    // and the summary panel counts crashes as ctrace summary does: the report is not one more
    await pg.locator('#ct-summary > summary').click();
    const counts = await pg.locator('#ct-summary dl').innerText();
    assert(new RegExp(`crashes\\s+${c.summary.counts.crashes}\\b`).test(counts), `summary panel: ${counts} (ctrace summary: ${c.summary.counts.crashes})`);
    await pg.close();
  });

  await check('live: a host streaming load + appends grows the view, follows the end, and reveal/openSource work', async () => {
    // This page plays the extension's part: it loads the bundle and speaks the message protocol.
    const harness = path.join(tmp, 'live.html');
    fs.writeFileSync(
      harness,
      `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${pathToFileURL(path.join(root, 'dist', 'timeline.css')).href}"></head><body><div id="app"></div>
<script>window.toHost = []; window.addEventListener('ctrace-view-to-host', (e) => window.toHost.push(e.detail));</script>
<script src="${pathToFileURL(path.join(root, 'dist', 'webview.js')).href}"></script></body></html>`,
    );
    const pg = await ctx.newPage();
    pg.on('pageerror', (e) => problems.push(String(e)));
    await pg.goto(pathToFileURL(harness).href);
    await pg.waitForFunction(() => window.toHost.some((m) => m.type === 'ready'));
    const bytes = [...fs.readFileSync(workers.trace)];
    const cut1 = 40; // the header and part of the first chunk: nothing to show yet
    const cut2 = Math.floor(bytes.length * 0.5);
    await pg.evaluate((b) => window.postMessage({ type: 'load', name: 'live.ctrace', bytes: new Uint8Array(b), live: true, hasSource: true }, '*'), bytes.slice(0, cut1));
    await pg.locator('#ct-live').waitFor({ state: 'visible', timeout: 5000 });
    const eventsText = () => pg.locator('#ct-stats').innerText();
    const before = await eventsText();
    // nothing decoded yet: counts in the plural, and no times (not "-Infinity s – -Infinity s")
    assert(before === '0 events · 0 processes · 0 threads', `stats before any event: ${before}`);
    await pg.waitForTimeout(50); // the range label is written by the next frame
    const empty = await pg.locator('#ct-visible').innerText();
    assert(empty === 'no events', `visible range with no events: ${empty}`);
    await pg.evaluate((b) => window.postMessage({ type: 'append', bytes: new Uint8Array(b) }, '*'), bytes.slice(cut1, cut2));
    await pg.waitForTimeout(100);
    await pg.evaluate((b) => window.postMessage({ type: 'append', bytes: new Uint8Array(b) }, '*'), bytes.slice(cut2));
    await pg.waitForFunction((t) => document.getElementById('ct-stats').textContent !== t, before, { timeout: 10000 }).catch(async () => {
      throw new Error(`no new events after appends; stats "${before}", banner "${await pg.locator('#ct-banner').innerText().catch(() => '')}"`);
    });
    const end2 = await pg.locator('#ct-visible').innerText();
    // one process: "1 process", not "1 processes"; its main thread and 2 workers are its threads, and
    // the OS threads the scheduler capture saw are counted apart (ctrace summary counts threads so)
    const stats = await eventsText();
    assert(/^[\d,]+ events · 1 process · 3 threads( \+ \d+ OS threads?)?$/.test(stats), `stats: ${stats}`);
    await pg.evaluate(() => window.postMessage({ type: 'ended' }, '*'));
    await pg.locator('#ct-live').waitFor({ state: 'hidden', timeout: 5000 });
    const items = await pg.locator('#ct-tracks [role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    assert(items.filter((l) => /threadId [12],/.test(l)).length === 2, 'worker tracks missing after appends');
    // the view followed the end: the process's exit (its last event) is inside what was visible
    await pg.fill('#ct-search', 'kind:process-exit');
    await pg.press('#ct-search', 'Enter');
    await pg.locator('#ct-details h2[data-kind="process-exit"]').waitFor({ timeout: 5000 });
    assert((await pg.locator('#ct-search-status').innerText()) === '1 of 1 match', `search status: ${await pg.locator('#ct-search-status').innerText()}`);
    const exitAt = parseDur(await pg.locator('#ct-details dd[data-field="start"]').innerText());
    const visibleEnd = parseDur(end2.split('–')[1]);
    assert(visibleEnd >= exitAt, `view did not follow the end: visible "${end2}", exit at ${exitAt} ns`);
    // reveal: the host asks for a worker's thread-start
    const w = workers.summary.threads.find((t) => t.threadId === 1);
    await pg.evaluate((w) => window.postMessage({ type: 'reveal', pid: w.pid, threadId: 1, ts: 0, kind: 3 }, '*'), w);
    await pg.locator('#ct-details h2[data-kind="thread-start"]').waitFor({ timeout: 5000 });
    assert((await pg.locator('#ct-details dd[data-field="threadId"]').innerText()) === '1', 'reveal selected the wrong thread');
    // openSource goes to the host when it has sources
    await pg.fill('#ct-search', 'kind:worker-create');
    await pg.press('#ct-search', 'Enter');
    await pg.locator('#ct-details h2[data-kind="worker-create"]').waitFor({ timeout: 5000 });
    await pg.locator('#ct-canvas').focus();
    await pg.keyboard.press('Enter');
    const open = await pg.evaluate(() => window.toHost.find((m) => m.type === 'openSource'));
    assert(open && /examples\/workers\/main\.js$/.test(open.file) && open.line > 0 && open.column > 0, `openSource: ${JSON.stringify(open)}`);
    await pg.close();
  });

  await check('a 50k-event synthetic trace draws from its summaries zoomed out and from events zoomed in', async () => {
    const trace = path.join(tmp, 'synthetic.ctrace');
    const gen = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'synthetic.ts'), '--events', '50000', '-o', trace], { cwd: root, encoding: 'utf8' });
    assert(gen.status === 0, gen.stderr);
    const html = ctrace(['view', trace, '-o', path.join(tmp, 'synthetic.html')]).trim();
    const pg = await open(html);
    const items = await pg.locator('#ct-tracks li.ct-proc').count();
    assert(items === 4, `expected 4 process groups, got ${items}`);
    await pg.waitForTimeout(300); // the summaries are built between frames
    await pg.locator('#ct-canvas').focus();
    for (let k = 0; k < 12; k++) await pg.keyboard.press('w');
    for (let k = 0; k < 12; k++) await pg.keyboard.press('s');
    await pg.fill('#ct-search', 'kind:crash synthetic');
    await pg.press('#ct-search', 'Enter');
    await pg.locator('#ct-details h2[data-kind="crash"]').waitFor({ timeout: 5000 });
    assert(/synthetic failure/.test(await field(pg, 'message')), 'crash message');
    await pg.close();
    assert(problems.length === 0, problems.join('\n'));
  });

  await check('a trace whose threads could not write all of their records says so in a banner', async () => {
    // ulimit -f stops the program's stream files after a few KB, as a full TMPDIR would
    const prog = path.join(tmp, 'pingpong.js');
    fs.writeFileSync(
      prog,
      `const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  let n = 0;
  w.on('message', () => { if (++n < 3000) w.postMessage({ n }); else w.terminate(); });
  w.postMessage({ n });
} else parentPort.on('message', (m) => parentPort.postMessage(m));
`,
    );
    const trace = path.join(tmp, 'lost.ctrace');
    ctrace(['record', '--no-sched', '-o', trace, '--', 'sh', '-c', 'ulimit -f 16 && exec "$0" "$1"', process.execPath, prog]);
    const pg = await open(ctrace(['view', trace, '-o', path.join(tmp, 'lost.html')]).trim());
    const banner = pg.locator('#ct-banner');
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    const text = await banner.innerText();
    assert(/^2 threads could not write all of their records, because a file size limit was reached \(EFBIG/.test(text), `banner: ${text}`);
    await pg.close();
  });

  await check('a Node child that left no records (killed before Node started) is named in a banner', async () => {
    const prog = path.join(tmp, 'killed-child.js');
    fs.writeFileSync(prog, `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);\nc.kill('SIGKILL');\n`);
    const trace = path.join(tmp, 'untraced.ctrace');
    ctrace(['record', '--no-sched', '-o', trace, '--', process.execPath, prog]);
    const pg = await open(ctrace(['view', trace, '-o', path.join(tmp, 'untraced.html')]).trim());
    const banner = pg.locator('#ct-banner');
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    const text = await banner.innerText();
    assert(/^1 Node\.js process ran without being traced: pid \d+ \(.+ -e setInterval\(\(\) => \{\}, 1000\), spawned at .*killed-child\.js:1, killed by SIGKILL\)\./.test(text), `banner: ${text}`);
    await pg.close();
  });

  await check('processes only the scheduler capture saw (a shell and its children) are named by their command and counted apart', async () => {
    const prog = path.join(tmp, 'shell-child.js');
    fs.writeFileSync(prog, `require('child_process').execFileSync('sh', ['-c', 'sleep 0.3; sleep 0.2']);\n`);
    const trace = path.join(tmp, 'shell-child.ctrace');
    ctrace(['record', '-o', trace, '--', process.execPath, prog]);
    const pg = await open(ctrace(['view', trace, '-o', path.join(tmp, 'shell-child.html')]).trim());
    const stats = await pg.locator('#ct-stats').innerText();
    // the Node process is the one ctrace summary counts; sh and sleep are the OS's
    assert(/^[\d,]+ events · 1 process \+ \d+ OS process(es)? · 1 thread( \+ [\d,]+ OS threads?)?$/.test(stats), `stats: ${stats}`);
    const labels = await pg.locator('#ct-tracks [role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    assert(labels.some((l) => /^(sh|sleep) \(pid \d+/.test(l)), `no track named after its command: ${labels.join(' | ')}`);
    assert(!labels.some((l) => /^process \(pid/.test(l)), `a process without a name: ${labels.join(' | ')}`);
    // and they nest by parentage, as traced ones do: node → sh → sleep
    const sh = await pg.locator('#ct-tracks li.ct-proc[aria-label^="node "] li.ct-proc[aria-label^="sh ("]').count();
    const sleep = await pg.locator('#ct-tracks li.ct-proc[aria-label^="node "] li.ct-proc[aria-label^="sh ("] li.ct-proc[aria-label^="sleep ("]').count();
    assert(sh === 1 && sleep >= 1, `not nested (sh ${sh}, sleep under it ${sleep}): ${labels.join(' | ')}`);
    await pg.close();
  });

  await check('a deadlock in the insights is a link that selects the record that reported it', async () => {
    const trace = path.join(tmp, 'abba.ctrace');
    // --fail-on deadlock stops the deadlocked program and exits 3: not an error here
    spawnSync(process.execPath, [cli, 'record', '--no-sched', '--fail-on', 'deadlock', '-o', trace, '--', process.execPath, path.join(root, 'examples', 'locks', 'abba-deadlock', 'main.js')], { cwd: tmp, encoding: 'utf8', timeout: 120000 });
    const pg = await open(ctrace(['view', trace, '-o', path.join(tmp, 'abba.html')]).trim());
    const link = pg.locator('#ct-insights .ct-insight-link', { hasText: /^deadlock: / });
    await link.first().waitFor({ timeout: 5000 });
    await link.first().click();
    await pg.locator('#ct-details h2[data-kind="deadlock"]').waitFor({ timeout: 5000 });
    await pg.close();
  });

  await check('a recording of a command that is not Node says why its page is empty', async () => {
    const trace = path.join(tmp, 'true.ctrace');
    ctrace(['record', '--no-sched', '-o', trace, '--', 'true']);
    const pg = await open(ctrace(['view', trace, '-o', path.join(tmp, 'true.html')]).trim());
    const banner = pg.locator('#ct-banner');
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    assert(/^No Node\.js process was traced: the command is not Node/.test(await banner.innerText()), `banner: ${await banner.innerText()}`);
    await pg.close();
  });

  await check('a file that is not a trace gets a clear message, not a blank page', async () => {
    const bad = path.join(tmp, 'bad.ctrace');
    fs.writeFileSync(bad, 'hello, not a trace at all');
    const r = spawnSync(process.execPath, [cli, 'view', bad], { cwd: tmp, encoding: 'utf8' });
    assert(r.status !== 0 && /not a Concurrency Timeline trace/.test(r.stderr), `ctrace view on a bad file: ${r.status} ${r.stderr}`);
  });

  await check('no errors or CSP violations on any page', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await tearDown(ctx, user, tmp);
}
finish();
