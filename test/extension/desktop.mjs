// `npm run test:desktop`: the same in-host mocha suite (test/extension/suite) in desktop VS Code, through
// @vscode/test-electron, for contributors with network access (it downloads VS Code on first use).
// CI runs the suite in code-server instead (test/extension/run.sh), because that download is not possible there.
// Needs: npm install --no-save @vscode/test-electron
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let runTests;
try {
  ({ runTests } = await import('@vscode/test-electron'));
} catch {
  console.error('@vscode/test-electron is not installed. Run: npm install --no-save @vscode/test-electron  (it downloads VS Code, so it needs network access)');
  process.exit(1);
}
// The suite expects a workspace with the examples and its small programs, as run-tests.mjs prepares.
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-desktop-'));
fs.cpSync(path.join(root, 'examples'), path.join(ws, 'examples'), { recursive: true });
fs.cpSync(path.join(root, 'test', 'extension', 'workspace'), ws, { recursive: true });
try {
  await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'test', 'extension', 'suite', 'index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
  console.log('RESULT: desktop suite passed');
} catch (e) {
  console.error(`desktop suite failed: ${e.message ?? e}`);
  process.exit(1);
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
}
