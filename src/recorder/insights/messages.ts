// Message cost: per channel and per call site, how many sends, how many bytes were copied versus
// transferred versus shared, and how long from send to receipt. A send and its receipt share a
// channel and a sequence number (the agent pairs them by per-channel FIFO order), so latency needs no
// clock other than the shared CLOCK_MONOTONIC.
import { CHANNEL_NAMES, EventKind, type TraceEvent } from '../../protocol/events';
import type { ChannelKindName, ChannelMessages, LargeCopy, MessageFigures, MessageInsights, SiteMessages } from '../../protocol/insights';
import type { TraceModel } from './model';
import { evidence, ms, num, siteJson, siteKey, spread, str } from './stats';

/** A copy this large costs more than a transfer; below it the clone is cheap enough not to matter. */
export const LARGE_COPY_BYTES = 64 * 1024;
const MAX_LARGE_COPIES = 20;
const MAX_SITES = 50;
const MAX_CHANNELS = 50;

/**
 * Bytes a send copied. The agent's `bytes` is the size of the whole message with SharedArrayBuffers
 * left out (they are shared) but transferred buffers counted (its size walk does not look at the
 * transfer list), so the transferred bytes come off here: they move, they are not copied. `bytes`:
 * the message's size, on the send in format 1 and on its (first) receipt since format 2.
 */
export function copiedBytes(send: TraceEvent, bytes = num(send.fields.bytes)): number {
  return Math.max(0, bytes - num(send.fields.transferredBytes));
}

function channelKindName(v: unknown): ChannelKindName {
  return CHANNEL_NAMES[num(v)] ?? 'worker';
}

function advice(kind: ChannelKindName): string {
  if (kind === 'process') {
    return 'IPC copies every byte through a pipe as JSON; move this data to a worker thread and transfer the ArrayBuffer (postMessage(msg, [buf])) or share a SharedArrayBuffer, or pass a file path instead';
  }
  return 'transfer the underlying ArrayBuffer instead of copying it (postMessage(msg, [buf.buffer])), or keep the data in a SharedArrayBuffer that both sides read';
}

class Acc {
  count = 0;
  received = 0;
  copiedBytes = 0;
  transferredBytes = 0;
  sharedBytes = 0;
  latencies: number[] = [];
  first: TraceEvent | undefined;
  slowest: { e: TraceEvent; latency: number } | undefined;
  channelKind: ChannelKindName = 'worker';
  addSend(e: TraceEvent): void {
    this.count++;
    this.addSize(e, num(e.fields.bytes), num(e.fields.sharedBytes));
    this.transferredBytes += num(e.fields.transferredBytes);
    if (!this.first) {
      this.first = e;
      this.channelKind = channelKindName(e.fields.channelKind);
    }
  }
  /** A message's size: with its send (format 1), or when its first receipt comes (format 2: 0 on the send). */
  addSize(send: TraceEvent, bytes: number, sharedBytes: number): void {
    this.copiedBytes += copiedBytes(send, bytes);
    this.sharedBytes += sharedBytes;
  }
  addLatency(send: TraceEvent, latencyMs: number): void {
    this.received++;
    this.latencies.push(latencyMs);
    if (!this.slowest || latencyMs > this.slowest.latency) this.slowest = { e: send, latency: latencyMs };
  }
  figures(): MessageFigures {
    return { count: this.count, received: this.received, copiedBytes: this.copiedBytes, transferredBytes: this.transferredBytes, sharedBytes: this.sharedBytes, latency: spread(this.latencies) };
  }
}

export function messageInsights(model: TraceModel): MessageInsights {
  const totals = new Acc();
  const byChannel = new Map<string, Acc>();
  const bySite = new Map<string, Acc>();
  const sends = new Map<string, TraceEvent>();
  const latencyOfSend = new Map<TraceEvent, number>();
  /** sizes of sends that carry none (format 2), from their first receipt */
  const sizeOfSend = new Map<TraceEvent, number>();
  const get = (m: Map<string, Acc>, k: string): Acc => {
    let a = m.get(k);
    if (!a) m.set(k, (a = new Acc()));
    return a;
  };
  for (const e of model.events) {
    if (e.kind === EventKind.MessageSend) {
      const ck = num(e.fields.channelKind) + '\u0000' + (str(e.fields.channel) ?? '');
      sends.set(ck + '\u0000' + num(e.fields.seq), e);
      totals.addSend(e);
      get(byChannel, ck).addSend(e);
      get(bySite, num(e.fields.channelKind) + '\u0000' + siteKey(siteJson(e.fields.site))).addSend(e);
    } else if (e.kind === EventKind.MessageReceive) {
      const ck = num(e.fields.channelKind) + '\u0000' + (str(e.fields.channel) ?? '');
      const send = sends.get(ck + '\u0000' + num(e.fields.seq));
      if (!send) continue; // the send was not recorded (e.g. before the agent loaded)
      const latency = ms(Math.max(0, e.ts - send.ts));
      const channel = get(byChannel, ck);
      const site = get(bySite, num(send.fields.channelKind) + '\u0000' + siteKey(siteJson(send.fields.site)));
      if (!latencyOfSend.has(send)) {
        latencyOfSend.set(send, latency);
        if (!num(send.fields.bytes) && num(e.fields.bytes)) {
          const bytes = num(e.fields.bytes);
          const shared = num(e.fields.sharedBytes);
          sizeOfSend.set(send, bytes);
          for (const a of [totals, channel, site]) a.addSize(send, bytes, shared);
        }
      }
      totals.addLatency(send, latency);
      channel.addLatency(send, latency);
      site.addLatency(send, latency);
    }
  }

  const weight = (a: MessageFigures) => a.copiedBytes + a.transferredBytes + a.sharedBytes;
  const channels: ChannelMessages[] = [...byChannel.values()]
    .map((a) => ({ channel: str(a.first!.fields.channel) ?? '', channelKind: a.channelKind, ...a.figures(), evidence: evidence(a.first!) }))
    .sort((x, y) => weight(y) - weight(x) || y.count - x.count)
    .slice(0, MAX_CHANNELS);
  const sites: SiteMessages[] = [...bySite.values()]
    .map((a) => ({ site: siteJson(a.first!.fields.site), channelKind: a.channelKind, ...a.figures(), evidence: evidence(a.slowest?.e ?? a.first!) }))
    .sort((x, y) => weight(y) - weight(x) || y.count - x.count)
    .slice(0, MAX_SITES);

  const large: LargeCopy[] = [];
  for (const e of model.events) {
    if (e.kind !== EventKind.MessageSend) continue;
    const copied = copiedBytes(e, sizeOfSend.get(e));
    if (copied < LARGE_COPY_BYTES) continue;
    const kind = channelKindName(e.fields.channelKind);
    large.push({ channel: str(e.fields.channel) ?? '', channelKind: kind, copiedBytes: copied, latencyMs: latencyOfSend.get(e) ?? null, advice: advice(kind), evidence: evidence(e) });
  }
  large.sort((x, y) => y.copiedBytes - x.copiedBytes || x.evidence.ts - y.evidence.ts);
  return { totals: totals.figures(), channels, sites, largeCopyBytes: LARGE_COPY_BYTES, largeCopies: large.slice(0, MAX_LARGE_COPIES), largeCopyCount: large.length };
}
