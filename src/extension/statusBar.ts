// The status-bar item while a program is traced: what runs, for how long, how many events so far;
// clicking it stops tracing.

import * as vscode from 'vscode';
import { countOf } from '../protocol/figures';

export class RecordingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('concurrencyTimeline.recording', vscode.StatusBarAlignment.Left, 100);
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = Date.now();

  constructor(
    private readonly label: string,
    private readonly events: () => number,
  ) {
    this.item.name = 'Concurrency Timeline: recording';
    this.item.command = 'concurrencyTimeline.stop';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.update();
    this.item.show();
    this.timer = setInterval(() => this.update(), 500);
  }

  /**
   * Stop was asked for: the program gets SIGINT, then SIGTERM and SIGKILL if it ignores them, which
   * takes seconds; meanwhile the item says so instead of counting on.
   */
  stopping(): void {
    if (this.stopAsked) return;
    this.stopAsked = true;
    this.item.text = `$(loading~spin) Stopping ${this.label}…`;
    this.item.tooltip = `Stopping ${this.label}: it was asked to end (SIGINT, then SIGTERM and SIGKILL if it does not). The trace is kept.`;
    this.item.command = undefined;
  }
  private stopAsked = false;

  private update(): void {
    if (this.stopAsked) return;
    const s = Math.floor((Date.now() - this.t0) / 1000);
    const elapsed = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    const n = this.events();
    this.item.text = `$(record) Tracing ${elapsed} · ${countOf(n, 'event')}`;
    this.item.tooltip = `Recording ${this.label} for ${elapsed}: ${n} events so far. Click to stop tracing (the trace is kept).`;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}
