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

export class Lod {
  base = 0;
  /** bucket width in ns, a power of two */
  width = 1;
  tracks: TrackLod[] = [];
  private key = '';

  private static keyOf(model: TraceModel, hiddenKinds: Set<number>): string {
    return model.version + ':' + [...hiddenKinds].sort().join(',');
  }
  /** Built for this model and filter state already? */
  isFor(model: TraceModel, hiddenKinds: Set<number>): boolean {
    return this.key === Lod.keyOf(model, hiddenKinds);
  }
  /** The summaries for this model and filter state (built on first use). */
  get(model: TraceModel, hiddenKinds: Set<number>, isTick: (kind: number) => boolean): this {
    const key = Lod.keyOf(model, hiddenKinds);
    if (key === this.key) return this;
    this.key = key;
    const span = Math.max(1, model.maxTs - model.minTs);
    this.width = Math.pow(2, Math.ceil(Math.log2(span / LOD_BUCKETS)));
    this.base = Math.floor(model.minTs / this.width) * this.width;
    const n = Math.ceil((model.maxTs - this.base) / this.width) + 1;
    const ts = model.ts.a;
    const kind = model.kind.a;
    this.tracks = model.tracks.map((tr) => {
      const marks = new Uint8Array(n);
      const spans = new Uint8Array(n);
      const states = new Uint8Array(n);
      const ev = tr.ev.a;
      for (let k = 0; k < tr.ev.n; k++) {
        const i = ev[k];
        const kd = kind[i];
        if (hiddenKinds.has(kd) || !isTick(kd)) continue;
        marks[this.bucket(ts[i])] |= kd === EventKind.MessageSend ? MARK_SEND : kd === EventKind.MessageReceive ? MARK_RECV : MARK_OTHER;
      }
      for (let k = 0; k < tr.spanCount; k++) {
        const i = tr.spanEv.a[k];
        if (hiddenKinds.has(kind[i])) continue;
        const bit = 1 << (tr.spanType.a[k] as SpanType);
        const b1 = this.bucket(tr.spanEnd.a[k]);
        for (let b = this.bucket(ts[i]); b <= b1; b++) spans[b] |= bit;
      }
      this.fillStates(tr, states);
      return { marks, spans, states };
    });
    return this;
  }

  bucket(t: number): number {
    return Math.floor((t - this.base) / this.width);
  }

  private fillStates(tr: Track, out: Uint8Array): void {
    const s = tr.stateSeries;
    const ts = s.ts.a;
    const st = s.state.a;
    for (let k = 0; k < s.n; k++) {
      const code = STATE_CODE[st[k]] ?? 0;
      if (!code) continue;
      const b0 = this.bucket(ts[k]);
      const b1 = k + 1 < s.n ? this.bucket(ts[k + 1]) : b0;
      for (let b = b0; b <= b1 && b < out.length; b++) if (out[b] < code) out[b] = code;
    }
  }
}
