import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameLocation, throwSite } from '../../src/agent/callsite';

test('a formatted frame is read as the stack-trace pattern reads it, without touching RegExp statics', () => {
  const pattern = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;
  const lines = [
    '    at main (/app/src/main.js:12:5)',
    '    at /app/src/main.js:3:9',
    '    at async Promise.all (index 0)',
    '    at new Worker (node:internal/worker:240:20)',
    '    at Object.<anonymous> (/a b/(x)/file.js:1:2)',
    '    at file:///srv/app/esm.mjs:7:11',
    '    at fn (file:///C:/app/x.js:10:1)',
    '    at C:\\app\\win.js:4:2',
    '    at eval (eval at <anonymous> (/a.js:1:1), <anonymous>:1:1)',
    'Error: boom',
    '    at <anonymous>',
    'at /no/indent.js:1:1',
    '    at f (/a.js:1)',
  ];
  for (const line of lines) {
    const m = pattern.exec(line);
    assert.deepEqual(frameLocation(line), m ? { file: m[1], line: m[2], column: m[3] } : undefined, line);
  }
  /(ab)c/.exec('xabcx');
  const err = new Error('late');
  assert.equal(throwSite(err), `${__filename}:${err.stack!.split('\n')[1].split(':').at(-2)}:${err.stack!.split('\n')[1].split(':').at(-1)!.replace(')', '')}`);
  assert.deepEqual([RegExp.$1, RegExp.lastMatch, RegExp.input], ['ab', 'abc', 'xabcx']);
});
