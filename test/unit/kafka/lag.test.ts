import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionLag } from '../../../src/kafka/lag.js';

test('lag: end minus committed, everything for a group that never committed, never negative', () => {
  assert.equal(partitionLag(120n, 100n), 20);
  assert.equal(partitionLag(120n, undefined), 120);
  assert.equal(partitionLag(120n, 150n), 0, 'a commit past the end (a topic made again) is no lag');
});
