// Editor hints as a user edits and switches traces, inside a real extension host: two traces of the
// examples are recorded with the CLI and opened in the trace editor. A hint follows its line while the
// file is edited and goes back when the edit is reverted; when the newest trace's timeline closes, the
// hints of the trace still open come back (they used to be gone until that trace was reopened).
const assert = require('assert');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { ID, ws, until } = require('./helpers');

const REVEAL = 'concurrencyTimeline.revealEvent';
const EXT = path.resolve(__dirname, '..', '..', '..');

function record(example, dir) {
  const out = path.join(dir, `${example}.ctrace`);
  execFileSync(process.execPath, [path.join(EXT, 'dist', 'cli.js'), 'record', '-o', out, '--', process.execPath, path.join(ws(), 'examples', example, 'main.js')], { cwd: ws(), stdio: 'pipe', timeout: 120000 });
  return vscode.Uri.file(out);
}

async function lensesOf(doc) {
  const all = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri)) || [];
  return all.filter((l) => l.command && l.command.command === REVEAL);
}

const lineOf = (doc, needle) => doc.getText().split('\n').findIndex((l) => l.includes(needle));

async function closeTab(uri) {
  for (const g of vscode.window.tabGroups.all)
    for (const t of g.tabs) if (t.input && t.input.uri && t.input.uri.fsPath === uri.fsPath) await vscode.window.tabGroups.close(t);
}

describe('Editor hints follow edits and the open traces (in the extension host)', function () {
  this.timeout(180000);
  let dir;
  let workers;
  let mutex;
  before(async () => {
    await vscode.extensions.getExtension(ID).activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrace-hints-'));
    workers = record('workers', dir);
    mutex = record('shared-mutex', dir);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a hint stays on its statement when lines are added above it, and goes back when the edit is reverted', async () => {
    await vscode.commands.executeCommand('vscode.openWith', workers, 'concurrencyTimeline.traceEditor');
    const doc = await vscode.workspace.openTextDocument(path.join(ws(), 'examples', 'workers', 'main.js'));
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
    const line = lineOf(doc, 'new Worker(');
    const hintAt = async () => (await lensesOf(doc)).find((l) => /^created 2 workers/.test(l.command.title));
    const first = await until('the creation hint', hintAt);
    assert.strictEqual(first.range.start.line, line, 'the hint is at the `new Worker(` line');
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// one\n// two\n// three\n'));
    assert.strictEqual(lineOf(doc, 'new Worker('), line + 3);
    const moved = await until('the hint to move with its line', async () => {
      const l = await hintAt();
      return l && l.range.start.line === line + 3 && l;
    }, 10000).catch(async () => hintAt());
    assert.strictEqual(moved.range.start.line, line + 3, `the hint stayed on line ${moved.range.start.line + 1} ("${doc.lineAt(moved.range.start.line).text.trim()}") instead of following \`new Worker(\``);
    // typing inside the hint's own line leaves it there
    await editor.edit((e) => e.insert(new vscode.Position(line + 3, doc.lineAt(line + 3).text.length), ' // note'));
    assert.strictEqual((await hintAt()).range.start.line, line + 3);
    // the revert command acts on the active editor: the trace editor may have taken focus meanwhile
    await vscode.window.showTextDocument(doc, editor.viewColumn);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await until('the document to be reverted', async () => !doc.isDirty && lineOf(doc, 'new Worker(') === line);
    const back = await until('the hint back at its line', async () => {
      const l = await hintAt();
      return l && l.range.start.line === line && l;
    }, 10000);
    assert.strictEqual(back.range.start.line, line);
  });

  it('closing the newest trace brings back the hints of the trace still open', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(ws(), 'examples', 'workers', 'main.js'));
    await until('the workers hints', async () => (await lensesOf(doc)).length > 0);
    await vscode.commands.executeCommand('vscode.openWith', mutex, 'concurrencyTimeline.traceEditor');
    const mutexDoc = await vscode.workspace.openTextDocument(path.join(ws(), 'examples', 'shared-mutex', 'main.js'));
    await until('the shared-mutex hints', async () => (await lensesOf(mutexDoc)).length > 0);
    assert.strictEqual((await lensesOf(doc)).length, 0, 'the newest trace wins: no hints of the older one');
    await closeTab(mutex);
    await until('the shared-mutex hints to go', async () => (await lensesOf(mutexDoc)).length === 0, 10000);
    const back = await until('the workers trace\'s hints to come back', async () => (await lensesOf(doc)).length > 0, 10000).catch(() => false);
    assert.ok(back, 'the workers trace is still open, but its hints did not come back');
    // and a click still reveals its event on the workers timeline
    const lens = (await lensesOf(doc)).find((l) => /^created 2 workers/.test(l.command.title));
    assert.strictEqual(await vscode.commands.executeCommand(REVEAL, ...lens.command.arguments), true);
  });
});
