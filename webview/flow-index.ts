// The flow (arrow) index: flows sorted by time so a frame finds the ones in view by binary search.
import type { TraceModel } from './model';

/** Flows in order of their earlier end, with the longest flow's length, for windowed lookups. */
export class FlowIndex {
  private built = -1;
  order = new Uint32Array(0);
  maxLen = 0;
  private model: TraceModel | undefined;
  get(model: TraceModel): this {
    if (this.built === model.version && this.model === model) return this;
    this.built = model.version;
    this.model = model;
    const n = model.flowCount;
    const ts = model.ts.a, from = model.flowFrom.a, to = model.flowTo.a;
    const key = new Float64Array(n);
    let maxLen = 0;
    for (let k = 0; k < n; k++) {
      const a = ts[from[k]], b = ts[to[k]];
      key[k] = Math.min(a, b);
      maxLen = Math.max(maxLen, Math.abs(b - a));
    }
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    order.sort((a, b) => key[a] - key[b]);
    this.order = order;
    this.maxLen = maxLen;
    return this;
  }
  /** The earlier end's time of the k-th flow in order. */
  start(k: number): number {
    const m = this.model!;
    const f = this.order[k];
    return Math.min(m.ts.a[m.flowFrom.a[f]], m.ts.a[m.flowTo.a[f]]);
  }
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
