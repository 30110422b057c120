// The overview above the axis: where events happen across the whole trace (log-scaled density), with
// the part in view left clear and the rest dimmed. The density picture is drawn once per data change
// and copied each frame. Click or drag in it to move the view there. From the keyboard it is a
// slider of where the view is: arrows move it by a twentieth of the trace, Page Up/Down by the
// view's own width, Home/End to the trace's start/end.
import { prepareCanvas } from './canvas';
import { fmtDur } from './format';
import type { TraceModel } from './model';
import type { Palette } from './render';
import type { Viewport } from './viewport';

export class Minimap {
  private density = new Float64Array(0);
  private densityFor = -1;
  private readonly image = document.createElement('canvas');
  private imageFor = -2;
  private model: TraceModel | undefined;
  private vp: Viewport | undefined;
  private valueText = '';

  constructor(private readonly canvas: HTMLCanvasElement, moveTo: (t: number) => void) {
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'slider');
    canvas.setAttribute('aria-valuemin', '0');
    canvas.setAttribute('aria-valuemax', '100');
    canvas.addEventListener('keydown', (e) => {
      const m = this.model;
      const vp = this.vp;
      if (!m || !vp || e.ctrlKey || e.metaKey || e.altKey) return;
      const step = (m.maxTs - m.minTs) / 20;
      const by: Record<string, number> = { ArrowRight: step, ArrowUp: step, ArrowLeft: -step, ArrowDown: -step, PageUp: vp.span, PageDown: -vp.span, Home: -Infinity, End: Infinity };
      if (!(e.key in by)) return;
      e.preventDefault();
      if (!(m.maxTs > m.minTs)) return;
      // keys keep the view over the trace (a pointer may put it anywhere)
      const half = vp.span / 2;
      const lo = m.minTs + half;
      const hi = m.maxTs - half;
      moveTo(lo >= hi ? (m.minTs + m.maxTs) / 2 : Math.min(hi, Math.max(lo, vp.start + half + by[e.key])));
    });
    const at = (e: PointerEvent) => {
      const m = this.model;
      if (!m || !(m.maxTs > m.minTs)) return;
      const r = canvas.getBoundingClientRect();
      moveTo(m.minTs + ((e.clientX - r.left) / r.width) * (m.maxTs - m.minTs));
    };
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      at(e);
      canvas.addEventListener('pointermove', at);
      canvas.addEventListener('pointerup', () => canvas.removeEventListener('pointermove', at), { once: true });
    });
  }

  /** The palette changed: redraw the density picture. */
  invalidate(): void {
    this.imageFor = -2;
  }

  draw(model: TraceModel, vp: Viewport, pal: Palette): void {
    this.model = model;
    this.vp = vp;
    this.describe(model, vp);
    const c = this.canvas;
    const { g, w, h, dpr, resized } = prepareCanvas(c);
    if (resized) this.densityFor = -1;
    g.clearRect(0, 0, w, h);
    g.fillStyle = pal.rowAlt;
    g.fillRect(0, 0, w, h);
    if (!(model.maxTs > model.minTs)) return;
    const span = model.maxTs - model.minTs;
    const bins = Math.max(1, Math.floor(w));
    if (this.densityFor !== model.version || this.density.length !== bins) {
      this.densityFor = model.version;
      const density = (this.density = new Float64Array(bins));
      const ts = model.ts.a;
      for (let i = 0; i < model.eventCount; i++) density[Math.min(bins - 1, Math.floor(((ts[i] - model.minTs) / span) * bins))]++;
    }
    const img = this.image;
    if (this.imageFor !== this.densityFor || img.width !== c.width || img.height !== c.height) {
      this.imageFor = this.densityFor;
      img.width = c.width;
      img.height = c.height;
      const dg = img.getContext('2d')!;
      dg.setTransform(dpr, 0, 0, dpr, 0, 0);
      let max = 1;
      for (const v of this.density) max = Math.max(max, v);
      dg.fillStyle = pal.send;
      dg.beginPath();
      dg.moveTo(0, h);
      for (let b = 0; b < bins; b++) {
        const top = h - (Math.log1p(this.density[b]) / Math.log1p(max)) * (h - 4);
        dg.lineTo(b, top);
        dg.lineTo(b + 1, top);
      }
      dg.lineTo(bins, h);
      dg.closePath();
      dg.fill();
    }
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(img, 0, 0);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const x0 = ((vp.start - model.minTs) / span) * w;
    const x1 = ((vp.end - model.minTs) / span) * w;
    // dim what is outside the view rather than tint what is in it
    g.fillStyle = pal.dim;
    if (x0 > 0) g.fillRect(0, 0, x0, h);
    if (x1 < w) g.fillRect(x1, 0, w - x1, h);
    g.strokeStyle = pal.focus;
    g.lineWidth = 1;
    g.strokeRect(x0 + 0.5, 0.5, Math.max(2, x1 - x0) - 1, h - 1);
  }

  /** The slider's value: 0 with the view at the trace's start, 100 at its end (set only when it changes). */
  private describe(model: TraceModel, vp: Viewport): void {
    const has = model.maxTs > model.minTs;
    const room = model.maxTs - model.minTs - vp.span; // how far the view's start can go
    const now = !has || room <= 0 ? 0 : Math.round(Math.min(1, Math.max(0, (vp.start - model.minTs) / room)) * 100);
    const text = !has ? 'no events' : room <= 0 ? 'the whole trace is in view' : `${fmtDur(vp.start - model.origin)} to ${fmtDur(vp.end - model.origin)} of ${fmtDur(model.maxTs - model.origin)}`;
    if (text === this.valueText) return;
    this.valueText = text;
    this.canvas.setAttribute('aria-valuenow', String(now));
    this.canvas.setAttribute('aria-valuetext', text);
  }
}
