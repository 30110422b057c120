// Editor hints: the insights of the most recently loaded trace as CodeLenses on the source lines that
// caused them ("created 2 workers · 12 ms", "waited 2.1 s on lock"); clicking one reveals its event on
// that trace's timeline. Sites are placed as click-to-source resolves them (source maps included), and
// concurrencyTimeline.showEditorHints turns them off.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Evidence, EditorHint } from '../protocol/insights';
import type { TimelineView } from './timelineView';
import { log } from './log';

export const REVEAL_COMMAND = 'concurrencyTimeline.revealEvent';

interface PlacedHint {
  hint: EditorHint;
  path: string;
  /** 1-based, where the line is now in the open document (follows edits) */
  line: number;
  /** 1-based, where the line is in the file on disk (what an unsaved document goes back to) */
  savedLine: number;
}

/** Each open timeline's hints, in the order their traces loaded: the newest is shown. */
const byView = new Map<TimelineView, PlacedHint[]>();
const changed = new vscode.EventEmitter<void>();
/** views whose timeline closed (their hints may still be resolving then) */
const closed = new WeakSet<TimelineView>();

function newest(): [TimelineView, PlacedHint[]] | undefined {
  let last: [TimelineView, PlacedHint[]] | undefined;
  for (const e of byView) last = e;
  return last;
}

function enabled(): boolean {
  return vscode.workspace.getConfiguration('concurrencyTimeline').get<boolean>('showEditorHints', true);
}

/** Replaces the hints with this view's trace's (the newest trace wins). */
export async function setHints(view: TimelineView, hints: readonly EditorHint[], cwd?: string): Promise<void> {
  const { resolveSite } = await import('./sourceLocation');
  const out: PlacedHint[] = [];
  for (const hint of hints) {
    const r = await resolveSite(hint.site, cwd);
    if (r.kind === 'file') out.push({ hint, path: r.path, line: r.line, savedLine: r.line });
  }
  if (closed.has(view)) return;
  byView.delete(view);
  byView.set(view, out);
  changed.fire();
}

/** The view's timeline closed: its hints could no longer reveal anything; an older open trace's come back. */
export function dropHints(view: TimelineView): void {
  closed.add(view);
  if (!byView.delete(view)) return;
  changed.fire();
}

export const hintLensProvider: vscode.CodeLensProvider = {
  onDidChangeCodeLenses: changed.event,
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!enabled() || doc.uri.scheme !== 'file') return [];
    const p = doc.uri.fsPath;
    return (newest()?.[1] ?? [])
      .filter((h) => h.path === p && h.line >= 1 && h.line <= doc.lineCount)
      .map((h) => new vscode.CodeLens(new vscode.Range(h.line - 1, 0, h.line - 1, 0), { title: h.hint.text, tooltip: 'Show this event on the timeline', command: REVEAL_COMMAND, arguments: [h.hint.evidence] }));
  },
};

/** The setting changed: lenses appear or go without a reload. */
export function onSettingsChanged(e: vscode.ConfigurationChangeEvent): void {
  if (e.affectsConfiguration('concurrencyTimeline.showEditorHints')) changed.fire();
}

/** 0-based line `l` after one edit (its range is in the text before it). */
export function lineAfterEdit(l: number, change: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }): number {
  const { start, end } = change.range;
  const added = change.text.split('\n').length - 1;
  if (start.line > l) return l;
  if (end.line < l) return l + added - (end.line - start.line);
  // the edit touches the hint's line: text typed inside it leaves it where it is; lines put in
  // before its start push it down; an edit from above that ends inside it leaves its rest after the edit
  if (start.line === l) return start.character === 0 && end.line === l ? l + added : l;
  if (end.line === l) return start.line + added;
  return -1; // the line was replaced with the text around it: where it went is not known
}

async function sameAsFile(doc: vscode.TextDocument): Promise<boolean> {
  const text = doc.getText();
  try {
    return (await fs.promises.readFile(doc.uri.fsPath, 'utf8')).replace(/^\uFEFF/, '') === text && doc.getText() === text;
  } catch {
    return false;
  }
}

/**
 * Hints follow their lines while a document is edited (as the editor's own decorations do), and go
 * back to the file's lines when its edits are reverted or discarded (closed without saving). A line
 * replaced as a whole has no hint until the text is the file's again.
 */
export function hintDocumentListeners(): vscode.Disposable[] {
  // every open trace's, not only the shown ones: an older trace's come back when the newer one closes
  const hintsOf = (doc: vscode.TextDocument) => [...byView.values()].flat().filter((h) => doc.uri.scheme === 'file' && h.path === doc.uri.fsPath);
  return [
    vscode.workspace.onDidChangeTextDocument((e) => {
      const hs = hintsOf(e.document);
      if (!hs.length || !e.contentChanges.length) return;
      // each change's range is in the text before all of them: apply them from the bottom of the text up
      // (undo arrives as edits too; isDirty is not up to date yet on a clean document's first edit)
      const changes = [...e.contentChanges].sort((a, b) => b.range.start.compareTo(a.range.start));
      for (const h of hs) h.line = h.line < 1 ? h.line : changes.reduce((l, c) => lineAfterEdit(l, c), h.line - 1) + 1;
      changed.fire();
      // a line lost in an edit (File: Revert replaces the whole text) is found again once the text is the file's
      const lost = hs.filter((h) => h.line < 1);
      if (lost.length) void sameAsFile(e.document).then((same) => {
        if (!same) return;
        for (const h of lost) h.line = h.savedLine;
        changed.fire();
      });
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      for (const h of hintsOf(doc)) if (h.line >= 1) h.savedLine = h.line;
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      const hs = hintsOf(doc);
      for (const h of hs) h.line = h.savedLine; // closed without saving: the file is what it was
      if (hs.length) changed.fire();
    }),
  ];
}

/** A hint was clicked: show its timeline and select the event there. True once the timeline selected it. */
export async function revealEvent(ev: Evidence | undefined): Promise<boolean> {
  if (!ev || typeof ev.pid !== 'number' || typeof ev.threadId !== 'number' || typeof ev.ts !== 'number') return false;
  const owner = newest()?.[0];
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
