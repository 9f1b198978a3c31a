import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field } from '../../../src/pipeline/field.js';
import { resolvePipeline, resolveStream } from '../../../src/pipeline/resolve.js';
import { defineStream, type StreamDefinition } from '../../../src/pipeline/stream.js';
import { sales, streams, warehouse } from '../../../src/pipeline/streams/index.js';
import { TableRef } from '../../../src/pipeline/table-ref.js';

const sql = (ref: TableRef): string => ref.toSql();

test('every object of a stream is resolved once, in the pipeline\'s database, its topic and group under the prefix', () => {
  const s = resolveStream(warehouse, { database: 'shop', topicPrefix: 'test_' });
  assert.deepEqual([s.topic, s.group], ['test_warehouse', 'test_clickhouse_warehouse_consumer']);
  assert.deepEqual(
    [s.kafkaTable, s.target, s.view, s.deadLetter, s.deadLetterView, s.decoded, s.decodeView, s.dedupView, s.sinkRanges].map(sql),
    ['shop.warehouse_kafka', 'shop.stock_movements', 'shop.stock_movements_mv', 'shop.warehouse_dead_letter', 'shop.warehouse_dead_letter_mv',
      'shop.warehouse_decoded', 'shop.warehouse_decode_mv', 'shop.stock_movements_dedup', 'shop.warehouse_sink_ranges'],
  );
  // On one server the rows live in the tables themselves.
  assert.deepEqual([s.stored.target, s.stored.deadLetter, s.stored.sinkRanges].map(sql), ['shop.stock_movements', 'shop.warehouse_dead_letter', 'shop.warehouse_sink_ranges']);
});

test('on a cluster the rows live in the local tables behind the Distributed ones, which keep the names users know', () => {
  const s = resolveStream(sales, { database: 'shop', topicPrefix: '', cluster: { name: 'c1' } });
  assert.equal(sql(s.target), 'shop.sales');
  assert.deepEqual([s.stored.target, s.stored.deadLetter, s.stored.sinkRanges].map(sql), ['shop.sales_local', 'shop.sales_dead_letter_local', 'shop.sales_sink_ranges_local']);
  assert.equal(sql(s.kafkaTable), 'shop.sales_kafka');
});

test('a pipeline resolves each of its streams, in order, for its one target', () => {
  const target = { database: 'default', topicPrefix: 'p_', brokers: 'k:9092' };
  const pipeline = resolvePipeline({ target, streams });
  assert.equal(pipeline.target, target);
  assert.deepEqual(pipeline.streams.map((s) => [s.stream.name, s.topic]), [['sales', 'p_sales'], ['warehouse', 'p_warehouse']]);
});

test('every target has the arrivals projection, then the stream\'s own: the seed\'s declare the dashboard\'s', () => {
  const names = (s: StreamDefinition): string[] => resolveStream(s, { database: 'default', topicPrefix: '' }).projections.map((p) => p.name);
  assert.deepEqual(names(sales), ['arrivals_per_second', 'sales_per_hour']);
  assert.deepEqual(names(warehouse), ['arrivals_per_second', 'movements_per_hour', 'movements_per_warehouse']);
  // A stream of one's own named like the seed's gets no projection of the seed's by its name.
  assert.deepEqual(names(defineStream({ name: 'sales', fields: { event_time: field.dateTimeText(), quantity: field.int('UInt32'), total: field.int('UInt64') } })), ['arrivals_per_second']);
});

test('a name that is not a plain identifier is back-quoted; a plain one stays bare', () => {
  assert.equal(new TableRef('shop', 'sales').toSql(), 'shop.sales');
  assert.equal(new TableRef('my-shop', 'sales').toSql(), '`my-shop`.sales');
  assert.equal(new TableRef('db', 'we`ird.name').toSql(), 'db.`we\\`ird.name`');
});
