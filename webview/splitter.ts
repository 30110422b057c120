// A splitter (the WAI-ARIA window splitter pattern): a bar between two panes that resizes one of them.
// Drag it with the mouse; from the keyboard it is a Tab stop, a role="separator" whose value is the
// controlled pane's size in pixels: the arrow keys along its axis move it (Shift: further), Home and
// End take it to its bounds, Enter folds the pane to its smallest size and back where it can fold,
// and a double-click puts it back to its default. It only reports sizes: its owner applies them
// (CSS variables on the page), clamps them and remembers what the user chose.

export interface SplitterOptions {
  /** the accessible name */
  label: string;
  /** id of the pane whose size is the value */
  controls: string;
  /** 'x': a vertical bar dragged sideways; 'y': a horizontal bar dragged up and down */
  axis(): 'x' | 'y';
  /** +1 when moving the bar right (down) grows the pane, -1 when it shrinks it */
  sign(): 1 | -1;
  /** the pane's size now, and the sizes it may take */
  size(): number;
  bounds(): [number, number];
  /** the user moved the bar: the pane should be `px` (before clamping) */
  resize(px: number): void;
  /** the user finished (pointer up, a key): remember the size */
  done(): void;
  /** double-click: back to the default size */
  reset(): void;
  /** Enter: fold to the smallest size and back; false where the pane does not fold (as it is laid out now) */
  fold?(): boolean;
}

export class Splitter {
  constructor(readonly el: HTMLElement, private readonly o: SplitterOptions) {
    el.tabIndex = 0;
    el.setAttribute('role', 'separator');
    el.setAttribute('aria-label', o.label);
    el.setAttribute('aria-controls', o.controls);
    el.addEventListener('keydown', (e) => this.key(e));
    el.addEventListener('pointerdown', (e) => this.down(e));
    el.addEventListener('dblclick', () => {
      o.reset();
      o.done();
    });
  }

  /** Keeps the orientation, the cursor and the value in step with the layout. */
  update(): void {
    const x = this.o.axis() === 'x';
    const [min, max] = this.o.bounds();
    const now = Math.round(this.o.size());
    this.el.setAttribute('aria-orientation', x ? 'vertical' : 'horizontal');
    this.el.classList.toggle('ct-splitter-x', x);
    this.el.classList.toggle('ct-splitter-y', !x);
    this.el.setAttribute('aria-valuemin', String(Math.round(min)));
    this.el.setAttribute('aria-valuemax', String(Math.round(max)));
    this.el.setAttribute('aria-valuenow', String(now));
    this.el.setAttribute('aria-valuetext', `${now} pixels`);
  }

  private key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const x = this.o.axis() === 'x';
    const step = e.shiftKey ? 50 : 10;
    const move: Record<string, number> = x ? { ArrowLeft: -step, ArrowRight: step } : { ArrowUp: -step, ArrowDown: step };
    const [min, max] = this.o.bounds();
    if (e.key in move) this.o.resize(this.o.size() + move[e.key] * this.o.sign());
    else if (e.key === 'Home') this.o.resize(min);
    else if (e.key === 'End') this.o.resize(max);
    else if (!(e.key === 'Enter' && this.o.fold?.())) return;
    e.preventDefault();
    e.stopPropagation();
    this.o.done();
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    const el = this.el;
    el.setPointerCapture(e.pointerId);
    el.classList.add('ct-dragging');
    const x = this.o.axis() === 'x';
    const from = x ? e.clientX : e.clientY;
    const start = this.o.size();
    const sign = this.o.sign();
    const move = (m: PointerEvent) => this.o.resize(start + ((x ? m.clientX : m.clientY) - from) * sign);
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      el.classList.remove('ct-dragging');
      this.o.done();
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  }
}
