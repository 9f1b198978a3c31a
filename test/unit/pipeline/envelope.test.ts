import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field } from '../../../src/pipeline/field.js';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { ingestOf, planStream, sinkInputColumns, type CreateMaterializedView, type CreateMergeTree, type CreateNullTable } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream } from '../../../src/pipeline/stream.js';

const fields = { id: field.int('Int32'), name: field.text(32).optional() };
const target = { database: 'shop', brokers: 'k:9092', topicPrefix: '' };

test('an upsert stream\'s target keeps each key\'s newest version and leaves deleted rows out of FINAL', () => {
  const s = defineStream({ name: 'inventory', fields, key: ['id'], envelope: 'debezium' });
  const plan = planStream(s, target, currentServer);
  const table = plan.find((st): st is CreateMergeTree => st.kind === 'create-merge-tree' && st.role === 'target')!;
  const sql = render(table);
  assert.match(sql, /ENGINE = ReplacingMergeTree\(kch_version, kch_deleted\)\nORDER BY \(id\)/);
  assert.match(sql, /kch_version UInt64,\n {4}kch_deleted UInt8\n\)/);
  assert.doesNotMatch(sql, /PROJECTION/, 'no projection counts replaced versions');
  assert.equal(plan.some((st) => st.kind === 'create-view'), false, 'no dedup view: the key is the row');
  const view = plan.find((st): st is CreateMaterializedView => st.kind === 'create-materialized-view' && st.role === 'target')!;
  assert.deepEqual(view.select.map((i) => i.alias).slice(-3), ['processing_time', 'kch_version', 'kch_deleted']);
  const letters = plan.find((st): st is CreateMaterializedView => st.kind === 'create-materialized-view' && st.role === 'dead-letter')!;
  assert.equal(letters.where, 'NOT kch_valid AND NOT kch_skip', 'a Debezium tombstone is neither a row nor a dead letter');
});

test('marked deletes keep the deleted row: ReplacingMergeTree over the version alone', () => {
  const s = defineStream({ name: 'inventory', fields, key: ['id'], envelope: 'debezium-flat', deletes: 'mark' });
  const table = planStream(s, target, currentServer).find((st): st is CreateMergeTree => st.kind === 'create-merge-tree' && st.role === 'target')!;
  assert.match(render(table), /ENGINE = ReplacingMergeTree\(kch_version\)\n/);
});

test('a keyed JSON stream goes through the sink, which carries the message key; the other envelopes do not read it', () => {
  const keyed = defineStream({ name: 'profiles', fields, key: ['id'] });
  assert.equal(ingestOf(keyed, { ingest: 'engine' }), 'sink');
  assert.equal(sinkInputColumns(currentServer, keyed).at(-1)?.name, '_key');
  const input = planStream(keyed, target, currentServer).find((st): st is CreateNullTable => st.kind === 'create-null-table' && st.role === 'sink-input')!;
  assert.ok(input.columns.some((c) => c.name === '_key'));
  const debezium = defineStream({ name: 'inventory', fields, key: ['id'], envelope: 'debezium' });
  assert.equal(ingestOf(debezium, { ingest: 'engine' }), 'engine');
  assert.equal(sinkInputColumns(currentServer, debezium).some((c) => c.name === '_key'), false);
});

test('an append stream\'s decoding view is as it was before change streams', () => {
  const s = defineStream({ name: 'events', fields });
  const decode = planStream(s, target, currentServer).find((st): st is CreateMaterializedView => st.kind === 'create-materialized-view' && st.role === 'decode')!;
  assert.deepEqual(decode.inner.map((i) => i.alias), ['kch_raw', 'kch_json', 'kch_keys', 'kch_topic', 'kch_partition', 'kch_offset', 'kch_timestamp']);
  assert.doesNotMatch(render(decode), /kch_doc|kch_deleted|kch_version/);
});

test('an upsert stream on a server before 25.8 is refused, naming the version it needs', () => {
  const s = defineStream({ name: 'inventory', fields, key: ['id'], envelope: 'debezium' });
  assert.throws(() => planStream(s, target, featuresForVersion('23.8.1')), /decoded in views, which need ClickHouse 25\.8 or later \(this server is 23\.8\.1\)/);
});
