import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definitionOf, inferStream, type InferredField } from '../../../src/init/infer.js';
import { addStream, configSource, MARKER } from '../../../src/init/source.js';
import { replaySample } from '../../../src/init/replay.js';
import { parseMessage } from '../../../src/pipeline/json.js';
import { validateEvent } from '../../../src/pipeline/stream.js';

const infer = (objects: Record<string, unknown>[]): ReturnType<typeof inferStream> => inferStream(objects, { name: 's', topic: 't' });
const one = (values: unknown[], name = 'v'): InferredField => infer(values.map((v) => ({ [name]: v }))).fields[0]!;
const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

test('whole numbers: signed by sign, 32 or 64 bits by magnitude, never narrowed to the largest seen', () => {
  assert.deepEqual(one([1, 2, 200]).type, { kind: 'int', type: 'UInt32' });
  assert.deepEqual(one([-1, 2]).type, { kind: 'int', type: 'Int32' });
  assert.deepEqual(one([1, 5_000_000_000]).type, { kind: 'int', type: 'UInt64' });
  assert.deepEqual(one([-3_000_000_000, 1]).type, { kind: 'int', type: 'Int64' });
});

test('fractions: Float64, or Decimal for money with at most 4 decimals', () => {
  assert.deepEqual(one([1.5, 2.25]).type, { kind: 'float' });
  assert.deepEqual(one([1.5, 2.25, 3], 'price').type, { kind: 'decimal', scale: 2, min: 0, max: 1e12 });
  assert.deepEqual(one([1.125, -2], 'balance').type, { kind: 'decimal', scale: 3, min: -1e12, max: 1e12 });
  assert.deepEqual(one([1.123456], 'amount').type, { kind: 'float' }, 'too many decimals for money');
});

test('strings: UUID, ISO timestamps with precision and zone, local time text, LowCardinality, text', () => {
  assert.deepEqual(one(['3f2a9c1e-6b63-4000-8000-00000001e240']).type, { kind: 'uuid' });
  assert.deepEqual(one(['2026-12-05T01:02:03.456Z', '2026-12-05T01:02:04Z']).type, { kind: 'timestamp', precision: 3, timeZone: 'UTC' });
  assert.deepEqual(one(['2026-12-05T01:02:03.1234+02:00']).type, { kind: 'timestamp', precision: 6, timeZone: 'Etc/GMT-2' });
  assert.deepEqual(one(['2026-12-05T01:02:03+02:00', '2026-12-05T01:02:03-05:00']).type, { kind: 'timestamp', precision: 0, timeZone: 'UTC' });
  assert.deepEqual(one(['2026-12-05 01:02:03']).type, { kind: 'datetime' }, 'the seed\'s local time text');
  assert.deepEqual(one(['2026-12-05 01:02:03.5']).type, { kind: 'timestamp', precision: 3, timeZone: undefined }, 'with fractions: DateTime64 in the column\'s zone');
  assert.deepEqual(one(many(200, (i) => ['DE', 'FR', 'NL'][i % 3])).type, { kind: 'text', maxLength: 256, lowCardinality: true, allowEmpty: false });
  assert.deepEqual(one(many(200, (i) => `user ${i}`)).type, { kind: 'text', maxLength: 256, lowCardinality: false, allowEmpty: false });
  assert.deepEqual(one(['x'.repeat(300), '']).type, { kind: 'text', maxLength: 512, lowCardinality: false, allowEmpty: true });
});

test('booleans, arrays, nested objects as columns of their own', () => {
  const inference = infer([{ ok: true, tags: ['a'], zone: { pickup: 'JFK', gate: { n: 4 } } }, { ok: false, tags: [], zone: { pickup: 'LGA', gate: { n: 5 } } }]);
  const byName = new Map(inference.fields.map((f) => [f.name, f]));
  assert.deepEqual(byName.get('ok')!.type, { kind: 'bool' });
  assert.equal(byName.get('tags')!.type.kind, 'array');
  assert.deepEqual(byName.get('zone_pickup')!.path, ['zone', 'pickup']);
  assert.deepEqual(byName.get('zone_gate_n')!.path, ['zone', 'gate', 'n']);
});

test('absent or null in some messages: optional; always null: optional text with a note', () => {
  const inference = infer([{ a: 1, b: null, c: null }, { a: 2, c: null }, { a: 3, b: 'x', c: null }]);
  const [a, b, c] = inference.fields;
  assert.equal(a!.optional, false);
  assert.equal(b!.optional, true);
  assert.equal(b!.absent, 1);
  assert.equal(b!.nulls, 1);
  assert.equal(c!.optional, true);
  assert.match(c!.notes.join(), /always null/);
});

test('mixed types: the most common wins, and the others are counted as dead letters', () => {
  const objects = [...many(9, (i) => ({ n: i })), { n: 'nine' }];
  const inference = infer(objects);
  assert.deepEqual(inference.fields[0]!.type, { kind: 'int', type: 'UInt32' });
  assert.equal(inference.fields[0]!.otherTypes, 1);
  const replay = replaySample(definitionOf(inference), objects.map((o, i) => ({ partition: 0, offset: BigInt(i), key: null, value: Buffer.from(JSON.stringify(o)) })));
  assert.equal(replay.deadLetters, 1);
  assert.match(replay.reasons[0]!.reason, /^n must be a whole number/);
});

test('keys: time first, then the unique id; month partitions; no id says what it disables', () => {
  const objects = many(20, (i) => ({ country: ['DE', 'FR'][i % 2], order_id: `o-${i}`, at: `2026-12-05T01:02:${String(i).padStart(2, '0')}Z`, note: i % 2 ? 'x' : null }));
  const inference = infer(objects);
  assert.equal(inference.time, 'at');
  assert.equal(inference.id, 'order_id');
  assert.deepEqual(inference.orderBy, ['at', 'order_id']);
  assert.equal(inference.partitionBy, 'toYYYYMM(at)');
  const none = infer([{ country: 'DE' }, { country: 'DE' }]);
  assert.equal(none.id, undefined);
  assert.match(none.notes.join(), /no id, so no dedup view and kch verify cannot/);
});

test('the source text defines the stream inferred, and a stream is added only to a file init wrote', () => {
  const inference = infer([{ id: '3f2a9c1e-6b63-4000-8000-00000001e240', zone: { pickup: 'JFK' }, price: 1.5 }]);
  const facts = { sampled: 1, date: '2026-12-05', bootstrap: 'k:9092' };
  const text = configSource(inference, facts);
  assert.match(text, /import \{ defineConfig, defineStream, field \} from 'kafka-clickhouse-pipeline';/);
  assert.match(text, /zone_pickup: field\.text\(256\)\.at\('zone\.pickup'\),/);
  assert.match(text, /price: field\.decimal\(\{ precision: 18, scale: 2, min: 0, max: 1_000_000_000_000 \}\)\.measure\(\),/);
  assert.match(text, new RegExp(`    s,\\n    ${MARKER}`));
  const second = addStream(text, { ...inference, name: 'other' }, facts)!;
  assert.match(second, /const other = defineStream\(\{/);
  assert.match(second, new RegExp(`    s,\\n    other,\\n    ${MARKER}`));
  assert.ok(second.indexOf('const other') < second.indexOf('export default'));
  assert.equal(addStream('export default defineConfig({ streams: [] });\n', inference, facts), undefined, 'a file of the user\'s own');
  assert.deepEqual(validateEvent(definitionOf(inference), { id: '3f2a9c1e-6b63-4000-8000-00000001e240', zone: { pickup: 'JFK' }, price: 1.5 }), []);
});

test('a topic that is no plain name (shop.orders) gives its Kafka table the stream\'s name', () => {
  const inference = inferStream([{ a: 1 }], { name: 'shop_orders', topic: 'shop.orders' });
  const stream = definitionOf(inference);
  assert.equal(stream.topic, 'shop.orders');
  assert.equal(stream.kafkaTable, 'shop_orders_kafka');
});

/** Objects as the sample's parser gives them: numbers exact. */
const parsed = (texts: string[]): Record<string, unknown>[] => texts.map((t) => {
  const p = parseMessage(t);
  assert.ok(p.ok, t);
  return p.value as Record<string, unknown>;
});

test('whole numbers beyond 2⁵³ are inferred and shown exactly, never rounded; beyond 64 bits only from strings', () => {
  const inference = infer(parsed(['{"ledger_seq":9007199254740993}', '{"ledger_seq":18446744073709551615}', '{"ledger_seq":9223372036854775808}']));
  const seq = inference.fields[0]!;
  assert.deepEqual(seq.type, { kind: 'int', type: 'UInt64' });
  assert.deepEqual(seq.examples, ['9007199254740993', '18446744073709551615', '9223372036854775808']);
  assert.deepEqual(one(parsed(['{"v":-9223372036854775808}', '{"v":1}']).map((o) => o.v)).type, { kind: 'int', type: 'Int64' });
  assert.deepEqual(one(['170141183460469231731687303715884105727', '1']).type, { kind: 'int', type: 'UInt256', strings: true }, 'digits beyond 64 bits, written as strings');
  const replay = replaySample(definitionOf(inference), ['{"ledger_seq":9007199254740993}', '{"ledger_seq":1.0}', '{"ledger_seq":18446744073709551616}'].map((t, i) => ({ partition: 0, offset: BigInt(i), key: null, value: Buffer.from(t) })));
  assert.equal(replay.deadLetters, 1, '1.0 is a whole number; 2⁶⁴ cannot be read');
  assert.match(replay.reasons[0]!.reason, /^a number out of range: 18446744073709551616 /);
});

test('money with many digits: a Decimal wide enough, its bounds exact', () => {
  const amount = infer(parsed(['{"amount":1234567890123456.78}', '{"amount":-5.5}'])).fields[0]!;
  assert.deepEqual(amount.type, { kind: 'decimal', precision: 21, scale: 2, min: '-9999999999999999999.99', max: '9999999999999999999.99' });
  const stream = definitionOf(infer(parsed(['{"amount":1234567890123456.78}', '{"amount":-5.5}'])));
  assert.equal(stream.fields.amount!.problem(parsed(['{"a":1234567890123456.78}'])[0]!.a), undefined, 'the sample\'s own value fits, exactly');
});

test('numbers written as strings: the number\'s type with acceptStrings(), said in a note', () => {
  const qty = one(['1', '12', '3']);
  assert.deepEqual(qty.type, { kind: 'int', type: 'UInt32', strings: true });
  assert.match(qty.notes.join(), /3 of 3 were numbers written as strings \(e\.g\. "1"\): taken with acceptStrings\(\)/);
  const mixed = one([1, '2', 3]);
  assert.deepEqual(mixed.type, { kind: 'int', type: 'UInt32', strings: true });
  const price = one(['1.50', '2.25'], 'price');
  assert.deepEqual(price.type, { kind: 'decimal', scale: 2, min: 0, max: 1e12, strings: true });
  assert.equal(definitionOf(infer([{ qty: '7' }])).fields.qty!.problem('7'), undefined);
  assert.match(configSource(infer([{ qty: '7' }]), { sampled: 1, date: '2026-12-07', bootstrap: 'k' }), /qty: field\.int\('UInt32'\)\.acceptStrings\(\),/);
  assert.deepEqual(one(['x', '1']).type.kind, 'text', 'strings that are not all numbers stay text');
});

test('arrays of objects become arrays of field.object(), each member typed, optional where an element lacked it', () => {
  const inference = infer([{ items: [{ sku: 'A1', n: 1, price: 2.5 }, { sku: 'B2', n: 3 }] }, { items: [] }]);
  const items = inference.fields[0]!;
  assert.deepEqual(items.type, {
    kind: 'array',
    of: { kind: 'object', members: [
      { key: 'sku', type: { kind: 'text', maxLength: 256, lowCardinality: false, allowEmpty: false }, optional: false },
      { key: 'n', type: { kind: 'int', type: 'UInt32' }, optional: false },
      { key: 'price', type: { kind: 'decimal', scale: 2, min: 0, max: 1e12 }, optional: true },
    ] },
  });
  const source = configSource(inference, { sampled: 2, date: '2026-12-07', bootstrap: 'k' });
  assert.match(source, /items: field\.array\(field\.object\(\{ sku: field\.text\(256\), n: field\.int\('UInt32'\), price: field\.decimal\(\{ precision: 18, scale: 2, min: 0, max: 1_000_000_000_000 \}\)\.optional\(\) \}\)\),/);
  const stream = definitionOf(inference);
  assert.deepEqual(validateEvent(stream, { items: [{ sku: 'A1', n: 1 }] }), []);
  assert.match(validateEvent(stream, { items: [{ sku: 'A1', n: 1, x: 1 }] })[0]!.message, /element 0 has an unknown member x/);
});

test('sampled values are shown printable: control characters escaped in the report and the file', () => {
  const inference = infer([{ note: 'a\u0000b\tc\u001b[31mred' }, { note: 'x' }]);
  assert.deepEqual(inference.fields[0]!.examples, ['a\\u0000b\\tc\\u001b[31mred', 'x']);
  const source = configSource(inference, { sampled: 2, date: '2026-12-07', bootstrap: 'k' });
  assert.ok(![...source].some((c) => c !== '\n' && c.charCodeAt(0) < 0x20), 'no control character in the file but newlines');
});

test('measures: a quantity, an amount or a price is summed; an id, a sequence or a coordinate is not', () => {
  const inference = infer([{ quantity: 2, amount: 1.5, product_id: 7, seq: 9, lat: 52.5, duration_ms: 40, total_price: 3.25, level: 3 }]);
  assert.deepEqual(inference.fields.filter((f) => f.measure).map((f) => f.name), ['quantity', 'amount', 'total_price']);
  assert.match(configSource(inference, { sampled: 1, date: '2026-12-07', bootstrap: 'k' }), /quantity: field\.int\('UInt32'\)\.measure\(\),/);
  assert.equal(definitionOf(inference).fields.quantity!.isMeasure, true);
});
