import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featuresForVersion } from '../../../src/pipeline/features.js';
import { field } from '../../../src/pipeline/field.js';
import { planStream, type CreateKafkaTable, type CreateMaterializedView, type CreateMergeTree } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream, validateEvent } from '../../../src/pipeline/stream.js';

const returns = defineStream({
  name: 'returns',
  description: 'Goods brought back.',
  fields: {
    event_id: field.uuid(),
    amount: field.decimal({ precision: 18, scale: 2, min: 0, max: 1e6 }),
    reason: field.oneOf(['broken', 'unwanted'] as const).withDefault('unwanted'),
  },
  orderBy: ['event_id'],
});
const target = { database: 'shop', brokers: 'kafka:9092', topicPrefix: '' };

test('an optional field may be absent or null in an event, but not wrong', () => {
  assert.deepEqual(validateEvent(returns, { event_id: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', amount: 5 }), []);
  assert.deepEqual(validateEvent(returns, { event_id: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', amount: 5, reason: null }), []);
  assert.deepEqual(validateEvent(returns, { event_id: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', amount: 5, reason: 'lost' }).map((p) => p.path), ['/reason']);
});

test('where the Kafka engine parses, an optional field is Nullable in the Kafka table, replaced by its default in the view, and the target column has that DEFAULT', () => {
  const plan = planStream(returns, target, featuresForVersion('25.3.1'));
  const kafka = render(plan.find((s): s is CreateKafkaTable => s.kind === 'create-kafka-table')!);
  assert.match(kafka, /\n {4}reason Nullable\(String\)\n/);
  assert.match(kafka, /input_format_force_null_for_omitted_fields = 1/, 'a missing required field is a parse error on a current server');
  const table = render(plan.find((s): s is CreateMergeTree => s.kind === 'create-merge-tree' && s.role === 'target')!);
  assert.match(table, /\n {4}reason LowCardinality\(String\) DEFAULT 'unwanted',\n/);
  const view = plan.find((s): s is CreateMaterializedView => s.kind === 'create-materialized-view' && s.role === 'target')!;
  assert.match(render(view), /ifNull\(reason, 'unwanted'\) AS reason/);
  assert.match(view.where, /\(isNull\(reason\) OR \(reason IN \('broken', 'unwanted'\)\)\)/);
});

test('on a server without strict JSON input the optional field is read as the plain type', () => {
  const plan = planStream(returns, target, featuresForVersion('21.8.1'));
  const kafka = render(plan.find((s): s is CreateKafkaTable => s.kind === 'create-kafka-table')!);
  assert.match(kafka, /\n {4}reason String\n/);
  assert.doesNotMatch(kafka, /input_format_/);
});

test('text fields are checked for valid UTF-8 where the server can', () => {
  const notes = defineStream({ name: 'notes', description: '', fields: { note: field.text(100) }, orderBy: ['note'] });
  const view = (version: string): string => planStream(notes, target, featuresForVersion(version)).filter((s): s is CreateMaterializedView => s.kind === 'create-materialized-view')[0]!.where;
  assert.match(view('25.3'), /isValidUTF8\(note\)/);
  const decode = planStream(notes, target, featuresForVersion('26.7')).find((s): s is CreateMaterializedView => s.kind === 'create-materialized-view' && s.role === 'decode')!;
  assert.match(render(decode), /isValidUTF8\(dynamicElement\(kch_v_note, 'String'\)\)/);
  assert.doesNotMatch(view('18.16'), /isValidUTF8/);
});
