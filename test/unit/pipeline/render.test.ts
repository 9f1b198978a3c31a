import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { field } from '../../../src/pipeline/field.js';
import { planPipeline, planStream, type Statement } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream, type StreamDefinition } from '../../../src/pipeline/stream.js';
import { sales, streams, warehouse } from '../../../src/pipeline/streams/index.js';

const target = { database: 'default', brokers: 'kafka:29092', topicPrefix: '' };
/** A server with strict JSON input that does not decode in the views: the Kafka engine parses. */
const engineParsing = featuresForVersion('25.3.1');

function find<K extends Statement['kind']>(plan: Statement[], kind: K, name: string): Extract<Statement, { kind: K }> {
  const found = plan.find((s) => s.kind === kind && ('table' in s ? s.table === name : 'view' in s ? s.view === name : false));
  assert.ok(found, `${kind} ${name} in plan`);
  return found as Extract<Statement, { kind: K }>;
}

test('the sales target table keeps the seed\'s name, partitioning and sorting key', () => {
  const plan = planStream(sales, target, currentServer);
  assert.equal(render(find(plan, 'create-merge-tree', 'sales')), `CREATE TABLE IF NOT EXISTS default.sales
(
    event_id UUID,
    event_type LowCardinality(String),
    event_time DateTime,
    product_id UInt32,
    product_name String,
    category LowCardinality(String),
    quantity UInt32,
    price Decimal(18, 2),
    discount Decimal(9, 2),
    total Decimal(18, 2),
    store_id UInt16,
    cashier_id UInt16,
    customer_id UUID,
    processing_time DateTime DEFAULT now(),
    PROJECTION arrivals_per_second (SELECT processing_time, count() GROUP BY processing_time),
    PROJECTION sales_per_hour (SELECT toStartOfHour(event_time), sum(quantity), sum(total), count() GROUP BY toStartOfHour(event_time))
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(event_time)
ORDER BY (event_time, product_id)`);
});

test('the target tables carry the dashboard\'s projections from 23.8 on, and none before', () => {
  const names = (version: string | undefined, stream: StreamDefinition = warehouse): string[] =>
    find(planStream(stream, target, version ? featuresForVersion(version) : currentServer), 'create-merge-tree', stream.target).projections?.map((p) => p.name) ?? [];
  assert.deepEqual(names(undefined), ['arrivals_per_second', 'movements_per_hour', 'movements_per_warehouse']);
  assert.deepEqual(names('23.8.2'), ['arrivals_per_second', 'movements_per_hour', 'movements_per_warehouse']);
  assert.deepEqual(names('23.3.1'), []);
  assert.deepEqual(names('18.16.1', sales), []);
  assert.doesNotMatch(render(find(planStream(sales, target, featuresForVersion('21.8.1')), 'create-merge-tree', 'sales')), /PROJECTION/);
  // Dead-letter tables are written rarely and read whole: no projections.
  assert.equal(find(planStream(sales, target, currentServer), 'create-merge-tree', 'sales_dead_letter').projections, undefined);
  const table = render(find(planStream(warehouse, target, currentServer), 'create-merge-tree', 'stock_movements'));
  assert.match(table, /processing_time DateTime DEFAULT now\(\),\n    PROJECTION arrivals_per_second \(SELECT processing_time, count\(\) GROUP BY processing_time\),\n    PROJECTION movements_per_hour \(/);
});

test('a stream\'s own projections are rendered as the seed\'s are, after the arrivals', () => {
  const orders = defineStream({ name: 'orders', fields: { at: field.dateTimeText(), shop: field.int('UInt16'), n: field.int('UInt32') }, time: 'at', projections: [{ name: 'per_shop', select: 'SELECT shop, sum(n) GROUP BY shop' }] });
  const table = render(find(planStream(orders, target, currentServer), 'create-merge-tree', 'orders'));
  assert.match(table, /PROJECTION arrivals_per_second \(SELECT processing_time, count\(\) GROUP BY processing_time\),\n    PROJECTION per_shop \(SELECT shop, sum\(n\) GROUP BY shop\)\n\)/);
  assert.doesNotMatch(render(find(planStream(orders, target, featuresForVersion('23.3.1')), 'create-merge-tree', 'orders')), /PROJECTION/);
});

test('the Kafka table uses the seed\'s topic, group and format, and the error stream where the Kafka engine parses', () => {
  const sql = render(find(planStream(sales, target, engineParsing), 'create-kafka-table', 'sales_kafka'));
  assert.match(sql, /^CREATE TABLE IF NOT EXISTS default\.sales_kafka\n\(\n    event_id String,/);
  assert.match(sql, /ENGINE = Kafka\(\)\nSETTINGS\n    kafka_broker_list = 'kafka:29092',\n    kafka_topic_list = 'sales',\n    kafka_group_name = 'clickhouse_sales_consumer',\n    kafka_format = 'JSONEachRow',/);
  assert.match(sql, /kafka_handle_error_mode = 'stream'/);
  assert.match(sql, /price Decimal\(18, 2\)/, 'money is parsed as Decimal from the JSON text, not through Float64');
  assert.match(sql, /product_id Int64/, 'integers are parsed wide so that out-of-range values reach the checks');
});

test('warehouse events go to stock_movements through stock_movements_mv, as in the seed', () => {
  const plan = planStream(warehouse, target, currentServer);
  const view = find(plan, 'create-materialized-view', 'stock_movements_mv');
  assert.equal(view.to, 'stock_movements');
  assert.equal(view.from, 'warehouse_decoded');
  assert.equal(find(plan, 'create-materialized-view', 'warehouse_decode_mv').from, 'warehouse_kafka');
  assert.equal(find(planStream(warehouse, target, engineParsing), 'create-materialized-view', 'stock_movements_mv').from, 'warehouse_kafka');
  assert.match(render(view), /^CREATE MATERIALIZED VIEW IF NOT EXISTS default\.stock_movements_mv TO default\.stock_movements AS\nSELECT\n/);
  const kafka = find(plan, 'create-kafka-table', 'warehouse_kafka');
  assert.equal(kafka.settings.kafka_group_name, 'clickhouse_warehouse_consumer');
});

test('the target view filters on parse errors and every field check, inside a subquery', () => {
  const sql = render(find(planStream(sales, target, engineParsing), 'create-materialized-view', 'sales_mv'));
  assert.match(sql, /FROM\n\(\n    SELECT\n        event_id,\n/);
  assert.match(sql, /WHERE length\(_error\) = 0 AND \(isNotNull\(toUUIDOrNull\(event_id\)\)\) AND \(event_type = 'sale'\)/);
  assert.match(sql, /ifNull\(parseDateTimeBestEffortOrNull\(event_time\), toDateTime\(0\)\) AS event_time/);
});

test('the dead-letter view takes exactly the rows the target view rejects', () => {
  const plan = planStream(sales, target, engineParsing);
  const good = find(plan, 'create-materialized-view', 'sales_mv');
  const bad = find(plan, 'create-materialized-view', 'sales_dead_letter_mv');
  const checks = good.where.replace(/^length\(_error\) = 0 AND /, '');
  assert.equal(bad.where, `NOT (length(_error) = 0) OR NOT (${checks})`);
  assert.deepEqual(bad.select.map((s) => s.alias), ['raw', 'error', 'topic', 'partition', 'offset', 'kafka_timestamp', 'seen_at', 'replayed']);
});

test('where the Kafka engine parses, the target view is attached before the dead-letter view', () => {
  const kinds = planStream(sales, target, engineParsing).map((s) => ('view' in s ? s.view : 'table' in s ? s.table : s.kind));
  assert.deepEqual(kinds, ['sales', 'sales_dead_letter', 'sales_kafka', 'sales_mv', 'sales_dead_letter_mv', 'sales_dedup']);
});

test('each target has a deduplicated view that keeps one row per event_id, on 18.16 as on current servers', () => {
  for (const features of [currentServer, featuresForVersion('18.16.1')]) {
    const view = planStream(warehouse, target, features).find((s) => s.kind === 'create-view');
    assert.ok(view, `a dedup view for ${features.version}`);
    assert.equal(render(view), `CREATE VIEW IF NOT EXISTS default.stock_movements_dedup AS
SELECT *
FROM default.stock_movements
LIMIT 1 BY event_id`);
  }
});

test('ClickHouse 18.16 gets plain String, no error stream, and flat views', () => {
  const old = featuresForVersion('18.16.1');
  const plan = planStream(sales, target, old);
  const table = render(find(plan, 'create-merge-tree', 'sales'));
  assert.doesNotMatch(table, /LowCardinality/);
  const kafka = render(find(plan, 'create-kafka-table', 'sales_kafka'));
  assert.doesNotMatch(kafka, /kafka_handle_error_mode|kafka_skip_broken_messages|kafka_flush_interval_ms/);
  const view = render(find(plan, 'create-materialized-view', 'sales_mv'));
  assert.doesNotMatch(view, /\(\n    SELECT/, 'no subquery');
  assert.doesNotMatch(view, /WHERE/, 'no filter that the converting aliases would shadow');
  assert.match(view, /toUUID\(if\(match\(event_id, /, 'a conversion that cannot throw');
  const deadLetter = render(find(plan, 'create-materialized-view', 'sales_dead_letter_mv'));
  assert.match(deadLetter, /'sales' AS topic/);
  assert.match(deadLetter, /\nWHERE NOT \(/);
});

test('a database other than default is created first and prefixes every object', () => {
  const plan = planPipeline(streams, { ...target, database: 'shop', topicPrefix: 'test_' }, currentServer);
  assert.equal(render(plan[0]!), 'CREATE DATABASE IF NOT EXISTS shop');
  const kafka = find(plan, 'create-kafka-table', 'sales_kafka');
  assert.equal(kafka.settings.kafka_topic_list, 'test_sales');
  assert.equal(kafka.settings.kafka_group_name, 'test_clickhouse_sales_consumer');
  for (const statement of plan.slice(1)) assert.match(render(statement), /shop\./);
});

test('a third stream is one new definition: the planner needs nothing else', () => {
  const returns = defineStream({
    name: 'returns',
    description: 'Goods brought back.',
    fields: { event_id: field.uuid(), event_time: field.dateTimeText(), amount: field.decimal({ precision: 18, scale: 2, min: 0, max: 1e6 }) },
    orderBy: ['event_time'],
  });
  const plan = planStream(returns, target, currentServer);
  assert.deepEqual(plan.map((s) => ('view' in s ? s.view : 'table' in s ? s.table : '')), ['returns', 'returns_dead_letter', 'returns_decoded', 'returns_mv', 'returns_dead_letter_mv', 'returns_kafka', 'returns_decode_mv', 'returns_dedup']);
  assert.deepEqual(planStream(returns, target, engineParsing).map((s) => ('view' in s ? s.view : 'table' in s ? s.table : '')), ['returns', 'returns_dead_letter', 'returns_kafka', 'returns_mv', 'returns_dead_letter_mv', 'returns_dedup']);
  assert.equal(find(plan, 'create-kafka-table', 'returns_kafka').settings.kafka_group_name, 'clickhouse_returns_consumer');
});

test('a definition naming an unknown sorting field is rejected when it loads', () => {
  assert.throws(() => defineStream({ name: 'x', description: '', fields: { a: field.uuid() }, orderBy: ['b' as 'a'] }), { code: 'KCH_DEFINITION' });
});

test('a current server reads each message as bytes and decodes it once, in the one view on the Kafka table', () => {
  const plan = planStream(sales, target, currentServer);
  assert.deepEqual(plan.map((s) => ('view' in s ? s.view : 'table' in s ? s.table : s.kind)),
    ['sales', 'sales_dead_letter', 'sales_decoded', 'sales_mv', 'sales_dead_letter_mv', 'sales_kafka', 'sales_decode_mv', 'sales_dedup'],
    'everything the decoding view writes to exists before the Kafka table has a view and consumes');
  const kafka = render(find(plan, 'create-kafka-table', 'sales_kafka'));
  assert.match(kafka, /^CREATE TABLE IF NOT EXISTS default\.sales_kafka\n\(\n    raw String\n\)\nENGINE = Kafka\(\)/);
  assert.match(kafka, /kafka_format = 'RawBLOB'/);
  assert.doesNotMatch(kafka, /kafka_handle_error_mode|input_format_/, 'RawBLOB cannot fail to parse: every message reaches the view');
  assert.match(render(find(plan, 'create-null-table', 'sales_decoded')), /ENGINE = Null$/);
  const decode = find(plan, 'create-materialized-view', 'sales_decode_mv');
  assert.equal(decode.to, 'sales_decoded');
  const sql = render(decode);
  assert.equal(sql.match(/JSONExtract\(/g)?.length, 1, 'the JSON is parsed into values once');
  assert.match(sql, /JSONExtract\(raw, 'Tuple\(event_id Dynamic, event_type Dynamic, /);
  assert.match(sql, /hasAll\(\['event_id', 'event_type', /, 'an unknown field is refused');
  assert.match(sql, /length\(kch_keys\) = 13/, 'a field given twice is refused');
  assert.match(sql, /\n {12}tupleElement\(kch_json, 'quantity'\) AS kch_v_quantity,\n/, 'each value is taken from the parsed message once, by a name');
  assert.match(sql, /\n {8}if\(dynamicType\(kch_v_quantity\) IN \('Int64', 'UInt64', 'Float64'\), accurateCastOrNull\(kch_v_quantity, 'Float64'\), NULL\) AS kch_x_quantity,\n/,
    'a number whose every valid value is below 10^15 is worked out once, as its Float64 (which tells each apart); "5" is no number');
  assert.match(sql, /ifNull\(kch_x_quantity BETWEEN 1 AND 1000 AND round\(kch_x_quantity\) = kch_x_quantity, 0\)/, 'a whole number in range');
  assert.match(sql, /ifNull\(kch_x_price BETWEEN 0 AND 10000000 AND round\(kch_x_price, 2\) = kch_x_price, 0\)/, 'at most two decimals');
  assert.match(sql, /assumeNotNull\(toDecimal64OrNull\(toString\(kch_x_price\), 2\)\) AS price/, 'a decimal from the Float64\'s shortest text, not a cast that truncates');
  const wide = defineStream({ name: 'ids', description: '', fields: { id: field.integer(0, 2n ** 64n - 1n, 'UInt64') }, orderBy: ['id'] });
  const ids = render(find(planStream(wide, target, currentServer), 'create-materialized-view', 'ids_decode_mv'));
  assert.match(ids, /\) AS kch_t_id,?\n/, 'a number beyond 10^15 is checked from its text, worked out once');
  assert.match(ids, /if\(isNotNull\(dynamicElement\(kch_v_id, 'Int64'\)\), toInt256\(dynamicElement\(kch_v_id, 'Int64'\)\), /, 'a JSON whole number is taken as it is');
  assert.doesNotMatch(/\n {12}(.*) AS kch_t_id,?\n/.exec(ids)?.[1] ?? '', /'String'/, 'a number must be a JSON number: "5" is not');
  assert.match(sql, /\nSETTINGS input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0/, 'a JSON string stays a String');
  assert.equal(find(plan, 'create-materialized-view', 'sales_mv').where, 'kch_valid');
  const deadLetter = find(plan, 'create-materialized-view', 'sales_dead_letter_mv');
  assert.equal(deadLetter.where, 'NOT kch_valid');
  assert.equal(deadLetter.select[0]!.expression, 'kch_raw', 'a dead letter is the message byte for byte');
  assert.match(render(deadLetter), /'quantity: expected whole number 1\.\.1000, got '/);
  for (const version of ['25.3.1', '21.8.1', '18.16.1']) assert.ok(!planStream(sales, target, featuresForVersion(version)).some((s) => s.kind === 'create-null-table'), version);
});

test('a stream with an optional field decodes it as absent, null or valid, and checks for repeated keys by counting distinct ones', () => {
  const returns = defineStream({
    name: 'returns',
    description: '',
    fields: { event_id: field.uuid(), reason: field.oneOf(['broken', 'unwanted'] as const).withDefault('unwanted') },
    orderBy: ['event_id'],
  });
  const sql = render(find(planStream(returns, target, currentServer), 'create-materialized-view', 'returns_decode_mv'));
  assert.match(sql, /if\(isNull\(kch_v_reason\), 'unwanted', ifNull\(dynamicElement\(kch_v_reason, 'String'\), ''\)\) AS reason/);
  assert.match(sql, /arrayUniq\(kch_keys\) = length\(kch_keys\)/);
});
