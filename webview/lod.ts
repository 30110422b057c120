// Level of detail for zoomed-out frames: per track, the whole trace cut into LOD_BUCKETS power-of-two
// time buckets, each holding what a pixel covering it must show (which tick kinds, which span kinds,
// the most active scheduling state). When a pixel covers at least one bucket, a frame reads buckets
// instead of events, so drawing the whole of a 10M-event trace costs the same as a small one.
// Rebuilt when the data or the hidden kinds change.
import { EventKind, ThreadState } from '../src/protocol/events';
import { SpanType, Track, TraceModel } from './model';

export const LOD_BUCKETS = 16384;

export const MARK_SEND = 1;
export const MARK_RECV = 2;
export const MARK_OTHER = 4;
/** span bits: 1 << SpanType */
/** state codes, by how much they matter when a pixel holds several: 0 none < sleeping < blocked < runnable < running */
export const STATE_CODE: Record<number, number> = { [ThreadState.Running]: 4, [ThreadState.Runnable]: 3, [ThreadState.Uninterruptible]: 2 };

export interface TrackLod {
  marks: Uint8Array;
  spans: Uint8Array;
  states: Uint8Array;
}

/** One level: the trace cut into buckets of `width` ns from `base`. */
export class LodLevel {
  constructor(
    readonly base: number,
    readonly width: number,
    readonly tracks: TrackLod[],
  ) {}
  bucket(t: number): number {
    return Math.floor((t - this.base) / this.width);
  }
}

/**
 * A pyramid of levels, finest first, each four times coarser than the one before: a frame reads the
 * coarsest level whose buckets are still no wider than a pixel, so it touches at most ~4 buckets per
 * pixel column at any zoom where summaries apply.
 */
export class Lod {
  levels: LodLevel[] = [];
  private key = '';

  private static keyOf(model: TraceModel, hiddenKinds: Set<number>): string {
    return model.version + ':' + [...hiddenKinds].sort().join(',');
  }
  /** Built for this model and filter state already? */
  isFor(model: TraceModel, hiddenKinds: Set<number>): boolean {
    return this.key === Lod.keyOf(model, hiddenKinds);
  }
  /** The level to draw from at this zoom, if any (undefined: zoomed in past the finest level). */
  levelFor(nsPerPx: number): LodLevel | undefined {
    let best: LodLevel | undefined;
    for (const l of this.levels) if (l.width <= nsPerPx) best = l;
    return best;
  }

  /** The summaries for this model and filter state (built on first use). */
  get(model: TraceModel, hiddenKinds: Set<number>, isTick: (kind: number) => boolean): this {
    const key = Lod.keyOf(model, hiddenKinds);
    if (key === this.key) return this;
    this.key = key;
    const span = Math.max(1, model.maxTs - model.minTs);
    // finest level: about one bucket per 16 events (at most LOD_BUCKETS * 2, at least LOD_BUCKETS / 4)
    const want = Math.min(LOD_BUCKETS * 2, Math.max(LOD_BUCKETS / 4, model.eventCount / 16));
    const width = Math.pow(2, Math.ceil(Math.log2(span / want)));
    const base = Math.floor(model.minTs / width) * width;
    const fine = new LodLevel(base, width, []);
    const n = Math.ceil((model.maxTs - base) / width) + 1;
    const ts = model.ts.a;
    const kind = model.kind.a;
    fine.tracks.push(
      ...model.tracks.map((tr) => {
        const marks = new Uint8Array(n);
        const spans = new Uint8Array(n);
        const states = new Uint8Array(n);
        const ev = tr.ev.a;
        for (let k = 0; k < tr.ev.n; k++) {
          const i = ev[k];
          const kd = kind[i];
          if (hiddenKinds.has(kd) || !isTick(kd)) continue;
          marks[fine.bucket(ts[i])] |= kd === EventKind.MessageSend ? MARK_SEND : kd === EventKind.MessageReceive ? MARK_RECV : MARK_OTHER;
        }
        for (let k = 0; k < tr.spanCount; k++) {
          const i = tr.spanEv.a[k];
          if (hiddenKinds.has(kind[i])) continue;
          const bit = 1 << (tr.spanType.a[k] as SpanType);
          const b1 = Math.min(n - 1, fine.bucket(tr.spanEnd.a[k]));
          for (let b = fine.bucket(ts[i]); b <= b1; b++) spans[b] |= bit;
        }
        fillStates(tr, states, fine);
        return { marks, spans, states };
      }),
    );
    this.levels = [fine];
    for (let l = fine; l.tracks.length && l.tracks[0].marks.length > 1024; ) {
      l = coarser(l);
      this.levels.push(l);
    }
    if (!model.tracks.length) this.levels = [];
    return this;
  }
}

/** The next level up: each bucket the OR (ticks, spans) or max (state) of four. */
function coarser(l: LodLevel): LodLevel {
  const tracks = l.tracks.map((t) => {
    const n = Math.ceil(t.marks.length / 4);
    const marks = new Uint8Array(n);
    const spans = new Uint8Array(n);
    const states = new Uint8Array(n);
    for (let b = 0; b < t.marks.length; b++) {
      const c = b >> 2;
      marks[c] |= t.marks[b];
      spans[c] |= t.spans[b];
      if (t.states[b] > states[c]) states[c] = t.states[b];
    }
    return { marks, spans, states };
  });
  return new LodLevel(l.base, l.width * 4, tracks);
}

function fillStates(tr: Track, out: Uint8Array, level: LodLevel): void {
  const s = tr.stateSeries;
  const ts = s.ts.a;
  const st = s.state.a;
  for (let k = 0; k < s.n; k++) {
    const code = STATE_CODE[st[k]] ?? 0;
    if (!code) continue;
    const b0 = level.bucket(ts[k]);
    const b1 = k + 1 < s.n ? level.bucket(ts[k + 1]) : b0;
    for (let b = b0; b <= b1 && b < out.length; b++) if (out[b] < code) out[b] = code;
  }
}
