// The traced program's terminal: a Pseudoterminal that shows its stdout/stderr and feeds typed input to
// its stdin with a small line discipline (echo, backspace, Enter sends the line, Ctrl+D ends input),
// because the program's stdio are pipes, not a tty. Ctrl+C or closing the terminal stops the program;
// the trace is kept either way.

import * as vscode from 'vscode';

export interface ProgramIo {
  stdin?: NodeJS.WritableStream;
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
}

export class ProgramTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private opened = false;
  private backlog: string[] = [];
  private line = '';
  private io?: ProgramIo;
  private finished = false;
  private closed = false;
  dimensions?: { columns: number; rows: number };

  constructor(private readonly onStop: () => void) {}

  open(dims: vscode.TerminalDimensions | undefined): void {
    this.opened = true;
    if (dims) this.dimensions = { columns: dims.columns, rows: dims.rows };
    for (const t of this.backlog.splice(0)) this.writeEmitter.fire(t);
  }

  setDimensions(dims: vscode.TerminalDimensions): void {
    this.dimensions = { columns: dims.columns, rows: dims.rows };
  }

  close(): void {
    this.closed = true;
    if (!this.finished) this.onStop();
  }

  attach(io: ProgramIo): void {
    this.io = io;
    const out = (d: Buffer | string) => this.write(String(d));
    io.stdout?.on('data', out);
    io.stderr?.on('data', out);
    // A program that exits without reading its input closes the pipe; that is not our error to show.
    (io.stdin as NodeJS.WritableStream & { on?: (e: string, f: () => void) => void })?.on?.('error', () => {});
  }

  /** Text for the user, with the newlines a terminal needs. */
  write(text: string): void {
    const t = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.writeEmitter.fire(t);
    else this.backlog.push(t);
  }

  handleInput(data: string): void {
    if (this.finished) {
      this.closeNow();
      return;
    }
    for (const ch of data) {
      if (ch === '\x03') {
        this.write('^C\n');
        this.onStop();
      } else if (ch === '\x04') {
        if (this.line) this.send(this.line);
        this.line = '';
        this.io?.stdin?.end();
      } else if (ch === '\r' || ch === '\n') {
        this.write('\n');
        this.send(this.line + '\n');
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line) {
          this.line = this.line.slice(0, -1);
          this.write('\b \b');
        }
      } else if (ch >= ' ' || ch === '\t') {
        this.line += ch;
        this.write(ch);
      }
    }
  }

  /** The program has ended: say how, and close on the next key press like a finished task. */
  finish(message: string): void {
    this.finished = true;
    this.write(`\n\x1b[2m${message}\x1b[0m\n\x1b[2mPress any key to close this terminal.\x1b[0m\n`);
  }

  private send(text: string): void {
    try {
      this.io?.stdin?.write(text);
    } catch {
      // the program has closed its input
    }
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEmitter.fire();
  }
}
