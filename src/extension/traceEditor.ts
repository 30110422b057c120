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

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const name = path.basename(document.uri.path);
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(document.uri);
    } catch (e) {
      bytes = new Uint8Array(0);
      const view = new TimelineView(panel, this.extensionUri, { name }, { live: false });
      this.fail(view, `Cannot read ${name}: ${(e as Error).message}`);
      return;
    }
    let cwd: string | undefined;
    const view = new TimelineView(panel, this.extensionUri, { name, tracePath: document.uri.scheme === 'file' ? document.uri.fsPath : undefined, cwd: () => cwd }, { live: false, bytes });
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
