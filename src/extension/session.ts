// One traced run from start to finish: checks Node, starts the recorder with the program in a
// pseudoterminal, opens the live timeline beside the editor, shows the status-bar item, and when the
// program ends (by itself, Stop Tracing, Ctrl+C or closing the terminal) finishes the trace, keeps it
// and prunes old ones. Only one run at a time.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recording, RecordingResult } from '../recorder/types';
import { buildRecordOptions, isTypeScript, nodeExecutable, targetLabel, type TraceTarget } from './args';
import { log } from './log';
import { checkNode } from './nodeCheck';
import { keepTraces, openTimelineAutomatically, traceFolder, traceSettings } from './settings';
import { RecordingStatus } from './statusBar';
import { ProgramTerminal } from './terminal';
import { TimelineView } from './timelineView';
import { newTracePath, pruneTraces } from './traceStore';
import { allViews } from './timelineView';
import { findTsRunner } from './tsRunner';

export interface SessionInfo {
  label: string;
  tracePath: string;
  view?: TimelineView;
  recording: Recording;
  result?: RecordingResult;
  /** what the end of the run warned about (a trace cut short, lost records), as shown */
  warnings: string[];
  done: Promise<RecordingResult | undefined>;
  /** Ends the program (the trace is kept); the status bar says so until it has ended. */
  stop(): Promise<void>;
}

let current: SessionInfo | undefined;
let last: SessionInfo | undefined;

export function currentSession(): SessionInfo | undefined {
  return current;
}

export function lastSession(): SessionInfo | undefined {
  return last;
}

export async function stopTracing(): Promise<void> {
  if (!current) {
    vscode.window.showInformationMessage('Nothing is being traced.');
    return;
  }
  // the session clears `current` itself as soon as the program has ended, possibly inside stop()
  const s = current;
  log(`stopping ${s.label}`);
  await s.stop();
  await s.done;
}

export async function startTracing(ctx: vscode.ExtensionContext, target: TraceTarget, scope: vscode.Uri | undefined): Promise<SessionInfo | undefined> {
  if (current) {
    const choice = await vscode.window.showWarningMessage(`Already tracing ${current.label}. Only one program is traced at a time.`, 'Stop and Trace New', 'Cancel');
    if (choice !== 'Stop and Trace New') return undefined;
    await stopTracing();
  }
  const label = targetLabel(target);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Concurrency Timeline: starting ${label}`, cancellable: false },
    async (progress) => {
      const settings = traceSettings(scope);
      const nodeExe = target.kind === 'launch' && target.launch.runtimeExecutable && /^node(\.exe)?$/i.test(path.basename(target.launch.runtimeExecutable)) ? target.launch.runtimeExecutable : nodeExecutable(settings);
      progress.report({ message: `checking ${nodeExe}` });
      const node = await checkNode(nodeExe);
      if (!node.ok) {
        log(node.message);
        void vscode.window.showErrorMessage(node.message, 'Open Settings').then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'concurrencyTimeline.nodePath'));
        return undefined;
      }
      if (target.kind === 'file' && isTypeScript(target.file) && !target.tsRunner) {
        const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(target.file))?.uri.fsPath;
        target = { ...target, tsRunner: findTsRunner(target.file, ws, node.version) };
        if (!target.tsRunner) {
          const msg = `Cannot run ${path.basename(target.file)}: Node.js ${node.version} does not run TypeScript by itself. Install tsx in the project (npm install -D tsx) or ts-node, or use Node.js 22.6 or newer.`;
          log(msg);
          void vscode.window.showErrorMessage(msg);
          return undefined;
        }
        log(`TypeScript runs through ${target.tsRunner.label}`);
      }
      const folder = traceFolder(ctx, scope);
      let tracePath: string;
      try {
        tracePath = newTracePath(folder, label);
      } catch (e) {
        const msg = `Cannot create the trace folder ${folder}: ${(e as Error).message}. Set "concurrencyTimeline.traceFolder" to a writable folder.`;
        void vscode.window.showErrorMessage(msg);
        return undefined;
      }
      const opts = buildRecordOptions(target, settings, tracePath);
      progress.report({ message: `launching ${[opts.command, ...opts.args].join(' ')}` });
      log(`trace ${label}: ${[opts.command, ...opts.args].join(' ')} (cwd ${opts.cwd}) -> ${tracePath}`);

      let session: SessionInfo | undefined;
      const pty = new ProgramTerminal(() => void session?.stop());
      const terminal = vscode.window.createTerminal({ name: `Trace: ${label}`, pty, iconPath: new vscode.ThemeIcon('pulse') });
      terminal.show(true);
      // Closing the terminal ends the program (the trace is kept), however the terminal was closed.
      const closeWatch = vscode.window.onDidCloseTerminal((t) => {
        if (t === terminal) void session?.stop();
      });

      const recorder = await import('../recorder');
      let recording: Recording;
      try {
        recording = recorder.startRecording({ ...opts, columns: pty.dimensions?.columns, rows: pty.dimensions?.rows });
      } catch (e) {
        const msg = `Cannot trace ${label}: ${(e as Error).message}`;
        // Bad input (LaunchError, a missing agent) is explained by its message; anything else gets its stack in the log.
        log(e instanceof recorder.LaunchError || e instanceof recorder.AgentMissingError ? msg : `${msg}\n${(e as Error).stack}`);
        pty.write(`${msg}\n`);
        pty.finish('Nothing was traced.');
        closeWatch.dispose();
        void vscode.window.showErrorMessage(msg);
        return undefined;
      }
      pty.write(`\x1b[2mTracing: ${[opts.command, ...opts.args].join(' ')}\x1b[0m\n`);
      pty.attach(recording);
      recording.onLog((l) => log(l));
      recording.onDeadlock((r) => {
        const who = r.cycle.map((p) => `pid ${p.pid} thread ${p.threadId} waits for ${p.waitsFor}`).join('; ');
        log(`deadlock: ${who}`);
        void vscode.window.showWarningMessage(`Deadlock detected in ${label}: ${who}. It is marked on the timeline.`);
      });

      let view: TimelineView | undefined;
      const cwd = opts.cwd;
      if (openTimelineAutomatically()) {
        // the run's start time tells two runs' tabs apart, and keys the trace a restored tab reopens
        const title = uniqueTitle(`Timeline: ${label} · ${new Date().toTimeString().slice(0, 8)}`);
        const panel = vscode.window.createWebviewPanel('concurrencyTimeline.timeline', title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableFindWidget: false });
        panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icon.png');
        view = new TimelineView(panel, ctx.extensionUri, { name: label, tracePath, cwd: () => cwd }, { live: true });
        rememberPanelTrace(ctx, panel.title, tracePath);
      }
      // Registered after the panel exists: the recorder replays what was written so far to a late
      // listener, so the view always holds the file from its first byte.
      const firstBytes = new Promise<void>((resolve) => {
        recording.onAppend((b) => {
          view?.append(b);
          resolve();
        });
      });

      const status = new RecordingStatus(label, () => recording.eventCount);
      void vscode.commands.executeCommand('setContext', 'concurrencyTimeline.recording', true);
      const t0 = Date.now();
      const done = recording.done.then(
        (result) => finished(result),
        (e) => {
          log(`recording failed: ${(e as Error).stack ?? e}`);
          void vscode.window.showErrorMessage(`Tracing ${label} failed: ${(e as Error).message}. See the "Concurrency Timeline" output for details.`);
          cleanup();
          pty.finish('Tracing failed.');
          return undefined;
        },
      );
      const cleanup = () => {
        status.dispose();
        closeWatch.dispose();
        if (current === session) current = undefined;
        void vscode.commands.executeCommand('setContext', 'concurrencyTimeline.recording', false);
      };
      const finished = (result: RecordingResult): RecordingResult => {
        if (session) session.result = result;
        cleanup();
        view?.end();
        const how = result.signal ? `was stopped by ${result.signal}` : `exited with code ${result.exitCode}`;
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        log(`${label} ${how} after ${secs} s: ${result.events} events, ${result.bytes} bytes -> ${result.tracePath}`);
        pty.finish(`${label} ${how} after ${secs} s; ${result.events} events recorded. Trace saved: ${result.tracePath}`);
        if (result.writeError !== undefined) {
          log(`could not write the whole trace: ${result.writeError}; it holds the first ${result.bytes} bytes`);
          const text = `The trace of ${label} could not be written to the end (${result.writeError}): it holds what was recorded before. Free some space and trace again.`;
          session?.warnings.push(text);
          void vscode.window.showErrorMessage(text);
        }
        const warn = (what: string, note: string) => {
          log(note);
          const text = `The trace of ${label} is missing ${what}. ${note}`;
          session?.warnings.push(text);
          void vscode.window.showWarningMessage(text);
        };
        if (result.lostRecords?.length) warn('records', recorder.lostRecordsNote(result.lostRecords));
        if (result.untracedNode?.length) warn('processes', recorder.untracedNodeNote(result.untracedNode));
        const failedEarly = Date.now() - t0 < 3000 && (result.signal || (result.exitCode ?? 0) !== 0);
        if (failedEarly) {
          void vscode.window
            .showWarningMessage(`${label} ${how} right after it started (${secs} s). ${view ? 'The trace is open in the timeline' : 'The trace was saved'}; the program's output is in the terminal "Trace: ${label}".`, 'Show Terminal')
            .then((c) => c && terminal.show());
        }
        if (!view) {
          void vscode.window.showInformationMessage(`Trace of ${label} saved (${result.events} events).`, 'Open Timeline').then((c) => c && vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(result.tracePath), 'concurrencyTimeline.traceEditor'));
        }
        const pruned = pruneTraces(folder, keepTraces(scope), [result.tracePath, ...allViews().map((v) => v.tracePath ?? '')]);
        if (pruned.length) log(`kept the ${keepTraces(scope)} most recent traces; deleted ${pruned.length} older`);
        return result;
      };
      const stop = async () => {
        status.stopping();
        await recording.stop();
      };
      session = { label, tracePath, view, recording, warnings: [], done, stop };
      current = session;
      last = session;
      progress.report({ message: 'waiting for the first events' });
      await Promise.race([firstBytes, recording.done, new Promise((r) => setTimeout(r, 5000))]);
      return session;
    },
  );
}

const PANEL_TRACES = 'concurrencyTimeline.panelTraces';

const titlesUsed = new Set<string>();
/** Two runs started within a second get "(2)": a title is the key a restored tab reopens its trace by. */
function uniqueTitle(title: string): string {
  let t = title;
  for (let n = 2; titlesUsed.has(t); n++) t = `${title} (${n})`;
  titlesUsed.add(t);
  return t;
}

/**
 * Which trace file each live timeline panel shows, by panel title (newest last, a few kept): read
 * back when VS Code restores the panel after a window reload. The view's own saved state says the
 * same, but VS Code in a browser does not always persist a webview's state before the page reloads.
 */
function rememberPanelTrace(ctx: vscode.ExtensionContext, title: string, tracePath: string): void {
  const all = ctx.workspaceState.get<[string, string][]>(PANEL_TRACES, []).filter(([t]) => t !== title);
  all.push([title, tracePath]);
  void ctx.workspaceState.update(PANEL_TRACES, all.slice(-20));
}

export function panelTrace(ctx: vscode.ExtensionContext, title: string): string | undefined {
  return ctx.workspaceState.get<[string, string][]>(PANEL_TRACES, []).find(([t]) => t === title)?.[1];
}
