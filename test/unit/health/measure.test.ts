// The one health model `kch status` and the dashboard (/api/pipeline, /metrics) share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkaJson } from '../../../src/health/json.js';
import { freshnessSeconds, lagOf, partitionStatus, partitionsOf, rowsPerSecond } from '../../../src/health/measure.js';

test('lag is the log-end offset minus the committed offset', () => {
  assert.deepEqual(partitionStatus(0, 120n, 100n), { partition: 0, committed: 100, end: 120, lag: 20, committedAhead: false });
});

test('a partition the group never committed lags by all of it', () => {
  assert.deepEqual(partitionStatus(3, 7n, undefined), { partition: 3, committed: null, end: 7, lag: 7, committedAhead: false });
});

test('a commit beyond the end (a truncated or recreated topic) is lag 0, noted, never negative', () => {
  assert.deepEqual(partitionStatus(0, 3n, 10n), { partition: 0, committed: 10, end: 3, lag: 0, committedAhead: true });
});

test('partitions come in order, each with its own commit', () => {
  const parts = partitionsOf(new Map([[1, 50n], [0, 120n]]), new Map([[0, 100n]]));
  assert.deepEqual(parts.map((p) => [p.partition, p.lag]), [[0, 20], [1, 50]]);
  assert.deepEqual(partitionsOf(new Map(), new Map()), []);
});

test('freshness is now minus the newest processing_time, floored at 0, null for an empty table', () => {
  assert.equal(freshnessSeconds(10, 1_000, 990), 10);
  // A row stamped a second ahead (clock steps between rows and now()) is fresh, not -1 s old.
  assert.equal(freshnessSeconds(10, 1_000, 1_001), 0);
  assert.equal(freshnessSeconds(0, 1_000, 0), null);
});

test('ingest rate is the last minute\'s arrivals per second, to 2 decimals', () => {
  assert.equal(rowsPerSecond(90), 1.5);
  assert.equal(rowsPerSecond(1), 0.02);
  assert.equal(rowsPerSecond(0), 0);
});

test('the dashboard reports the one health model\'s lag per partition, in snake_case', () => {
  const kafka = kafkaJson(lagOf(new Map([[1, 50n], [0, 120n], [2, 3n]]), new Map([[0, 100n], [1, 50n], [2, 10n]])));
  assert.deepEqual(kafka, {
    messages: 173,
    lag: 20,
    partitions: [
      { partition: 0, end_offset: 120, committed: 100, lag: 20, committed_ahead: false },
      { partition: 1, end_offset: 50, committed: 50, lag: 0, committed_ahead: false },
      { partition: 2, end_offset: 3, committed: 10, lag: 0, committed_ahead: true },
    ],
  });
  assert.deepEqual(kafkaJson(lagOf(new Map(), new Map())), { messages: 0, lag: 0, partitions: [] });
});
