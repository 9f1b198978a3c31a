// Tests src/clickhouse/kafka-consumers.ts, which kch verify and the embedded server share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerWatch, describeConsumerEvent, exceptionReason, remedyFor, type ConsumerRow } from '../../../src/clickhouse/kafka-consumers.js';

const noSpace = 'Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space: while pushing to view shop.sales_mv. (NOT_ENOUGH_SPACE), Stack trace (when copying this message, always include the lines below):\n\n0. ? @ 0x1\n (version 26.7.2.1)';
const notPermitted = 'std::exception. Code: 1001, type: std::__1::filesystem::filesystem_error, e.what() = filesystem error: in create_directories: Operation not permitted ["/data/store/07a/x/tmp_insert_1"], Stack trace (when copying this message, always include the lines below):\n\n0. ?';

test('a ClickHouse exception becomes its one meaningful line', () => {
  assert.equal(exceptionReason(noSpace), 'Cannot reserve 1.00 MiB, not enough space: while pushing to view shop.sales_mv. (NOT_ENOUGH_SPACE)');
  assert.equal(exceptionReason(notPermitted), 'filesystem error: in create_directories: Operation not permitted ["/data/store/07a/x/tmp_insert_1"]');
  assert.equal(exceptionReason('Local: Broker transport failure'), 'Local: Broker transport failure');
});

test('a full disk and an unwritable folder come with what to do', () => {
  assert.match(remedyFor(exceptionReason(noSpace), '/d')!, /disk holding \/d is full/);
  assert.match(remedyFor(exceptionReason(notPermitted))!, /cannot write the data folder/);
  assert.equal(remedyFor('Local: Broker transport failure'), undefined);
});

function row(table: string, commits: number, errors: [number, string][]): ConsumerRow {
  return { database: 'shop', table, num_commits: commits, times: errors.map(([t]) => t), texts: errors.map(([, text]) => text) };
}

test('a table is reported once when it starts failing, again only after a while, and when it writes again', () => {
  const watch = new ConsumerWatch(60_000);
  assert.deepEqual(watch.update([row('sales_kafka', 3, [[100, 'old trouble']])], 1_000_000), [], 'errors from before the watch began are history');
  const failing = watch.update([row('sales_kafka', 3, [[100, 'old trouble'], [1000, noSpace]])], 1_001_000);
  assert.equal(failing.length, 1);
  assert.equal(failing[0]!.kind, 'failing');
  assert.match(describeConsumerEvent(failing[0]!, '/d'), /^Kafka table shop\.sales_kafka cannot write what it reads: Cannot reserve .*nothing is committed for rows not written.*disk holding \/d is full/);
  assert.deepEqual(watch.update([row('sales_kafka', 3, [[1003, noSpace]])], 1_004_000), [], 'the same episode is not repeated at once');
  const still = watch.update([row('sales_kafka', 3, [[1070, noSpace]])], 1_071_000);
  assert.equal(still[0]?.kind, 'still-failing');
  const resumed = watch.update([row('sales_kafka', 4, [[1070, noSpace]])], 1_075_000);
  assert.deepEqual(resumed, [{ kind: 'resumed', table: 'shop.sales_kafka', afterMs: 74_000 }]);
  assert.match(describeConsumerEvent(resumed[0]!), /writes again after 74\.0 s/);
  assert.deepEqual(watch.update([row('sales_kafka', 9, [])], 1_080_000), [], 'commits without errors are the normal case');
});

test('consumers of one table are taken together', () => {
  const watch = new ConsumerWatch();
  watch.update([row('t', 1, []), row('t', 1, [])], 0);
  const events = watch.update([row('t', 1, [[5, noSpace]]), row('t', 1, [])], 6000);
  assert.equal(events.length, 1);
  assert.deepEqual(watch.update([row('t', 1, []), row('t', 2, [])], 9000).map((e) => e.kind), ['resumed']);
});
