// Editor hints: the insights of the most recently loaded trace as CodeLenses on the source lines that
// caused them ("created 2 workers · 12 ms", "waited 2.1 s on lock"); clicking one reveals its event on
// that trace's timeline. Sites are placed as click-to-source resolves them (source maps included), and
// concurrencyTimeline.showEditorHints turns them off.

import * as vscode from 'vscode';
import type { Evidence, EditorHint } from '../protocol/insights';
import type { TimelineView } from './timelineView';
import { log } from './log';

export const REVEAL_COMMAND = 'concurrencyTimeline.revealEvent';

interface PlacedHint {
  hint: EditorHint;
  path: string;
  line: number;
}

let placed: PlacedHint[] = [];
let owner: TimelineView | undefined;
const changed = new vscode.EventEmitter<void>();

function enabled(): boolean {
  return vscode.workspace.getConfiguration('concurrencyTimeline').get<boolean>('showEditorHints', true);
}

/** Replaces the hints with this view's trace's (the newest trace wins). */
export async function setHints(view: TimelineView, hints: readonly EditorHint[], cwd?: string): Promise<void> {
  const { resolveSite } = await import('./sourceLocation');
  const out: PlacedHint[] = [];
  for (const hint of hints) {
    const r = await resolveSite(hint.site, cwd);
    if (r.kind === 'file') out.push({ hint, path: r.path, line: r.line });
  }
  placed = out;
  owner = view;
  changed.fire();
}

/** The view's timeline closed: its hints could no longer reveal anything. */
export function dropHints(view: TimelineView): void {
  if (owner !== view) return;
  placed = [];
  owner = undefined;
  changed.fire();
}

export const hintLensProvider: vscode.CodeLensProvider = {
  onDidChangeCodeLenses: changed.event,
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!enabled() || doc.uri.scheme !== 'file') return [];
    const p = doc.uri.fsPath;
    return placed
      .filter((h) => h.path === p)
      .map((h) => {
        const line = Math.min(h.line - 1, Math.max(0, doc.lineCount - 1));
        return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title: h.hint.text, tooltip: 'Show this event on the timeline', command: REVEAL_COMMAND, arguments: [h.hint.evidence] });
      });
  },
};

/** The setting changed: lenses appear or go without a reload. */
export function onSettingsChanged(e: vscode.ConfigurationChangeEvent): void {
  if (e.affectsConfiguration('concurrencyTimeline.showEditorHints')) changed.fire();
}

/** A hint was clicked: show its timeline and select the event there. True once the timeline selected it. */
export async function revealEvent(ev: Evidence | undefined): Promise<boolean> {
  if (!ev || typeof ev.pid !== 'number' || typeof ev.threadId !== 'number' || typeof ev.ts !== 'number') return false;
  if (!owner) {
    void vscode.window.showInformationMessage('The timeline of this trace is closed. Open the trace again to see the event.');
    return false;
  }
  const m = { type: 'reveal', pid: ev.pid, threadId: ev.threadId, ts: ev.ts, kind: ev.kind } as const;
  if (await owner.revealAndWait(m)) return true;
  // VS Code web now and then leaves a revealed timeline hidden or without 'ready' (seen in the
  // extension tests); revealing it once more, as a second click would, brings it up
  log(`the timeline did not show the event; revealing it again`);
  return owner.revealAndWait(m);
}
