import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field } from '../../../src/pipeline/field.js';
import { defineStream, assertEvent, validateEvent } from '../../../src/pipeline/stream.js';
import { sales, warehouse } from '../../../src/pipeline/streams/index.js';

test('orderBy defaults to the time field, then the id field', () => {
  const s = defineStream({ name: 'orders', fields: { note: field.text(8), order_id: field.uuid(), at: field.timestamp() }, id: 'order_id', time: 'at' });
  assert.deepEqual(s.orderBy, ['at', 'order_id']);
});

test('orderBy defaults to event_time and event_id when the stream has them', () => {
  const s = defineStream({ name: 'e', fields: { event_id: field.uuid(), event_time: field.dateTimeText() } });
  assert.deepEqual(s.orderBy, ['event_time', 'event_id']);
});

test('an optional time is no sorting key: the first required field stands in', () => {
  const s = defineStream({ name: 'r', fields: { at: field.timestamp().optional(), tags: field.array(field.text(4)), sensor: field.text(8) }, time: 'at' });
  assert.deepEqual(s.orderBy, ['sensor']);
});

test('a stream with no field that can sort it asks for orderBy', () => {
  assert.throws(() => defineStream({ name: 'r', fields: { tags: field.array(field.text(4)), note: field.text(8).optional() } }),
    { code: 'KCH_DEFINITION', message: 'stream r: no field can sort the table (all are optional or arrays): give orderBy' });
});

test('a plain JavaScript file\'s mistakes are named, not a TypeError', () => {
  const loose = defineStream as (spec: unknown) => unknown;
  assert.throws(() => loose({ fields: {} }), { code: 'KCH_DEFINITION', message: 'a stream has no name (defineStream({ name: … }))' });
  assert.throws(() => loose({ name: 'x', fields: [] }), { code: 'KCH_DEFINITION', message: 'stream x: fields must be an object of field.…() values' });
  assert.throws(() => loose({ name: 'x', fields: { a: 'String' } }), { code: 'KCH_DEFINITION', message: 'stream x: field "a" is not a field.…() value' });
  assert.throws(() => loose({ name: 'x', fields: { a: field.text(4) }, orderBy: 'a' }), { code: 'KCH_DEFINITION', message: 'stream x: orderBy must be a list of field names' });
});

test('every object is named after the stream by default, the Kafka table too; the seed keeps its names', () => {
  const s = defineStream({ name: 'money2', topic: 'money', fields: { n: field.int('Int32') }, orderBy: ['n'] });
  assert.deepEqual(
    [s.kafkaTable, s.target, s.view, s.deadLetter, s.deadLetterView, s.decoded, s.decodeView, s.consumerGroup],
    ['money2_kafka', 'money2', 'money2_mv', 'money2_dead_letter', 'money2_dead_letter_mv', 'money2_decoded', 'money2_decode_mv', 'clickhouse_money2_consumer'],
  );
  assert.equal(defineStream({ name: 'orders', topic: 'shop.orders', fields: { n: field.int('Int32') }, orderBy: ['n'] }).kafkaTable, 'orders_kafka');
  assert.deepEqual([sales.kafkaTable, sales.view, sales.consumerGroup], ['sales_kafka', 'sales_mv', 'clickhouse_sales_consumer']);
  assert.deepEqual([warehouse.kafkaTable, warehouse.target, warehouse.view, warehouse.deadLetter], ['warehouse_kafka', 'stock_movements', 'stock_movements_mv', 'warehouse_dead_letter']);
});

/** A sale exactly as the original Python generator wrote it. */
const seedSale = {
  event_id: '0b4f9a36-2a4e-4c53-9d6b-4f6f2b9c8e11', event_type: 'sale', event_time: '2024-05-01 12:30:00',
  product_id: 7, product_name: 'Зеленый стол', category: 'Книги', quantity: 3, price: 1234.5, discount: 0.15,
  total: 3147.98, store_id: 4, cashier_id: 12, customer_id: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
};

test('a sale in the seed\'s format is valid', () => {
  assert.deepEqual(validateEvent(sales, seedSale), []);
});

test('every problem is reported with the path of the bad value', () => {
  const problems = validateEvent(sales, { ...seedSale, price: -1, category: 'Игрушки', extra: 1, event_id: 'x' });
  assert.deepEqual(problems.map((p) => p.path).sort(), ['/category', '/event_id', '/extra', '/price']);
});

test('a missing field is named', () => {
  const { quantity: _, ...rest } = seedSale;
  assert.deepEqual(validateEvent(sales, rest), [{ path: '/quantity', message: 'is missing' }]);
});

test('assertEvent throws a typed error with a stable code', () => {
  assert.throws(() => assertEvent(sales, { ...seedSale, discount: 0.123 }), { code: 'KCH_INVALID_EVENT', message: /\/discount must have at most 2 decimals/ });
});

test('a stream\'s projections are { name, select } with plain, unique names, none named like the arrivals every target has', () => {
  const fields = { n: field.int('Int32') };
  const loose = defineStream as (spec: unknown) => unknown;
  assert.throws(() => loose({ name: 'x', fields, projections: [{ name: 'by n', select: 'SELECT n, count() GROUP BY n' }] }), { code: 'KCH_DEFINITION', message: /^stream x: a projection must be \{ name, select \}/ });
  assert.throws(() => loose({ name: 'x', fields, projections: [{ name: 'by_n' }] }), { code: 'KCH_DEFINITION', message: /^stream x: a projection must be/ });
  assert.throws(() => defineStream({ name: 'x', fields, projections: [{ name: 'by_n', select: 'SELECT n GROUP BY n' }, { name: 'by_n', select: 'SELECT count()' }] }), { code: 'KCH_DEFINITION', message: /two projections are named by_n/ });
  assert.throws(() => defineStream({ name: 'x', fields, projections: [{ name: 'arrivals_per_second', select: 'SELECT count()' }] }), { code: 'KCH_DEFINITION', message: /two projections are named arrivals_per_second \(every target has arrivals_per_second of its own\)/ });
  assert.deepEqual(defineStream({ name: 'x', fields }).projections, []);
});

test('a key makes an upsert stream sorted by it; envelope, version and deletes take their defaults', () => {
  const s = defineStream({ name: 'inventory', fields: { id: field.int('Int32'), name: field.text(8).optional() }, key: ['id'], envelope: 'debezium' });
  assert.deepEqual(s.changes, { key: ['id'], envelope: 'debezium', version: 'source', deletes: 'remove' });
  assert.deepEqual(s.orderBy, ['id']);
  const keyed = defineStream({ name: 'k', fields: { id: field.int('Int32') }, key: ['id'] });
  assert.deepEqual(keyed.changes, { key: ['id'], envelope: 'json', version: 'offset', deletes: 'remove' });
  assert.equal(defineStream({ name: 'a', fields: { id: field.int('Int32') } }).changes, undefined);
});

test('an upsert stream\'s mistakes are named', () => {
  const fields = { id: field.int('Int32'), at: field.timestamp(), n: field.int('Int32').optional(), signed: field.int('Int64') };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ mode: 'upsert' }, /needs a key: key: \['id'\]/],
    [{ key: ['nope'] }, /key names unknown field "nope"/],
    [{ key: ['n'] }, /key field "n" must be required/],
    [{ key: ['id', 'id'] }, /names a field twice/],
    [{ mode: 'append', key: ['id'] }, /key belongs to an upsert stream/],
    [{ envelope: 'debezium' }, /envelope belongs to an upsert stream/],
    [{ key: ['id'], envelope: 'avro' }, /envelope must be 'json', 'debezium', 'debezium-flat'/],
    [{ key: ['id'], envelope: 'debezium', version: 'n' }, /version field "n" must be a required whole number or time/],
    [{ key: ['id'], envelope: 'debezium', version: 'signed' }, /must not go below 0/],
    [{ key: ['id'], envelope: 'debezium', version: 'ghost' }, /version names unknown field "ghost"/],
    [{ key: ['id'], version: 'at' }, /version must be 'offset'/],
    [{ key: ['id'], envelope: 'debezium', deletes: 'hide' }, /deletes must be 'remove' or 'mark'/],
    [{ key: ['id'], envelope: 'debezium', orderBy: ['at'] }, /sorted by its key \(id\); leave orderBy out/],
    [{ key: ['id'], envelope: 'debezium', partitionBy: 'toYYYYMM(at)' }, /cannot be partitioned/],
    [{ key: ['id'], envelope: 'debezium', projections: [{ name: 'p', select: 'SELECT count()' }] }, /has no projections/],
    [{ key: ['id'], ingest: 'engine' }, /the Kafka engine skips unseen/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => defineStream({ name: 's', fields, ...spec }), message, JSON.stringify(spec));
  }
  // A time or an unsigned whole number orders a key's versions.
  assert.equal(defineStream({ name: 's', fields, key: ['id'], envelope: 'debezium', version: 'at' }).changes?.version, 'at');
});
