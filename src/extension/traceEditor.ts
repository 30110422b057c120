// The readonly custom editor for *.ctrace files (double-click in the explorer, Open Trace...): reads the
// file, checks it is a trace this version reads (a clear message in the editor and a toast if not), and
// shows it in a TimelineView that still links to source. Works in Restricted Mode: nothing is run.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { log } from './log';
import { TimelineView } from './timelineView';

export const TRACE_EDITOR = 'concurrencyTimeline.traceEditor';

export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => {} };
  }

  /** A timeline panel VS Code restored after a reload: its trace file again, or why it cannot be shown. */
  async restorePanel(panel: vscode.WebviewPanel, file: string | undefined, name: string | undefined): Promise<void> {
    if (file === undefined) {
      const view = new TimelineView(panel, this.extensionUri, { name: name ?? panel.title }, { live: false });
      view.showError('This timeline was not saved to a file, so it cannot be shown again after the window reloaded. Run Trace Concurrency again.');
      return;
    }
    await this.show(vscode.Uri.file(file), panel, name ?? path.basename(file));
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    return this.show(document.uri, panel, path.basename(document.uri.path));
  }

  private async show(uri: vscode.Uri, panel: vscode.WebviewPanel, name: string): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (e) {
      bytes = new Uint8Array(0);
      const view = new TimelineView(panel, this.extensionUri, { name }, { live: false });
      this.fail(view, `Cannot read ${name}: ${(e as Error).message}`);
      return;
    }
    let cwd: string | undefined;
    const view = new TimelineView(panel, this.extensionUri, { name, tracePath: uri.scheme === 'file' ? uri.fsPath : undefined, cwd: () => cwd }, { live: false, bytes });
    const recorder = await import('../recorder');
    try {
      const trace = recorder.decodeTrace(bytes, name);
      cwd = trace.meta.cwd;
      if (trace.truncated) log(`${name}: the file ends in the middle of a chunk (recording cut short); showing what is complete`);
    } catch (e) {
      this.fail(view, e instanceof recorder.TraceReadError ? e.message : `${name} could not be read as a trace: ${(e as Error).message}`);
    }
  }

  private fail(view: TimelineView, message: string): void {
    log(message);
    view.showError(message);
    void vscode.window.showErrorMessage(message);
  }
}
