// Decides what Trace Concurrency runs: the file it was invoked on (explorer, editor title), the active
// JS/TS editor, or the user's pick among the workspace's entry files, package.json scripts and Node
// launch configurations. Returns undefined after telling the user why when there is nothing to run.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isTraceable, type TraceTarget } from './args';
import { entryFiles, packageCandidates } from './entryPoints';
import { isNodeLaunch, resolveLaunchConfig, type LaunchConfig } from './launchConfig';

const NOT_JS = (name: string) => `${name} is not a JavaScript or TypeScript file. Trace Concurrency runs .js, .mjs, .cjs, .ts, .mts and .cts files, package.json scripts and Node launch configurations.`;

export async function fileTarget(uri: vscode.Uri): Promise<TraceTarget | undefined> {
  if (uri.scheme === 'untitled') {
    vscode.window.showErrorMessage('Save the file first: Trace Concurrency runs a file from disk.');
    return undefined;
  }
  if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote') {
    vscode.window.showErrorMessage(`${uri.toString()} is not on disk, so it cannot be run.`);
    return undefined;
  }
  if (!isTraceable(uri.fsPath)) {
    vscode.window.showErrorMessage(NOT_JS(path.basename(uri.fsPath)));
    return undefined;
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  const ws = vscode.workspace.getWorkspaceFolder(uri);
  return { kind: 'file', file: uri.fsPath, cwd: ws?.uri.fsPath ?? path.dirname(uri.fsPath) };
}

interface Item extends vscode.QuickPickItem {
  target?: () => TraceTarget | undefined;
}

export async function pickTarget(reason?: string): Promise<TraceTarget | undefined> {
  const items: Item[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const dir = folder.uri.fsPath;
    const pm = fs.existsSync(path.join(dir, 'pnpm-lock.yaml')) ? 'pnpm' : fs.existsSync(path.join(dir, 'yarn.lock')) ? 'yarn' : 'npm';
    const pkgPath = path.join(dir, 'package.json');
    const files: Item[] = [];
    const scripts: Item[] = [];
    const seen = new Set<string>();
    const addFile = (file: string, detail: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      files.push({ label: `$(file-code) ${path.relative(dir, file)}`, description: detail, target: () => ({ kind: 'file', file, cwd: dir }) });
    };
    if (fs.existsSync(pkgPath)) {
      for (const c of packageCandidates(dir, fs.readFileSync(pkgPath, 'utf8'), (p) => fs.existsSync(p) && fs.statSync(p).isFile())) {
        if (c.kind === 'file') addFile(c.value, c.detail);
        else scripts.push({ label: `$(package) ${pm} run ${c.value}`, description: c.detail, target: () => ({ kind: 'script', script: c.value, packageDir: dir, packageManager: pm }) });
      }
    }
    // Entry-looking files at the top, in src/lib/bin, and one level down in examples/-style folders.
    const top = safeReaddir(dir);
    for (const c of entryFiles(dir, top)) addFile(c.value, c.detail);
    for (const sub of top.filter((n) => ['src', 'lib', 'bin', 'examples', 'scripts'].includes(n))) {
      const subDir = path.join(dir, sub);
      for (const c of entryFiles(subDir, safeReaddir(subDir))) addFile(c.value, c.detail);
      for (const n of safeReaddir(subDir)) {
        const nested = path.join(subDir, n);
        for (const c of entryFiles(nested, safeReaddir(nested))) addFile(c.value, c.detail);
      }
    }
    const launches: Item[] = [];
    const configs = vscode.workspace.getConfiguration('launch', folder.uri).get<LaunchConfig[]>('configurations') ?? [];
    for (const c of configs.filter(isNodeLaunch)) {
      launches.push({
        label: `$(debug-alt) ${c.name ?? '(unnamed)'}`,
        description: 'launch.json',
        target: () => {
          const r = resolveLaunchConfig(c, launchContext(dir), readIfExists);
          if (!r.ok) {
            vscode.window.showErrorMessage(r.message);
            return undefined;
          }
          return { kind: 'launch', launch: r.launch };
        },
      });
    }
    const multi = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? ` (${folder.name})` : '';
    if (files.length) items.push({ label: `Entry files${multi}`, kind: vscode.QuickPickItemKind.Separator }, ...files);
    if (scripts.length) items.push({ label: `package.json scripts${multi}`, kind: vscode.QuickPickItemKind.Separator }, ...scripts);
    if (launches.length) items.push({ label: `Launch configurations${multi}`, kind: vscode.QuickPickItemKind.Separator }, ...launches);
  }
  if (!items.some((i) => i.target)) {
    vscode.window.showErrorMessage(`${reason ?? 'No file is open.'} Open a JavaScript or TypeScript file to trace it, or open a folder with a package.json or a Node launch configuration.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Trace Concurrency', placeHolder: `${reason ? reason + ' ' : ''}Pick what to run and trace`, matchOnDescription: true });
  return pick?.target?.();
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** A launch configuration of the workspace by name (keybindings and tests pass { launchConfig: name }). */
export function launchTarget(name: string): TraceTarget | undefined {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const configs = vscode.workspace.getConfiguration('launch', folder.uri).get<LaunchConfig[]>('configurations') ?? [];
    const c = configs.find((x) => x.name === name);
    if (!c) continue;
    const r = resolveLaunchConfig(c, launchContext(folder.uri.fsPath), readIfExists);
    if (!r.ok) {
      vscode.window.showErrorMessage(r.message);
      return undefined;
    }
    return { kind: 'launch', launch: r.launch };
  }
  vscode.window.showErrorMessage(`There is no launch configuration named "${name}" in this workspace's launch.json.`);
  return undefined;
}

function launchContext(dir: string) {
  return { workspaceFolder: dir, file: vscode.window.activeTextEditor?.document.uri.fsPath, env: process.env, userHome: process.env.HOME };
}

function readIfExists(p: string): string | undefined {
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
}

export { NOT_JS };
