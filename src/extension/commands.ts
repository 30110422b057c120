// What each palette command does. Loaded on the first command, not at activation, so activation stays
// cheap; the recorder itself is loaded later still, when a trace is started or read.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isTraceable, type TraceTarget } from './args';
import { log } from './log';
import { fileTarget, launchTarget, pickTarget } from './pickTarget';
import { currentSession, lastSession, startTracing, stopTracing } from './session';
import { traceFolder } from './settings';
import { summaryChanged } from './summaryChanges';
import { TRACE_EDITOR } from './traceEditor';
import { listTraces } from './traceStore';
import { currentView } from './timelineView';

export { compareTracesCommand } from './comparePanel';
export { revealEvent } from './hints';

export const RESTRICTED_MESSAGE =
  'Tracing is disabled in Restricted Mode: it runs the program in this workspace, and you have not trusted this workspace. Trust the workspace to trace it. Saved traces can still be opened.';

/** Trace Concurrency. `arg` is the explorer/editor-title resource, or a TraceTarget from tests and other commands. */
export async function traceCommand(ctx: vscode.ExtensionContext, arg?: unknown): Promise<unknown> {
  if (!vscode.workspace.isTrusted) {
    log('trace refused: workspace is not trusted (Restricted Mode)');
    const c = await vscode.window.showWarningMessage(RESTRICTED_MESSAGE, 'Manage Workspace Trust');
    if (c) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  let target: TraceTarget | undefined;
  if (arg instanceof vscode.Uri) target = await fileTarget(arg);
  else if (arg && typeof arg === 'object' && typeof (arg as { launchConfig?: unknown }).launchConfig === 'string') target = launchTarget((arg as { launchConfig: string }).launchConfig);
  else if (arg && typeof arg === 'object' && 'kind' in arg) target = arg as TraceTarget;
  else {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && doc.uri.scheme !== 'output' && isTraceable(doc.uri.fsPath) && doc.uri.scheme !== 'untitled') target = await fileTarget(doc.uri);
    else target = await pickTarget(doc && doc.uri.scheme !== 'output' ? `${path.basename(doc.uri.fsPath)} is not a JavaScript or TypeScript file.` : 'No JavaScript or TypeScript file is open.');
  }
  if (!target) return undefined;
  const scope = target.kind === 'file' ? vscode.Uri.file(target.file) : target.kind === 'script' ? vscode.Uri.file(target.packageDir) : vscode.Uri.file(target.launch.cwd);
  const s = await startTracing(ctx, target, scope);
  return s ? { tracePath: s.tracePath } : undefined;
}

export async function stopCommand(): Promise<void> {
  await stopTracing();
}

/** Open Trace...: a given file, else a pick among this workspace's recent traces, else a file dialog. */
export async function openTraceCommand(ctx: vscode.ExtensionContext, arg?: unknown): Promise<void> {
  let uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : undefined;
  if (!uri) {
    const folder = traceFolder(ctx);
    const recent = listTraces(folder).slice(0, 30);
    if (recent.length) {
      const items: (vscode.QuickPickItem & { file?: string })[] = [
        ...recent.map((t) => ({ label: path.basename(t.path), description: new Date(t.mtimeMs).toLocaleString(), file: t.path })),
        { label: '$(folder-opened) Browse...', description: 'choose a .ctrace file' },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'Open Trace', placeHolder: 'Recent traces of this workspace' });
      if (!pick) return;
      if (pick.file) uri = vscode.Uri.file(pick.file);
    }
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Open Trace',
        canSelectMany: false,
        filters: { 'Concurrency traces': ['ctrace'] },
        defaultUri: fs.existsSync(folder) ? vscode.Uri.file(folder) : vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      uri = picked?.[0];
    }
  }
  if (!uri) return;
  await vscode.commands.executeCommand('vscode.openWith', uri, TRACE_EDITOR, { viewColumn: vscode.ViewColumn.Active });
}

/** The trace the user means: the timeline in front, else the last run. */
function currentTracePath(): string | undefined {
  return currentView()?.tracePath ?? lastSession()?.tracePath;
}

/** The current trace, else one the user picks; undefined when the user cancels the dialog (nothing to say then). */
async function chooseTrace(ctx: vscode.ExtensionContext, action: string): Promise<string | undefined> {
  const p = currentTracePath();
  if (p) return p;
  const picked = await vscode.window.showOpenDialog({ title: `${action}: choose a trace`, filters: { 'Concurrency traces': ['ctrace'] }, defaultUri: vscode.Uri.file(traceFolder(ctx)) });
  return picked?.[0]?.fsPath;
}

/** A trace the running session is still writing: reading it now would call its running processes killed. */
function stillRecording(tracePath: string, action: string): boolean {
  if (currentSession()?.tracePath !== tracePath) return false;
  vscode.window.showWarningMessage(`This trace is still being recorded. Stop tracing first, then ${action} it.`);
  return true;
}

/**
 * Export Trace...: copies a trace where the user chooses. From a menu `arg` is the trace's own Uri;
 * callers may pass { source?, destination } to skip the dialog.
 */
export async function exportTraceCommand(ctx: vscode.ExtensionContext, arg?: unknown): Promise<void> {
  const opts = arg instanceof vscode.Uri ? { source: arg } : ((arg ?? {}) as { source?: vscode.Uri; destination?: vscode.Uri });
  const src = opts.source?.fsPath ?? (await chooseTrace(ctx, 'Export Trace'));
  if (!src || stillRecording(src, 'export')) return;
  const dest =
    opts.destination ??
    (await vscode.window.showSaveDialog({
      title: 'Export Trace',
      filters: { 'Concurrency traces': ['ctrace'] },
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(src)), path.basename(src)),
    }));
  if (!dest) return;
  if (path.resolve(dest.fsPath) === path.resolve(src)) return; // saved onto itself: nothing to do
  await vscode.workspace.fs.copy(vscode.Uri.file(src), dest, { overwrite: true });
  log(`exported ${src} -> ${dest.fsPath}`);
  vscode.window.showInformationMessage(`Trace exported to ${dest.fsPath}.`);
}

/** Show Trace Summary: the CLI's readable summary of the current trace, in a read-only Markdown document beside it. */
export async function showSummaryCommand(ctx: vscode.ExtensionContext, arg?: unknown): Promise<vscode.TextDocument | undefined> {
  const p = arg instanceof vscode.Uri ? arg.fsPath : await chooseTrace(ctx, 'Show Trace Summary');
  if (!p || stillRecording(p, 'summarize')) return undefined;
  let text: string;
  try {
    text = await summaryMarkdown(p);
  } catch (e) {
    const recorder = await import('../recorder');
    const msg = e instanceof recorder.TraceReadError ? e.message : `Cannot summarize ${path.basename(p)}: ${(e as Error).message}`;
    log(msg);
    vscode.window.showErrorMessage(msg);
    return undefined;
  }
  const uri = summaryUri(p);
  // handed to the provider, which takes it once: on opening, or asked again for a document already open
  summaries.set(uri.toString(), text);
  if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) summaryChanged.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  return doc;
}

async function summaryMarkdown(tracePath: string): Promise<string> {
  const recorder = await import('../recorder');
  const trace = await recorder.readTrace(tracePath);
  const summary = recorder.summarize(trace);
  const text = recorder.formatSummary(summary, { command: trace.meta.command, truncated: trace.truncated, incomplete: trace.incomplete });
  return [`# Trace summary: ${path.basename(tracePath)}`, '', '```text', text, '```', '', `File: ${tracePath}`, ''].join('\n');
}

/**
 * Summaries are read-only documents of their own scheme (SUMMARY_SCHEME, served by summaryText()),
 * named after the trace: closing one asks nothing, unlike an untitled document, which VS Code offers
 * to save. The trace's path is in the URI, so a tab VS Code restores after a reload is summarized again.
 */
export const SUMMARY_SCHEME = 'ctrace-summary';
/** texts the command has just made, by URI, until the provider takes them */
const summaries = new Map<string, string>();

function summaryUri(tracePath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${path.basename(tracePath, '.ctrace')} summary.md`, query: tracePath });
}

/** The text of a summary document (the content provider's, registered at activation). */
export async function summaryText(uri: vscode.Uri): Promise<string> {
  const known = summaries.get(uri.toString());
  if (known !== undefined) {
    summaries.delete(uri.toString());
    return known;
  }
  try {
    return await summaryMarkdown(uri.query);
  } catch (e) {
    return `# Trace summary\n\nThe trace ${uri.query} cannot be summarized: ${(e as Error).message}\n`;
  }
}
