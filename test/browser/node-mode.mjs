// The timeline of a schedMode 'node' trace in a real Chromium (playwright-core + Debian's
// /usr/bin/chromium): records a worker busy for 600 ms beside a sleeping main thread with
// `ctrace record --sched node`, writes its page with `ctrace view`, and reads what the user sees: a
// "Busy cores" row, a CPU row for each JS thread labelled with what Node measured (the running
// Node 20 has no per-thread CPU: "event loop busy"), drawn for the busy worker and not for the idle
// main thread, hover text that says the figures come from Node, no per-thread switch rows, and the
// summary panel naming the mode.
// Prints `RESULT: N passed, N failed`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ARGS, assert, check, CHROMIUM, ctraceIn, finish, requirePrerequisites, root, tearDown } from './support/page-test.mjs';


requirePrerequisites();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-node-mode-'));
const ctrace = (args) => ctraceIn(tmp, args);

const user = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-chromium-'));
let ctx;
try {
  let html;
  await check('record the node-mode fixture with --sched node and write its page', async () => {
    const trace = path.join(tmp, 'node-mode.ctrace');
    ctrace(['record', '--sched', 'node', '-o', trace, '--', process.execPath, path.join(root, 'test', 'fixtures', 'sched', 'node-mode.js'), '600']);
    assert(JSON.parse(ctrace(['summary', '--json', trace])).schedMode === 'node', 'not a node-mode trace');
    html = ctrace(['view', trace, '-o', path.join(tmp, 'node-mode.html')]).trim();
  });
  if (!html) finish();
  ctx = await chromium.launchPersistentContext(user, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 700 } });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(pathToFileURL(html).href);
  await page.locator('.ct-app[data-ready=true]').waitFor({ timeout: 20000 });
  const labels = () => page.locator('#ct-tracks [role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const item = (prefix) => page.locator(`#ct-tracks li[aria-label^="${prefix}"]`);

  await check('a "Busy cores" row that says it is process CPU from Node', async () => {
    const cores = (await labels()).filter((l) => l.startsWith('Busy cores'));
    assert(cores.length === 1 && /process CPU, from Node/.test(cores[0]), `cores rows: ${JSON.stringify(cores)}`);
  });

  await check('each JS thread gets an "event loop busy" row from Node, and no per-thread context-switch row', async () => {
    for (const t of ['worker 1', 'main']) await item(t).locator('> .ct-label .ct-twisty').click();
    await page.waitForTimeout(100);
    const all = await labels();
    assert(all.some((l) => /^event loop busy, worker 1 \d+ \(from Node: node mode\)$/.test(l)), `no worker CPU row in ${JSON.stringify(all)}`);
    assert(all.some((l) => /^event loop busy, main \d+ \(from Node: node mode\)$/.test(l)), `no main CPU row in ${JSON.stringify(all)}`);
    assert(!all.some((l) => /^context switches, (worker|main)/.test(l)), `a per-thread switch row: ${JSON.stringify(all)}`);
    assert(all.some((l) => /^context switches, pid \d+, whole process .*from Node/.test(l)), `no process switch row: ${JSON.stringify(all)}`);
  });

  // painted columns of a row: where the pixel near its bottom differs from the one at its top (the CPU
  // area fills upward from the bottom; the caption's first 40 px are left out)
  const painted = async (prefix) => {
    const canvas = await page.locator('#ct-canvas').boundingBox();
    const row = await item(prefix).locator('> .ct-label').boundingBox();
    return page.evaluate(
      ({ y0, h }) => {
        const c = document.getElementById('ct-canvas');
        const dpr = window.devicePixelRatio || 1;
        const g = c.getContext('2d');
        const w = c.width;
        const top = g.getImageData(0, Math.round((y0 + 1) * dpr), w, 1).data;
        const bottom = g.getImageData(0, Math.round((y0 + h - 4) * dpr), w, 1).data;
        let n = 0;
        for (let x = Math.round(40 * dpr); x < w; x++) if (top[4 * x] !== bottom[4 * x] || top[4 * x + 1] !== bottom[4 * x + 1] || top[4 * x + 2] !== bottom[4 * x + 2]) n++;
        return n / (w - Math.round(40 * dpr));
      },
      { y0: row.y - canvas.y, h: row.height },
    );
  };

  await check("the busy worker's row is drawn, the sleeping main thread's is not", async () => {
    const worker = await painted('event loop busy, worker 1');
    const main = await painted('event loop busy, main');
    assert(worker > 0.25, `worker row painted over ${(worker * 100).toFixed(0)}% of the width`);
    assert(main < 0.1, `main row painted over ${(main * 100).toFixed(0)}% of the width`);
  });

  await check('hovering the worker row and the busy-cores row says the figures come from Node', async () => {
    const canvas = await page.locator('#ct-canvas').boundingBox();
    const hoverAt = async (prefix, fx) => {
      const row = await item(prefix).locator('> .ct-label').boundingBox();
      await page.mouse.move(canvas.x + canvas.width * fx, row.y + row.height / 2);
      await page.locator('#ct-tooltip:visible').waitFor({ timeout: 3000 });
      return page.locator('#ct-tooltip').innerText();
    };
    let best = -1;
    let text = '';
    for (const fx of [0.3, 0.5, 0.7]) {
      text = await hoverAt('event loop busy, worker 1', fx);
      assert(/event loop busy (\d+)%/.test(text) && /from inside the program \(node mode\)/.test(text), `worker tooltip: ${text}`);
      best = Math.max(best, Number(/event loop busy (\d+)%/.exec(text)[1]));
    }
    assert(best >= 50, `worker's event loop at most ${best}% busy while it computes: ${text}`);
    const cores = await hoverAt('Busy cores', 0.5);
    assert(/^Busy cores .*: \d+\.\d\d at /.test(cores) && /CPU time .*node mode/.test(cores), `cores tooltip: ${cores}`);
  });

  await check('the summary panel names the mode and charts no event-loop time as CPU', async () => {
    await page.locator('#ct-summary > summary').click();
    const text = await page.locator('#ct-summary dl').innerText();
    assert(/scheduling\s+Node's own figures from inside the program \(node mode\)/.test(text), `summary: ${text}`);
    // Node 20 measured no thread's CPU, so there is no "CPU time per thread" chart to draw
    assert((await page.locator('#ct-summary canvas').count()) === 0, 'a CPU chart from event-loop figures');
  });

  await check("the insights panel's CPU line says the busy cores are process CPU measured by Node", async () => {
    const panel = page.locator('#ct-insights');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator('> summary').click();
    const text = await panel.innerText();
    assert(/average \d+\.\d\d busy cores, peak [\d.]+ of \d+ \(process CPU measured by Node\)/.test(text), `insights: ${text}`);
    assert(!/oversubscribed/.test(text), `node mode has no per-thread states to judge oversubscription: ${text}`);
  });

  await check('the page raised no errors', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await tearDown(ctx, tmp, user);
}
finish();
