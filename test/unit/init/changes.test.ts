import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferFromSample, recognizeChanges } from '../../../src/init/changes.js';
import { definitionOf } from '../../../src/init/infer.js';
import { replaySample } from '../../../src/init/replay.js';
import { renderReport } from '../../../src/init/report.js';
import type { SampledMessage } from '../../../src/init/sample.js';
import { configSource } from '../../../src/init/source.js';

/** Messages as the sample reads them: keys and values as JSON text (a string as it is), null for none. */
function sample(messages: readonly { key: unknown; value: unknown }[]): SampledMessage[] {
  const bytes = (v: unknown): Buffer | null => (v === null ? null : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
  return messages.map((m, i) => ({ partition: 0, offset: BigInt(i), key: bytes(m.key), value: bytes(m.value) }));
}

const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

interface Order { id: number; status: string; qty: number | null }
const order = (id: number, qty: number | null = id): Order => ({ id, status: ['new', 'paid'][id % 2]!, qty });

/** Debezium's changes of `orders`: snapshot reads, updates, deletes each followed by a tombstone; `wrap` adds the schema/payload wrapper. */
function debezium(wrap: boolean): SampledMessage[] {
  const schema = {
    type: 'struct',
    fields: [
      { type: 'struct', optional: true, field: 'before', fields: [] },
      {
        type: 'struct', optional: true, field: 'after', name: 'shop.public.orders.Value',
        fields: [
          { type: 'int32', optional: false, field: 'id' },
          { type: 'string', optional: false, field: 'status' },
          { type: 'int16', optional: true, field: 'qty' },
        ],
      },
      { type: 'struct', optional: false, field: 'source', fields: [] },
      { type: 'string', optional: false, field: 'op' },
    ],
  };
  const keySchema = { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }] };
  let lsn = 1000;
  const change = (op: string, before: Order | null, after: Order | null): { key: unknown; value: unknown } => {
    const payload = { before, after, source: { lsn: (lsn += 8), ts_ms: 1_700_000_000_000 }, op, ts_ms: 1_700_000_000_000 };
    const id = (after ?? before)!.id;
    return { key: wrap ? { schema: keySchema, payload: { id } } : { id }, value: wrap ? { schema, payload } : payload };
  };
  return sample([
    ...many(20, (i) => change('r', null, order(i + 1))),
    ...many(4, (i) => change('u', null, order(i + 1, 100 + i))),
    ...many(3, (i) => [change('d', { id: 11 + i, status: 'new', qty: null }, null), { key: wrap ? { schema: keySchema, payload: { id: 11 + i } } : { id: 11 + i }, value: null }]).flat(),
  ]);
}

test('Debezium\'s changes, bare: an upsert stream of the after rows, keyed by the message key, its tombstones neither rows nor dead letters', () => {
  const messages = debezium(false);
  const inference = inferFromSample(messages, { name: 'orders', topic: 'shop.public.orders' });
  assert.deepEqual(inference.changes?.key, ['id']);
  assert.equal(inference.changes?.envelope, 'debezium');
  assert.equal(inference.changes?.version, 'source.lsn');
  assert.deepEqual(inference.fields.map((f) => f.name), ['id', 'status', 'qty']);
  // Typed from the values (no schema): the delete's before, all but its key null, types nothing.
  assert.deepEqual(inference.fields.map((f) => [f.type.kind, f.optional]), [['int', false], ['text', false], ['int', false]]);
  assert.deepEqual(inference.orderBy, ['id']);
  assert.equal(inference.partitionBy, undefined);

  const stream = definitionOf(inference);
  assert.deepEqual(stream.changes, { key: ['id'], envelope: 'debezium', version: 'source', deletes: 'remove' });
  const replay = replaySample(stream, messages);
  assert.deepEqual({ dead: replay.deadLetters, deletes: replay.deletes, skipped: replay.skipped }, { dead: 0, deletes: 3, skipped: 3 });

  const report = renderReport(inference, replay, { topic: 'shop.public.orders', sampled: messages.length, available: BigInt(messages.length), partitions: 1, seconds: 1 });
  assert.match(report, /Debezium changes of shop\.public\.orders: key id \(from the message key\), version source\.lsn, 20 snapshot reads, 4 updates, 3 deletes, 3 tombstones/);
  assert.match(report, /27 of 30 would land in orders \(3 of them deletes\), 3 are no change .*, 0 would be dead letters/);
  const source = configSource(inference, { sampled: messages.length, date: '2026-12-08', bootstrap: 'k' });
  assert.match(source, /  key: \['id'\],\n  envelope: 'debezium',\n  fields: \{/);
  assert.doesNotMatch(source, /orderBy|partitionBy/);
});

test('Debezium\'s changes in the schema/payload wrapper: types from the schema, the key from the key\'s schema', () => {
  const messages = debezium(true);
  const inference = inferFromSample(messages, { name: 'orders', topic: 'shop.public.orders' });
  assert.equal(inference.changes?.keyFrom, 'from the message key\'s schema');
  const byName = new Map(inference.fields.map((f) => [f.name, f]));
  // int16 in the schema, whatever the values; optional as the schema says, though none was null.
  assert.deepEqual(byName.get('qty')!.type, { kind: 'int', type: 'Int16' });
  assert.equal(byName.get('qty')!.optional, true);
  assert.deepEqual(byName.get('id')!.type, { kind: 'int', type: 'Int32' });
  assert.equal(replaySample(definitionOf(inference), messages).deadLetters, 0);
});

test('Debezium\'s messages that are no change are dead letters with the views\' reasons; its tombstones are not', () => {
  const messages = [...debezium(false), ...sample([
    { key: { id: 1 }, value: { op: 't', source: { lsn: 1 } } },
    { key: { id: 1 }, value: { payload: 'nonsense' } },
    { key: { id: 1 }, value: { before: null, after: { id: 'one', status: 'new', qty: 1 }, source: { lsn: 2 }, op: 'c' } },
    // A delete names its row by the key alone: its other fields may be null.
    { key: { id: 2 }, value: { before: { id: 2, status: null, qty: null }, after: null, source: { lsn: 3 }, op: 'd' } },
    { key: { id: 3 }, value: { before: { id: 3, colour: 'red' }, after: null, source: { lsn: 4 }, op: 'd' } },
  ])];
  const replay = replaySample(definitionOf(inferFromSample(messages, { name: 'orders', topic: 't' })), messages);
  assert.equal(replay.deadLetters, 4);
  assert.equal(replay.deletes, 4);
  const reasons = replay.reasons.map((r) => r.reason);
  assert.ok(reasons.includes('Debezium op "t" is not a row change (c, u, r or d): not applied'), reasons.join('\n'));
  assert.ok(reasons.includes('not a Debezium change: no "op" (c, u, r or d)'), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^id must be a whole number/.test(r)), reasons.join('\n'));
  assert.ok(reasons.includes('colour is not a field of this stream'), reasons.join('\n'));
});

test('Debezium\'s changes without message keys: not a change stream, said why, read as messages of their own', () => {
  const messages = debezium(false).filter((m) => m.value !== null).map((m) => ({ ...m, key: null }));
  const inference = inferFromSample(messages, { name: 'orders', topic: 't' });
  assert.equal(inference.changes, undefined);
  assert.match(inference.notes[0]!, /^Debezium changes, but no message has a key \(a table without a primary key\?\): read as messages of their own/);
  assert.ok(inference.fields.some((f) => f.name === 'after_id'), 'the whole envelope, as before');
});

test('the flat form (ExtractNewRecordState): envelope debezium-flat, the __ fields not fields of the stream', () => {
  const messages = sample([
    ...many(10, (i) => ({ key: { id: i }, value: { ...order(i), __op: i < 8 ? 'r' : 'u', __lsn: 100 + i, __deleted: 'false' } })),
    { key: { id: 3 }, value: { id: 3, status: null, qty: null, __op: 'd', __lsn: 200, __deleted: 'true' } },
    { key: { id: 3 }, value: null },
  ]);
  const inference = inferFromSample(messages, { name: 'orders', topic: 't' });
  assert.equal(inference.changes?.envelope, 'debezium-flat');
  assert.equal(inference.changes?.version, '__lsn');
  assert.deepEqual(inference.fields.map((f) => f.name), ['id', 'status', 'qty']);
  assert.equal(inference.fields[1]!.optional, false, 'a deleted row\'s nulls type nothing');
  const replay = replaySample(definitionOf(inference), messages);
  assert.deepEqual({ dead: replay.deadLetters, deletes: replay.deletes, skipped: replay.skipped }, { dead: 0, deletes: 1, skipped: 1 });
  assert.match(configSource(inference, { sampled: 12, date: 'd', bootstrap: 'k' }), /envelope: 'debezium-flat',/);
  assert.deepEqual(inference.changes?.counts, [{ what: 'snapshot reads', count: 8 }, { what: 'updates', count: 2 }, { what: 'deletes', count: 1 }, { what: 'tombstones', count: 1 }]);
});

test('the flat form that drops deletes: its tombstones delete nothing, and the report says so', () => {
  const messages = sample([...many(5, (i) => ({ key: { id: i }, value: { ...order(i), __op: 'c' } })), { key: { id: 1 }, value: null }]);
  const changes = inferFromSample(messages, { name: 'orders', topic: 't' }).changes!;
  assert.equal(changes.version, 'the Kafka offset');
  assert.match(changes.notes.join('\n'), /tombstones but no __deleted: the transform drops deletes/);
});

test('a keyed JSON topic with object keys: an upsert stream keyed by the key\'s fields, its tombstones deletes', () => {
  const messages = sample([
    ...many(10, (i) => ({ key: { id: i % 6 }, value: order(i % 6, i) })),
    { key: { id: 2 }, value: null },
  ]);
  const inference = inferFromSample(messages, { name: 'orders', topic: 't' });
  assert.equal(inference.changes?.envelope, 'json');
  assert.deepEqual(inference.changes?.key, ['id']);
  assert.equal(inference.changes?.version, 'the Kafka offset');
  const stream = definitionOf(inference);
  assert.equal(stream.changes?.envelope, 'json');
  const replay = replaySample(stream, messages);
  assert.deepEqual({ dead: replay.deadLetters, deletes: replay.deletes, skipped: replay.skipped }, { dead: 0, deletes: 1, skipped: 0 });
  const source = configSource(inference, { sampled: 11, date: 'd', bootstrap: 'k' });
  assert.match(source, /key: \['id'\],\n  fields: \{/, 'envelope json is the default: left out');
  assert.match(source, /kch sink moves this stream/);
});

test('a keyed JSON topic with scalar keys: the key is the field whose value is the key\'s in every message', () => {
  const uuid = (i: number): string => `3f2a9c1e-6b63-4000-8000-${String(i).padStart(12, '0')}`;
  const messages = sample([
    ...many(12, (i) => ({ key: uuid(i % 5), value: { seq: i, user_id: uuid(i % 5), plan: ['free', 'pro'][i % 2] } })),
    { key: uuid(4), value: null },
  ]);
  const inference = inferFromSample(messages, { name: 'profiles', topic: 'profiles' });
  assert.deepEqual(inference.changes?.key, ['user_id']);
  assert.equal(inference.changes?.keyFrom, 'the value\'s field equal to the message key');
  const replay = replaySample(definitionOf(inference), messages);
  assert.deepEqual({ dead: replay.deadLetters, deletes: replay.deletes }, { dead: 0, deletes: 1 });

  // A number as key: the field holding that number (not a string of it).
  const numbers = sample(many(6, (i) => ({ key: String(i % 3), value: { n: String(i % 3), id: i % 3, v: i } })));
  assert.deepEqual(inferFromSample(numbers, { name: 's', topic: 't' }).changes?.key, ['id']);
});

test('a tombstone without a key is a dead letter of a keyed JSON stream', () => {
  const messages = sample([...many(4, (i) => ({ key: { id: i % 2 }, value: order(i % 2) })), { key: { id: 1 }, value: null }]);
  const stream = definitionOf(inferFromSample(messages, { name: 's', topic: 't' }));
  const replay = replaySample(stream, [...messages, ...sample([{ key: null, value: null }])]);
  assert.equal(replay.deadLetters, 1);
  assert.equal(replay.reasons[0]!.reason, 'a tombstone (no value) without a key: no row to delete');
});

test('topics that are not keyed changes stay append streams, and say why when they have keys', () => {
  const plain = sample(many(5, (i) => ({ key: null, value: order(i) })));
  const inference = inferFromSample(plain, { name: 's', topic: 't' });
  assert.equal(inference.changes, undefined);
  assert.deepEqual(inference.orderBy, ['id']);
  assert.equal(recognizeChanges(plain).notes.length, 0, 'a topic without keys: nothing to say');

  const unique = inferFromSample(sample(many(5, (i) => ({ key: `k${i}`, value: order(i) }))), { name: 's', topic: 't' });
  assert.equal(unique.changes, undefined);
  assert.match(unique.notes[0]!, /every message has a key of its own .*: an append stream/);

  const some = inferFromSample(sample(many(5, (i) => ({ key: i % 2 ? 'k' : null, value: order(i) }))), { name: 's', topic: 't' });
  assert.match(some.notes[0]!, /^3 of 5 messages have no key, so it is no keyed topic: an append stream/);

  const nowhere = inferFromSample(sample(many(6, (i) => ({ key: `k${i % 3}`, value: order(i) }))), { name: 's', topic: 't' });
  assert.equal(nowhere.changes, undefined);
  assert.match(nowhere.notes[0]!, /no field of the value equals the message key in every message: an append stream/);

  const foreign = inferFromSample(sample(many(6, (i) => ({ key: { tenant: i % 2 }, value: order(i) }))), { name: 's', topic: 't' });
  assert.match(foreign.notes[0]!, /the message key names tenant, but key field tenant is absent or null in 6 of 6 rows: an append stream/);
});
