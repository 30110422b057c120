// Human formatting of times, durations, sizes and counts for labels, the details pane and tooltips.
import { formatFigure } from '../src/protocol/figures';

/** A duration in ns as "12 ns", "3.4 µs", "1.25 ms", "2.5 s", with about 3 significant digits. */
export function fmtDur(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${round(ns)} ns`;
  if (a < 1e6) return `${round(ns / 1e3)} µs`;
  if (a < 1e9) return `${round(ns / 1e6)} ms`;
  return `${round(ns / 1e9)} s`;
}

function round(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? trimZeros(v.toFixed(1)) : trimZeros(v.toFixed(2));
}
function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** An axis tick label at offset `ns` from the trace start, with the unit fixed by the tick step. */
export function fmtTick(ns: number, step: number): string {
  // a step of a tenth of a unit or more is labelled in that unit: 0.5 ms steps read "1.5 ms", not "1500 µs"
  const [div, unit] = step >= 1e8 ? [1e9, 's'] : step >= 1e5 ? [1e6, 'ms'] : step >= 1e2 ? [1e3, 'µs'] : [1, 'ns'];
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / div) - 1e-9));
  return `${(ns / div).toFixed(Math.min(decimals, 9))} ${unit}`;
}

/** A "nice" tick step (1, 2, 5 x 10^k ns) so that ticks are at least `minNs` apart. */
export function niceStep(minNs: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(minNs, 1))));
  for (const m of [1, 2, 5, 10]) if (m * p >= minNs) return m * p;
  return 10 * p;
}

/** Bytes as every other view writes them (protocol/figures). */
export function fmtBytes(b: number): string {
  return formatFigure(b, 'bytes');
}
