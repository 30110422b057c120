// Concurrency: Compare Traces…: two .ctrace files side by side in a webview (webview/compare.ts draws
// it). The page is comparePageHtml under a strict CSP with a fresh nonce; its data is posted after it
// says 'ready' (and again whenever it is rebuilt after being hidden).

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompareMessage } from '../protocol/messages';
import { log } from './log';
import { traceFolder } from './settings';

let posted = 0;
/** how many comparisons were posted to a page that said 'ready' (the in-host tests read it) */
export const comparisonsPosted = (): number => posted;

async function pickTrace(ctx: vscode.ExtensionContext, title: string, near?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'Concurrency traces': ['ctrace'] }, defaultUri: near ?? vscode.Uri.file(traceFolder(ctx)) });
  return picked?.[0];
}

/** `arg` may be [a, b] (Uris or paths) from tests and other commands; otherwise two file dialogs. */
export async function compareTracesCommand(ctx: vscode.ExtensionContext, arg?: unknown): Promise<vscode.WebviewPanel | undefined> {
  const given = Array.isArray(arg) ? arg.map((x) => (x instanceof vscode.Uri ? x : typeof x === 'string' ? vscode.Uri.file(x) : undefined)) : [];
  const a = given[0] ?? (await pickTrace(ctx, 'Compare Traces: choose the first trace (A)'));
  if (!a) return undefined;
  const b = given[1] ?? (await pickTrace(ctx, 'Compare Traces: choose the second trace (B)', vscode.Uri.file(path.dirname(a.fsPath))));
  if (!b) return undefined;
  const recorder = await import('../recorder');
  const { compareFiles } = await import('../recorder/insights');
  let message: CompareMessage;
  try {
    message = await compareFiles(a.fsPath, b.fsPath);
  } catch (e) {
    const msg = e instanceof recorder.TraceReadError ? e.message : `Cannot compare ${path.basename(a.fsPath)} and ${path.basename(b.fsPath)}: ${(e as Error).message}`;
    log(msg);
    void vscode.window.showErrorMessage(msg);
    return undefined;
  }
  const { comparePageHtml, newNonce } = await import('../recorder/compare-page');
  const title = `Compare: ${message.comparison.a.name} ↔ ${message.comparison.b.name}`;
  const panel = vscode.window.createWebviewPanel('concurrencyTimeline.compare', title, vscode.ViewColumn.Active, {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(ctx.extensionUri, 'dist')],
  });
  panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icon.png');
  const sub = panel.webview.onDidReceiveMessage((m: { type?: string }) => {
    if (m?.type === 'ready') void panel.webview.postMessage(message).then((ok) => ok && posted++);
  });
  panel.onDidDispose(() => sub.dispose());
  panel.webview.html = comparePageHtml({
    nonce: newNonce(),
    cspSource: panel.webview.cspSource,
    scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'compare.js')).toString(),
    title,
  });
  log(`comparing ${a.fsPath} (A) with ${b.fsPath} (B)`);
  return panel;
}
