// The visible time window and its mapping to pixels; zoom keeps the time under the cursor fixed.

export class Viewport {
  start = 0;
  end = 1;
  width = 1; // css px of the time area
  /** true while the view shows the end of a live trace, so new data keeps it there */
  following = true;

  get span(): number {
    return this.end - this.start;
  }
  get nsPerPx(): number {
    return this.span / Math.max(1, this.width);
  }
  x(t: number): number {
    return ((t - this.start) / this.span) * this.width;
  }
  t(x: number): number {
    return this.start + (x / this.width) * this.span;
  }
  set(start: number, end: number): void {
    // Never narrower than 10 ns across the view, never inverted.
    if (end - start < 10) {
      const mid = (start + end) / 2;
      start = mid - 5;
      end = mid + 5;
    }
    this.start = start;
    this.end = end;
  }
  zoomAt(x: number, factor: number): void {
    const t = this.t(x);
    this.set(t - (t - this.start) * factor, t + (this.end - t) * factor);
  }
  pan(dx: number): void {
    const dt = dx * this.nsPerPx;
    this.set(this.start + dt, this.end + dt);
  }
  fit(min: number, max: number): void {
    if (!(max >= min)) return; // nothing loaded yet
    const pad = Math.max((max - min) * 0.02, 1000);
    this.set(min - pad, max + pad);
  }
}
