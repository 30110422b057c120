// The comparison page in a real Chromium (playwright-core + Debian's /usr/bin/chromium): records the
// bundled examples of the same job as processes and as worker threads, writes their comparison with
// `ctrace compare -o`, opens it, and reads the table and charts back. Prints `RESULT: N passed, N failed`.
//   node test/browser/compare.mjs [A.ctrace B.ctrace]   (traces given: compare those instead of recording)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${ok || !detail ? '' : `: ${detail}`}`);
}
function finish(code = failed ? 1 : 0) {
  console.log(`RESULT: ${passed} passed, ${failed} failed`);
  process.exit(code);
}

function run(args, what) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-compare-page-'));
let browser;
try {
  for (const [f, what] of [[cli, 'the CLI'], [path.join(root, 'dist', 'compare.js'), 'the comparison page script']]) {
    if (!fs.existsSync(f)) throw new Error(`${what} is not built (${f}): run npm run build`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  let [a, b] = process.argv.slice(2);
  if (!a || !b) {
    a = path.join(dir, 'processes.ctrace');
    b = path.join(dir, 'workers.ctrace');
    run(['record', '-o', a, '--', process.execPath, 'examples/processes/main.js'], 'recording examples/processes');
    run(['record', '-o', b, '--', process.execPath, 'examples/workers/main.js'], 'recording examples/workers');
  }
  // A file name that is also HTML: the page must show it as text.
  const evil = path.join(dir, '<img src=x onerror=window.pwned=1>.ctrace');
  fs.copyFileSync(a, evil);
  const expected = JSON.parse(run(['compare', '--json', evil, b], 'ctrace compare --json'));
  const page_ = path.join(dir, 'compare.html');
  run(['compare', evil, b, '-o', page_], 'ctrace compare -o');

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request to ${r.url()}`);
  });
  await page.goto(pathToFileURL(page_).href);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });

  const rows = await page.locator('#compare-table tbody tr[data-id]').evaluateAll((trs) =>
    trs.map((tr) => ({ id: tr.dataset.id, cells: [...tr.querySelectorAll('th, td')].map((td) => td.querySelector('.ratio-value')?.textContent ?? td.textContent) })),
  );
  check('the table has one row per figure', rows.length === expected.rows.length && rows.every((r, i) => r.id === expected.rows[i].id), `${rows.length} rows, expected ${expected.rows.length}`);
  const creation = rows.find((r) => r.id === 'creation.medianMs');
  const want = expected.rows.find((r) => r.id === 'creation.medianMs');
  check('creation cost is read off the table for both traces', !!creation && creation.cells[0] === 'creation cost, median' && /\d/.test(creation.cells[1]) && /\d/.test(creation.cells[2]), JSON.stringify(creation));
  const ratioText = creation?.cells[3] ?? '';
  check('the ratio column shows B/A', want.ratio !== null && Math.abs(parseFloat(ratioText) - want.ratio) < 0.01 + want.ratio * 0.01 && ratioText.endsWith('×'), `${ratioText} vs ${want.ratio}`);
  // (that threads are cheaper to create is asserted over several runs in test/e2e/insights-examples.test.ts)
  const groups = await page.locator('#compare-table tbody > tr.group > th[scope=rowgroup]').allTextContents();
  check('rows are grouped by claim, a row group each', ['time', 'creation', 'memory', 'context switches', 'messages', 'CPU'].every((g) => groups.includes(g)) && groups.length === (await page.locator('#compare-table tbody').count()), groups.join(', '));
  // for screen readers: named column headers, each figure's name heading its row, a caption
  const semantics = await page.locator('#compare-table').evaluate((t) => ({
    cols: [...t.tHead.rows[0].cells].map((c) => `${c.tagName}:${c.scope}:${c.textContent ? 'named' : 'empty'}`),
    rowHeads: [...t.querySelectorAll('tbody tr[data-id]')].every((tr) => tr.cells[0].tagName === 'TH' && tr.cells[0].scope === 'row' && tr.cells[0].textContent),
    caption: t.caption?.textContent ?? '',
  }));
  check('the table has scoped, named headers and a caption', semantics.cols.every((c) => c === 'TH:col:named') && semantics.cols.length === 4 && semantics.rowHeads && semantics.caption.length > 0, JSON.stringify(semantics));
  // higher and lower ratios: a mark and words besides the colour, and the colour readable (4.5:1)
  const ratioColours = () => page.locator('#compare-table td.ratio.higher, #compare-table td.ratio.lower').evaluateAll((tds) =>
    tds.map((td) => {
      const rgb = (s) => (s.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => (s.startsWith('color(srgb') ? Number(v) * 255 : Number(v))); // color-mix() computes to color(srgb 0..1)
      const lum = ([r, g, b]) => [r, g, b].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
      let bg = 'rgba(0, 0, 0, 0)';
      for (let e = td; e && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); e = e.parentElement) bg = getComputedStyle(e).backgroundColor;
      if (/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) bg = 'rgb(255, 255, 255)';
      const [l1, l2] = [lum(rgb(getComputedStyle(td).color)), lum(rgb(bg))].sort((x, y) => y - x);
      return { text: td.textContent, contrast: (l1 + 0.05) / (l2 + 0.05) };
    }),
  );
  const ratios = await ratioColours();
  check('coloured ratios carry a mark and words, and read at 4.5:1', ratios.length > 0 && ratios.every((r) => /[▲▼] \(B (higher|lower)\)$/.test(r.text) && r.contrast >= 4.5), JSON.stringify(ratios));
  // in VS Code's default light theme (Light+: text #616161) too, where the chart colours mix with a grey
  await page.evaluate(() => {
    const r = document.documentElement.style;
    for (const [k, v] of Object.entries({ '--vscode-foreground': '#616161', '--vscode-editor-background': '#ffffff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34' })) r.setProperty(k, v);
  });
  const lightPlus = await ratioColours();
  check('in Light+ too', lightPlus.every((r) => r.contrast >= 4.5), JSON.stringify(lightPlus));
  await page.evaluate(() => document.documentElement.removeAttribute('style'));
  check('the status line says what was compared, for screen readers', /^Compared .+\(A\) and .+\(B\)/.test((await page.locator('#status[role=status]').textContent()) ?? ''));
  const region = page.locator('.table-scroll[role=region][tabindex="0"]');
  check('the table sits in a labelled region the keyboard can reach and scroll', (await region.count()) === 1 && (await region.getAttribute('aria-labelledby')) === 'compare-caption');
  const charts = await page.locator('.charts canvas').count();
  const drawn = await page.locator('.charts canvas').evaluateAll((cs) => cs.filter((c) => c.width > 0 && c.height > 0).length);
  check('Chart.js bar charts are drawn', charts >= 2 && drawn === charts, `${drawn}/${charts} canvases drawn`);
  const header = await page.locator('.sides').textContent();
  const injected = await page.evaluate(() => window.pwned === 1 || !!document.querySelector('.sides img, #compare-table img'));
  check('names from the traces are shown as text, never as HTML', !injected && header.includes('<img src=x onerror=window.pwned=1>.ctrace'), header);
  check('two complete traces: no warning above the table', (await page.locator('p.warning').count()) === 0);
  // VS Code switches the theme of an open page by setting new --vscode-* values on <html> and the
  // theme's class on <body>: the charts' text (titles, legends, ticks) must be drawn in the new colour
  const magentaPixels = () => page.locator('.charts canvas').first().evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 80 && d[i + 2] > 200 && d[i + 3] > 200) n++;
    return n;
  });
  const before = await magentaPixels();
  await page.evaluate(() => {
    document.documentElement.style.setProperty('--vscode-foreground', '#ff00ff');
    document.body.classList.add('vscode-dark');
  });
  await page.waitForTimeout(300);
  const after = await magentaPixels();
  check('a theme change while the page is open redraws the charts in the new colours', before === 0 && after > 50, `magenta pixels before ${before}, after ${after}`);
  // a B cut short: the page says so above the figures
  const cut = path.join(dir, 'cut.ctrace');
  const whole = fs.readFileSync(b);
  fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.7)));
  const cutPage = path.join(dir, 'compare-cut.html');
  run(['compare', a, cut, '-o', cutPage], 'ctrace compare -o (B cut short)');
  await page.goto(pathToFileURL(cutPage).href);
  const warning = await page.locator('p.warning').first().innerText({ timeout: 5000 }).catch(() => '');
  check('a side cut short is said above the table', /^B \(cut\.ctrace\) (ends in the middle of a chunk|has no closing index)/.test(warning), warning);
  check('no script error, CSP violation or network request', problems.length === 0, problems.join('; '));
  await page.screenshot({ path: path.join(dir, 'compare.png'), fullPage: true });
} catch (e) {
  check('comparison page', false, e.message);
} finally {
  await browser?.close();
  if (!failed) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`# artifacts kept in ${dir}`);
}
finish();
