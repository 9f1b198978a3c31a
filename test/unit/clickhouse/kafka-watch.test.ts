// Tests src/clickhouse/embedded/kafka-watch.ts: what the embedded server logs about its Kafka tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaTableWatch, isBrokerUnreachable, type WatchedConsumerRow } from '../../../src/clickhouse/embedded/kafka-watch.js';

const allDown = '[thrd:127.0.0.1:9092/bootstrap]: 1/1 brokers are down\n0. ? @ 0x000000000f03c72c\n1. ? @ 0x1';
const refused = '[thrd:GroupCoordinator]: GroupCoordinator: 127.0.0.1:9092: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT, 1 identical error(s) suppressed)\n0. ? @ 0x1';
const noSpace = 'Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space: while pushing to view default.sales_mv. (NOT_ENOUGH_SPACE), Stack trace (when copying this message, always include the lines below):\n\n0. ? @ 0x1\n (version 26.7.2.1)';
const readOnly = 'Code: 1001. DB::Exception: std::exception. Code: 1001, type: std::__1::filesystem::filesystem_error, e.what() = filesystem error: in create_directories: Read-only file system ["/d/store/x"]';

/** One consumer of default.sales_kafka: its commits, the partitions it holds, its exceptions (Unix seconds). */
function row(commits: number, assigned: number, errors: [number, string][]): WatchedConsumerRow {
  return { database: 'default', table: 'sales_kafka', num_commits: commits, assigned, times: errors.map(([t]) => t), texts: errors.map(([, text]) => text) };
}

test('librdkafka\'s "broker not there" errors are told from write failures', () => {
  for (const reason of ['[thrd:127.0.0.1:9092/bootstrap]: 2/2 brokers are down', refused, 'Local: Broker transport failure', 'Local: All broker connections are down',
    '[thrd:kafka:9092/bootstrap]: kafka:9092/bootstrap: Failed to resolve \'kafka:9092\': Name or service not known', 'Broker: Coordinator load in progress']) {
    assert.equal(isBrokerUnreachable(reason), true, reason);
  }
  for (const reason of ['Cannot reserve 1.00 MiB, not enough space (NOT_ENOUGH_SPACE)', 'filesystem error: in create_directories: Read-only file system ["/d"]',
    'Broker: Unknown topic or partition', 'SASL authentication error: Authentication failed', 'Connect to ipv4#10.0.0.1:9092 failed: Permission denied']) {
    assert.equal(isBrokerUnreachable(reason), false, reason);
  }
});

test('ClickHouse starting before Kafka logs no error; a broker that stays away is a warning after 30 s, and its return is said', () => {
  const watch = new KafkaTableWatch('/d');
  const t0 = 1_000_000_000; // ms; exceptions are in seconds
  const s = (ms: number): number => Math.floor(ms / 1000);
  // The first look, 3 s after start: the consumer has tried and failed for 3 s.
  assert.deepEqual(watch.update([row(0, 0, [[s(t0 - 2000), allDown], [s(t0 - 1000), refused]])], t0), []);
  // Kafka starts within 20 s: the consumer gets its partitions, nothing was worth a line.
  assert.deepEqual(watch.update([row(0, 0, [[s(t0 + 2000), allDown]])], t0 + 3000), []);
  assert.deepEqual(watch.update([row(0, 0, [[s(t0 + 12_000), refused]])], t0 + 15_000), []);
  assert.deepEqual(watch.update([row(0, 1, [[s(t0 + 12_000), refused]])], t0 + 18_000), [], 'a short start-up wait is silent, its end too');
  assert.deepEqual(watch.update([row(1, 1, [[s(t0 + 12_000), refused]])], t0 + 21_000), []);

  const late = new KafkaTableWatch('/d');
  assert.deepEqual(late.update([row(0, 0, [[s(t0 - 1000), allDown]])], t0), []);
  for (let t = t0 + 3000; t < t0 + 30_000; t += 3000) assert.deepEqual(late.update([row(0, 0, [[s(t - 500), allDown]])], t), [], `silent at ${t - t0} ms`);
  const warned = late.update([row(0, 0, [[s(t0 + 29_500), allDown]])], t0 + 30_000);
  assert.equal(warned.length, 1);
  assert.equal(warned[0]!.level, 'warn');
  assert.match(warned[0]!.line, /^Kafka table default\.sales_kafka has not reached Kafka for 31 s since it started: \[thrd:127\.0\.0\.1:9092\/bootstrap\]: 1\/1 brokers are down\. It keeps trying/);
  assert.doesNotMatch(warned[0]!.line, /cannot write/);
  assert.deepEqual(late.update([row(0, 0, [[s(t0 + 32_500), allDown]])], t0 + 33_000), [], 'said once, not every look');
  const back = late.update([row(0, 1, [[s(t0 + 32_500), allDown]])], t0 + 36_000);
  assert.deepEqual(back, [{ level: 'info', line: 'Kafka table default.sales_kafka reaches Kafka again after 37 s; consuming from the last committed offset' }]);
});

test('a table that was consuming and lost the broker is a warning after 20 s, not an error', () => {
  const watch = new KafkaTableWatch();
  assert.deepEqual(watch.update([row(5, 1, [])], 0), []);
  assert.deepEqual(watch.update([row(5, 1, [[2, refused]])], 3000), []);
  assert.deepEqual(watch.update([row(5, 0, [[5, allDown]])], 6000), []);
  assert.deepEqual(watch.update([row(5, 0, [[12, allDown]])], 13_000), [], 'a broker restart of a few seconds is not news');
  const warned = watch.update([row(5, 0, [[21, allDown]])], 22_000);
  assert.deepEqual(warned.map((l) => l.level), ['warn']);
  assert.match(warned[0]!.line, /^Kafka table default\.sales_kafka has not reached Kafka for 20 s: .*brokers are down/);
  assert.deepEqual(watch.update([row(5, 1, [[21, allDown]])], 25_000).map((l) => l.line), ['Kafka table default.sales_kafka reaches Kafka again after 23 s; consuming from the last committed offset']);
  const dropped = 'Disconnected (after 600000ms in state UP)';
  assert.deepEqual(watch.update([row(5, 1, [[27, dropped]])], 28_000), []);
  assert.deepEqual(watch.update([row(5, 1, [[27, dropped]])], 40_000), [], 'a dropped idle connection, made again at once, is not news');
  assert.deepEqual(watch.update([row(5, 1, [[27, dropped]])], 43_000), []);
  assert.deepEqual(watch.update([row(5, 1, [[27, dropped]])], 70_000), []);
});

test('a full disk or a read-only folder is still an error at once, even while Kafka is away', () => {
  const watch = new KafkaTableWatch('/d');
  assert.deepEqual(watch.update([row(3, 1, [])], 0), []);
  const disk = watch.update([row(3, 1, [[2, allDown], [3, noSpace]])], 3000);
  assert.equal(disk.length, 1);
  assert.equal(disk[0]!.level, 'error');
  assert.match(disk[0]!.line, /cannot write what it reads: Cannot reserve 1\.00 MiB.*disk holding \/d is full/);
  assert.deepEqual(watch.update([row(4, 1, [[2, allDown], [3, noSpace]])], 6000).map((l) => l.level), ['info'], 'and it says when it writes again');
  const folder = watch.update([row(4, 1, [[7, readOnly]])], 9000);
  assert.deepEqual(folder.map((l) => l.level), ['error']);
  assert.match(folder[0]!.line, /ClickHouse cannot write \/d: make it writable again/);
});
