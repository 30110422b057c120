// Click to source: opens the file of an event's call site at its line and column in the editor group
// beside the timeline, highlights the line, and says why when there is nothing to open (Node
// internals, a file that has gone). Source maps are followed by sourceLocation.ts.

import * as vscode from 'vscode';
import { log } from './log';
import { resolveSite, type RecordedSite } from './sourceLocation';

const highlight = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
  overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
  overviewRulerLane: vscode.OverviewRulerLane.Full,
});
let highlighted: vscode.TextEditor | undefined;
let clearTimer: NodeJS.Timeout | undefined;

/** The editor group for source: any other group that is showing, else a new one beside the timeline. */
function groupBeside(timelineColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  const other = vscode.window.tabGroups.all.find((g) => g.viewColumn !== timelineColumn);
  return other?.viewColumn ?? vscode.ViewColumn.Beside;
}

export async function openSource(site: RecordedSite, timelineColumn: vscode.ViewColumn | undefined, cwd?: string): Promise<vscode.TextEditor | undefined> {
  const r = await resolveSite(site, cwd);
  if (r.kind === 'internal') {
    vscode.window.showInformationMessage(r.message);
    return undefined;
  }
  if (r.kind === 'missing') {
    vscode.window.showWarningMessage(r.message);
    return undefined;
  }
  if (r.mappedFrom) log(`source map: ${r.mappedFrom.file}:${r.mappedFrom.line}:${r.mappedFrom.column} -> ${r.path}:${r.line}:${r.column}`);
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(r.path));
    const line = Math.min(r.line - 1, Math.max(0, doc.lineCount - 1));
    const column = Math.min(r.column - 1, doc.lineAt(line).text.length);
    const pos = new vscode.Position(line, column);
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: groupBeside(timelineColumn),
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
      preview: true,
    });
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    if (highlighted && highlighted !== editor) highlighted.setDecorations(highlight, []);
    editor.setDecorations(highlight, [new vscode.Range(line, 0, line, 0)]);
    highlighted = editor;
    if (clearTimer) clearTimeout(clearTimer);
    clearTimer = setTimeout(() => editor.setDecorations(highlight, []), 4000);
    return editor;
  } catch (e) {
    vscode.window.showWarningMessage(`Cannot open ${r.path}: ${(e as Error).message}`);
    return undefined;
  }
}
