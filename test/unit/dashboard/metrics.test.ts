import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineHealth, StreamTable } from '../../../src/health/wire.js';
import { escapeLabel, renderMetrics } from '../../../src/dashboard/metrics.js';

const health: PipelineHealth = {
  checked_at: '2026-01-01T00:00:00.000Z',
  database: 'default',
  topic_prefix: '',
  window_minutes: 1,
  services: { clickhouse: { up: true, error: null, code: null }, kafka: { up: true, error: null, code: null } },
  database_exists: true,
  streams: [{
    name: 'sales', topic: 'sales', group: 'clickhouse_sales_consumer', ingest: 'sink', table: 'sales', dead_letter_table: 'sales_dead_letter',
    kafka: { messages: 12, lag: 2, partitions: [{ partition: 0, end_offset: 10, committed: 8, lag: 2, committed_ahead: false }, { partition: 1, end_offset: 2, committed: null, lag: 2, committed_ahead: false }] },
    clickhouse: { exists: true, rows: 8, dead_letters: 1, newest_row_at: '2026-01-01T00:00:00.000Z', freshness_seconds: 3, rows_per_second: 0.5, ingest: { minutes: [], rows: [] },
      recent: { window_seconds: 300, rows: 6, dead_letters: 1, newest_error: 'quantity: must be between 1 and 100' } },
    problems: [],
  }],
  cluster: null,
  replicas: null,
};

test('the exposition has HELP and TYPE for each metric and one sample per stream and partition', () => {
  assert.equal(renderMetrics(health), `# HELP kch_service_up Whether the dashboard could reach the service at the last scrape (1) or not (0).
# TYPE kch_service_up gauge
kch_service_up{service="clickhouse"} 1
kch_service_up{service="kafka"} 1
# HELP kch_database_exists Whether the pipeline's database exists in ClickHouse (1) or not (0: kch migrate creates it); absent while ClickHouse does not answer.
# TYPE kch_database_exists gauge
kch_database_exists{database="default"} 1
# HELP kch_stream_kafka_messages Messages written to the stream's topic: its log-end offsets summed over partitions.
# TYPE kch_stream_kafka_messages gauge
kch_stream_kafka_messages{stream="sales",topic="sales"} 12
# HELP kch_stream_kafka_end_offset Log-end offset of one partition of the stream's topic.
# TYPE kch_stream_kafka_end_offset gauge
kch_stream_kafka_end_offset{stream="sales",topic="sales",partition="0"} 10
kch_stream_kafka_end_offset{stream="sales",topic="sales",partition="1"} 2
# HELP kch_stream_kafka_committed_offset Offset the ClickHouse consumer group committed on one partition (absent before its first commit).
# TYPE kch_stream_kafka_committed_offset gauge
kch_stream_kafka_committed_offset{stream="sales",topic="sales",partition="0",group="clickhouse_sales_consumer"} 8
# HELP kch_stream_consumer_lag Messages of one partition not yet committed by the ClickHouse consumer group (log-end minus committed offset).
# TYPE kch_stream_consumer_lag gauge
kch_stream_consumer_lag{stream="sales",topic="sales",partition="0",group="clickhouse_sales_consumer"} 2
kch_stream_consumer_lag{stream="sales",topic="sales",partition="1",group="clickhouse_sales_consumer"} 2
# HELP kch_stream_rows Rows in the stream's target table.
# TYPE kch_stream_rows gauge
kch_stream_rows{stream="sales",table="sales"} 8
# HELP kch_stream_dead_letters Rows in the stream's dead-letter table: messages that failed to parse or validate.
# TYPE kch_stream_dead_letters gauge
kch_stream_dead_letters{stream="sales",table="sales_dead_letter"} 1
# HELP kch_stream_ingest_rows_per_second Rows that reached the target table over the last minute (by processing_time), per second.
# TYPE kch_stream_ingest_rows_per_second gauge
kch_stream_ingest_rows_per_second{stream="sales",table="sales"} 0.5
# HELP kch_stream_ingest Always 1: how the stream's messages reach ClickHouse, in the label ingest (engine: its Kafka table; sink: kch sink, exactly once).
# TYPE kch_stream_ingest gauge
kch_stream_ingest{stream="sales",ingest="sink"} 1
# HELP kch_stream_freshness_seconds Age of the newest row in the target table: now minus when it landed (processing_time), by the ClickHouse server's clock.
# TYPE kch_stream_freshness_seconds gauge
kch_stream_freshness_seconds{stream="sales",table="sales"} 3
# HELP kch_stream_recent_messages Messages that reached the stream's tables over the last window_seconds (rows by processing_time, dead letters by seen_at).
# TYPE kch_stream_recent_messages gauge
kch_stream_recent_messages{stream="sales",window_seconds="300"} 7
# HELP kch_stream_recent_dead_letters Of those, the dead letters.
# TYPE kch_stream_recent_dead_letters gauge
kch_stream_recent_dead_letters{stream="sales",window_seconds="300"} 1
# HELP kch_stream_mostly_dead_letters Whether most of those messages are dead letters (1), kch status's reason to call the stream unhealthy, or not (0).
# TYPE kch_stream_mostly_dead_letters gauge
kch_stream_mostly_dead_letters{stream="sales"} 0
# HELP kch_replica_up Whether a server of the ClickHouse cluster answered at the last scrape (1) or not (0); clusters only (--cluster).
# TYPE kch_replica_up gauge
# HELP kch_replica_rows Rows of the stream's target held by one server of the cluster (its local table).
# TYPE kch_replica_rows gauge
# HELP kch_replica_dead_letters Rows of the stream's dead-letter table held by one server of the cluster (its local table).
# TYPE kch_replica_dead_letters gauge
# HELP kch_replica_lag Messages waiting in the partitions one server of the cluster consumes (where it or Kafka tells which).
# TYPE kch_replica_lag gauge
`);
});

test('on a cluster each server is up or down, with what it holds of each stream; one that is down holds nothing known', () => {
  const text = renderMetrics({
    ...health,
    cluster: 'c1',
    replicas: [
      { host: 'ch-1:9000', shard: 1, up: true, error: null, streams: [{ name: 'sales', rows: 5, dead_letters: 1, partitions: [0], lag: 3 }, { name: 'warehouse', rows: 2, dead_letters: 0, partitions: null, lag: null }] },
      { host: 'ch-2:9000', shard: 1, up: false, error: 'Connection refused', streams: [] },
    ],
  });
  const replicaLines = text.split('\n').filter((l) => l.startsWith('kch_replica_'));
  assert.deepEqual(replicaLines, [
    'kch_replica_up{cluster="c1",replica="ch-1:9000",shard="1"} 1',
    'kch_replica_up{cluster="c1",replica="ch-2:9000",shard="1"} 0',
    'kch_replica_rows{cluster="c1",replica="ch-1:9000",shard="1",stream="sales"} 5',
    'kch_replica_rows{cluster="c1",replica="ch-1:9000",shard="1",stream="warehouse"} 2',
    'kch_replica_dead_letters{cluster="c1",replica="ch-1:9000",shard="1",stream="sales"} 1',
    'kch_replica_dead_letters{cluster="c1",replica="ch-1:9000",shard="1",stream="warehouse"} 0',
    // Only where it is known which partitions the server consumes.
    'kch_replica_lag{cluster="c1",replica="ch-1:9000",shard="1",stream="sales"} 3',
  ]);
});

test('a service that did not answer is 0 and its metrics are left out, not zero', () => {
  const text = renderMetrics({
    ...health,
    services: { clickhouse: { up: false, error: 'down', code: 'KCH_CLICKHOUSE_UNREACHABLE' }, kafka: { up: false, error: 'down', code: null } },
    database_exists: null,
    streams: health.streams.map((s) => ({ ...s, kafka: null, clickhouse: null })),
  });
  assert.match(text, /^kch_service_up\{service="clickhouse"\} 0$/m);
  assert.match(text, /^kch_service_up\{service="kafka"\} 0$/m);
  // The transport is configuration, known without asking either service.
  assert.match(text, /^kch_stream_ingest\{stream="sales",ingest="sink"\} 1$/m);
  assert.equal(text.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('kch_service_up') && !l.startsWith('kch_stream_ingest{')).length, 0);
});

test('a ClickHouse that answers without the pipeline\'s database is up, the database missing said apart', () => {
  const text = renderMetrics({ ...health, database: 'shop', database_exists: false, streams: health.streams.map((s) => ({ ...s, clickhouse: { exists: false as const } })) });
  assert.match(text, /^kch_service_up\{service="clickhouse"\} 1$/m);
  assert.match(text, /^kch_database_exists\{database="shop"\} 0$/m);
  assert.doesNotMatch(text, /^kch_stream_rows/m, 'no table, no rows: not zero rows');
});

test('a stream whose recent messages are mostly dead letters says so, as kch status does (the same judgement)', () => {
  const failing = health.streams.map((s) => ({ ...s, clickhouse: { ...s.clickhouse as StreamTable, recent: { window_seconds: 300, rows: 0, dead_letters: 40, newest_error: 'not JSON' } } }));
  const text = renderMetrics({ ...health, streams: failing });
  assert.match(text, /^kch_stream_recent_messages\{stream="sales",window_seconds="300"\} 40$/m);
  assert.match(text, /^kch_stream_recent_dead_letters\{stream="sales",window_seconds="300"\} 40$/m);
  assert.match(text, /^kch_stream_mostly_dead_letters\{stream="sales"\} 1$/m);
});

test('label values escape backslash, quote and newline', () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});
