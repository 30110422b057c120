// What the extension-host suites share: the extension's id, the test workspace, and waiting for a
// condition (the host runs programs and webviews asynchronously; tests poll what they can observe).
const vscode = require('vscode');

const ID = 'concurrency-timeline.concurrency-timeline';
const ws = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 45000) {
  const t = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

module.exports = { ID, ws, sleep, until };
