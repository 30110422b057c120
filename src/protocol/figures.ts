// How a figure reads wherever it is shown: `ctrace summary`/`compare` in a terminal, the editor's
// hints and the webview's comparison table. One function so the same trace never reads "1.5 KiB"
// in one place and "1.46 KiB" in another. Pure, no imports: the webview uses it too.

const num = (x: number): string => (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 2 }));

/** `missing` stands for a figure the trace did not record (null). */
export function formatFigure(v: number | null, unit: 'ms' | 'bytes' | 'count' | 'cores' | 'per-s', missing = '-'): string {
  if (v === null) return missing;
  switch (unit) {
    case 'ms':
      return v >= 1000 ? `${num(v / 1000)} s` : v < 1 && v > 0 ? `${num(v * 1000)} µs` : `${num(v)} ms`;
    case 'bytes': {
      // powers of 1024, named so: the timeline's own labels read KiB, MiB too
      const units = ['B', 'KiB', 'MiB', 'GiB'];
      let x = v;
      let u = 0;
      while (x >= 1024 && u < units.length - 1) {
        x /= 1024;
        u++;
      }
      return `${num(Math.round(x * 10) / 10)} ${units[u]}`;
    }
    case 'per-s':
      return `${num(v)} /s`;
    default:
      return num(v);
  }
}

/** A count and its noun: "1 worker", "3 workers", "2 processes" (`many`: the plural, when not one + s). */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

const small = (x: number): string => x.toLocaleString('en-US', { maximumSignificantDigits: 2 });

/** A ratio B/A: "12x", "1.5x", and two significant digits below 1 (8 µs against 12 ms is 0.00067x, not 0x). */
export function formatRatioFigure(r: number | null, sign = 'x', missing = '-'): string {
  if (r === null) return missing;
  return `${r >= 10 ? num(Math.round(r)) : r < 1 && r > 0 ? small(r) : num(Math.round(r * 100) / 100)}${sign}`;
}

/**
 * What ran on after a crash, in words: "outlived by 1 process and 2 threads", "nothing ran on after
 * it" (`list`: the crash insight's outlived entities; threadId -1 is a whole process).
 */
export function outlivedBy(list: readonly { threadId: number }[]): string {
  const processes = list.filter((e) => e.threadId === -1).length;
  const threads = list.length - processes;
  if (list.length === 0) return 'nothing ran on after it';
  const parts = [processes ? countOf(processes, 'process', 'processes') : '', threads ? countOf(threads, 'thread') : ''].filter(Boolean);
  return `outlived by ${parts.join(' and ')}`;
}
