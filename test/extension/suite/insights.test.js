// Insights in the editor, inside a real extension host: after tracing examples/workers/main.js a
// CodeLens at the `new Worker(` line says how many workers were created and how long it took, clicking
// it selects that event on the timeline, the setting removes the lenses, and Compare Traces... opens
// its panel for two traces and refuses a file that is not one.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { ID, ws, until } = require('./helpers');



describe('Insights in the editor (in the extension host)', function () {
  this.timeout(90000);
  let tracePath;

  it('a CodeLens at `new Worker(` shows the creation figures and clicking it selects the event on the timeline', async () => {
    const a = await vscode.extensions.getExtension(ID).activate();
    await until('no recording running', async () => !(await a.state()).recording);
    const file = path.join(ws(), 'examples', 'workers', 'main.js');
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', { kind: 'file', file, cwd: path.dirname(file) });
    assert.ok(r && r.tracePath, 'a trace was started');
    tracePath = r.tracePath;
    await until('the recording to end', async () => !(await a.state()).recording);
    const doc = await vscode.workspace.openTextDocument(file);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('new Worker('));
    assert.ok(line >= 0);
    const lenses = async () => (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri)).filter((l) => l.command && l.command.command === 'concurrencyTimeline.revealEvent');
    const lens = await until('a hint at the new Worker( line', async () => (await lenses()).find((l) => l.range.start.line === line));
    assert.match(lens.command.title, /^created 2 workers · median [\d.]+ (µs|ms|s), slowest [\d.]+ (µs|ms|s)$/);
    const ev = lens.command.arguments[0];
    const ok = await vscode.commands.executeCommand(lens.command.command, ...lens.command.arguments);
    assert.strictEqual(ok, true, 'the timeline selected the event');
    const view = (await a.state()).views.find((v) => v.tracePath === r.tracePath);
    assert.ok(view && view.lastSelection, 'the timeline reported its selection');
    assert.deepStrictEqual([view.lastSelection.pid, view.lastSelection.threadId, view.lastSelection.kind], [ev.pid, ev.threadId, ev.kind]);

    const cfg = () => vscode.workspace.getConfiguration('concurrencyTimeline');
    await cfg().update('showEditorHints', false, vscode.ConfigurationTarget.Global);
    try {
      await until('the hints to go', async () => (await lenses()).length === 0);
    } finally {
      await cfg().update('showEditorHints', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('the hints to come back', async () => (await lenses()).length > 0);
  });

  it('Compare Traces... opens a comparison panel for two traces and explains a file that is not one', async () => {
    const a = await vscode.extensions.getExtension(ID).activate();
    const before = (await a.state()).comparisonsPosted;
    const panel = await vscode.commands.executeCommand('concurrencyTimeline.compareTraces', [vscode.Uri.file(tracePath), tracePath]);
    assert.ok(panel && panel.webview, 'a panel opened');
    assert.match(panel.title, /^Compare: .*\.ctrace ↔ .*\.ctrace$/);
    assert.match(panel.webview.html, /Content-Security-Policy" content="default-src &#39;none&#39;|Content-Security-Policy" content="default-src 'none'/);
    assert.match(panel.webview.html, /<script nonce="[^"]+" src="[^"]*compare\.js"/);
    // the page loaded its script under that CSP, said 'ready' and was sent the comparison
    await until('the page to get its data', async () => (await a.state()).comparisonsPosted > before, 20000);
    panel.dispose();
    const notTrace = path.join(ws(), 'notes.txt');
    assert.ok(fs.existsSync(notTrace));
    const none = await vscode.commands.executeCommand('concurrencyTimeline.compareTraces', [notTrace, tracePath]);
    assert.strictEqual(none, undefined, 'no panel for a file that is not a trace');
  });
});
