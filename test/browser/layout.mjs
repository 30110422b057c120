// The timeline at the size it often has in VS Code, beside the editor (650 x 700): the events keep
// most of the height, the track names stay distinguishable, the label column and the lower panes
// (details, insights) can be resized with the mouse and the keyboard, and the sizes chosen survive
// the view being restored (the standalone page keeps its view state in sessionStorage, as VS Code's
// getState/setState keep it for a hidden panel). Prints `RESULT: N passed, N failed`.
//   node test/browser/layout.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ARGS, assert, check, CHROMIUM, ctraceIn, finish, requirePrerequisites, root, tearDown } from './support/page-test.mjs';

requirePrerequisites();

const W = 650;
const H = 700;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-layout-'));
const user = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-chromium-'));
let ctx;
const problems = [];

/** What a user reads in each shown track label: the characters drawn inside the label's clipping boxes (an ellipsis where some are cut). */
function visibleLabels(page) {
  return page.locator('#ct-tracks li[role=treeitem]').evaluateAll((items) => {
    const g = document.createElement('canvas').getContext('2d');
    const out = [];
    for (const li of items) {
      if (li.closest('[hidden]') || li.offsetParent === null) continue;
      const label = li.querySelector(':scope > .ct-label');
      const text = label.querySelector('.ct-label-text');
      let shown = '';
      let cut = false;
      const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        // the box that clips this text: every element up to the label that hides its overflow; where
        // text is cut with an ellipsis at its end, the ellipsis covers the last characters that fit
        let left = -Infinity;
        let right = Infinity;
        let ellipsisAt = Infinity;
        for (let e = n.parentElement; e && e !== li; e = e.parentElement) {
          const cs = getComputedStyle(e);
          if (cs.overflowX === 'visible') continue;
          const r = e.getBoundingClientRect();
          left = Math.max(left, r.left);
          right = Math.min(right, r.right);
          if (cs.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1) {
            g.font = cs.font;
            ellipsisAt = Math.min(ellipsisAt, r.right - g.measureText('…').width);
          }
        }
        for (let k = 0; k < n.data.length; k++) {
          range.setStart(n, k);
          range.setEnd(n, k + 1);
          const r = range.getBoundingClientRect();
          const visible = r.left >= left - 0.5 && r.right <= Math.min(right, ellipsisAt) + 0.5;
          if (visible) {
            shown += n.data[k];
            cut = false;
          } else if (!cut) {
            shown += '…';
            cut = true;
          }
        }
      }
      out.push({ label: li.getAttribute('aria-label'), shown: shown.replace(/\s+/g, ' ').trim() });
    }
    return out;
  });
}

const box = async (page, sel) => page.locator(sel).boundingBox();
const labelWidth = async (page) => (await box(page, '#ct-tracks')).width;

try {
  const trace = path.join(tmp, 'workers.ctrace');
  ctraceIn(tmp, ['record', '-o', trace, '--', process.execPath, path.join(root, 'examples', 'workers', 'main.js')]);
  const html = ctraceIn(tmp, ['view', trace, '-o', path.join(tmp, 'workers.html')]).trim();
  ctx = await chromium.launchPersistentContext(user, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: W, height: H } });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const ready = () => page.locator('.ct-app[data-ready=true]').waitFor({ timeout: 20000 });
  await page.goto(pathToFileURL(html).href);
  await ready();
  await page.waitForTimeout(100);

  await check(`at ${W}x${H} the events get most of the panel's height by default`, async () => {
    const canvas = await box(page, '#ct-canvas');
    assert(canvas.height >= 0.55 * H, `the event canvas is ${Math.round(canvas.height)} px of ${H} (${Math.round((canvas.height / H) * 100)}%)`);
    // the details pane is still there, under the events, with its heading in view
    const details = await box(page, '#ct-details h2');
    assert(details && details.y >= canvas.y + canvas.height && details.y + details.height <= H, `details heading at ${JSON.stringify(details)}`);
  });

  await check(`at ${W}x${H} no two shown track labels read the same, and each thread shows its tid`, async () => {
    const labels = await visibleLabels(page);
    const seen = new Map();
    for (const l of labels) {
      assert(!seen.has(l.shown), `"${l.label}" and "${seen.get(l.shown)}" both read "${l.shown}"`);
      seen.set(l.shown, l.label);
    }
    const threads = labels.filter((l) => /\btid \d+\)$/.test(l.label));
    assert(threads.length >= 3, `thread labels: ${JSON.stringify(labels)}`);
    for (const t of threads) {
      const tid = /tid (\d+)\)$/.exec(t.label)[1];
      assert(t.shown.includes(tid), `"${t.label}" reads "${t.shown}": its tid is cut`);
    }
    // the full label is still the tooltip and the accessible name
    const full = await page.locator('#ct-tracks li[aria-label^="hasher 0"] > .ct-label .ct-label-text').getAttribute('title');
    assert(/^hasher 0 \(threadId 1, tid \d+\)$/.test(full ?? ''), `title ${full}`);
  });

  const splitter = page.locator('#ct-label-splitter');
  await check('the label column has a splitter: a focusable separator with its width as its value', async () => {
    assert((await splitter.count()) === 1, 'no splitter between the track list and the events');
    assert((await splitter.getAttribute('role')) === 'separator', `role ${await splitter.getAttribute('role')}`);
    assert((await splitter.getAttribute('aria-orientation')) === 'vertical', 'not a vertical separator');
    assert((await splitter.getAttribute('tabindex')) === '0', 'not in the Tab order');
    assert((await splitter.getAttribute('aria-label')) ?? '', 'no accessible name');
    const w = await labelWidth(page);
    assert(Math.abs(Number(await splitter.getAttribute('aria-valuenow')) - w) <= 1, `aria-valuenow ${await splitter.getAttribute('aria-valuenow')}, column ${w}`);
  });

  let dragged;
  await check('dragging the splitter widens the label column, and the events start where it ends', async () => {
    assert((await splitter.count()) === 1, 'no splitter');
    const before = await labelWidth(page);
    const s = await splitter.boundingBox();
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    await page.mouse.down();
    await page.mouse.move(s.x + s.width / 2 + 70, s.y + s.height / 2 + 10, { steps: 6 });
    await page.mouse.up();
    dragged = await labelWidth(page);
    assert(Math.abs(dragged - before - 70) <= 2, `label column ${before} -> ${dragged} after a 70 px drag`);
    const canvas = await box(page, '#ct-canvas');
    const tracks = await box(page, '#ct-tracks');
    assert(Math.abs(canvas.x - (tracks.x + tracks.width)) <= 1, `canvas at ${canvas.x}, column ends at ${tracks.x + tracks.width}`);
    assert(Number(await splitter.getAttribute('aria-valuenow')) === Math.round(dragged), `aria-valuenow ${await splitter.getAttribute('aria-valuenow')} after the drag`);
  });

  await check('the arrow keys on the focused splitter resize the label column', async () => {
    assert((await splitter.count()) === 1, 'no splitter');
    await splitter.focus();
    const before = await labelWidth(page);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    const narrower = await labelWidth(page);
    assert(narrower < before - 5, `ArrowLeft: ${before} -> ${narrower}`);
    await page.keyboard.press('ArrowRight');
    const wider = await labelWidth(page);
    assert(wider > narrower + 2, `ArrowRight: ${narrower} -> ${wider}`);
    assert(Number(await splitter.getAttribute('aria-valuenow')) === Math.round(wider), `aria-valuenow ${await splitter.getAttribute('aria-valuenow')}, column ${wider}`);
    assert((await page.evaluate(() => document.activeElement?.id)) === 'ct-label-splitter', 'the splitter lost the focus');
    dragged = wider;
  });

  const lower = page.locator('#ct-side-splitter');
  await check('the lower panes (details, insights) have a splitter: drag and arrow keys resize them, Enter folds them to their heading', async () => {
    assert((await lower.count()) === 1, 'no splitter between the events and the details');
    assert((await lower.getAttribute('role')) === 'separator' && (await lower.getAttribute('tabindex')) === '0', 'not a focusable separator');
    assert((await lower.getAttribute('aria-orientation')) === 'horizontal', `orientation ${await lower.getAttribute('aria-orientation')} in a narrow panel`);
    const side = async () => (await box(page, '.ct-side')).height;
    const h0 = await side();
    const s = await lower.boundingBox();
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    await page.mouse.down();
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2 - 60, { steps: 6 });
    await page.mouse.up();
    const h1 = await side();
    assert(Math.abs(h1 - h0 - 60) <= 2, `lower panes ${h0} -> ${h1} after dragging 60 px up`);
    await lower.focus();
    await page.keyboard.press('ArrowDown');
    const h2 = await side();
    assert(h2 < h1 - 5, `ArrowDown: ${h1} -> ${h2}`);
    assert(Number(await lower.getAttribute('aria-valuenow')) === Math.round(h2), `aria-valuenow ${await lower.getAttribute('aria-valuenow')}, panes ${h2}`);
    const canvasBefore = (await box(page, '#ct-canvas')).height;
    await page.keyboard.press('Enter');
    const folded = await side();
    assert(folded < 50, `Enter left the lower panes ${folded} px tall`);
    assert((await box(page, '#ct-canvas')).height > canvasBefore + 50, 'folding the panes did not give the events the room');
    // selecting an event still shows it: its kind in the details heading, which stays in view
    await page.locator('#ct-canvas').focus();
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowRight');
    const heading = page.locator('#ct-details h2[data-kind]');
    await heading.waitFor({ timeout: 3000 });
    const hb = await heading.boundingBox();
    const sb = await box(page, '.ct-side');
    assert(hb.y >= sb.y - 1 && hb.y + hb.height <= sb.y + sb.height + 1, `the details heading is out of the folded pane: ${JSON.stringify(hb)} in ${JSON.stringify(sb)}`);
    await lower.focus();
    await page.keyboard.press('Enter');
    assert(Math.abs((await side()) - h2) <= 1, `Enter did not bring the panes back to ${h2}: ${await side()}`);
  });

  await check('the label column keeps its width when the view is restored (hidden and shown again)', async () => {
    assert(dragged !== undefined, 'no width was set');
    const side = (await box(page, '.ct-side')).height;
    await page.waitForTimeout(500); // the state is saved shortly after a change
    await page.reload();
    await ready();
    await page.waitForTimeout(100);
    const w = await labelWidth(page);
    assert(Math.abs(w - dragged) <= 1, `label column ${dragged} before, ${w} after the reload`);
    const h = (await box(page, '.ct-side')).height;
    assert(Math.abs(h - side) <= 1, `lower panes ${side} before, ${h} after the reload`);
  });

  await check('a narrower panel keeps room for the events: the label column gives way', async () => {
    await page.setViewportSize({ width: 420, height: H });
    await page.waitForTimeout(150);
    const canvas = await box(page, '#ct-canvas');
    assert(canvas.width >= 150, `the events are ${canvas.width} px wide in a 420 px panel`);
    await page.setViewportSize({ width: W, height: H });
    await page.waitForTimeout(150);
    assert(Math.abs((await labelWidth(page)) - dragged) <= 1, 'the chosen width did not come back when the panel widened');
  });

  await check('no errors or CSP violations', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await tearDown(ctx, user, tmp);
}
finish();
