// A canvas sized to its CSS box at the screen's pixel ratio, with a context that draws in CSS pixels:
// what the timeline and the minimap both do before each frame.

export interface PreparedCanvas {
  g: CanvasRenderingContext2D;
  /** CSS pixels */
  w: number;
  h: number;
  /** device pixels per CSS pixel */
  dpr: number;
  /** the backing store was resized (anything cached at the old size is stale) */
  resized: boolean;
}

export function prepareCanvas(c: HTMLCanvasElement): PreparedCanvas {
  const dpr = window.devicePixelRatio || 1;
  const w = c.clientWidth;
  const h = c.clientHeight;
  const resized = c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr);
  if (resized) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  const g = c.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { g, w, h, dpr, resized };
}
