// The timeline's colours under VS Code themes that leave some colours unset, in a real Chromium
// (playwright-core + Debian's /usr/bin/chromium). A page plays VS Code's webview host: it sets the
// theme's colours as --vscode-* variables on <html> and its kind as classes and data-vscode-theme-kind
// on <body>, as VS Code does, and emulates an OS colour scheme that differs from the theme (the
// fallbacks must follow the theme, not the OS). It loads a file that is not a trace, so the warning
// banner shows, and reads the computed colours of the banner, the toolbar and its buttons: the WCAG
// contrast ratio of text against what is behind it must be at least 4.5, and in high contrast the
// buttons and the banner must be framed by the theme's contrast border.
// Prints `RESULT: N passed, N failed`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ARGS, assert, check, CHROMIUM, finish, requirePrerequisites, root, tearDown } from './support/page-test.mjs';

requirePrerequisites();

// Each theme's own values for the colours the timeline uses, as VS Code passes them (its colour
// registry's defaults included); a colour the theme leaves unset is absent, as in VS Code.
const DARK_MODERN = {
  'editor-background': '#1f1f1f', foreground: '#cccccc', descriptionForeground: '#9d9d9d', focusBorder: '#0078d4',
  'panel-border': '#2b2b2b', 'input-background': '#313131', 'input-foreground': '#cccccc',
  'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'textLink-foreground': '#4daafc',
  'inputValidation-warningBackground': '#352a05', 'inputValidation-warningBorder': '#b89500',
  'editorHoverWidget-background': '#202020', 'editorHoverWidget-foreground': '#cccccc',
  // no inputValidation-warningForeground: the registry has none for dark themes
};
const LIGHT_MODERN = {
  'editor-background': '#ffffff', foreground: '#3b3b3b', descriptionForeground: '#3b3b3b', focusBorder: '#005fb8',
  'panel-border': '#e5e5e5', 'input-background': '#ffffff', 'input-foreground': '#3b3b3b',
  'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'textLink-foreground': '#005fb8',
  'inputValidation-warningBackground': '#f6f5d2', 'inputValidation-warningBorder': '#b89500',
  'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-foreground': '#3b3b3b',
  // no inputValidation-warningForeground either
};
const DARK_HC = {
  'editor-background': '#000000', foreground: '#ffffff', descriptionForeground: 'rgba(255, 255, 255, 0.7)', focusBorder: '#f38518',
  contrastBorder: '#6fc3df', 'panel-border': '#6fc3df', 'input-background': '#000000', 'input-foreground': '#ffffff',
  'button-secondaryForeground': '#ffffff', 'button-border': '#6fc3df', 'textLink-foreground': '#21a6ff',
  'inputValidation-warningBackground': '#000000', 'inputValidation-warningBorder': '#6fc3df',
  'editorHoverWidget-background': '#0c141f', 'editorHoverWidget-foreground': '#ffffff',
  // no button-secondaryBackground (the registry has none for dark high contrast), no warning foreground
};
const LIGHT_HC = {
  'editor-background': '#ffffff', foreground: '#292929', descriptionForeground: 'rgba(41, 41, 41, 0.7)', focusBorder: '#006bbd',
  contrastBorder: '#0f4a85', 'panel-border': '#0f4a85', 'input-background': '#ffffff', 'input-foreground': '#292929',
  'button-secondaryBackground': '#ffffff', 'button-secondaryForeground': '#292929', 'button-border': '#0f4a85', 'textLink-foreground': '#0f4a85',
  'inputValidation-warningBackground': '#ffffff', 'inputValidation-warningForeground': '#292929', 'inputValidation-warningBorder': '#0f4a85',
  'editorHoverWidget-background': '#ffffff', 'editorHoverWidget-foreground': '#292929',
};
const CASES = [
  { name: 'Dark Modern (no warning foreground) on a light OS', classes: ['vscode-dark'], kind: 'vscode-dark', os: 'light', vars: DARK_MODERN },
  { name: 'Light Modern (no warning foreground) on a dark OS', classes: ['vscode-light'], kind: 'vscode-light', os: 'dark', vars: LIGHT_MODERN },
  { name: 'Dark High Contrast (no secondary button background) on a light OS', classes: ['vscode-high-contrast'], kind: 'vscode-high-contrast', os: 'light', vars: DARK_HC, border: DARK_HC.contrastBorder },
  { name: 'Dark High Contrast on a dark OS', classes: ['vscode-high-contrast'], kind: 'vscode-high-contrast', os: 'dark', vars: DARK_HC, border: DARK_HC.contrastBorder },
  { name: 'Light High Contrast on a dark OS', classes: ['vscode-high-contrast', 'vscode-high-contrast-light'], kind: 'vscode-high-contrast-light', os: 'dark', vars: LIGHT_HC, border: LIGHT_HC.contrastBorder },
  { name: 'the standalone page (no theme) on a light OS', classes: [], os: 'light', vars: {} },
  { name: 'the standalone page (no theme) on a dark OS', classes: [], os: 'dark', vars: {} },
];
// text that must be readable: the banner, the toolbar's buttons, its muted text, the search box
const TEXT = ['#ct-banner', '#ct-search-prev', '#ct-search-next', '#ct-zoom-out', '#ct-zoom-in', '#ct-fit', '#ct-stats', '#ct-search', '.ct-title'];
const FRAMED = ['#ct-banner', '#ct-search-prev', '#ct-search-next', '#ct-zoom-out', '#ct-zoom-in', '#ct-fit'];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-theme-'));
const user = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-chromium-'));
let ctx;
try {
  const harness = path.join(tmp, 'theme.html');
  fs.writeFileSync(
    harness,
    `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${pathToFileURL(path.join(root, 'dist', 'timeline.css')).href}"></head><body class="ct-vscode"><div id="app"></div>
<script>window.toHost = []; window.addEventListener('ctrace-view-to-host', (e) => window.toHost.push(e.detail));</script>
<script src="${pathToFileURL(path.join(root, 'dist', 'webview.js')).href}"></script></body></html>`,
  );
  ctx = await chromium.launchPersistentContext(user, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 700 } });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(pathToFileURL(harness).href);
  await page.waitForFunction(() => window.toHost.some((m) => m.type === 'ready'));
  const notATrace = [...Buffer.from('hello, not a trace at all')];
  await page.evaluate((b) => window.postMessage({ type: 'load', name: 'bad.ctrace', bytes: new Uint8Array(b) }, '*'), notATrace);
  await page.locator('#ct-banner').waitFor({ state: 'visible', timeout: 5000 });

  for (const c of CASES) {
    await check(`${c.name}: banner, buttons and toolbar text have a contrast of 4.5 or more${c.border ? ', framed by the contrast border' : ''}`, async () => {
      // what VS Code's webview host does on a theme change: variables on <html>, the kind on <body>;
      // the standalone page (no classes given) names the OS's scheme on <body> itself, on a change
      await page.emulateMedia({ colorScheme: c.os === 'dark' ? 'light' : 'dark' });
      await page.evaluate(({ classes, kind, vars }) => {
        const html = document.documentElement;
        for (const p of [...html.style]) if (p.startsWith('--vscode-')) html.style.removeProperty(p);
        for (const [k, v] of Object.entries(vars)) html.style.setProperty('--vscode-' + k, v);
        document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
        document.body.classList.add(...classes);
        if (kind) document.body.dataset.vscodeThemeKind = kind;
        else delete document.body.dataset.vscodeThemeKind;
      }, c);
      await page.emulateMedia({ colorScheme: c.os });
      if (!c.classes.length) {
        // the page follows the OS: dark on a dark one
        const want = c.os === 'dark' ? 'vscode-dark' : 'vscode-light';
        await page.waitForFunction((k) => document.body.classList.contains(k), want, { timeout: 3000 }).catch(() => {});
        const cls = await page.evaluate(() => document.body.className);
        assert(cls.split(' ').includes(want), `body classes on a ${c.os} OS: ${cls}`);
      }
      const seen = await page.evaluate(
        ({ text, framed }) => {
          const rgba = (s) => {
            const m = /rgba?\(([^)]+)\)/.exec(s);
            if (!m) throw new Error(`unexpected colour ${s}`);
            const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
            return [r, g, b, a];
          };
          const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
          // what is behind an element: its and its ancestors' backgrounds, composited over the white canvas
          const behind = (el) => {
            const layers = [];
            for (let e = el; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
            return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
          };
          const lum = ([r, g, b]) => {
            const lin = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
          };
          const out = {};
          for (const sel of text) {
            const el = document.querySelector(sel);
            const bg = behind(el);
            const fg = over(rgba(getComputedStyle(el).color), bg);
            const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
            out[sel] = { ratio: (hi + 0.05) / (lo + 0.05), fg: getComputedStyle(el).color, bg: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})` };
          }
          for (const sel of framed) out[sel].border = getComputedStyle(document.querySelector(sel)).borderTopColor;
          return out;
        },
        { text: TEXT, framed: FRAMED },
      );
      const bad = Object.entries(seen).filter(([, v]) => !(v.ratio >= 4.5));
      assert(!bad.length, bad.map(([sel, v]) => `${sel}: ${v.fg} on ${v.bg} is ${v.ratio.toFixed(2)}:1`).join('; '));
      if (c.border) {
        const want = await page.evaluate((hex) => {
          const d = document.createElement('div');
          d.style.color = hex;
          document.body.append(d);
          const v = getComputedStyle(d).color;
          d.remove();
          return v;
        }, c.border);
        const unframed = FRAMED.filter((sel) => seen[sel].border !== want);
        assert(!unframed.length, unframed.map((sel) => `${sel} border ${seen[sel].border}, not the contrast border ${want}`).join('; '));
      }
    });
  }

  await check('the page ran without errors', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await tearDown(ctx, user, tmp);
}
finish();
