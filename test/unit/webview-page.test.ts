// The standalone page of `ctrace view`: one file, a CSP with a nonce on every script and style, the
// trace embedded as non-executable base64, and names from the trace escaped as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewPageHtml } from '../../src/recorder/view-page';

const page = (name: string, script = 'console.log(1)', bytes = new Uint8Array([67, 84, 82, 65, 67, 69])) =>
  viewPageHtml({ name, bytes, scriptText: script, cssText: 'body{}', nonce: 'abc123' });

test('every script and style carries the nonce; the CSP allows nothing else', () => {
  const html = page('app.ctrace');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-abc123&#39;; style-src &#39;nonce-abc123&#39;/);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 3);
  for (const s of scripts) assert.ok(s.includes('nonce="abc123"') || s.includes('type="application/octet-stream"'), s);
  assert.ok(!/ on\w+=/.test(html), 'no inline event handlers');
  assert.ok(!/https?:\/\//.test(html), 'no remote resources');
});

test('the trace is embedded as base64 in a non-executable block', () => {
  const html = page('app.ctrace');
  assert.match(html, /<script type="application\/octet-stream" id="ctrace-data" data-name="app.ctrace">Q1RSQUNF<\/script>/);
});

test('a hostile trace name stays text; a "</script>" inside the bundle cannot end its element', () => {
  const html = page('"><script>alert(1)</script>.ctrace', 'const s = "</script><script>alert(2)</script>";');
  assert.ok(!html.includes('<script>alert(1)'), 'name not escaped');
  assert.ok(html.includes('&#34;&#62;&#60;script&#62;alert(1)'));
  assert.ok(!html.includes('"</script><script>alert(2)'), 'bundle not made safe');
  assert.ok(html.includes('<\\/script><script>alert(2)<\\/script>'));
});
