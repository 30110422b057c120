// The `emit` the agent puts on process, Worker.prototype and ChildProcess.prototype passes each event
// on to the emit they inherit, looked up at each call: a program (an APM tool) that patches
// EventEmitter.prototype.emit later must still see their events. A patch that took the agent's emit
// for "the original" (the same function, untraced) calls back into it for the same event; that call
// goes to the emit found at load, once, instead of round again.

import { apply } from './pristine';

export class EmitChain {
  private self: unknown;
  private event: unknown;

  /** `atLoad`: the emit the wrapper passed on to when the agent loaded */
  constructor(readonly atLoad: Function) {}

  /** The wrapper was called back for the event it is passing on: hand it to `atLoad` instead. */
  reentered(self: unknown, event: unknown): boolean {
    return this.self === self && this.event === event;
  }

  /** Passes an event on to `next` (the emit inherited now). */
  passOn(next: Function, self: unknown, event: unknown, args: IArguments): boolean {
    const s = this.self;
    const e = this.event;
    this.self = self;
    this.event = event;
    try {
      return apply(next, self, args) as boolean;
    } finally {
      this.self = s;
      this.event = e;
    }
  }
}
