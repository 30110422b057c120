// The standalone timeline page written by `ctrace view`: one self-contained HTML file holding the
// timeline bundle (dist/webview.js), its stylesheet and the trace itself (base64 in a non-executable
// <script type="application/octet-stream">). A tiny bootstrap plays the host: when the view says
// 'ready' it decodes the embedded bytes and posts them as a 'load' message, exactly as the VS Code
// extension would. A strict Content-Security-Policy lets nothing run or style the page without the
// page's nonce; trace strings are only ever rendered as text by the view.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Insights } from '../protocol/insights';

export interface ViewPageOptions {
  /** shown as the page title and the view's heading */
  name: string;
  /** the whole .ctrace file */
  bytes: Uint8Array;
  /** dist/webview.js and dist/timeline.css, as text */
  scriptText: string;
  cssText: string;
  nonce?: string;
  /** the trace's insights, posted to the view after the load (as the extension does) */
  insights?: Insights;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Inlined code must not end its element early: "</script" or "</style" inside a string would. */
function forInline(text: string, tag: 'script' | 'style'): string {
  return text.replace(/^\/\/# sourceMappingURL=.*$/m, '').replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\u0021--');
}

// The host side of the message protocol for a file opened from disk: no editor, so no 'openSource'
// (hasSource: false makes the view show the path instead).
const BOOTSTRAP = `(function () {
  var node = document.getElementById('ctrace-data');
  window.addEventListener('ctrace-view-to-host', function (e) {
    var m = e.detail;
    if (!m || m.type !== 'ready' || !node) return;
    var bin = atob((node.textContent || '').replace(/\\s+/g, ''));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    window.postMessage({ type: 'load', name: node.getAttribute('data-name') || 'trace', bytes: bytes, hasSource: false }, '*', [bytes.buffer]);
    node.textContent = '';
    node = null;
    var ins = document.getElementById('ctrace-insights');
    if (ins) window.postMessage({ type: 'insights', insights: JSON.parse(ins.textContent || 'null') }, '*');
  });
})();`;

/** JSON that is safe inside an HTML <script>: no "</script>", no "<!--", no line separators. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** In the head of every page ctrace writes: `ctrace view` and `compare -o` replace only such pages. */
const PAGE_GENERATOR = '<meta name="generator" content="ctrace">';
/** How every page ctrace writes begins (view and compare pages alike; the generator since 2026-12-05). */
const PAGE_START = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n';
export const PAGE_HEAD = `${PAGE_START}${PAGE_GENERATOR}\n`;
/** What came after PAGE_START in the view and compare pages of earlier versions, before the generator. */
const OLD_PAGE_NEXT = [`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-`, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-`];

/** Whether a file that begins with `head` (its first KB or so) is a page ctrace wrote. */
export function isCtracePage(head: string): boolean {
  return head.startsWith(PAGE_HEAD) || (head.startsWith(PAGE_START) && OLD_PAGE_NEXT.some((next) => head.startsWith(next, PAGE_START.length)));
}

export function newNonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function viewPageHtml(o: ViewPageOptions): string {
  const nonce = o.nonce ?? newNonce();
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, `img-src data: blob:`, `font-src 'none'`, `connect-src 'none'`].join('; ');
  const n = ` nonce="${nonce}"`;
  const b64 = Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength).toString('base64');
  return `${PAGE_HEAD}<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(o.name)} — Concurrency Timeline</title>
<style${n}>${forInline(o.cssText, 'style')}</style>
</head>
<body>
<div id="app"></div>
<script type="application/octet-stream" id="ctrace-data" data-name="${escapeHtml(o.name)}">${b64}</script>
${o.insights ? `<script type="application/json" id="ctrace-insights"${n}>${jsonForScript(o.insights)}</script>\n` : ''}<script${n}>${BOOTSTRAP}</script>
<script${n}>${forInline(o.scriptText, 'script')}</script>
</body>
</html>
`;
}

/** dist/webview.js and dist/timeline.css: beside the bundled CLI (dist/cli.js), or in the source tree's dist/. */
export function findViewAssets(): { script: string; css: string } {
  for (const dir of [__dirname, path.join(__dirname, '..', '..', 'dist')]) {
    const script = path.join(dir, 'webview.js');
    const css = path.join(dir, 'timeline.css');
    if (fs.existsSync(script) && fs.existsSync(css)) return { script, css };
  }
  throw new Error('the timeline bundle (dist/webview.js, dist/timeline.css) is missing; run `npm run build` first');
}

/** The whole page for a trace, reading the bundle from disk. */
export function standaloneViewPage(name: string, bytes: Uint8Array, insights?: Insights): string {
  const a = findViewAssets();
  return viewPageHtml({ name, bytes, insights, scriptText: fs.readFileSync(a.script, 'utf8'), cssText: fs.readFileSync(a.css, 'utf8') });
}
