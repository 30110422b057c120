// The time axis: tick labels as DOM text (readable by screen readers' browse mode and by tests), at a
// "nice" step chosen for about 90 px between ticks, labelled from the recording's start in the unit the
// step calls for. Returns the tick positions so the canvas can draw matching grid lines.
import { fmtTick, niceStep } from './format';
import type { TraceModel } from './model';
import type { Viewport } from './viewport';

export class Axis {
  private readonly ticks: HTMLSpanElement[] = [];
  constructor(private readonly root: HTMLElement) {}

  update(model: TraceModel, vp: Viewport): number[] {
    if (!model.eventCount && model.minTs === Infinity) {
      for (const s of this.ticks) s.hidden = true; // a trace with no events after one with some
      return [];
    }
    const step = niceStep(vp.nsPerPx * 90);
    const origin = model.origin;
    const first = Math.ceil((vp.start - origin) / step) * step;
    const xs: number[] = [];
    let n = 0;
    for (let t = first; origin + t <= vp.end && n < 40; t += step, n++) {
      const x = vp.x(origin + t);
      xs.push(x);
      let s = this.ticks[n];
      if (!s) {
        s = document.createElement('span');
        s.className = 'ct-tick';
        this.ticks.push(s);
        this.root.append(s);
      }
      s.hidden = false;
      s.textContent = fmtTick(t, step);
      s.style.transform = `translateX(${Math.round(x + 3)}px)`;
    }
    for (let k = n; k < this.ticks.length; k++) this.ticks[k].hidden = true;
    return xs;
  }
}
