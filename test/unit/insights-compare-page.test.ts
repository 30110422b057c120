import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePageHtml, jsonForScript } from '../../src/recorder/compare-page';
import { compareTraces, computeInsights } from '../../src/recorder/insights';
import type { CompareMessage } from '../../src/protocol/messages';

const insights = computeInsights([]);
const evil = '</script><script>alert(1)</script><!--';
const message: CompareMessage = { type: 'compare', comparison: { a: { name: evil }, b: { name: 'b' }, rows: compareTraces(insights, insights) }, a: insights, b: insights };

test('data inlined into the page cannot end its script element or open a comment', () => {
  const json = jsonForScript(message);
  assert.doesNotMatch(json, /<|>|\u2028|\u2029/);
  assert.deepEqual(JSON.parse(json), message);
  const html = comparePageHtml({ nonce: 'abc123', scriptText: 'var s = "</script>"; var c = "<!--";', message });
  assert.equal(html.match(/<\/script>/g)?.length, 2);
  assert.doesNotMatch(html, /<!--/);
  assert.doesNotMatch(html, /<script>alert/);
});

test('in VS Code the page loads its script from the extension, under a nonce-only CSP', () => {
  const html = comparePageHtml({ nonce: 'n0nce', cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x.vscode-cdn.net/dist/compare.js?a="b"' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'; script-src 'nonce-n0nce'; style-src 'nonce-n0nce' https:\/\/x\.vscode-cdn\.net/);
  assert.match(html, /<script nonce="n0nce" src="https:\/\/x\.vscode-cdn\.net\/dist\/compare\.js\?a=&#34;b&#34;"><\/script>/);
  assert.doesNotMatch(html, /postMessage/, 'the host posts the data after ready');
});
