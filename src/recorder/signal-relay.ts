// Passes the signals `ctrace record` gets (SIGINT, SIGTERM, SIGHUP) on to the program, once. A signal
// sent to the whole process group (systemd stopping a service, a process manager, `kill -- -PGID`)
// reaches the program as well as ctrace; forwarding it too would make it two, which a program may read
// as "force quit". The agent leaves a marker in the session folder for each of these signals the
// program listens for (protocol/session.ts), before its listeners run; a marker that appears around
// the time ctrace got the same signal, and that no signal of ctrace's own explains, means the program
// got it itself. A program without a listener dies of the first one, and ctrace's forward finds it gone.

import fs from 'node:fs';
import path from 'node:path';

/** how long the program has to show it got the signal itself (its event loop must turn) */
export const GROUP_SIGNAL_WINDOW_MS = 200;
/** a marker this much older than ctrace's own receipt is another signal's (the program's own process.kill) */
const RECENT_MS = 100;
/** a signal ctrace sent that no marker answered within this time met no listener */
const SENT_EXPIRES_MS = 2000;
/** SIGINTs ctrace had to forward itself: the first as SIGINT, then SIGTERM, then SIGKILL */
const ESCALATION: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];

const MARKER = /^(\d+)\.(SIG[A-Z]+)-(\d+)\.sig$/;

interface Marker {
  name: string;
  n: number;
  mtimeMs: number;
}

export interface RelayTarget {
  /** the session folder the agents write their markers into */
  dir: string;
  /** the program's pid (the launched process, or the Node a wrapper launched), undefined before it runs */
  programPid(): number | undefined;
  /** sends a signal to the launched process */
  kill(signal: NodeJS.Signals): void;
  /** the launched process has exited */
  ended(): boolean;
}

export class SignalRelay {
  private readonly consumed = new Set<string>();
  /** signals ctrace sent, with the highest marker number of that signal at the time: the marker a send causes comes after */
  private sent: { signal: string; at: number; after: number }[] = [];
  private forwardedInts = 0;

  constructor(private readonly target: RelayTarget) {}

  /** ctrace sends `signal` itself (a forward, stop()): the marker it causes is not a group signal's */
  sending(signal: NodeJS.Signals): void {
    const markers = this.markers(signal);
    this.sent.push({ signal, at: Date.now(), after: markers.length ? markers[markers.length - 1].n : 0 });
  }

  /** ctrace got `received`: passed on unless the program got it too, within GROUP_SIGNAL_WINDOW_MS. */
  relay(received: NodeJS.Signals): void {
    const at = Date.now();
    const check = () => {
      if (this.target.ended() || this.tookMarker(received, at)) return;
      if (Date.now() < at + GROUP_SIGNAL_WINDOW_MS) {
        setTimeout(check, 10).unref();
        return;
      }
      const send = received === 'SIGINT' ? ESCALATION[Math.min(this.forwardedInts++, ESCALATION.length - 1)] : received;
      this.sending(send);
      this.target.kill(send);
    };
    check();
  }

  /** Whether a marker of `signal` shows the program got the one ctrace got at `at`; it is then used up. */
  private tookMarker(signal: string, at: number): boolean {
    const markers = this.markers(signal);
    const now = Date.now();
    // first the markers ctrace's own signals caused, each the first numbered after its send (by
    // number, not time: a file's mtime comes from a coarser clock than Date.now())
    this.sent = this.sent.filter((s) => {
      if (s.signal !== signal) return true;
      const m = markers.find((x) => !this.consumed.has(x.name) && x.n > s.after);
      if (m === undefined) return now - s.at < SENT_EXPIRES_MS;
      this.consumed.add(m.name);
      return false;
    });
    const m = markers.find((x) => !this.consumed.has(x.name) && x.mtimeMs >= at - RECENT_MS);
    if (m === undefined) return false;
    this.consumed.add(m.name);
    return true;
  }

  /** The program's markers of `signal`, in the order it got them. */
  private markers(signal: string): Marker[] {
    const pid = this.target.programPid();
    if (pid === undefined) return [];
    let names: string[];
    try {
      names = fs.readdirSync(this.target.dir);
    } catch {
      return [];
    }
    const out: Marker[] = [];
    for (const name of names) {
      const m = MARKER.exec(name);
      if (!m || Number(m[1]) !== pid || m[2] !== signal) continue;
      try {
        out.push({ name, n: Number(m[3]), mtimeMs: fs.statSync(path.join(this.target.dir, name)).mtimeMs });
      } catch {
        // removed meanwhile (the recording ends)
      }
    }
    return out.sort((a, b) => a.n - b.n);
  }
}
