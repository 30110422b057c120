// Chunks a thread could not write for want of a file descriptor (EMFILE, ENFILE: a program at its
// limit of open files, mostly for a moment), kept in order until a flush gets one
// (ThreadStream.write()). While any are held, a marker in the session folder says so (markHeld): a
// thread that ends holding them (a signal, a crash) is then reported as losing records, not silently
// short.

import { writeFully } from './pristine';
import { markHeld, unmarkHeld } from './lost';

/** What a thread holds at most: ~0.4 s of a thread sending messages flat out, seconds for most. */
export const HELD_MAX = 8 * 1024 * 1024;

export class HeldChunks {
  private chunks: Uint8Array[] = [];
  /** bytes held */
  bytes = 0;
  private marker: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly pid: number,
    private readonly threadId: number,
  ) {}

  get empty(): boolean {
    return this.chunks.length === 0;
  }

  /**
   * Keeps a copy of `bytes` (a reused buffer's view) after those held; `e` is why it cannot be
   * written (its code names the marker). False, keeping nothing, if that would pass HELD_MAX.
   */
  hold(bytes: Uint8Array, e: unknown): boolean {
    if (this.bytes + bytes.length > HELD_MAX) return false;
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    this.chunks.push(copy);
    this.bytes += bytes.length;
    if (this.chunks.length === 1) this.marker = markHeld(this.dir, this.pid, this.threadId, e);
    return true;
  }

  /** Writes every held chunk to `fd`, in order, then lets go of them; throws the write's error. */
  writeTo(fd: number): void {
    const chunks = this.chunks;
    for (let k = 0; k < chunks.length; k++) writeFully(fd, chunks[k]);
    this.release();
  }

  /** Lets go of the chunks (written, or counted lost) and of the marker. */
  release(): void {
    this.chunks = [];
    this.bytes = 0;
    if (this.marker !== undefined) unmarkHeld(this.marker);
    this.marker = undefined;
  }
}
