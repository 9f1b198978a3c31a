/**
 * `--ingest sink` in the plan: the same decoding chain, fed by a Null table in the Kafka table's
 * place; the target and dead-letter tables keep a deduplication window; one ranges table per
 * stream. Exact SQL, as the other plan tests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { ingestOf, planPipeline, type PipelineTarget } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { field } from '../../../src/pipeline/field.js';
import { sales } from '../../../src/pipeline/streams/index.js';
import { ErrorCodes, isKchError } from '../../../src/errors/kch-error.js';

const engine: PipelineTarget = { database: 'shop', brokers: 'k:9092', topicPrefix: '' };
const sink: PipelineTarget = { ...engine, ingest: 'sink' };

test('the sink\'s input is a Null table with the Kafka table\'s name and columns; the views are the engine\'s', () => {
  const byEngine = planPipeline([sales], engine, currentServer).map(render);
  const bySink = planPipeline([sales], sink, currentServer).map(render);
  assert.ok(bySink.includes([
    'CREATE TABLE IF NOT EXISTS shop.sales_kafka',
    '(',
    '    raw String,',
    '    _topic LowCardinality(String),',
    '    _partition UInt64,',
    '    _offset UInt64,',
    '    _timestamp Nullable(DateTime)',
    ')',
    'ENGINE = Null',
  ].join('\n')), bySink.join('\n\n'));
  assert.ok(!bySink.some((sql) => sql.includes('ENGINE = Kafka')));
  for (const view of byEngine.filter((sql) => sql.startsWith('CREATE MATERIALIZED VIEW'))) assert.ok(bySink.includes(view), `the same view: ${view.split('\n')[0]}`);
});

test('target and dead letters remember 1000 blocks; the ranges table keeps the range of each batch for a month', () => {
  const bySink = planPipeline([sales], sink, currentServer).map(render);
  const target = bySink.find((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS shop.sales\n'))!;
  assert.match(target, /\nSETTINGS non_replicated_deduplication_window = 1000$/);
  const deadLetter = bySink.find((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS shop.sales_dead_letter\n'))!;
  assert.match(deadLetter, /\nSETTINGS non_replicated_deduplication_window = 1000$/);
  assert.ok(bySink.includes([
    'CREATE TABLE IF NOT EXISTS shop.sales_sink_ranges',
    '(',
    '    group String,',
    '    partition UInt32,',
    '    first UInt64,',
    '    last UInt64,',
    '    recorded DateTime64(6)',
    ')',
    'ENGINE = ReplacingMergeTree(recorded)',
    'ORDER BY (group, partition, first)',
    'TTL toDateTime(recorded) + INTERVAL 30 DAY',
  ].join('\n')));
  const byEngine = planPipeline([sales], engine, currentServer).map(render);
  assert.ok(!byEngine.some((sql) => sql.includes('deduplication_window') || sql.includes('_sink_ranges')));
});

test('a stream\'s own ingest wins over the pipeline\'s', () => {
  const own = defineStream({ name: 'orders', ingest: 'sink', fields: { id: field.uuid(), at: field.dateTimeText() } });
  assert.equal(ingestOf(own, engine), 'sink');
  assert.equal(ingestOf(sales, engine), 'engine');
  assert.equal(ingestOf(sales, sink), 'sink');
  assert.equal(ingestOf(sales, {}), 'engine');
  const plan = planPipeline([own, sales], engine, currentServer).map(render);
  assert.ok(plan.includes(plan.find((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS shop.orders_kafka'))!));
  assert.match(plan.find((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS shop.orders_kafka'))!, /ENGINE = Null$/);
  assert.match(plan.find((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS shop.sales_kafka'))!, /ENGINE = Kafka\(\)/);
});

test('a server without decoding in views, or a cluster, refuses the sink with a message', () => {
  const refused = (run: () => unknown, pattern: RegExp): void => {
    assert.throws(run, (error: unknown) => isKchError(error) && error.code === ErrorCodes.CLICKHOUSE_UNSUPPORTED && pattern.test(error.message));
  };
  refused(() => planPipeline([sales], sink, featuresForVersion('24.8.1')), /ingest 'sink' needs ClickHouse 25\.8 or later.*this server is 24\.8\.1/);
  refused(() => planPipeline([sales], { ...sink, cluster: { name: 'c1', path: '/p', replica: '{replica}' } }, currentServer), /on a cluster is not built yet/);
});

test('defineStream names a wrong ingest', () => {
  assert.throws(() => defineStream({ name: 'x', ingest: 'kafka' as never, fields: { a: field.uuid() } }), /stream x: ingest must be 'engine' or 'sink', got "kafka"/);
});
