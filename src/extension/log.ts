// The "Concurrency Timeline" output channel: what the extension did and why, with timestamps, so a
// user can tell what happened after a toast is gone. Created on first use to keep activation cheap.

import * as vscode from 'vscode';

let channel: vscode.OutputChannel | undefined;

export function output(): vscode.OutputChannel {
  channel ??= vscode.window.createOutputChannel('Concurrency Timeline');
  return channel;
}

export function log(line: string): void {
  output().appendLine(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
