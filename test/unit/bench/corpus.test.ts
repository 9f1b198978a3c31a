import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkLines } from '../../../src/bench/corpus.js';

test('a corpus splits into chunks of whole lines, the last one shorter', () => {
  const text = Buffer.from('a\nbb\nccc\ndddd\ne\n');
  assert.deepEqual(chunkLines(text, 2).map(String), ['a\nbb\n', 'ccc\ndddd\n', 'e\n']);
  assert.deepEqual(chunkLines(text, 10).map(String), ['a\nbb\nccc\ndddd\ne\n']);
  assert.deepEqual(chunkLines(Buffer.from('x\ny'), 1).map(String), ['x\n', 'y']);
});
