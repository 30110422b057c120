// The timeline in headless Chromium on synthetic traces of ~100k, ~1M and ~10M events (bench/synthetic.ts:
// processes, workers, OS threads, messages, locks, waits, samples). For each: time from the bytes being
// available in the page to the first frame drawn (targets: <= 1 s at 1M), frame times while zooming
// and panning (p95 target <= 16 ms), and memory after opening (JS heap + array buffers, target <= 3x
// the file size). Runs each trace several times and prints medians. Files go to a temp dir.
//   node --import tsx bench/timeline.bench.mjs [--sizes 100000,1000000] [--runs 3]
// Writes bench/results/timeline.txt.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
// 1000 events is the baseline: what a frame and a load cost with next to no data, in this same run
const sizes = opt('--sizes', '1000,100000,1000000,10000000').split(',').map(Number);
const runs = Number(opt('--runs', '3'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--max-old-space-size=4096'];

if (!fs.existsSync(path.join(root, 'dist', 'webview.js'))) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-bench-timeline-'));
const out = [];
const say = (s) => {
  console.log(s);
  out.push(s);
};

// The page plays the host: when the view says 'ready' it fetches the trace and posts it as 'load',
// noting the moment the bytes were available.
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/timeline.css"></head><body><div id="app"></div>
<script>
window.addEventListener('ctrace-view-to-host', async (e) => {
  if (e.detail.type !== 'ready' || !location.hash) return;
  const buf = await (await fetch('/trace/' + location.hash.slice(1))).arrayBuffer();
  window.__bytesAt = performance.now();
  window.__fileBytes = buf.byteLength;
  window.postMessage({ type: 'load', name: 'bench', bytes: new Uint8Array(buf), hasSource: false }, '*', [buf]);
});
</script><script src="/webview.js"></script></body></html>`;
let current = '';
const server = http.createServer((req, res) => {
  if (req.url === '/') return res.end(PAGE);
  if (req.url === '/webview.js' || req.url === '/timeline.css') {
    res.setHeader('content-type', req.url.endsWith('.js') ? 'text/javascript' : 'text/css');
    return res.end(fs.readFileSync(path.join(root, 'dist', req.url.slice(1))));
  }
  if (req.url.startsWith('/trace/')) return fs.createReadStream(current).pipe(res);
  res.statusCode = 404;
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const p95 = (a) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * 0.95))];
const mb = (b) => (b / 1024 / 1024).toFixed(1);

const user = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-bench-chromium-'));
const ctx = await chromium.launchPersistentContext(user, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1600, height: 900 } });

/** Frame costs for a sequence of user actions: each action is dispatched, then its frame measured. */
async function frameTimes(page, action, count) {
  return page.evaluate(
    async ({ action, count }) => {
      const canvas = document.getElementById('ct-canvas');
      const r = canvas.getBoundingClientRect();
      const times = [];
      const nextFrame = () => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
      for (let k = 0; k < count; k++) {
        performance.clearMeasures('ctrace:frame');
        const x = r.left + r.width * (0.3 + 0.4 * ((k * 7) % 10) / 10);
        const y = r.top + 80;
        if (action === 'zoom-in') canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: -120, clientX: x, clientY: y, bubbles: true, cancelable: true }));
        else if (action === 'zoom-out') canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: 120, clientX: x, clientY: y, bubbles: true, cancelable: true }));
        else canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: k % 2 ? 200 : -150, shiftKey: true, clientX: x, clientY: y, bubbles: true, cancelable: true }));
        await nextFrame();
        const m = performance.getEntriesByName('ctrace:frame');
        if (m.length) times.push(m[m.length - 1].duration);
      }
      return times;
    },
    { action, count },
  );
}

try {
  say(`timeline bench ${new Date().toISOString()} chromium ${ctx.browser()?.version() ?? ''} ${os.cpus().length} cpus, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  say('figures are medians of ' + runs + ' runs; frame p95 over ~60 frames per action per run');
  for (const n of sizes) {
    const file = path.join(tmp, `synthetic-${n}.ctrace`);
    const gen = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'synthetic.ts'), '--events', String(n), '-o', file], { cwd: root, encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(gen.stderr);
    const info = JSON.parse(gen.stdout.trim().split('\n').pop());
    current = file;
    const first = [];
    const zoom = [];
    const pan = [];
    const mem = [];
    const heapOnly = [];
    for (let r = 0; r < runs; r++) {
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await page.goto(base + '#' + r);
      await page.locator('.ct-app[data-ready=true]').waitFor({ timeout: 300000 });
      const t = await page.evaluate(() => performance.getEntriesByName('ctrace:first-frame')[0].startTime + performance.getEntriesByName('ctrace:frame')[0].duration * 0 - window.__bytesAt);
      first.push(t);
      await cdp.send('HeapProfiler.collectGarbage');
      const h = await cdp.send('Runtime.getHeapUsage');
      heapOnly.push(h.usedSize);
      mem.push(h.usedSize + (h.backingStorageSize ?? 0));
      // zoom in from the whole trace down to a few µs, then back out; pan at several levels
      const zin = await frameTimes(page, 'zoom-in', 30);
      const p1 = await frameTimes(page, 'pan', 20);
      const zout = await frameTimes(page, 'zoom-out', 30);
      const p2 = await frameTimes(page, 'pan', 20);
      zoom.push(p95([...zin, ...zout]));
      pan.push(p95([...p1, ...p2]));
      await page.close();
    }
    say(
      `${n === 1000 ? 'baseline ' : ''}${String(info.events).padStart(9)} events, ${mb(info.bytes).padStart(6)} MB file: first frame ${median(first).toFixed(0)} ms after bytes; ` +
        `zoom p95 ${median(zoom).toFixed(1)} ms, pan p95 ${median(pan).toFixed(1)} ms; ` +
        `memory ${mb(median(mem))} MB = ${(median(mem) / info.bytes).toFixed(2)}x file (JS heap ${mb(median(heapOnly))} MB + array buffers)`,
    );
    fs.rmSync(file, { force: true });
  }
} finally {
  await ctx.close();
  server.close();
  fs.rmSync(user, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'timeline.txt'), out.join('\n') + '\n');
