// How counts and ratios read wherever they are shown (src/protocol/figures.ts): in words, and small
// ratios with their significant digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countOf, formatRatioFigure, outlivedBy } from '../../src/protocol/figures';

test('a count reads with its noun, singular for exactly one', () => {
  assert.deepEqual(
    [countOf(0, 'event'), countOf(1, 'process', 'processes'), countOf(2, 'process', 'processes'), countOf(1204, 'message'), countOf(1, 'crash', 'crashes')],
    ['0 events', '1 process', '2 processes', '1,204 messages', '1 crash'],
  );
});

test('a ratio keeps two significant digits below 1, rounds from 10 on, and says when it is missing', () => {
  assert.deepEqual(
    [formatRatioFigure(8e-3 / 12), formatRatioFigure(0.5), formatRatioFigure(1.234), formatRatioFigure(12.6), formatRatioFigure(1234.4), formatRatioFigure(0), formatRatioFigure(null)],
    ['0.00067x', '0.5x', '1.23x', '13x', '1,234x', '0x', '-'],
  );
  assert.equal(formatRatioFigure(8e-3 / 12, '×', '–'), '0.00067×');
  assert.equal(formatRatioFigure(null, '×', '–'), '–');
});

test('what outlived a crash reads in words', () => {
  assert.deepEqual(
    [outlivedBy([]), outlivedBy([{ threadId: -1 }]), outlivedBy([{ threadId: -1 }, { threadId: 1 }, { threadId: 2 }]), outlivedBy([{ threadId: 0 }])],
    ['nothing ran on after it', 'outlived by 1 process', 'outlived by 1 process and 2 threads', 'outlived by 1 thread'],
  );
});
