import * as vscode from 'vscode';

/**
 * Makes VS Code ask the summary documents' provider again: Show Trace Summary on a trace whose
 * summary is already open (the trace may have been recorded again since) refreshes it.
 */
export const summaryChanged = new vscode.EventEmitter<vscode.Uri>();
