// Entry point for extensionTestsPath (code-server here, @vscode/test-electron with `npm run test:desktop`):
// runs every *.test.js beside it with mocha inside the extension host, where require('vscode') works.
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      console.log(`EXTHOST-MOCHA: ${failures} failed`);
      failures ? reject(new Error(`${failures} test(s) failed`)) : resolve();
    });
  });
};
