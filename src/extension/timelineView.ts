// One timeline on screen, whether a live recording's panel or a saved trace's custom editor: keeps the
// trace bytes, (re)loads the webview each time it says 'ready' (it is rebuilt when hidden and shown,
// and restores its own view state), forwards live appends in batches, and handles 'openSource'.
import { concatBytes } from '../protocol/wire';

import * as vscode from 'vscode';
import type { Insights } from '../protocol/insights';
import type { HostToView, ViewToHost } from '../protocol/messages';
import { dropHints, setHints } from './hints';
import { log } from './log';
import { openSource } from './openSource';
import { timelineHtml, webviewOptions } from './webviewHtml';

const APPEND_BATCH_MS = 100;

export interface TimelineSource {
  name: string;
  tracePath?: string;
  /** the recorded program's cwd, for relative call sites; may be found lazily */
  cwd?: () => string | undefined | Promise<string | undefined>;
}

export class TimelineView implements vscode.Disposable {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** bytes received since the webview was last sent anything */
  private pending: Uint8Array[] = [];
  private live: boolean;
  private ready = false;
  private loadDeferred = false;
  private errorMessage?: string;
  private flushTimer?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly readyWaiters: (() => void)[] = [];
  /** the last source editor opened from this timeline (tests and the UI both read the active editor) */
  lastOpened?: { file: string; line: number };
  /** the event the webview last said it selected */
  lastSelection?: { pid: number; threadId: number; ts: number; kind: number };
  private insights?: Promise<Insights | undefined>;
  private readonly selectionWaiters: ((s: NonNullable<TimelineView['lastSelection']>) => void)[] = [];
  private disposed = false;
  /** Date.now() of the last reloadIfStuck() reload */
  private reloadedAt = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    readonly source: TimelineSource,
    opts: { live: boolean; bytes?: Uint8Array },
  ) {
    this.live = opts.live;
    if (opts.bytes) this.push(opts.bytes);
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = timelineHtml(panel.webview, extensionUri, source.name);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: ViewToHost) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is destroyed; it says 'ready' again when shown and gets the whole trace.
        if (!panel.visible) this.ready = this.loadDeferred = false;
        else if (!this.ready) setTimeout(() => this.reloadIfStuck('2 s after it was shown'), 2000);
        if (panel.active) activeView = this;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    views.add(this);
    activeView = this;
  }

  get tracePath(): string | undefined {
    return this.source.tracePath;
  }

  get isLive(): boolean {
    return this.live;
  }

  get error(): string | undefined {
    return this.errorMessage;
  }

  get byteLength(): number {
    return this.size;
  }

  /** Resolves once the webview has loaded the trace (for callers that need the view up). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  append(bytes: Uint8Array): void {
    this.push(bytes);
    if (this.loadDeferred) {
      this.loadDeferred = false;
      this.sendLoad();
    } else if (this.ready && !this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), APPEND_BATCH_MS);
  }

  end(): void {
    this.live = false;
    if (this.loadDeferred) {
      this.loadDeferred = false;
      this.sendLoad(); // sends 'ended' too
      return;
    }
    this.flush();
    if (this.ready) this.post({ type: 'ended' });
    if (!this.errorMessage) this.sendInsights();
  }

  showError(message: string): void {
    this.errorMessage = message;
    if (this.ready) this.post({ type: 'error', message });
  }

  reveal(m: Extract<HostToView, { type: 'reveal' }>): void {
    if (this.ready) this.post(m);
  }

  /**
   * A visible panel whose webview has not said 'ready' gets its content again. Seen in VS Code 1.100
   * (web): a panel hidden and shown again is sometimes visible and active, yet its webview never
   * posts 'ready' (about one run in three of the extension tests); new content nearly always does.
   * Not twice within 2 s: a reload needs that long to say 'ready', and two reload triggers (the
   * panel shown, a reveal) firing half a second apart left a view that never did.
   */
  private reloadIfStuck(when: string): void {
    if (this.disposed || this.ready || !this.panel.visible) return;
    if (Date.now() - this.reloadedAt < 2000) return;
    this.reloadedAt = Date.now();
    log(`timeline ${this.source.name}: visible but not ready ${when}; reloading its content`);
    this.panel.webview.html = timelineHtml(this.panel.webview, this.extensionUri, this.source.name);
  }

  /**
   * Brings the panel forward, selects the event, and resolves true once the webview has selected it.
   * A view still without 'ready' 2 s after the reveal is reloaded once; then it gets the rest of the
   * time: in VS Code web a window's webviews sometimes take many seconds to come up (18 s seen in the
   * extension tests), and reloading again would start each one over.
   */
  async revealAndWait(m: Extract<HostToView, { type: 'reveal' }>, timeoutMs = 20_000): Promise<boolean> {
    if (this.disposed) return false;
    // beside the editor the hint was clicked in, rather than on top of it
    const editor = vscode.window.activeTextEditor?.viewColumn;
    this.panel.reveal(editor !== undefined && editor === this.panel.viewColumn ? vscode.ViewColumn.Beside : this.panel.viewColumn, false);
    const deadline = Date.now() + timeoutMs;
    const wait = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, ms)));
    const ready = () => this.whenReady().then(() => true);
    if ((await Promise.race([ready(), wait(Math.min(2000, timeoutMs / 4))])) === false) {
      this.reloadIfStuck('after reveal');
      if ((await Promise.race([ready(), wait(deadline - Date.now())])) === false) return false;
    }
    const selected = new Promise<boolean>((resolve) => this.selectionWaiters.push((s) => resolve(s.pid === m.pid && s.threadId === m.threadId)));
    this.post(m);
    return Promise.race([selected, wait(deadline - Date.now())]);
  }

  /** The complete trace's insights: sent to the webview and placed as editor hints. Once per view. */
  private sendInsights(): void {
    this.insights ??= this.computeInsights();
    void this.insights.then((insights) => {
      if (insights && this.ready && !this.disposed) this.post({ type: 'insights', insights });
    });
  }

  private async computeInsights(): Promise<Insights | undefined> {
    try {
      const recorder = await import('../recorder');
      const { editorHints } = await import('../recorder/insights');
      const trace = recorder.decodeTrace(this.all(), this.source.name);
      const insights = recorder.computeInsights(trace.events, trace.meta);
      if (!this.disposed) await setHints(this, editorHints(insights), (await this.source.cwd?.()) ?? trace.meta.cwd);
      return insights;
    } catch (e) {
      log(`insights of ${this.source.name} not computed: ${(e as Error).message}`);
      return undefined;
    }
  }

  private push(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    // A plain Uint8Array that owns its whole buffer: Node Buffers (pooled, offset views) and other views
    // reach the webview empty through postMessage's serializer.
    if (bytes.constructor !== Uint8Array || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = new Uint8Array(bytes);
    this.chunks.push(bytes);
    this.pending.push(bytes);
    this.size += bytes.byteLength;
  }

  private all(): Uint8Array {
    if (this.chunks.length !== 1) this.chunks = [concat(this.chunks)];
    return this.chunks[0] ?? new Uint8Array(0);
  }

  private sendLoad(): void {
    this.pending = [];
    this.post({ type: 'load', name: this.source.name, bytes: this.all(), live: this.live, hasSource: true, restore: this.source.tracePath });
    if (!this.live) {
      this.post({ type: 'ended' });
      this.sendInsights();
    }
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.ready || this.pending.length === 0) return;
    const bytes = concat(this.pending);
    this.pending = [];
    this.post({ type: 'append', bytes });
  }

  private onMessage(m: ViewToHost): void {
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        if (this.errorMessage) this.post({ type: 'error', message: this.errorMessage });
        // A live view that has no bytes yet is loaded with the first ones (a trace never starts empty).
        else if (this.live && this.size === 0) this.loadDeferred = true;
        else this.sendLoad();
        for (const w of this.readyWaiters.splice(0)) w();
        break;
      }
      case 'openSource':
        void this.openSource(m.file, m.line, m.column);
        break;
      case 'log':
        log(`timeline ${m.level}: ${m.message}`);
        break;
      case 'selection': {
        const sel = { pid: m.pid, threadId: m.threadId, ts: m.ts, kind: m.kind };
        this.lastSelection = sel;
        for (const w of this.selectionWaiters.splice(0)) w(sel);
        break;
      }
    }
  }

  private async openSource(file: string, line: number, column: number): Promise<void> {
    const cwd = await this.source.cwd?.();
    const editor = await openSource({ file, line, column }, this.panel.viewColumn, cwd);
    if (editor) this.lastOpened = { file: editor.document.uri.fsPath, line: editor.selection.active.line + 1 };
  }

  private post(m: HostToView): void {
    void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    this.disposed = true;
    dropHints(this);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    views.delete(this);
    if (activeView === this) activeView = [...views].pop();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

const concat = concatBytes;

const views = new Set<TimelineView>();
let activeView: TimelineView | undefined;

/** The timeline the user looked at last (for Export and Summary). */
export function currentView(): TimelineView | undefined {
  return activeView;
}

export function allViews(): TimelineView[] {
  return [...views];
}
