// Message sends and receipts on every channel Node offers, paired by channel string + sequence
// number. MessagePort delivery is FIFO, so the n-th send on a channel pairs with the n-th receipt at
// the other end and nothing is added to the payload (notes/node-runtime.md §5). An envelope
// {[K]: tag, v: value, ...} is used only where the ends cannot be matched otherwise:
//   - a message whose transfer list moves a traced MessagePort (the port's identity and counters
//     travel with it, so its next messages pair up in the new thread),
//   - BroadcastChannel (one sender, many receivers that cannot know which sender it was).
// The receiving agent always unwraps, so the program receives what it would untraced.
// Channel strings are unique across a trace: w:<pid>:<workerThreadId>:down|up, ipc:<childPid>:down|up,
// p:<pid>:<threadId>:<n>:a|b, b:<pid>:<threadId>:<n>. Node's internal IPC messages (cmd NODE_*,
// which include cluster's) never reach 'message' and are skipped on send.
//
// Wrapping MessagePort.prototype.postMessage for every port breaks Node's own worker control port,
// so the wrapper only acts on ports that carry our INFO (parentPort, a Worker's public port, through
// which Node's Worker.postMessage sends, MessageChannel ports, ports that arrived with an identity).

import wt = require('node:worker_threads');
import { types } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { EventKind, ChannelKind } from '../../protocol/events';
import { STRIDE } from '../stage';
import type { ThreadStream } from '../stream';
import { siteOnly } from '../callsite';
import { SizeEstimator, transferredBytes } from '../size';
import { nowNs } from '../clock';
import { apply, construct, likeOriginal, ownData, uncurry } from '../pristine';

export const INFO = Symbol('ctrace.channel');
const K = '\u0000ctrace';
const PORT_MOVE = 1;
const BROADCAST = 2;
/**
 * A channel captures the call site of its first 8 sends and then of a send at most every 50 ms; the
 * others carry its last captured site. A capture costs ~3-9 µs, and the hot send path must stay free
 * of it: by count (every 256th send) a busy channel captured hundreds of times a second and made the
 * capture path hot enough for V8 to optimise in every thread; by time, a channel that sends less
 * than 20 times a second has every send's own site.
 */
const SITE_NS = 50e6;
/**
 * An IPC send is written out at once (flushIfOlder: up to IPC_EARLY times in a row less than this
 * after the last write): the other end may answer with a SIGKILL (the crash example's parent kills
 * the child on its 'ready'), which would take a record still waiting for the 50 ms flush with it. At
 * most (IPC_EARLY + 1) x 1000 writes a second, each far cheaper than the IPC send (a JSON encoding
 * and a pipe write); worker messages need none of this (a terminated worker's records are saved
 * from its tail).
 */
const IPC_FLUSH_NS = 1e6;
const IPC_EARLY = 4;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const weakGet = uncurry(WeakMap.prototype.get) as <V>(map: WeakMap<object, V>, key: object) => V | undefined;
const weakSet = uncurry(WeakMap.prototype.set) as <V>(map: WeakMap<object, V>, key: object, value: V) => void;

/** One end of a channel in this thread. Counters are per direction. */
export interface Chan {
  kind: number;
  sendCh: string | undefined;
  sendSeq: number;
  recvCh: string | undefined;
  recvSeq: number;
  sends: number;
  /** when this channel last captured its call site (SITE_NS) */
  siteTs: number;
  /** string-table ids in this thread's stream (0 = not interned yet): saves a Map lookup per event */
  sendId: number;
  recvId: number;
  siteId: number;
  /** the innermost send on this channel still inside Node's send: its stage count (0 = none) and time */
  open: number;
  openTs: number;
}

interface ChanState {
  kind: number;
  sendCh?: string;
  sendSeq: number;
  recvCh?: string;
  recvSeq: number;
}

type Traced = { [INFO]?: Chan };
type Envelope = { [K]: number; v: unknown; t?: Traced[]; s?: ChanState[]; c?: string; q?: number };

const defineProperty = Object.defineProperty;
/**
 * Gives a port (or a process, a child) its channel: a non-enumerable property, so console.log, a
 * spread or Object.assign of the program's port shows and copies nothing of ours. Never throws (a
 * frozen object stays untraced).
 */
export function mark(target: object, info: Chan): void {
  try {
    defineProperty(target, INFO, { value: info, writable: true, configurable: true, enumerable: false });
  } catch {
    // not extensible
  }
}

export function chan(kind: number, sendCh: string | undefined, recvCh: string | undefined, sendSeq = 0, recvSeq = 0): Chan {
  return { kind, sendCh, sendSeq, recvCh, recvSeq, sends: 0, siteTs: 0, sendId: 0, recvId: 0, siteId: 0, open: 0, openTs: 0 };
}

function isEnvelope(v: unknown): v is Envelope {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)[K] !== undefined;
}

/** Node's own IPC messages are plain objects; `cmd` is read as data, so a program's getter runs only when Node reads it. */
function isInternalIpc(m: unknown): boolean {
  if (m === null || typeof m !== 'object' || types.isProxy(m)) return false;
  const cmd = ownData(m, 'cmd');
  return typeof cmd === 'string' && cmd.length > 5 && cmd.startsWith('NODE_');
}

export class MessageHooks {
  private readonly size = new SizeEstimator();
  private ports = 0;
  private broadcasts = 0;

  constructor(private readonly ctx: ThreadStream) {}

  // ---------------------------------------------------------------- recording
  // The general paths: send() and receive() stage raw numbers (stage.ts). The two hottest paths,
  // a plain send on a port and a delivery, stage their records themselves (tracedPost() and the
  // delivery wrapper in install()) and come here only for what is rare.

  /** The time of a send, read by its wrapper before it calls Node's send. */
  now(): number {
    return nowNs();
  }

  /**
   * Records a send at `ts`, before Node's send (a worker terminated the moment its message arrives
   * must not lose the record), and leaves it open in the stage until the caller's closeSend(): user
   * code that Node runs inside the send (a getter the clone reads) may send again on the channel
   * (adopt()). Returns the stage count that takeBack() needs, 0 if nothing was recorded. The size is
   * not taken here: the receiver sizes the message it got (walking the user's value here would run
   * its getters again). A channel captures its call site on its first sends and then every SITE_NS.
   */
  send(info: Chan, transfer: unknown, wrapper: Function, ts: number): number {
    const ctx = this.ctx;
    if (ctx.busy) return 0;
    try {
      const n = info.sends++;
      if (n < 8 || ts - info.siteTs >= SITE_NS) {
        info.siteTs = ts;
        const site = siteOnly(wrapper);
        info.siteId = site === undefined ? 0 : ctx.intern(site);
      }
      if (info.sendId === 0 && info.sendCh !== undefined) info.sendId = ctx.intern(info.sendCh);
      const seq = info.open === 0 ? ++info.sendSeq : this.adopt(info);
      const S = ctx.stage.slots;
      const f = ctx.stageRecord(EventKind.MessageSend, ts);
      S[f] = info.kind;
      S[f + 1] = info.sendId;
      S[f + 2] = seq;
      S[f + 3] = transfer === undefined ? 0 : transferredBytes(transfer);
      S[f + 4] = info.siteId;
      // the send this one is made inside, on the same channel (adopt() follows the chain)
      S[f + 5] = info.open;
      S[f + 6] = info.openTs;
      ctx.staged(true);
      return ctx.stage.n;
    } catch {
      return 0; // never throw into the program
    }
  }

  /**
   * A send made while sends on the same channel are inside Node's send (user code the clone ran, a
   * getter, sending again): Node delivers it before them, so it takes the sequence number of the
   * innermost and each of them moves up one; FIFO pairing then matches every receipt with its own
   * send. If one of them has already left the stage (its batch was encoded), nothing is moved and
   * the send counts as the channel's next (its pairing crosses with the open send's).
   */
  private adopt(info: Chan): number {
    const open = this.openSends(info);
    if (open === undefined) return ++info.sendSeq;
    const S = this.ctx.stage.slots;
    const seq = S[open[0] + 4];
    for (const q of open) S[q + 4]++;
    info.sendSeq++;
    return seq;
  }

  /**
   * The slots of the channel's open sends, innermost first, followed through the chain send()
   * writes; undefined if one of them has left the stage (its batch was encoded). Rare paths only.
   */
  private openSends(info: Chan): number[] | undefined {
    const st = this.ctx.stage;
    const S = st.slots;
    const open: number[] = [];
    for (let k = info.open, t = info.openTs; k !== 0; ) {
      const q = (k - 1) * STRIDE;
      if (k > st.n || S[q] !== EventKind.MessageSend || S[q + 1] !== t || S[q + 3] !== info.sendId) return undefined;
      open.push(q);
      k = S[q + 7];
      t = S[q + 8];
    }
    return open;
  }

  /** Node's send returned: the record send() left open may be encoded with its batch. */
  closeSend(staged: number): void {
    if (staged === 0) return;
    try {
      this.ctx.afterStaged();
    } catch {
      // never throw into the program
    }
  }

  /**
   * Node's send threw (DataCloneError, a closed channel): it delivered nothing, and a recorded send
   * would pair every later receipt on the channel with the wrong send. Takes the record out of the
   * stage and moves the open sends around it back down (adopt() moved them up), when those are all
   * the channel's sends after it. Otherwise (its batch or one of theirs was encoded meanwhile, a
   * broadcast sent inside a refused broadcast) it stays: one pair crossing beats two sends with one
   * number. Called after the wrapper has restored the channel's open send.
   */
  takeBack(info: Chan, staged: number, ts: number): void {
    try {
      const st = this.ctx.stage;
      const S = st.slots;
      const p = (staged - 1) * STRIDE;
      if (staged < 1 || staged > st.n || S[p] !== EventKind.MessageSend || S[p + 1] !== ts || S[p + 3] !== info.sendId) return;
      const seq = S[p + 4];
      const above = this.openSends(info)?.filter((q) => S[q + 4] > seq);
      if (above === undefined || seq + above.length !== info.sendSeq) return;
      for (const q of above) S[q + 4]--;
      // the records after it were made inside its send, and are closed
      S.copyWithin(p, p + STRIDE, st.n * STRIDE);
      st.published[0] = --st.n;
      info.sendSeq--;
    } catch {
      // never throw into the program
    }
  }

  /**
   * A receipt, with the size of what arrived (`bytes`, `shared`: sizeOf()). The received value is
   * the clone Node made (or parsed JSON on IPC): reading it runs no user code.
   */
  receive(kind: number, channel: string | undefined, seq: number, bytes: number, shared: number, channelId = 0): void {
    const ctx = this.ctx;
    if (ctx.busy) return;
    try {
      const ts = nowNs();
      const id = channelId !== 0 ? channelId : channel === undefined ? 0 : ctx.intern(channel);
      const S = ctx.stage.slots;
      const f = ctx.stageRecord(EventKind.MessageReceive, ts);
      S[f] = kind;
      S[f + 1] = id;
      S[f + 2] = seq;
      S[f + 3] = bytes;
      S[f + 4] = shared;
      ctx.staged();
    } catch {
      // never throw into the program
    }
  }

  /** The size of a received value; the SharedArrayBuffer bytes in it are then in `size.shared`. */
  sizeOf(v: unknown): number {
    try {
      return this.size.estimate(v);
    } catch {
      this.size.shared = 0;
      return 0;
    }
  }

  /** Receipt on a traced end: unwraps a port-move envelope, records, returns what the user gets. */
  private received(port: Traced, value: unknown): unknown {
    if (isEnvelope(value)) value = this.unwrap(value);
    const info = port[INFO];
    if (info !== undefined && info.recvCh !== undefined) {
      const seq = ++info.recvSeq;
      if (!this.ctx.busy) {
        if (info.recvId === 0) info.recvId = this.ctx.intern(info.recvCh);
        const bytes = this.sizeOf(value);
        this.receive(info.kind, info.recvCh, seq, bytes, this.size.shared, info.recvId);
      }
    }
    return value;
  }

  unwrap(e: Envelope): unknown {
    try {
      if (e[K] === PORT_MOVE && Array.isArray(e.t) && Array.isArray(e.s)) {
        for (let k = 0; k < e.t.length; k++) {
          const s = e.s[k];
          const p = e.t[k];
          if (p && s) mark(p, chan(s.kind, s.sendCh, s.recvCh, s.sendSeq, s.recvSeq));
        }
      } else if (e[K] === BROADCAST && !this.ctx.busy) {
        const bytes = this.sizeOf(e.v);
        this.receive(ChannelKind.Broadcast, e.c, e.q ?? 0, bytes, this.size.shared);
      }
    } catch {
      // never throw into the program
    }
    return e.v;
  }

  /** The value to post: the user's, or a port-move envelope when traced ports are transferred. */
  outgoing(value: unknown, transfer: unknown): unknown {
    if (transfer === null || typeof transfer !== 'object' || types.isProxy(transfer)) return value;
    // the options form's list read as data: a getter there is Node's to run, once
    const list = Array.isArray(transfer) ? transfer : ownData(transfer, 'transfer');
    if (!Array.isArray(list) || list.length === 0) return value;
    let t: Traced[] | undefined;
    let s: ChanState[] | undefined;
    for (const x of list) {
      const info = x !== null && typeof x === 'object' && !types.isProxy(x) ? (x as Traced)[INFO] : undefined;
      if (info === undefined) continue;
      (t ??= []).push(x as Traced);
      (s ??= []).push({ kind: info.kind, sendCh: info.sendCh, sendSeq: info.sendSeq, recvCh: info.recvCh, recvSeq: info.recvSeq });
    }
    if (t === undefined) return value;
    const env: Envelope = { [K]: PORT_MOVE, v: value, t, s };
    return env;
  }

  /**
   * The postMessage of traced ports (a Worker's sends come here too, through its public port), around
   * Node's `orig`. The common send (no transfer list, a channel past its first sends whose site was
   * captured less than SITE_NS ago, no other send on it open) is recorded here written out, as send()
   * and closeSend() do.
   * V8 optimises every hot function on its own in each thread and again inlined into its caller, so
   * one function instead of several saves each thread most of that compilation (docs/capture.md).
   * Everything else goes through post(), the general path.
   */
  tracedPost(orig: Function): Function {
    const self = this;
    const ctx = this.ctx;
    const callOrig = uncurry(orig);
    // a method, as Node's is: `new port.postMessage()` is not a constructor call
    const postMessage = {
      postMessage(this: Traced, value: unknown, transfer?: unknown) {
        // called on no port at all (a detached method): Node throws its own TypeError
        const info = this != null ? this[INFO] : undefined;
        const n = arguments.length;
        if (info === undefined || info.sendCh === undefined || n === 0 || n > 2) {
          // Node's own ports, or a call Node must judge itself (no argument: it throws). Same argument
          // count as the caller's.
          return n === 1 ? callOrig(this, value) : n === 2 ? callOrig(this, value, transfer) : apply(orig, this, arguments);
        }
        const st = ctx.stage;
        const k = info.sends;
        const ts = nowNs();
        // a channel's first 64 sends take the general path (only the first 8 capture their sites):
        // the path must run after V8 has begun collecting this wrapper's type feedback, or V8
        // optimises the wrapper with it unseen (Node 20: after 30-100 sends) and deoptimises it when
        // the first site refresh comes, 50 ms later (k < 16 was still too few in a ping-pong)
        if (transfer !== undefined || k < 64 || ts - info.siteTs >= SITE_NS || info.open !== 0 || ctx.busy || st.n >= st.cap) return self.post(this, orig, info, value, transfer, n, postMessage);
        info.sends = k + 1;
        const S = st.slots;
        const p = st.n * STRIDE;
        S[p] = EventKind.MessageSend;
        S[p + 1] = ts;
        S[p + 2] = info.kind;
        S[p + 3] = info.sendId;
        S[p + 4] = ++info.sendSeq;
        S[p + 5] = 0;
        S[p + 6] = info.siteId;
        S[p + 7] = 0;
        S[p + 8] = 0;
        const staged = ++st.n;
        st.published[0] = staged;
        info.open = staged;
        info.openTs = ts;
        ctx.sending++;
        let r;
        let sent = false;
        try {
          r = n === 1 ? callOrig(this, value) : callOrig(this, value, transfer);
          sent = true;
        } finally {
          // Node refused the message (it threw): take the record back. In `finally`, not a catch that
          // rethrows, so the error leaves from where Node threw it (an uncaught error's header shows
          // that place: a rethrow here made it a line of the agent)
          ctx.sending--;
          info.open = 0;
          if (!sent) self.takeBack(info, staged, ts);
        }
        try {
          ctx.afterStaged(); // after every record: see the delivery wrapper
        } catch {
          // never throw into the program
        }
        return r;
      },
    }.postMessage;
    return likeOriginal(postMessage, orig);
  }

  /** tracedPost()'s general path: a transfer list, a site to capture, a send inside a send, a full stage. */
  private post(target: Traced, orig: Function, info: Chan, value: unknown, transfer: unknown, n: number, wrapper: Function): unknown {
    return this.sendThrough(info, transfer, wrapper, orig, target, n === 1 ? [value] : [this.outgoing(value, transfer), transfer]);
  }

  /**
   * A send through Node's `orig`, recorded (send()) and open on its channel while Node runs it, so a
   * send made inside it takes its place (adopt()); taken back if Node throws.
   */
  private sendThrough(info: Chan, transfer: unknown, wrapper: Function, orig: Function, target: unknown, args: ArrayLike<unknown>): unknown {
    const ts = nowNs();
    const staged = this.send(info, transfer, wrapper, ts);
    const open = info.open;
    const openTs = info.openTs;
    if (staged !== 0) {
      info.open = staged;
      info.openTs = ts;
    }
    const ctx = this.ctx;
    ctx.sending++;
    let r;
    let sent = false;
    try {
      r = apply(orig, target, args);
      sent = true;
    } finally {
      // refused: taken back (in `finally`, as in tracedPost(), so the error keeps Node's throw site)
      ctx.sending--;
      info.open = open;
      info.openTs = openTs;
      if (!sent) this.takeBack(info, staged, ts);
    }
    this.closeSend(staged);
    return r;
  }

  // ---------------------------------------------------------------- installation
  install(): void {
    const self = this;
    const ctx = this.ctx;
    const size = this.size;
    const pid = process.pid;
    const tag = `${pid}:${ctx.threadId}`;
    const MP = wt.MessagePort.prototype as unknown as Record<string | symbol, Function> & Traced;

    // sends on traced ports (parentPort, a Worker's public port, MessageChannel ports, ports that moved here)
    MP.postMessage = this.tracedPost(MP.postMessage);

    // every MessagePort delivery (a Worker's public port, parentPort, BroadcastChannel's handle, ...)
    const kHD = Symbol.for('nodejs.internal.kHybridDispatch');
    const origHD = MP[kHD];
    if (typeof origHD === 'function') {
      const callHD = uncurry(origHD);
      // stages the receipt itself, as tracedPost() does a send; received() is the general path
      MP[kHD] = function (this: Traced, value: unknown, type: string, ev: unknown) {
        if (type === 'message') {
          // a port-move envelope, or a BroadcastChannel's (its handle is an untraced port)
          if (isEnvelope(value)) value = self.unwrap(value);
          const info = this[INFO];
          if (info !== undefined && info.recvCh !== undefined) {
            try {
              const st = ctx.stage;
              if (info.recvId === 0 || ctx.busy || st.n >= st.cap) self.received(this, value);
              else {
                const ts = nowNs();
                const seq = ++info.recvSeq;
                const bytes = self.sizeOf(value);
                const S = st.slots;
                const p = st.n * STRIDE;
                S[p] = EventKind.MessageReceive;
                S[p + 1] = ts;
                S[p + 2] = info.kind;
                S[p + 3] = info.recvId;
                S[p + 4] = seq;
                S[p + 5] = bytes;
                S[p + 6] = size.shared;
                const n = ++st.n;
                st.published[0] = n;
                // after every record (V8 inlines it): behind a test of its own here, the call went
                // unseen until the stage first filled on this path, which in a thread whose sends
                // and receipts alternate can be long after V8 optimised the wrapper, and then cost a
                // deopt and a second compilation of it
                ctx.afterStaged();
              }
            } catch {
              // never throw into the program
            }
          }
        }
        return callHD(this, value, type, ev);
      };
    }

    const origRecv = wt.receiveMessageOnPort;
    const receiveMessageOnPort = function receiveMessageOnPort(this: unknown, port: wt.MessagePort | BroadcastChannel) {
      const r = apply(origRecv, this, arguments) as { message: unknown } | undefined;
      if (r === undefined || port === null || typeof port !== 'object') return r;
      const p = port as unknown as Traced;
      if (p[INFO] === undefined && !isEnvelope(r.message)) return r;
      const v = self.received(p, r.message);
      return v === r.message ? r : { message: v };
    };
    (wt as { receiveMessageOnPort: unknown }).receiveMessageOnPort = likeOriginal(receiveMessageOnPort, origRecv);

    // MessageChannel: both ports get an identity at creation. A function rather than a subclass:
    // called without `new`, Node's own error is thrown (a class throws V8's, with another message)
    const OrigMC = wt.MessageChannel;
    function MessageChannel(this: unknown): object {
      if (new.target === undefined) return apply(OrigMC, this, arguments) as object;
      const mc = construct(OrigMC, [], new.target) as InstanceType<typeof OrigMC>;
      try {
        const ch = `p:${tag}:${++self.ports}`;
        mark(mc.port1, chan(ChannelKind.Port, ch + ':a', ch + ':b'));
        mark(mc.port2, chan(ChannelKind.Port, ch + ':b', ch + ':a'));
      } catch {
        // never throw into the program
      }
      return mc;
    }
    // instances get Node's own prototype, as untraced; its constructor is the global's value again
    MessageChannel.prototype = OrigMC.prototype;
    Object.defineProperty(OrigMC.prototype, 'constructor', { value: MessageChannel });
    (wt as { MessageChannel: unknown }).MessageChannel = MessageChannel;
    replaceGlobal('MessageChannel', OrigMC, MessageChannel);

    // BroadcastChannel: envelope carrying the sender's channel and sequence
    const BC = wt.BroadcastChannel.prototype as unknown as { postMessage: Function } & Traced;
    const origBcPost = BC.postMessage;
    // a channel's identity is kept beside it, not on it: a sealed or frozen channel still posts
    const broadcastChans = new WeakMap<object, Chan>();
    const bcPost = {
      postMessage(this: unknown, value: unknown) {
        // no argument, or not a channel at all: Node's own error, thrown by Node
        if (arguments.length < 1 || ctx.busy || this === null || typeof this !== 'object') return apply(origBcPost, this, arguments);
        let info = weakGet(broadcastChans, this);
        if (info === undefined) weakSet(broadcastChans, this, (info = chan(ChannelKind.Broadcast, `b:${tag}:${++self.broadcasts}`, undefined)));
        const ts = self.now();
        const staged = self.send(info, undefined, bcPost, ts);
        const env: Envelope = { [K]: BROADCAST, v: value, c: info.sendCh, q: info.sendSeq };
        let r;
        let sent = false;
        ctx.sending++;
        try {
          r = apply(origBcPost, this, [env]);
          sent = true;
        } finally {
          ctx.sending--;
          if (!sent) self.takeBack(info, staged, ts);
        }
        self.closeSend(staged);
        return r;
      },
    }.postMessage;
    BC.postMessage = likeOriginal(bcPost, origBcPost);

    // worker side of the Worker <-> parentPort channel
    if (!wt.isMainThread && wt.parentPort) {
      mark(wt.parentPort, chan(ChannelKind.Worker, `w:${tag}:up`, `w:${tag}:down`));
    }

    // IPC in a child: process.send / process 'message'
    if (typeof process.send === 'function') this.wrapIpcSend(process as unknown as { send: Function } & Traced, `ipc:${pid}:up`, `ipc:${pid}:down`);

  }

  /**
   * The parent's end of a new Worker, its public port: Worker.postMessage sends through it (Node's
   * own method calls the port's postMessage, which tracedPost() wraps), and it receives what the
   * worker sends up.
   */
  onWorker(worker: object, workerThreadId: number): void {
    const pid = process.pid;
    const sym = Object.getOwnPropertySymbols(worker).find((s) => s.description === 'kPublicPort');
    const port = sym ? (worker as Record<symbol, Traced>)[sym] : undefined;
    if (port) mark(port, chan(ChannelKind.Worker, `w:${pid}:${workerThreadId}:down`, `w:${pid}:${workerThreadId}:up`));
  }

  /** A child with an IPC channel (parent side). */
  onChild(child: ChildProcess): void {
    this.wrapIpcSend(child as unknown as { send: Function } & Traced, `ipc:${child.pid}:down`, `ipc:${child.pid}:up`);
  }

  /** An IPC message as the receiver got it (parsed JSON or deserialized). */
  onIpcMessage(target: object, msg: unknown): void {
    const info = (target as Traced)[INFO];
    if (info !== undefined && info.recvCh !== undefined && !this.ctx.busy) this.receive(ChannelKind.Process, info.recvCh, ++info.recvSeq, this.sizeOf(msg), 0);
  }

  private wrapIpcSend(target: { send: Function } & Traced, sendCh: string, recvCh: string): void {
    const info = chan(ChannelKind.Process, sendCh, recvCh);
    mark(target, info);
    const self = this;
    const orig = target.send;
    // the send's record goes to disk before the message leaves, once Node has serialized it (so a
    // value it refuses is still taken back): written after, the receiver, woken by the message, often
    // ran first on a busy machine and SIGKILLed the sender before its write (the crash example)
    const beforeWrite = wrapChannelWrites(target, () => self.ctx.flushIfOlder(IPC_FLUSH_NS, IPC_EARLY, true));
    const send = function send(this: unknown, message: unknown) {
      if (isInternalIpc(message)) return apply(orig, this, arguments);
      const r = self.sendThrough(info, undefined, send, orig, this, arguments);
      if (!beforeWrite) self.ctx.flushIfOlder(IPC_FLUSH_NS, IPC_EARLY);
      return r;
    };
    target.send = likeOriginal(send, orig);
  }
}

/**
 * Runs `before` ahead of each write of an IPC channel (Node writes a serialized message with
 * `writeUtf8String` on the channel's pipe handle, or `writeBuffer` for advanced serialization): own
 * properties on this one handle, which only Node's own IPC code calls. The handle is not
 * `target.channel` (a Control object since Node 14) but the property Node keys with its
 * `kChannelHandle` symbol (Node 20, 22, 24). False when there is no handle to wrap.
 */
function wrapChannelWrites(target: object, before: () => void): boolean {
  try {
    // indexed: Array.prototype.find could be the program's by the time a child is spawned
    const symbols = getOwnPropertySymbols(target);
    let channel: unknown;
    for (let k = 0; k < symbols.length; k++) if (symbols[k].description === 'kChannelHandle') channel = (target as Record<symbol, unknown>)[symbols[k]];
    if (channel === null || typeof channel !== 'object') return false;
    let wrapped = false;
    const names = ['writeUtf8String', 'writeBuffer'];
    for (let k = 0; k < names.length; k++) {
      const name = names[k];
      const write = (channel as Record<string, unknown>)[name];
      if (typeof write !== 'function') continue;
      Object.defineProperty(channel, name, {
        configurable: true,
        writable: true,
        value: function (this: unknown) {
          before();
          return apply(write, this, arguments);
        },
      });
      wrapped = true;
    }
    return wrapped;
  } catch {
    return false;
  }
}

function replaceGlobal(name: string, orig: unknown, replacement: unknown): void {
  try {
    const g = globalThis as Record<string, unknown>;
    const d = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!d) return;
    if ('value' in d) {
      if (d.value === orig) Object.defineProperty(globalThis, name, { ...d, value: replacement });
    } else if (d.get && d.get.call(globalThis) === orig) {
      Object.defineProperty(globalThis, name, { configurable: d.configurable, enumerable: d.enumerable, writable: true, value: replacement });
    }
    void g;
  } catch {
    // leave the global alone
  }
}

/**
 * A thread the agent does not trace (the ESM loader-hooks thread of module.register) can still get
 * messages from traced threads: a port moved to it, a BroadcastChannel it listens on. Those may come
 * in the agent's envelope, which is taken off here, so the program there gets its own values.
 */
export function installUnwrapOnly(): void {
  try {
    const MP = wt.MessagePort.prototype as unknown as Record<symbol, Function>;
    const kHD = Symbol.for('nodejs.internal.kHybridDispatch');
    const origHD = MP[kHD];
    if (typeof origHD === 'function') {
      const callHD = uncurry(origHD);
      MP[kHD] = function (this: unknown, value: unknown, type: string, ev: unknown) {
        return callHD(this, type === 'message' && isEnvelope(value) ? value.v : value, type, ev);
      };
    }
    const origRecv = wt.receiveMessageOnPort;
    const receiveMessageOnPort = function receiveMessageOnPort(this: unknown) {
      const r = apply(origRecv, this, arguments) as { message: unknown } | undefined;
      return r !== undefined && isEnvelope(r.message) ? { message: r.message.v } : r;
    };
    (wt as { receiveMessageOnPort: unknown }).receiveMessageOnPort = likeOriginal(receiveMessageOnPort, origRecv);
  } catch {
    // leave the thread as it is
  }
}
