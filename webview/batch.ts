// Rectangle batching for the canvas renderer.

/**
 * Merges touching rectangles of one colour into one fillRect: in dense regions one rect per pixel
 * column becomes one rect per run, which is what keeps zoomed-out frames cheap on a software canvas.
 */
export class RectBatch {
  private g!: CanvasRenderingContext2D;
  private color = '';
  private x = 0;
  private y = 0;
  private w = -1;
  private h = 0;
  begin(g: CanvasRenderingContext2D): void {
    this.g = g;
    this.w = -1;
  }
  add(x: number, y: number, w: number, h: number, color: string): void {
    if (this.w >= 0 && color === this.color && y === this.y && h === this.h && x <= this.x + this.w + 1 && x >= this.x) {
      this.w = Math.max(this.w, x + w - this.x);
      return;
    }
    this.flush();
    this.color = color;
    this.x = x;
    this.y = y;
    this.w = w;
    this.h = h;
  }
  flush(): void {
    if (this.w < 0) return;
    this.g.fillStyle = this.color;
    this.g.fillRect(this.x, this.y, this.w, this.h);
    this.w = -1;
  }
}
