// Draws media/icon.png (128x128): three thread tracks with spans and message arrows between them, on
// the gallery banner's dark blue. Plain Node (zlib for PNG), 4x supersampled for smooth edges.
// Run: node media/make-icon.mjs
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const N = 128, S = 4, W = N * S;
const px = new Float32Array(W * W * 4); // premultiplied RGBA, 0..1

function blend(x, y, [r, g, b], a) {
  if (x < 0 || y < 0 || x >= W || y >= W) return;
  const i = (y * W + x) * 4;
  px[i] = r * a + px[i] * (1 - a); px[i + 1] = g * a + px[i + 1] * (1 - a);
  px[i + 2] = b * a + px[i + 2] * (1 - a); px[i + 3] = a + px[i + 3] * (1 - a);
}
const hex = (h) => [1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16) / 255);
function roundRect(x0, y0, x1, y1, r, color, a = 1) {
  [x0, y0, x1, y1, r] = [x0, y0, x1, y1, r].map((v) => v * S);
  for (let y = Math.floor(y0); y < y1; y++) for (let x = Math.floor(x0); x < x1; x++) {
    const dx = Math.max(x0 + r - x, 0, x - (x1 - r)), dy = Math.max(y0 + r - y, 0, y - (y1 - r));
    if (dx * dx + dy * dy <= r * r) blend(x, y, color, a);
  }
}
function line(xa, ya, xb, yb, w, color) {
  [xa, ya, xb, yb, w] = [xa, ya, xb, yb, w].map((v) => v * S);
  const len = Math.hypot(xb - xa, yb - ya);
  for (let y = Math.floor(Math.min(ya, yb) - w); y < Math.max(ya, yb) + w; y++) for (let x = Math.floor(Math.min(xa, xb) - w); x < Math.max(xa, xb) + w; x++) {
    const t = Math.max(0, Math.min(1, ((x - xa) * (xb - xa) + (y - ya) * (yb - ya)) / (len * len)));
    if (Math.hypot(x - (xa + t * (xb - xa)), y - (ya + t * (yb - ya))) <= w / 2) blend(x, y, color, 1);
  }
}
function arrow(xa, ya, xb, yb, color) {
  line(xa, ya, xb, yb, 3, color);
  const ang = Math.atan2(yb - ya, xb - xa);
  for (const d of [-0.5, 0.5]) line(xb, yb, xb - 8 * Math.cos(ang + d), yb - 8 * Math.sin(ang + d), 3, color);
}

roundRect(4, 4, 124, 124, 22, hex('#1e2a3a'));
const tracks = [30, 64, 98];
for (const y of tracks) roundRect(14, y - 1, 114, y + 1, 1, hex('#3a4b63'));
const spans = [
  [0, 14, 52, '#4fc3f7'], [0, 74, 114, '#4fc3f7'],
  [1, 30, 70, '#81c784'], [1, 88, 114, '#ffb74d'],
  [2, 14, 40, '#ba68c8'], [2, 58, 100, '#81c784'],
];
for (const [t, x0, x1, c] of spans) roundRect(x0, tracks[t] - 8, x1, tracks[t] + 8, 4, hex(c));
arrow(50, 38, 60, 54, hex('#ffffff'));
arrow(70, 72, 80, 88, hex('#ffffff'));
arrow(98, 90, 104, 73, hex('#ffffff'));

// Downsample and write an RGBA PNG.
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) {
  raw[y * (N * 4 + 1)] = 0;
  for (let x = 0; x < N; x++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
      const i = ((y * S + sy) * W + (x * S + sx)) * 4;
      for (let k = 0; k < 4; k++) acc[k] += px[i + k];
    }
    const a = acc[3] / (S * S);
    const o = y * (N * 4 + 1) + 1 + x * 4;
    for (let k = 0; k < 3; k++) raw[o + k] = a ? Math.round((acc[k] / (S * S) / a) * 255) : 0;
    raw[o + 3] = Math.round(a * 255);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([len, td, c]); };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6;
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icon.png');
fs.writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
