// The comparison page's HTML (webview/compare.ts draws it): the same markup serves the VS Code
// webview (script loaded from the extension, data posted after 'ready') and the standalone file of
// `ctrace compare -o` (script and data inlined, so the file opens anywhere with no server). Both get a
// strict Content-Security-Policy: nothing runs or styles the page without this page's nonce.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CompareMessage } from '../protocol/messages';
import { PAGE_HEAD } from './view-page';

export interface ComparePageOptions {
  nonce: string;
  /** VS Code's webview.cspSource (omit for the standalone page) */
  cspSource?: string;
  /** where dist/compare.js is (VS Code: webview.asWebviewUri) */
  scriptUri?: string;
  /** or its text, inlined (standalone page) */
  scriptText?: string;
  /** standalone: posted to the page as soon as its script is listening */
  message?: CompareMessage;
  title?: string;
}

export function newNonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that is safe inside an HTML <script>: no "</script>", no "<!--", no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A bundle's text made safe to inline: a "</script" inside a string would end the element early. */
function scriptForInline(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\u0021--');
}

export function comparePageHtml(o: ComparePageOptions): string {
  const src = o.cspSource ? ` ${o.cspSource}` : '';
  const csp = [`default-src 'none'`, `script-src 'nonce-${o.nonce}'`, `style-src 'nonce-${o.nonce}'${src}`, `img-src data:${src}`, `font-src${src || " 'none'"}`].join('; ');
  const n = ` nonce="${escapeHtml(o.nonce)}"`;
  const script = o.scriptText !== undefined ? `<script${n}>${scriptForInline(o.scriptText)}</script>` : o.scriptUri ? `<script${n} src="${escapeHtml(o.scriptUri)}"></script>` : '';
  const boot = o.message ? `<script${n}>window.postMessage(${jsonForScript(o.message)}, '*');</script>` : '';
  return `${PAGE_HEAD}<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title ?? 'Compare traces')}</title>
<style${n}>${PAGE_CSS}</style>
</head>
<body>
<p id="status" role="status">Waiting for the traces…</p>
<main id="compare"></main>
${script}
${boot}
</body>
</html>
`;
}

/** dist/compare.js: beside the bundled CLI (dist/cli.js), or built from the source tree. */
export function findCompareScript(): string {
  const candidates = [path.join(__dirname, 'compare.js'), path.join(__dirname, '..', '..', 'dist', 'compare.js')];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`the comparison page's script (compare.js) is missing: looked in ${candidates.join(', ')}. Run \`npm run build\` first.`);
}

/** A single self-contained HTML file showing the comparison. */
export function standaloneComparePage(message: CompareMessage, scriptText = fs.readFileSync(findCompareScript(), 'utf8')): string {
  return comparePageHtml({ nonce: newNonce(), scriptText, message, title: `Compare ${message.comparison.a.name} and ${message.comparison.b.name}` });
}

// Theme from VS Code's CSS variables, with fallbacks for the standalone page (light and dark).
const PAGE_CSS = `
:root { color-scheme: light dark; }
body {
  margin: 0; padding: 16px 20px;
  font-family: var(--vscode-font-family, system-ui, sans-serif);
  font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, CanvasText);
  background: var(--vscode-editor-background, Canvas);
}
h1 { font-size: 1.3em; margin: 0 0 4px; font-weight: 600; }
h2 { font-size: 1.05em; margin: 20px 0 8px; font-weight: 600; }
.sides { color: var(--vscode-descriptionForeground, GrayText); margin: 0 0 12px; }
.sides b { color: var(--vscode-foreground, CanvasText); }
.table-scroll { overflow-x: auto; max-width: 100%; }
.table-scroll:focus-visible { outline: 1px solid var(--vscode-focusBorder, Highlight); outline-offset: 2px; }
table { border-collapse: collapse; min-width: 520px; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35)); }
th:first-child { text-align: left; }
thead th { font-weight: 600; }
tbody th[scope=row] { font-weight: normal; padding-left: 22px; }
tr.group th { font-weight: 600; padding-top: 12px; border-bottom: none; }
/* mostly the text colour: the chart colours alone are too light on light themes (2.9:1 on white);
   the marks and words beside them say it as well */
td.ratio.lower { color: color-mix(in srgb, var(--vscode-charts-green, #388a34) 35%, var(--vscode-foreground, CanvasText)); }
td.ratio.higher { color: color-mix(in srgb, var(--vscode-charts-orange, #d18616) 35%, var(--vscode-foreground, CanvasText)); }
td.none { color: var(--vscode-descriptionForeground, GrayText); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(300px, 100%), 1fr)); gap: 16px; margin-top: 8px; }
.chart { position: relative; height: 220px; }
.notes { margin: 4px 0; padding-left: 20px; }
.error { color: var(--vscode-errorForeground, #f14c4c); }
.warning { margin: 0 0 12px; padding: 6px 10px; border-left: 3px solid var(--vscode-inputValidation-warningBorder, #d4a72c); }
`;
