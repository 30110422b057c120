// Reads the concurrencyTimeline.* settings into the shapes the pure modules take, and decides where
// this workspace's traces are kept (the setting, else the workspace storage, else global storage).

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TraceSettings } from './args';

const SECTION = 'concurrencyTimeline';

export function traceSettings(scope?: vscode.Uri): TraceSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    nodePath: c.get<string>('nodePath', ''),
    nodeOptions: c.get<string>('nodeOptions', ''),
    sampleIntervalMs: Math.max(1, c.get<number>('sampleIntervalMs', 10)),
    capture: {
      sched: c.get<boolean>('capture.scheduling', true),
      perf: c.get<boolean>('capture.perf', false),
      messages: c.get<boolean>('capture.messages', true),
      locks: c.get<boolean>('capture.locks', true),
    },
  };
}

export function keepTraces(scope?: vscode.Uri): number {
  return Math.max(0, Math.floor(vscode.workspace.getConfiguration(SECTION, scope).get<number>('keepTraces', 20)));
}

export function openTimelineAutomatically(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('openTimelineAutomatically', true);
}

export function traceFolder(ctx: vscode.ExtensionContext, scope?: vscode.Uri): string {
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  const setting = vscode.workspace.getConfiguration(SECTION, scope).get<string>('traceFolder', '').trim();
  if (setting) {
    const ws = folder?.uri.fsPath;
    const expanded = setting.replace(/\$\{workspaceFolder\}/g, ws ?? '').replace(/^~(?=\/|$)/, process.env.HOME ?? '~');
    return path.isAbsolute(expanded) ? expanded : path.resolve(ws ?? ctx.globalStorageUri.fsPath, expanded);
  }
  return path.join((ctx.storageUri ?? ctx.globalStorageUri).fsPath, 'traces');
}
