// API-level checks inside a real extension host: the manifest (commands, activation events, settings,
// menus, custom editor, workspace trust), activation cost, and the commands end to end on real
// programs: trace a program that crashes at start, stop one that runs forever, close a program's
// terminal, type into a program's input, open good and corrupt saved traces, export, summarize.
// The workspace is prepared by test/extension/run-tests.mjs (examples + small programs).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { ID, ws, sleep, until } = require('./helpers');


async function api() {
  const ext = vscode.extensions.getExtension(ID);
  assert.ok(ext, `${ID} is loaded`);
  return ext.activate();
}


async function idle() {
  const a = await api();
  await until('the recording to end', async () => !(await a.state()).recording);
}

describe('Concurrency Timeline extension (in the extension host)', function () {
  this.timeout(90000);
  const pkg = () => vscode.extensions.getExtension(ID).packageJSON;

  it('activates and registers its commands under "Concurrency"', async () => {
    const a = await api();
    // informational; the 50 ms budget is measured by bench/extension-activation.bench.mjs
    console.log(`activate() took ${a.activationMs.toFixed(2)} ms`);
    const all = await vscode.commands.getCommands(true);
    const ids = ['trace', 'stop', 'openTrace', 'exportTrace', 'showSummary'].map((c) => `concurrencyTimeline.${c}`);
    for (const id of ids) assert.ok(all.includes(id), `${id} registered`);
    const titles = Object.fromEntries(pkg().contributes.commands.map((c) => [c.command, `${c.category}: ${c.title}`]));
    assert.deepStrictEqual(ids.map((i) => titles[i]), ['Concurrency: Trace Concurrency', 'Concurrency: Stop Tracing', 'Concurrency: Open Trace...', 'Concurrency: Export Trace...', 'Concurrency: Show Trace Summary']);
  });

  it('activates only on its commands, custom editor and views', () => {
    const ev = pkg().activationEvents;
    assert.ok(!ev.includes('*') && !ev.includes('onStartupFinished'), 'no eager activation');
    for (const e of ev) assert.match(e, /^(onCommand:concurrencyTimeline\.|onCustomEditor:concurrencyTimeline\.|onWebviewPanel:concurrencyTimeline\.|onView:)/);
  });

  it('contributes menus, a keybinding, the .ctrace editor and limited support in untrusted workspaces', () => {
    const c = pkg().contributes;
    assert.ok(c.menus['editor/title'].some((m) => m.command === 'concurrencyTimeline.trace' && /resourceExtname/.test(m.when)));
    assert.ok(c.menus['explorer/context'].some((m) => m.command === 'concurrencyTimeline.trace'));
    assert.ok(c.keybindings.some((k) => k.command === 'concurrencyTimeline.trace' && k.key));
    assert.deepStrictEqual(c.customEditors[0].selector, [{ filenamePattern: '*.ctrace' }]);
    assert.strictEqual(pkg().capabilities.untrustedWorkspaces.supported, 'limited');
    assert.match(pkg().capabilities.untrustedWorkspaces.description, /Restricted Mode/);
  });

  it('has described settings with sensible defaults', () => {
    const props = pkg().contributes.configuration.properties;
    for (const key of ['nodePath', 'nodeOptions', 'sampleIntervalMs', 'traceFolder', 'keepTraces', 'capture.scheduling', 'capture.perf', 'capture.messages', 'capture.locks', 'openTimelineAutomatically', 'showEditorHints']) {
      const p = props[`concurrencyTimeline.${key}`];
      assert.ok(p, `${key} contributed`);
      assert.ok((p.description || p.markdownDescription || '').length > 20, `${key} has a description`);
    }
    const cfg = vscode.workspace.getConfiguration('concurrencyTimeline');
    assert.strictEqual(cfg.get('keepTraces'), 20);
    assert.strictEqual(cfg.get('openTimelineAutomatically'), true);
    assert.strictEqual(cfg.get('sampleIntervalMs'), 10);
  });

  it('traces a program that crashes at start: the trace is kept and still opens in the timeline', async () => {
    const a = await api();
    const file = path.join(ws(), 'examples', 'crash', 'main.js');
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', { kind: 'file', file, cwd: path.dirname(file) });
    assert.ok(r && r.tracePath, 'a trace was started');
    await idle();
    const s = await a.state();
    assert.strictEqual(s.lastTracePath, r.tracePath);
    assert.ok(fs.statSync(r.tracePath).size > 100, 'the trace file has content');
    const view = s.views.find((v) => v.tracePath === r.tracePath);
    assert.ok(view, 'a timeline shows it');
    assert.strictEqual(view.live, false);
    assert.strictEqual(view.bytes, fs.statSync(r.tracePath).size, 'the timeline got every byte of the file');
    assert.ok(vscode.window.terminals.some((t) => t.name === 'Trace: main.js'), 'the program ran in its terminal');
  });

  it('Show Trace Summary and Export Trace work on the last trace', async () => {
    const a = await api();
    const { lastTracePath } = await a.state();
    const doc = await vscode.commands.executeCommand('concurrencyTimeline.showSummary', vscode.Uri.file(lastTracePath));
    assert.ok(doc, 'a summary document opened');
    assert.match(doc.getText(), /recorded: .*main\.js/);
    assert.match(doc.getText(), /process/);
    // read-only, named after the trace: closing it asks nothing (an untitled document asks to be saved)
    assert.strictEqual(doc.uri.scheme, 'ctrace-summary');
    assert.strictEqual(doc.isUntitled, false);
    assert.strictEqual(doc.isDirty, false);
    assert.strictEqual(doc.languageId, 'markdown');
    assert.ok(doc.uri.path.endsWith(`${path.basename(lastTracePath, '.ctrace')} summary.md`), doc.uri.toString());
    // a summary tab VS Code restores after a reload (nothing cached) is summarized again from its trace
    const restored = await vscode.workspace.openTextDocument(doc.uri.with({ path: '/restored summary.md' }));
    assert.match(restored.getText(), /recorded: .*main\.js/);
    // shown again after its trace changed (here: cut short), an open summary is refreshed, not left stale
    const again = path.join(ws(), 'again.ctrace');
    fs.copyFileSync(lastTracePath, again);
    const first = await vscode.commands.executeCommand('concurrencyTimeline.showSummary', vscode.Uri.file(again));
    assert.doesNotMatch(first.getText(), /recording cut short/);
    fs.truncateSync(again, fs.statSync(again).size - 7);
    const second = await vscode.commands.executeCommand('concurrencyTimeline.showSummary', vscode.Uri.file(again));
    assert.strictEqual(second.uri.toString(), first.uri.toString(), 'the same document');
    await until('the open summary is refreshed', async () => /recording cut short/.test(second.getText()));
    const dest = vscode.Uri.file(path.join(ws(), 'exported.ctrace'));
    await vscode.commands.executeCommand('concurrencyTimeline.exportTrace', { source: vscode.Uri.file(lastTracePath), destination: dest });
    assert.deepStrictEqual(fs.readFileSync(dest.fsPath), fs.readFileSync(lastTracePath));
  });

  it('Stop Tracing ends a program that runs forever and keeps its trace', async () => {
    const a = await api();
    const file = path.join(ws(), 'forever.js');
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', vscode.Uri.file(file));
    assert.ok(r && r.tracePath);
    await until('recording', async () => (await a.state()).recording);
    await sleep(1500);
    assert.ok((await a.state()).recording, 'still running before Stop');
    // a trace still being written is not summarized (its running processes would read as killed)
    const early = await vscode.commands.executeCommand('concurrencyTimeline.showSummary', vscode.Uri.file(r.tracePath));
    assert.strictEqual(early, undefined);
    await vscode.commands.executeCommand('concurrencyTimeline.stop');
    await idle();
    const size = fs.statSync(r.tracePath).size;
    assert.ok(size > 100, `trace kept (${size} bytes)`);
  });

  it('closing the terminal stops the program and keeps the trace', async () => {
    const a = await api();
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', vscode.Uri.file(path.join(ws(), 'forever.js')));
    await until('recording', async () => (await a.state()).recording);
    await sleep(1000);
    // the newest one: earlier runs' terminals stay open (finished) until a key is pressed
    const term = await until('the terminal', async () => vscode.window.terminals.filter((t) => t.name === 'Trace: forever.js').pop());
    term.dispose();
    await idle();
    assert.ok(fs.statSync(r.tracePath).size > 100);
  });

  it('forwards what the user types to the program', async () => {
    const a = await api();
    const out = path.join(ws(), 'echoed.txt');
    fs.rmSync(out, { force: true });
    await vscode.commands.executeCommand('concurrencyTimeline.trace', vscode.Uri.file(path.join(ws(), 'echo-stdin.js')));
    await until('recording', async () => (await a.state()).recording);
    const term = await until('the terminal', async () => vscode.window.terminals.filter((t) => t.name === 'Trace: echo-stdin.js').pop());
    await sleep(500);
    term.sendText('hello from the terminal', true);
    await idle();
    assert.strictEqual(fs.readFileSync(out, 'utf8'), 'hello from the terminal\n');
  });

  it('opens a saved trace in the custom editor, and says why a corrupt one cannot be shown', async () => {
    const a = await api();
    const good = path.join(ws(), 'exported.ctrace');
    await vscode.commands.executeCommand('concurrencyTimeline.openTrace', vscode.Uri.file(good));
    await until('the trace editor', async () => (await a.state()).views.some((v) => v.name === 'exported.ctrace' && !v.error));
    const v = (await a.state()).views.find((x) => x.name === 'exported.ctrace');
    assert.strictEqual(v.bytes, fs.statSync(good).size);
    const bad = path.join(ws(), 'corrupt.ctrace');
    fs.writeFileSync(bad, 'this is not a trace at all, just text');
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(bad), 'concurrencyTimeline.traceEditor');
    const e = await until('an error for the corrupt file', async () => (await a.state()).views.find((x) => x.name === 'corrupt.ctrace' && x.error));
    assert.match(e.error, /corrupt\.ctrace/);
    assert.doesNotMatch(e.error, /\n\s+at /, 'a message, not a stack trace');
  });

  it('refuses a file that is not JavaScript or TypeScript without starting anything', async () => {
    const a = await api();
    const before = (await a.state()).lastTracePath;
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', vscode.Uri.file(path.join(ws(), 'notes.txt')));
    assert.strictEqual(r, undefined);
    const s = await a.state();
    assert.strictEqual(s.recording, false);
    assert.strictEqual(s.lastTracePath, before);
  });
});

describe('launch configurations', function () {
  this.timeout(90000);

  it('traces a Node launch configuration with its program, args, cwd, env and envFile', async () => {
    const a = await api();
    const report = path.join(ws(), 'launch-report.json');
    fs.rmSync(report, { force: true });
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', { launchConfig: 'Report launch' });
    assert.ok(r && r.tracePath, 'a trace was started');
    await idle();
    const got = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.deepStrictEqual(got, { args: ['--mode', path.basename(ws())], cwd: path.join(ws(), 'sub'), greeting: 'hello from launch.json', fromEnvFile: 'yes' });
    assert.match(path.basename(r.tracePath), /^Report_launch-\d{8}-\d{6}/);
  });

  it('warns when the agents could not write all of their records, and the trace still opens', async () => {
    const a = await api();
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', { launchConfig: 'Small file limit' });
    assert.ok(r && r.tracePath, 'a trace was started');
    await idle();
    const s = await a.state();
    assert.strictEqual(s.lastTracePath, r.tracePath);
    assert.strictEqual(s.lastWarnings.length, 1, JSON.stringify(s.lastWarnings));
    assert.match(s.lastWarnings[0], /^The trace of Small file limit is missing records\. 2 threads could not write all of their records, because a file size limit was reached \(EFBIG: ulimit -f\)/);
    const view = s.views.find((v) => v.tracePath === r.tracePath);
    assert.ok(view && !view.error, `the timeline shows it: ${JSON.stringify(view)}`);
  });

  it('warns when a Node child the program started left no records', async () => {
    const a = await api();
    const file = path.join(ws(), 'killed-child.js');
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', { kind: 'file', file, cwd: ws() });
    assert.ok(r && r.tracePath, 'a trace was started');
    await idle();
    const s = await a.state();
    assert.strictEqual(s.lastTracePath, r.tracePath);
    assert.strictEqual(s.lastWarnings.length, 1, JSON.stringify(s.lastWarnings));
    assert.match(s.lastWarnings[0], /^The trace of killed-child\.js is missing processes\. 1 Node\.js process ran without being traced: pid \d+ \(.* -e setInterval\(\(\) => \{\}, 1000\), spawned at .*killed-child\.js:2, killed by SIGKILL\)\./);
  });

  it('refuses an attach configuration without starting anything', async () => {
    const a = await api();
    const before = (await a.state()).lastTracePath;
    const r = await vscode.commands.executeCommand('concurrencyTimeline.trace', { launchConfig: 'Attach' });
    assert.strictEqual(r, undefined);
    assert.strictEqual((await a.state()).lastTracePath, before);
  });
});
