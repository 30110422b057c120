// Small helpers every insight shares: distributions, rounding, and turning an event into Evidence.
import { parseSite, type TraceEvent } from '../../protocol/events';
import type { SiteJson } from '../../protocol/trace';
import type { Evidence, Spread } from '../../protocol/insights';

export const NS_PER_MS = 1e6;

/** ms with µs precision: enough for any figure shown, and stable JSON. */
export function ms(ns: number): number {
  return Math.round(ns / 1e3) / 1e3;
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Nearest-rank percentile (p in 0..1) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Spread of durations given in ms; null for none. */
export function spread(valuesMs: readonly number[]): Spread | null {
  if (valuesMs.length === 0) return null;
  const s = [...valuesMs].sort((x, y) => x - y);
  return { count: s.length, medianMs: round(median(s)), p95Ms: round(percentile(s, 0.95)), maxMs: round(s[s.length - 1]) };
}

export function siteJson(site: unknown): SiteJson | null {
  return typeof site === 'string' ? parseSite(site) ?? null : null;
}

export function siteKey(site: SiteJson | null): string {
  return site ? `${site.file}:${site.line}:${site.column}` : '';
}

export function evidence(e: TraceEvent, site: SiteJson | null = siteJson(e.fields.site)): Evidence {
  return { pid: e.pid, threadId: e.threadId, ts: e.ts, kind: e.kind, site };
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
