import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lagOf } from '../../../src/dashboard/health.js';

test('lag per partition is the log-end offset minus the committed offset', () => {
  const kafka = lagOf(new Map([[1, 50n], [0, 120n]]), new Map([[0, 100n], [1, 50n]]));
  assert.deepEqual(kafka, {
    messages: 170,
    lag: 20,
    partitions: [
      { partition: 0, end_offset: 120, committed: 100, lag: 20 },
      { partition: 1, end_offset: 50, committed: 50, lag: 0 },
    ],
  });
});

test('a partition the group never committed lags by all of it', () => {
  assert.deepEqual(lagOf(new Map([[0, 7n]]), new Map()).partitions, [{ partition: 0, end_offset: 7, committed: null, lag: 7 }]);
});

test('a commit past the end (a recreated topic) is no negative lag', () => {
  assert.equal(lagOf(new Map([[0, 3n]]), new Map([[0, 10n]])).lag, 0);
});

test('a topic that does not exist yet has no messages and no lag', () => {
  assert.deepEqual(lagOf(new Map(), new Map()), { messages: 0, lag: 0, partitions: [] });
});
