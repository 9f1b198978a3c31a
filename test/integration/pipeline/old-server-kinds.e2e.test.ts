/**
 * The new field kinds an old server can take (floats, text options, optional values), on Debian's
 * ClickHouse 18.16 through a real Kafka topic: valid messages land with the values they carried,
 * optional ones absent or null as NULL, and messages that parse but fail a check are dead letters
 * naming the field. (18.16 has neither an error stream nor subquery views: its target view does not
 * filter, and a message it cannot parse stops its consumer, so only checkable values are sent.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { detectFeatures } from '../../../src/clickhouse/detect-features.js';
import { field } from '../../../src/pipeline/field.js';
import { planPipeline } from '../../../src/pipeline/plan.js';
import { topicOf } from '../../../src/pipeline/resolve.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream, validateEvent } from '../../../src/pipeline/stream.js';
import { remoteClickHouseUrl, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka } = services();

const meters = defineStream({
  name: 'meters',
  fields: {
    event_id: field.uuid(),
    reading: field.float(),
    site: field.text({ maxLength: 16, lowCardinality: true }),
    note: field.text({ maxLength: 8, allowEmpty: true }),
    level: field.float().optional(),
    label: field.text(8).optional(),
    count: field.int('Int16'),
  },
  orderBy: ['event_id'],
});

test('floats, text options and optional values on ClickHouse 18.16: valid ones stored as sent, failed checks are dead letters naming the field', async (t) => {
  const url = remoteClickHouseUrl();
  assert.ok(url, 'the test runner starts Debian\'s ClickHouse server (CI installs it)');
  const database = uniqueName('oldkinds');
  const topicPrefix = `${database}_`;
  const admin = createClickHouse({ url, user: 'default', password: '', database: 'default' });
  onCleanup(t, async () => {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.close();
  });
  const features = await detectFeatures(admin);
  assert.equal(features.decodeInViews, false);
  assert.equal(features.boolType, false, '18.16 has no Bool type');
  assert.equal(features.dateTime64, false, '18.16 has no DateTime64');
  await ensureTopics(kafka, [{ name: topicOf(meters, { topicPrefix }), partitions: 1 }]);
  for (const statement of planPipeline([meters], { database, brokers: kafka, topicPrefix }, features)) await admin.command({ query: render(statement) });

  const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const base = { reading: 2.5, site: 'north', note: 'hi', level: 0.125, label: 'x', count: -3 };
  const valid: Record<string, unknown>[] = [
    { event_id: id(1), ...base },
    { event_id: id(2), ...base, reading: 7, note: '', level: null, label: null },
    { event_id: id(3), reading: -1e-3, site: 'delta', note: 'ok', count: 32_767 },
  ];
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ event_id: id(11), ...base, reading: Infinity }, /reading: expected a number/],
    [{ event_id: id(12), ...base, site: '' }, /site: expected non-empty UTF-8 text/],
    [{ event_id: id(13), ...base, note: 'far too long' }, /note: expected UTF-8 text, at most 8 bytes/],
    [{ event_id: id(14), ...base, label: '' }, /label: expected non-empty UTF-8 text, at most 8 bytes, or null/],
    [{ event_id: id(15), ...base, level: -Infinity }, /level: expected a number \(Float64\), or null/],
    [{ event_id: id(16), ...base, count: 40_000 }, /count: expected whole number -32768\.\.32767/],
  ];
  for (const event of valid) assert.deepEqual(validateEvent(meters, event), [], JSON.stringify(event));
  // JSON.stringify writes ±Infinity as null: put 1e400 back where the case has it.
  const text = (event: Record<string, unknown>): string => JSON.stringify(event).replace(/"(reading|level)":null/, (_m, key: string) => `"${key}":${key === 'reading' ? '1e400' : '-1e400'}`);
  // 1e400 is Infinity to JSON.parse too: our validation rejects each as ClickHouse must.
  for (const [event] of bad) assert.notDeepEqual(validateEvent(meters, JSON.parse(text(event))), [], text(event));
  const values = [...valid.map((e) => JSON.stringify(e)), ...bad.map(([e]) => text(e))];
  assert.match(values[valid.length]!, /"reading":1e400/);

  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-oldkinds', log: createLogger('oldkinds', () => undefined) });
  await producer.send(values.map((value) => ({ topic: topicOf(meters, { topicPrefix }), value })));
  await producer.close();

  const client = createClickHouse({ url, user: 'default', password: '', database });
  onCleanup(t, () => client.close());
  const letters = await pollUntil('every bad message in the dead letters', async () => {
    const rows = await (await client.query({ query: 'SELECT raw, error FROM meters_dead_letter', format: 'JSONEachRow' })).json<{ raw: string; error: string }>();
    return rows.length >= bad.length ? rows : undefined;
  }, 120_000);
  assert.equal(letters.length, bad.length, letters.map((l) => l.error).join('\n'));
  for (const [event, reason] of bad) {
    const letter = letters.find((l) => l.raw.startsWith(`${String(event.event_id)}\t`));
    assert.ok(letter, `dead letter of ${JSON.stringify(event)}`);
    assert.match(letter.error, reason);
  }
  const rows = await (await client.query({
    query: `SELECT toString(event_id) AS id, reading, site, note, level, label, count FROM meters WHERE event_id IN ('${id(1)}', '${id(2)}', '${id(3)}') ORDER BY event_id`,
    format: 'JSONEachRow',
  })).json<Record<string, unknown>>();
  assert.deepEqual(rows, [
    { id: id(1), reading: 2.5, site: 'north', note: 'hi', level: 0.125, label: 'x', count: -3 },
    { id: id(2), reading: 7, site: 'north', note: '', level: null, label: null, count: -3 },
    { id: id(3), reading: -0.001, site: 'delta', note: 'ok', level: null, label: null, count: 32767 },
  ]);
});
