// The canvas renderer. Each frame costs O(pixels), not O(events): markers are drawn one per pixel
// column (a binary search skips to the next column), spans shorter than a pixel are merged the same
// way, rare significant events (crashes, spawns, exits) are kept in a short per-track list and always
// drawn, and counters come from cumulative series (CPU or switches in any interval = two lookups).
import { prepareCanvas } from './canvas';
import { EventKind, ThreadState } from '../src/protocol/events';
import { lowerBound } from './columns';
import { FlowType, SpanType, Series, Track, TraceModel } from './model';
import type { Row } from './tracklist';
import type { Viewport } from './viewport';
import { Lod, LodLevel, MARK_OTHER, MARK_RECV, MARK_SEND, TrackLod } from './lod';
import { RectBatch } from './batch';
import { FlowIndex } from './flow-index';
import { countOf } from '../src/protocol/figures';

export interface Palette {
  bg: string;
  fg: string;
  muted: string;
  grid: string;
  rowAlt: string;
  focus: string;
  send: string;
  recv: string;
  spawn: string;
  crash: string;
  exit: string;
  lockWait: string;
  lockHold: string;
  atomicsWait: string;
  notify: string;
  running: string;
  runnable: string;
  blocked: string;
  cpu: string;
  vol: string;
  inv: string;
  mem: string;
  heap: string;
  selection: string;
  range: string;
  mark: string;
  dim: string;
}

export function readPalette(el: HTMLElement): Palette {
  const cs = getComputedStyle(el);
  const v = (name: string) => cs.getPropertyValue('--ct-' + name).trim() || '#888';
  return {
    bg: v('bg'), fg: v('fg'), muted: v('muted'), grid: v('grid'), rowAlt: v('row-alt'), focus: v('focus'),
    send: v('send'), recv: v('recv'), spawn: v('spawn'), crash: v('crash'), exit: v('exit'),
    lockWait: v('lock-wait'), lockHold: v('lock-hold'), atomicsWait: v('atomics-wait'), notify: v('notify'),
    running: v('running'), runnable: v('runnable'), blocked: v('blocked'), cpu: v('cpu'), vol: v('vol'), inv: v('inv'),
    mem: v('mem'), heap: v('heap'), selection: v('selection'), range: v('range'), mark: v('mark'), dim: v('dim'),
  };
}

/** Kinds drawn on every frame regardless of density: few per trace, and the reason people look. */
export function isSignificant(kind: number): boolean {
  switch (kind) {
    case EventKind.Crash:
    case EventKind.ProcessStart:
    case EventKind.ProcessExit:
    case EventKind.ThreadStart:
    case EventKind.ThreadExit:
    case EventKind.SpawnCall:
    case EventKind.SpawnError:
    case EventKind.SpawnExit:
    case EventKind.WorkerCreate:
    case EventKind.WorkerExit:
    case EventKind.WorkerTerminate:
    case EventKind.Deadlock:
      return true;
  }
  return false;
}

export interface DrawInput {
  model: TraceModel;
  vp: Viewport;
  rows: Row[];
  scrollTop: number;
  height: number;
  pal: Palette;
  hiddenKinds: Set<number>;
  selected: number;
  /** events whose flows to draw even when zoomed out */
  linkedTo: number;
  range: [number, number] | undefined;
  matches: Set<number>;
  /** flows touching the selection, drawn strong */
  selFlows: number[];
  cpus: number;
}

/** Per-track significant-event lists, rebuilt when the model changes. */
export class SignificantIndex {
  private built = -1;
  lists: Uint32Array[] = [];
  get(model: TraceModel): Uint32Array[] {
    if (this.built === model.version) return this.lists;
    this.built = model.version;
    const kind = model.kind.a;
    this.lists = model.tracks.map((t) => {
      const out: number[] = [];
      const ev = t.ev.a;
      for (let k = 0; k < t.ev.n; k++) if (isSignificant(kind[ev[k]])) out.push(ev[k]);
      return Uint32Array.from(out);
    });
    return this.lists;
  }
}

/**
 * Index k into track.ev of the first event with ts >= t, searching from `lo`. Gallops first (1, 2,
 * 4... ahead) so that stepping one pixel column at a time costs O(log gap), not O(log events).
 */
export function evLowerBound(model: TraceModel, tr: Track, t: number, lo = 0): number {
  const ev = tr.ev.a;
  const ts = model.ts.a;
  const n = tr.ev.n;
  let hi = n;
  if (lo > 0) {
    let step = 1;
    while (lo + step < n && ts[ev[lo + step]] < t) step *= 2;
    hi = Math.min(n, lo + step + 1);
    lo = lo + (step >> 1);
  }
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (ts[ev[m]] < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** lowerBound over a sorted column from `lo`, galloping first (see evLowerBound). */
function gallop(a: ArrayLike<number>, t: number, lo: number, n: number): number {
  let step = 1;
  while (lo + step < n && a[lo + step] < t) step *= 2;
  return lowerBound(a, t, lo + (step >> 1), Math.min(n, lo + step + 1));
}

export class Renderer {
  private readonly batch = new RectBatch();
  readonly lod = new Lod();
  private lodNow: LodLevel | undefined;
  private lodPending = false;
  readonly significant = new SignificantIndex();
  constructor(private readonly canvas: HTMLCanvasElement, private readonly redraw: () => void) {}

  draw(d: DrawInput): void {
    const { g, w, h } = prepareCanvas(this.canvas);
    g.fillStyle = d.pal.bg;
    g.fillRect(0, 0, w, h);
    this.grid(g, d, w, h);
    const sig = this.significant.get(d.model);
    // zoomed out past one bucket per pixel: draw from the summaries
    // (built between frames: a frame that finds them missing draws from events and asks for them)
    this.lodNow = undefined;
    if (d.model.eventCount > 20000) {
      if (this.lod.isFor(d.model, d.hiddenKinds)) {
        this.lodNow = this.lod.levelFor(d.vp.nsPerPx);
      } else if (!this.lodPending) {
        this.lodPending = true;
        const { model, hiddenKinds } = d;
        setTimeout(() => {
          this.lodPending = false;
          this.lod.get(model, new Set(hiddenKinds), isTick);
          this.redraw();
        }, 0);
      }
    }
    for (const [k, r] of d.rows.entries()) {
      const y = r.y - d.scrollTop;
      if (y + r.h < 0 || y > h) continue;
      if (k % 2 === 1) {
        g.fillStyle = d.pal.rowAlt;
        g.fillRect(0, y, w, r.h);
      }
      g.save();
      g.beginPath();
      g.rect(0, y, w, r.h);
      g.clip();
      if (r.type === 'thread' && r.track) this.thread(g, d, r.track, y, r.h, w, sig[r.track.index]);
      else if (r.type === 'proc' && r.proc) this.procBar(g, d, r, y, w);
      else if (r.type === 'cpu' && r.track) this.cpu(g, d, r.track.cpuSeries, y, r.h, w, 1, d.pal.cpu);
      else if (r.type === 'csw' && r.track) this.switches(g, d, r.track.stateSeries, y, r.h, w);
      else if (r.type === 'csw' && r.proc) this.switches(g, d, r.proc.usage, y, r.h, w, true);
      else if (r.type === 'mem' && r.proc) this.memory(g, d, r, y, w);
      else if (r.type === 'cores') this.cores(g, d, y, r.h, w);
      g.restore();
    }
    this.flows(g, d, w, h);
    if (d.range) {
      const x0 = d.vp.x(d.range[0]);
      const x1 = d.vp.x(d.range[1]);
      g.fillStyle = d.pal.range;
      g.fillRect(x0, 0, Math.max(1, x1 - x0), h);
      g.strokeStyle = d.pal.focus;
      g.strokeRect(x0 + 0.5, 0.5, Math.max(1, x1 - x0) - 1, h - 1);
    }
  }

  private grid(g: CanvasRenderingContext2D, d: DrawInput, w: number, h: number): void {
    // vertical lines matching the axis ticks are drawn by the axis owner via `ticks`
    g.strokeStyle = d.pal.grid;
    g.lineWidth = 1;
    g.beginPath();
    for (const x of this.ticks) {
      g.moveTo(Math.round(x) + 0.5, 0);
      g.lineTo(Math.round(x) + 0.5, h);
    }
    g.stroke();
    void w;
  }
  ticks: number[] = [];

  private thread(g: CanvasRenderingContext2D, d: DrawInput, tr: Track, y: number, h: number, w: number, sig: Uint32Array): void {
    const { vp, model, pal } = d;
    const ts = model.ts.a;
    const kind = model.kind.a;
    // lifetime baseline
    if (tr.startTs <= tr.endTs) {
      const x0 = Math.max(0, vp.x(tr.startTs));
      const x1 = Math.min(w, vp.x(tr.endTs));
      if (x1 >= x0) {
        g.fillStyle = pal.grid;
        g.fillRect(x0, y + h - 3, Math.max(1, x1 - x0), 2);
      }
    }
    // CPU (faint area) and scheduling state strip
    if (tr.hasSched) {
      g.globalAlpha = 0.25;
      this.cpu(g, d, tr.cpuSeries, y + 5, h - 8, w, 1, pal.cpu, true);
      g.globalAlpha = 1;
      // node mode has no states: the strip stays empty rather than showing unrecorded ones
      if (!this.lodNow && tr.hasOsSched) this.states(g, d, tr.stateSeries, y, w);
    }
    const lod = this.lodNow;
    if (lod) {
      this.threadLod(g, d, lod, lod.tracks[tr.index], y, h, w);
    }
    // spans: waits and holds
    const n = lod ? 0 : tr.spanCount;
    if (n) {
      const se = tr.spanEnd.a, st = tr.spanType.a, sev = tr.spanEv.a;
      const npx = vp.nsPerPx;
      let k = tr.spanLowerBound(ts, vp.start - tr.maxSpan);
      // one batch per span kind, so interleaved waits and holds still merge into runs
      const spanBatch = [this.lodBatches[3], this.lodBatches[4], this.lodBatches[5]];
      for (const b of spanBatch) b.begin(g);
      while (k < n && ts[sev[k]] <= vp.end) {
        if (se[k] < vp.start || d.hiddenKinds.has(kind[sev[k]])) {
          k++;
          continue;
        }
        const s0 = ts[sev[k]];
        const x0 = vp.x(s0);
        const x1 = vp.x(se[k]);
        const type = st[k] as SpanType;
        const top = type === SpanType.LockHold ? y + 13 : y + 7;
        spanBatch[type].add(x0, top, Math.max(1, x1 - x0), 7, type === SpanType.LockHold ? pal.lockHold : type === SpanType.LockWait ? pal.lockWait : pal.atomicsWait);
        if (sev[k] === d.selected) {
          spanBatch[type].flush();
          g.strokeStyle = pal.focus;
          g.lineWidth = 2;
          g.strokeRect(x0 - 1, top - 1, Math.max(1, x1 - x0) + 2, 9);
        }
        // Skip the crowd of sub-pixel spans after a short one, landing on the last of them (a long
        // span among them, e.g. a wait that never ends, is then still drawn); a few are just visited.
        if (x1 - x0 < 1) {
          const nk = tr.spanLowerBound(ts, s0 + npx, k + 1);
          k = nk - k > 16 ? nk - 1 : k + 1;
        } else k++;
      }
      for (const b of spanBatch) b.flush();
    }
    // markers, one per pixel column
    const ne = tr.ev.n;
    if (lod && ne) this.significantMarks(g, d, tr, y, h, w, sig);
    else
    if (ne) {
      const ev = tr.ev.a;
      const npx = vp.nsPerPx;
      let k = evLowerBound(model, tr, vp.start - 4 * npx);
      const cy = y + h / 2;
      const [bSend, bRecv, bMark] = this.lodBatches;
      bSend.begin(g);
      bRecv.begin(g);
      bMark.begin(g);
      while (k < ne) {
        const i = ev[k];
        const t = ts[i];
        if (t > vp.end + 4 * npx) break;
        const kd = kind[i];
        if (!d.hiddenKinds.has(kd) && !isSpanKind(kd)) {
          const x = vp.x(t);
          if (kd === EventKind.MessageSend) bSend.add(x - 1, cy - 6, 2, 8, pal.send);
          else if (kd === EventKind.MessageReceive) bRecv.add(x - 1, cy - 2, 2, 8, pal.recv);
          else if (kd === EventKind.Mark) bMark.add(x - 0.5, cy - 4, 1.5, 8, pal.mark);
          else this.marker(g, pal, kd, x, cy, false, kd === EventKind.Crash && model.reports.has(i));
        }
        k = evLowerBound(model, tr, t + npx, k + 1);
      }
      bSend.flush();
      bRecv.flush();
      bMark.flush();
      for (const i of sig) {
        const t = ts[i];
        if (t < vp.start - 8 * npx || t > vp.end + 8 * npx || d.hiddenKinds.has(kind[i])) continue;
        this.marker(g, pal, kind[i], vp.x(t), cy, true, kind[i] === EventKind.Crash && model.reports.has(i));
      }
      if (d.matches.size && d.matches.size < 5000) {
        g.strokeStyle = pal.focus;
        g.lineWidth = 1;
        for (const i of d.matches) {
          if (model.track.a[i] !== tr.index) continue;
          const x = vp.x(ts[i]);
          if (x < -5 || x > w + 5) continue;
          g.strokeRect(x - 4.5, cy - 7.5, 9, 15);
        }
      }
      this.selectionRing(g, d, tr, cy);
    }
  }

  /** Ticks, bars and states from the bucket summaries: one pass over the pixel columns. */
  private threadLod(g: CanvasRenderingContext2D, d: DrawInput, lod: LodLevel, tl: TrackLod, y: number, h: number, w: number): void {
    const { vp, pal } = d;
    const cy = y + h / 2;
    const n = tl.marks.length;
    const stateColor = ['', '', pal.blocked, pal.runnable, pal.running];
    const [bState, bSend, bRecv, bWait, bLockWait, bHold] = this.lodBatches;
    for (const b of this.lodBatches) b.begin(g);
    const marks = tl.marks, spans = tl.spans, states = tl.states;
    let next = lod.bucket(vp.start);
    const bucketsPerPx = vp.nsPerPx / lod.width;
    let edge = (vp.start - lod.base) / lod.width + bucketsPerPx;
    for (let x = 0; x < w; x++, edge += bucketsPerPx) {
      const lo = Math.max(0, next);
      next = Math.floor(edge);
      if (next < 0) continue;
      if (lo >= n) break;
      const hi = Math.min(n, Math.max(lo + 1, next));
      let st = 0;
      let mk = 0;
      let sp = 0;
      for (let k = lo; k < hi; k++) {
        if (states[k] > st) st = states[k];
        mk |= marks[k];
        sp |= spans[k];
      }
      if (st) bState.add(x, y + 1, 1, 4, stateColor[st]);
      if (mk & MARK_SEND) bSend.add(x, cy - 6, 1, 8, pal.send);
      if (mk & MARK_RECV) bRecv.add(x, cy - 2, 1, 8, pal.recv);
      else if (mk & MARK_OTHER) bRecv.add(x, cy - 4, 1, 8, pal.mark);
      if (sp & 1) bWait.add(x, y + 7, 1, 7, pal.atomicsWait);
      if (sp & 2) bLockWait.add(x, y + 7, 1, 7, pal.lockWait);
      if (sp & 4) bHold.add(x, y + 13, 1, 7, pal.lockHold);
    }
    for (const b of this.lodBatches) b.flush();
  }
  private readonly lodBatches = [new RectBatch(), new RectBatch(), new RectBatch(), new RectBatch(), new RectBatch(), new RectBatch()];

  /** In LOD mode only the significant events are drawn one by one, plus the selection. */
  private significantMarks(g: CanvasRenderingContext2D, d: DrawInput, tr: Track, y: number, h: number, w: number, sig: Uint32Array): void {
    const { vp, model, pal } = d;
    const ts = model.ts.a, kind = model.kind.a;
    const cy = y + h / 2;
    for (const i of sig) {
      const t = ts[i];
      if (t < vp.start - 8 * vp.nsPerPx || t > vp.end + 8 * vp.nsPerPx || d.hiddenKinds.has(kind[i])) continue;
      this.marker(g, pal, kind[i], vp.x(t), cy, true, kind[i] === EventKind.Crash && model.reports.has(i));
    }
    this.selectionRing(g, d, tr, cy);
    void w;
  }

  /** The ring around the selected event, when it is on this track. */
  private selectionRing(g: CanvasRenderingContext2D, d: DrawInput, tr: Track, cy: number): void {
    const { vp, model, pal } = d;
    if (d.selected < 0 || model.track.a[d.selected] !== tr.index) return;
    g.strokeStyle = pal.focus;
    g.lineWidth = 2;
    g.beginPath();
    g.arc(vp.x(model.ts.a[d.selected]), cy, 7, 0, Math.PI * 2);
    g.stroke();
  }

  marker(g: CanvasRenderingContext2D, pal: Palette, kind: number, x: number, cy: number, big: boolean, report = false): void {
    if (report) {
      // another thread's crash, as its parent heard of it: a ring, the cross is where it was thrown
      g.strokeStyle = pal.crash;
      g.lineWidth = 1.5;
      g.beginPath();
      g.arc(x, cy, 4, 0, 2 * Math.PI);
      g.stroke();
      return;
    }
    switch (kind) {
      case EventKind.MessageSend:
        g.fillStyle = pal.send;
        g.fillRect(x - 1, cy - 6, 2, 8);
        return;
      case EventKind.MessageReceive:
        g.fillStyle = pal.recv;
        g.fillRect(x - 1, cy - 2, 2, 8);
        return;
      case EventKind.Crash:
      case EventKind.SpawnError:
      case EventKind.Deadlock: {
        g.strokeStyle = pal.crash;
        g.lineWidth = 2.5;
        g.beginPath();
        g.moveTo(x - 5, cy - 5);
        g.lineTo(x + 5, cy + 5);
        g.moveTo(x + 5, cy - 5);
        g.lineTo(x - 5, cy + 5);
        g.stroke();
        return;
      }
      case EventKind.SpawnCall:
      case EventKind.WorkerCreate:
        g.fillStyle = pal.spawn;
        g.beginPath();
        g.moveTo(x - 5, cy - 6);
        g.lineTo(x + 5, cy);
        g.lineTo(x - 5, cy + 6);
        g.fill();
        return;
      case EventKind.ProcessStart:
      case EventKind.ThreadStart:
      case EventKind.WorkerOnline:
      case EventKind.SpawnRunning:
        g.fillStyle = pal.spawn;
        g.beginPath();
        g.arc(x, cy, big ? 4 : 3, 0, Math.PI * 2);
        g.fill();
        return;
      case EventKind.ProcessExit:
      case EventKind.ThreadExit:
      case EventKind.WorkerExit:
      case EventKind.SpawnExit:
      case EventKind.WorkerTerminate:
        g.fillStyle = pal.exit;
        g.fillRect(x - 4, cy - 4, 8, 8);
        return;
      case EventKind.AtomicsNotify:
        g.fillStyle = pal.notify;
        g.beginPath();
        g.moveTo(x, cy - 5);
        g.lineTo(x + 4, cy);
        g.lineTo(x, cy + 5);
        g.lineTo(x - 4, cy);
        g.fill();
        return;
      default:
        g.fillStyle = pal.mark;
        g.fillRect(x - 0.5, cy - 4, 1.5, 8);
    }
  }

  private states(g: CanvasRenderingContext2D, d: DrawInput, s: Series, y: number, w: number): void {
    const n = s.n;
    if (!n) return;
    const ts = s.ts.a, st = s.state.a;
    const { vp, pal } = d;
    const npx = vp.nsPerPx;
    let k = Math.max(0, lowerBound(ts, vp.start, 0, n) - 1);
    this.batch.begin(g);
    while (k < n && ts[k] <= vp.end) {
      const state = st[k];
      // the state holds until the next sample; samples within the same pixel are skipped
      const next = gallop(ts, ts[k] + npx, k + 1, n);
      const tEnd = k + 1 < n ? ts[k + 1] : ts[k];
      const x0 = Math.max(0, vp.x(ts[k]));
      const x1 = Math.min(w, vp.x(Math.max(tEnd, ts[k] + npx)));
      const color = state === ThreadState.Running ? pal.running : state === ThreadState.Runnable ? pal.runnable : state === ThreadState.Uninterruptible ? pal.blocked : undefined;
      if (color && x1 > x0) this.batch.add(x0, y + 1, x1 - x0, 4, color);
      k = Math.max(k + 1, next - 1);
    }
    this.batch.flush();
  }

  /** CPU use as a filled area: per 2-px bucket, (CPU ns in bucket) / (bucket ns). */
  cpu(g: CanvasRenderingContext2D, d: DrawInput, s: Series, y: number, h: number, w: number, scale: number, color: string, bare = false): void {
    if (!s.n) return;
    const { vp } = d;
    const step = 2;
    const dt = vp.nsPerPx * step;
    g.fillStyle = color;
    g.beginPath();
    g.moveTo(0, y + h);
    let prev = s.runAt(vp.start);
    for (let x = 0; x <= w; x += step) {
      const cur = s.runAt(vp.t(x + step), s.hint);
      const frac = Math.max(0, Math.min(scale, (cur - prev) / dt)) / scale;
      g.lineTo(x, y + h - frac * (h - 2));
      g.lineTo(x + step, y + h - frac * (h - 2));
      prev = cur;
    }
    g.lineTo(w, y + h);
    g.closePath();
    g.fill();
    if (!bare) this.caption(g, d, '100%', y);
  }

  /**
   * Switch counts per 4-px bucket. `spread`: the counts are Node's per-process totals read every
   * ~100 ms (node mode), so each interval's switches are spread evenly over it rather than piled
   * into the bucket of the reading, which would show a rate ten times too high in one spike.
   */
  private switches(g: CanvasRenderingContext2D, d: DrawInput, s: Series, y: number, h: number, w: number, spread = false): void {
    const n = s.n;
    if (!n) return;
    const { vp, pal } = d;
    const step = 4;
    const ts = s.ts.a;
    const at = (t: number) => {
      const k = lowerBound(ts, t + 1, 0, n) - 1;
      if (k < 0) return [0, 0];
      if (!spread || k + 1 >= n || ts[k + 1] <= ts[k]) return [s.vol.a[k], s.inv.a[k]];
      const f = (t - ts[k]) / (ts[k + 1] - ts[k]);
      return [s.vol.a[k] + f * (s.vol.a[k + 1] - s.vol.a[k]), s.inv.a[k] + f * (s.inv.a[k + 1] - s.inv.a[k])];
    };
    const vals: number[] = [];
    let [pv, pi] = at(vp.start);
    let max = 1;
    for (let x = 0; x < w; x += step) {
      const [cv, ci] = at(vp.t(x + step));
      vals.push(cv - pv, ci - pi);
      max = Math.max(max, cv - pv + ci - pi);
      pv = cv;
      pi = ci;
    }
    for (let b = 0; b < vals.length / 2; b++) {
      const v = vals[2 * b], i = vals[2 * b + 1];
      if (!v && !i) continue;
      const hv = (v / max) * (h - 4), hi = (i / max) * (h - 4);
      g.fillStyle = pal.vol;
      g.fillRect(b * step, y + h - hv, step - 1, hv);
      g.fillStyle = pal.inv;
      g.fillRect(b * step, y + h - hv - hi, step - 1, hi);
    }
    this.caption(g, d, spread ? `max ${max < 10 ? max.toFixed(1) : max.toFixed(0)} per ${fmtShort(vp.nsPerPx * step)} (whole process, from Node every ~100 ms)` : `max ${max} per ${fmtShort(vp.nsPerPx * step)}`, y);
  }

  private memory(g: CanvasRenderingContext2D, d: DrawInput, r: Row, y: number, w: number): void {
    const p = r.proc!;
    const n = p.memTs.n;
    const ts = p.memTs.a;
    const { vp, pal } = d;
    const h = r.h;
    const max = p.peakRss || 1;
    for (const [col, color, fill] of [[p.memRss, pal.mem, true], [p.memHeap, pal.heap, false]] as const) {
      g.beginPath();
      let started = false;
      let k = Math.max(0, lowerBound(ts, vp.start, 0, n) - 1);
      for (let x = 0; x <= w; x += 2) {
        const t = vp.t(x);
        while (k + 1 < n && ts[k + 1] <= t) k++;
        if (ts[k] > t) continue;
        const yy = y + h - (col.a[k] / max) * (h - 3);
        if (!started) {
          g.moveTo(x, fill ? y + h : yy);
          if (fill) g.lineTo(x, yy);
          started = true;
        } else g.lineTo(x, yy);
        if (k === n - 1 && t > ts[k]) {
          if (fill) g.lineTo(x, y + h);
          break;
        }
      }
      if (fill) {
        g.fillStyle = color;
        g.globalAlpha = 0.5;
        g.fill();
        g.globalAlpha = 1;
      } else {
        g.strokeStyle = color;
        g.lineWidth = 1.5;
        g.stroke();
      }
    }
    this.caption(g, d, `peak RSS ${(max / 1024 / 1024).toFixed(0)} MiB`, y);
  }

  private cores(g: CanvasRenderingContext2D, d: DrawInput, y: number, h: number, w: number): void {
    const { vp, model, pal } = d;
    const step = 3;
    const dt = vp.nsPerPx * step;
    const buckets = new Float64Array(Math.ceil(w / step) + 1);
    for (const s of model.coreSeries()) {
      let prev = s.runAt(vp.start);
      for (let b = 0; b < buckets.length; b++) {
        const cur = s.runAt(vp.t((b + 1) * step), s.hint);
        buckets[b] += Math.max(0, (cur - prev) / dt);
        prev = cur;
      }
    }
    const cap = Math.max(d.cpus || 1, ...buckets);
    g.fillStyle = pal.cpu;
    g.beginPath();
    g.moveTo(0, y + h);
    for (let b = 0; b < buckets.length; b++) {
      const top = y + h - (buckets[b] / cap) * (h - 3);
      g.lineTo(b * step, top);
      g.lineTo((b + 1) * step, top);
    }
    g.lineTo(buckets.length * step, y + h);
    g.closePath();
    g.fill();
    this.caption(g, d, `${countOf(Math.round(cap), 'core')}${model.coresFromNode ? ' (process CPU from Node)' : ''}`, y);
  }

  private procBar(g: CanvasRenderingContext2D, d: DrawInput, r: Row, y: number, w: number): void {
    const p = r.proc!;
    if (p.startTs > p.endTs) return;
    const x0 = Math.max(0, d.vp.x(p.startTs));
    const x1 = Math.min(w, d.vp.x(p.endTs));
    if (x1 < x0) return;
    g.fillStyle = p.cause === 'uncaught' || p.cause === 'signal' || p.cause === 'rejection' ? d.pal.crash : d.pal.spawn;
    g.globalAlpha = 0.35;
    g.fillRect(x0, y + 6, Math.max(2, x1 - x0), r.h - 12);
    g.globalAlpha = 1;
  }

  private caption(g: CanvasRenderingContext2D, d: DrawInput, text: string, y: number): void {
    g.font = '10px sans-serif';
    g.fillStyle = d.pal.muted;
    g.fillText(text, 4, y + 10);
  }

  /** Arrows: for the selected event always; for everything in view once zoomed in enough to read them. */
  private flows(g: CanvasRenderingContext2D, d: DrawInput, w: number, h: number): void {
    const { model, vp, pal } = d;
    const nf = model.flowCount;
    if (!nf) return;
    const ts = model.ts.a, tk = model.track.a, kind = model.kind.a;
    const from = model.flowFrom.a, to = model.flowTo.a, type = model.flowType.a;
    const rowY = new Map<number, number>();
    for (const r of d.rows) if (r.type === 'thread' && r.track) rowY.set(r.track.index, r.y - d.scrollTop + r.h / 2);
    const draw = (k: number, strong: boolean) => {
      const a = from[k], b = to[k];
      if (d.hiddenKinds.has(kind[a]) || d.hiddenKinds.has(kind[b])) return;
      const ya = rowY.get(tk[a]), yb = rowY.get(tk[b]);
      if (ya === undefined || yb === undefined) return;
      const xa = vp.x(ts[a]), xb = vp.x(ts[b]);
      if ((xa < 0 && xb < 0) || (xa > w && xb > w) || (ya < 0 && yb < 0) || (ya > h && yb > h)) return;
      const t = type[k] as FlowType;
      g.strokeStyle = t === FlowType.Message ? pal.send : t === FlowType.Wake ? pal.notify : t === FlowType.Report ? pal.crash : pal.spawn;
      g.fillStyle = g.strokeStyle;
      g.lineWidth = strong ? 2 : 1;
      g.globalAlpha = strong ? 1 : 0.6;
      g.beginPath();
      g.moveTo(xa, ya);
      const mx = (xa + xb) / 2;
      g.bezierCurveTo(mx, ya, mx, yb, xb, yb);
      g.stroke();
      const ang = Math.atan2(yb - ya, Math.max(1, xb - mx));
      g.beginPath();
      g.moveTo(xb, yb);
      g.lineTo(xb - 7 * Math.cos(ang - 0.4), yb - 7 * Math.sin(ang - 0.4));
      g.lineTo(xb - 7 * Math.cos(ang + 0.4), yb - 7 * Math.sin(ang + 0.4));
      g.fill();
      g.globalAlpha = 1;
    };
    // Flows in view come from an index sorted by start time; past a budget only the selection's are drawn.
    // When even an even spread of flows would put several budgets' worth in view, skip the lookup
    // (and the index, which the first frame of a big trace then does not wait for).
    const budget = 600;
    const expected = (nf * vp.span) / Math.max(1, model.maxTs - model.minTs);
    if (expected <= budget * 4) {
      const fi = this.flowIndex.get(model);
      const visible: number[] = [];
      let k = fi.lowerBound(vp.start - fi.maxLen);
      for (; k < fi.order.length && fi.start(k) <= vp.end && visible.length <= budget; k++) {
        const f = fi.order[k];
        if (Math.max(ts[from[f]], ts[to[f]]) >= vp.start) visible.push(f);
      }
      if (visible.length <= budget) for (const f of visible) draw(f, false);
    }
    for (const f of d.selFlows) draw(f, true);
  }
  readonly flowIndex = new FlowIndex();
}

/** Drawn as a tick (not a span edge, not a significant shape). */
function isTick(kind: number): boolean {
  return !isSpanKind(kind) && !isSignificant(kind);
}

function isSpanKind(kind: number): boolean {
  return kind === EventKind.AtomicsWaitBegin || kind === EventKind.AtomicsWaitEnd || kind === EventKind.LockRequest || kind === EventKind.LockAcquired || kind === EventKind.LockReleased;
}

function fmtShort(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(0)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}
