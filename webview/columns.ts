// Growable typed-array columns: the render model stores one number per event per column instead of
// one object per event, so a 10M-event trace costs bytes per event, not hundreds.

type TypedArray = Float64Array | Uint32Array | Uint16Array | Uint8Array | Float32Array;
type Ctor<T extends TypedArray> = { new (n: number): T };

export class Column<T extends TypedArray> {
  a: T;
  n = 0;
  constructor(private readonly ctor: Ctor<T>, capacity = 64) {
    this.a = new ctor(capacity);
  }
  push(v: number): void {
    if (this.n === this.a.length) this.grow(this.n + 1);
    this.a[this.n++] = v;
  }
  /** Makes room for `total` values without reallocating per push (used when a load's count is known). */
  reserve(total: number): void {
    if (total > this.a.length) this.grow(total, true);
  }
  private grow(min: number, exact = false): void {
    const cap = exact ? min : Math.max(min, Math.ceil(this.a.length * 1.5) + 16);
    const b = new this.ctor(cap);
    b.set(this.a.subarray(0, this.n) as never);
    this.a = b;
  }
  /** Drops spare capacity (after a whole-file load, so memory is what the data needs). */
  trim(): void {
    if (this.a.length - this.n > 64) {
      const b = new this.ctor(this.n);
      b.set(this.a.subarray(0, this.n) as never);
      this.a = b;
    }
  }
  get bytes(): number {
    return this.a.byteLength;
  }
}

export const f64 = (cap?: number) => new Column(Float64Array, cap);
export const u32 = (cap?: number) => new Column(Uint32Array, cap);
export const u16 = (cap?: number) => new Column(Uint16Array, cap);
export const u8 = (cap?: number) => new Column(Uint8Array, cap);

/** First index i in [lo, hi) with a[i] >= t (hi if none). */
export function lowerBound(a: ArrayLike<number>, t: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First index i in [lo, hi) with key(i) >= t, for columns reached through an index list. */
export function lowerBoundBy(n: number, key: (i: number) => number, t: number, lo = 0, hi = n): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (key(m) < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}
