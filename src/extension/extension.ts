// Entry point of the VS Code extension. Activation only registers the commands and the .ctrace editor;
// everything else (commands.ts, the recorder) loads on first use, so activation stays well under 50 ms.

import * as vscode from 'vscode';
import { hintDocumentListeners, hintLensProvider, onSettingsChanged } from './hints';
import { summaryChanged } from './summaryChanges';

type Commands = typeof import('./commands');
let commands: Promise<Commands> | undefined;
const load = (): Promise<Commands> => (commands ??= import('./commands'));

export interface ExtensionApi {
  /** how long activate() took, ms (checked by the in-host tests against the 50 ms budget) */
  activationMs: number;
  /** state the in-host tests read; not a stable API */
  state(): Promise<{ recording: boolean; lastTracePath?: string; lastWarnings?: string[]; views: { name: string; tracePath?: string; live: boolean; bytes: number; error?: string; lastOpened?: { file: string; line: number }; lastSelection?: { pid: number; threadId: number; ts: number; kind: number } }[]; comparisonsPosted: number }>;
}

export function activate(ctx: vscode.ExtensionContext): ExtensionApi {
  const t0 = performance.now();
  const reg = (id: string, run: (c: Commands, ...args: unknown[]) => unknown) =>
    ctx.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(await load(), ...args);
        } catch (e) {
          // Never a stack trace in a toast: the message there, the details in the output channel.
          const { log } = await import('./log');
          log(`${id} failed: ${(e as Error).stack ?? e}`);
          void vscode.window.showErrorMessage(`Concurrency Timeline: ${(e as Error).message}. Details are in the "Concurrency Timeline" output.`);
          return undefined;
        }
      }),
    );
  reg('concurrencyTimeline.trace', (c, arg) => c.traceCommand(ctx, arg));
  reg('concurrencyTimeline.stop', (c) => c.stopCommand());
  reg('concurrencyTimeline.openTrace', (c, arg) => c.openTraceCommand(ctx, arg));
  reg('concurrencyTimeline.exportTrace', (c, arg) => c.exportTraceCommand(ctx, arg));
  reg('concurrencyTimeline.showSummary', (c, arg) => c.showSummaryCommand(ctx, arg));
  reg('concurrencyTimeline.compareTraces', (c, arg) => c.compareTracesCommand(ctx, arg));
  reg('concurrencyTimeline.revealEvent', (c, arg) => c.revealEvent(arg as Parameters<Commands['revealEvent']>[0]));
  // Summary documents (read-only, their own scheme): also the tabs VS Code restores after a reload.
  ctx.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider('ctrace-summary' /* SUMMARY_SCHEME */, { onDidChange: summaryChanged.event, provideTextDocumentContent: async (uri) => (await load()).summaryText(uri) }), summaryChanged);
  // Editor hints exist only once a trace has loaded; until then the provider returns nothing.
  ctx.subscriptions.push(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, hintLensProvider), vscode.workspace.onDidChangeConfiguration(onSettingsChanged), ...hintDocumentListeners());

  // The provider object must exist now; its module is small and loads the recorder only when a file opens.
  ctx.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      'concurrencyTimeline.traceEditor',
      {
        openCustomDocument: (uri) => ({ uri, dispose: () => {} }),
        resolveCustomEditor: async (doc, panel) => {
          const { TraceEditorProvider } = await import('./traceEditor');
          return new TraceEditorProvider(ctx.extensionUri).resolveCustomEditor(doc, panel);
        },
      } satisfies vscode.CustomReadonlyEditorProvider,
      { webviewOptions: { enableFindWidget: false }, supportsMultipleEditorsPerDocument: true },
    ),
  );
  // A live timeline panel is not a custom editor, so VS Code cannot reopen it after a window reload by
  // itself: the view keeps its trace file's path in its saved state, and the panel comes back showing
  // that file as saved (the recording itself ended with the old extension host).
  ctx.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer('concurrencyTimeline.timeline', {
      deserializeWebviewPanel: async (panel, state: { name?: unknown; restore?: unknown } | undefined) => {
        const { TraceEditorProvider } = await import('./traceEditor');
        const { log } = await import('./log');
        const file = typeof state?.restore === 'string' ? state.restore : (await import('./session')).panelTrace(ctx, panel.title);
        const name = typeof state?.name === 'string' ? state.name : undefined;
        log(`restoring the timeline panel "${panel.title}" after a reload: ${file ?? 'no trace file known for it'}`);
        await new TraceEditorProvider(ctx.extensionUri).restorePanel(panel, file, name);
      },
    }),
  );
  const activationMs = performance.now() - t0;
  return {
    activationMs,
    async state() {
      const { currentSession, lastSession } = await import('./session');
      const { allViews } = await import('./timelineView');
      const { comparisonsPosted } = await import('./comparePanel');
      return {
        recording: !!currentSession(),
        lastTracePath: lastSession()?.tracePath,
        lastWarnings: lastSession()?.warnings,
        views: allViews().map((v) => ({ name: v.source.name, tracePath: v.tracePath, live: v.isLive, bytes: v.byteLength, error: v.error, lastOpened: v.lastOpened, lastSelection: v.lastSelection })),
        comparisonsPosted: comparisonsPosted(),
      };
    },
  };
}

export function deactivate(): Promise<void> | undefined {
  if (!commands) return undefined;
  // Closing the window ends the traced program; its trace is finished, not lost.
  return import('./session').then(async (s) => {
    const cur = s.currentSession();
    if (cur) await cur.recording.stop();
  });
}
