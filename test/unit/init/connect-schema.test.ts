import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaredFields, rowSchema, structFieldNames } from '../../../src/init/connect-schema.js';
import type { InferredType, SampledTypes, TextType } from '../../../src/init/infer.js';

const text: TextType = { kind: 'text', maxLength: 256, lowCardinality: true, allowEmpty: false };
/** What the sample made of a field's values: here always text, to show what the schema decides. */
const sampled: SampledTypes = { type: text, text };

function typesOf(fields: readonly Record<string, unknown>[]): Record<string, { type: InferredType | undefined; optional: boolean; note: string | undefined }> {
  const row = rowSchema({ type: 'struct', fields: [{ type: 'struct', field: 'before', fields: [] }, { type: 'struct', field: 'after', fields }] });
  assert.ok(row);
  return Object.fromEntries([...declaredFields(row)].map(([name, d]) => [name, { type: d.type(sampled), optional: d.optional, note: d.note }]));
}

test('Connect\'s types become fields\' types; optional as the schema says', () => {
  const types = typesOf([
    { type: 'int16', optional: false, field: 'a' },
    { type: 'int32', optional: true, field: 'b' },
    { type: 'int64', optional: false, field: 'c' },
    { type: 'float64', optional: true, field: 'd' },
    { type: 'boolean', optional: false, field: 'e' },
    { type: 'string', optional: false, field: 'f' },
    { type: 'array', optional: true, field: 'g', items: { type: 'int32', optional: false } },
  ]);
  assert.deepEqual(types.a, { type: { kind: 'int', type: 'Int16' }, optional: false, note: undefined });
  assert.deepEqual(types.b!.type, { kind: 'int', type: 'Int32' });
  assert.equal(types.b!.optional, true);
  assert.deepEqual(types.c!.type, { kind: 'int', type: 'Int64' });
  assert.deepEqual(types.d!.type, { kind: 'float' });
  assert.deepEqual(types.e!.type, { kind: 'bool' });
  assert.deepEqual(types.f!.type, text, 'a string\'s length and cardinality are the sample\'s');
  assert.deepEqual(types.g!.type, { kind: 'array', of: { kind: 'int', type: 'Int32' } });
});

test('logical types: Debezium\'s values read as they are sent (base64 decimals, epoch times, days, JSON text, enums)', () => {
  const types = typesOf([
    { type: 'string', optional: false, field: 'ref', name: 'io.debezium.data.Uuid' },
    { type: 'string', optional: false, field: 'at', name: 'io.debezium.time.ZonedTimestamp' },
    { type: 'int32', optional: false, field: 'day', name: 'io.debezium.time.Date' },
    { type: 'int64', optional: false, field: 'micros', name: 'io.debezium.time.MicroTimestamp' },
    { type: 'int64', optional: false, field: 'millis', name: 'io.debezium.time.Timestamp' },
    { type: 'int64', optional: false, field: 'nanos', name: 'io.debezium.time.NanoTimestamp' },
    { type: 'bytes', optional: true, field: 'price', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } },
    { type: 'bytes', optional: true, field: 'wide', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '4', 'connect.decimal.precision': '30' } },
    { type: 'bytes', optional: true, field: 'unsaid', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3' } },
    { type: 'bytes', optional: true, field: 'huge', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3', 'connect.decimal.precision': '1000' } },
    { type: 'string', optional: true, field: 'doc', name: 'io.debezium.data.Json' },
    { type: 'bytes', optional: true, field: 'blob' },
    { type: 'string', optional: true, field: 'mood', name: 'io.debezium.data.Enum', parameters: { allowed: 'sad,ok,happy' } },
    { type: 'int64', optional: true, field: 'clock', name: 'io.debezium.time.MicroTime' },
    { type: 'struct', optional: true, field: 'amount', name: 'io.debezium.data.VariableScaleDecimal', fields: [] },
  ]);
  assert.deepEqual(types.ref!.type, { kind: 'uuid' });
  assert.deepEqual(types.at!.type, { kind: 'timestamp', precision: 6, timeZone: 'UTC' });
  assert.deepEqual(types.day!.type, { kind: 'date' });
  assert.deepEqual(types.micros!.type, { kind: 'timestamp', precision: 6, timeZone: 'UTC', encoding: 'micros' });
  assert.match(types.micros!.note!, /without a zone: its wall-clock time, shown in UTC/);
  assert.deepEqual(types.millis!.type, { kind: 'timestamp', precision: 3, timeZone: 'UTC', encoding: 'millis' });
  assert.deepEqual(types.nanos!.type, { kind: 'timestamp', precision: 9, timeZone: 'UTC', encoding: 'nanos' });
  assert.deepEqual(types.price!.type, { kind: 'decimal', precision: 10, scale: 2, min: -99999999.99, max: 99999999.99, encoding: 'base64' });
  assert.deepEqual(types.wide!.type, { kind: 'decimal', precision: 30, scale: 4, min: '-99999999999999999999999999.9999', max: '99999999999999999999999999.9999', encoding: 'base64' }, 'bounds beyond a JavaScript number: their text');
  assert.equal((types.unsaid!.type as { precision: number }).precision, 38);
  assert.match(types.unsaid!.note!, /no precision: 38 digits taken/);
  assert.deepEqual(types.huge!.type, { ...text, lowCardinality: false }, 'no Decimal column holds it: its base64 text');
  assert.match(types.huge!.note!, /which no Decimal column holds/);
  assert.deepEqual(types.doc!.type, { kind: 'json' });
  assert.deepEqual(types.blob!.type, { ...text, lowCardinality: false, allowEmpty: true });
  assert.deepEqual(types.mood!.type, { kind: 'oneOf', values: ['sad', 'ok', 'happy'] });
  assert.deepEqual(types.clock!.type, { kind: 'int', type: 'Int64' });
  assert.match(types.clock!.note!, /microseconds since midnight/);
  assert.equal(types.amount!.type, undefined, 'a struct: its values are columns the sample types');
});

test('a key\'s schema names its fields in order; a schema that is no envelope\'s has no row', () => {
  assert.deepEqual(structFieldNames({ type: 'struct', fields: [{ type: 'int32', field: 'tenant' }, { type: 'int32', field: 'id' }] }), ['tenant', 'id']);
  assert.equal(structFieldNames({ type: 'string' }), undefined);
  assert.equal(rowSchema({ type: 'string' }), undefined);
  assert.equal(rowSchema(null), undefined);
});
