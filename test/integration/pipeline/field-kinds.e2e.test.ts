/**
 * Every kind of field a stream of one's own can have (nested objects, arrays, optional values,
 * booleans, ISO timestamps, floats), through a real Kafka topic and the views the plan makes on
 * the embedded ClickHouse: valid messages land with the values they carried, and arbitrary
 * changes of them (a value retyped, removed, an unknown key, a nested object turned into text)
 * land in the dead letters exactly when our own validation rejects them, with a reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { detectFeatures } from '../../../src/clickhouse/detect-features.js';
import { planPipeline } from '../../../src/pipeline/plan.js';
import { topicOf } from '../../../src/pipeline/resolve.js';
import { render } from '../../../src/pipeline/render.js';
import { buildEvent, validateEvent } from '../../../src/pipeline/stream.js';
import { clickhouse, remoteClickHouseUrl, scalar, services, uniqueName } from '../../support/env.js';
import { kindsStream } from '../../support/kinds-stream.js';
import { pollUntil } from '../../support/wait.js';
import { Arbitrary, fuzzSeed } from '../../unit/verify/arbitrary.js';
import { parseMessage, stringifyJson } from '../../../src/pipeline/json.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();
const seed = fuzzSeed();

function exampleEvent(any: Arbitrary, id: string): Record<string, unknown> {
  const random = { next: () => any.float() };
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(kindsStream.fields)) values[name] = f.example(random);
  values.id = id;
  return buildEvent(kindsStream, values);
}

/** Arbitrary changes at any depth: a value replaced by any JSON, removed, or a key added. */
function mutate(any: Arbitrary, event: Record<string, unknown>): void {
  let at = event;
  while (any.bool(0.4)) {
    const objects = Object.entries(at).filter(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (objects.length === 0) break;
    at = any.pick(objects)[1] as Record<string, unknown>;
  }
  const keys = Object.keys(at).filter((k) => k !== 'id');
  const how = any.int(0, 3);
  if (how === 0 && keys.length) delete at[any.pick(keys)];
  else if (how === 1) at[any.string(6) || 'extra'] = any.json();
  else if (keys.length) at[any.pick(keys)] = any.json();
}

test(`every field kind decodes or is a dead letter exactly as validateEvent says (seed ${seed})`, async (t) => {
  const database = uniqueName('kinds');
  const topicPrefix = `${database}_`;
  const admin = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  onCleanup(t, async () => {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.close();
  });
  const features = await detectFeatures(admin);
  assert.ok(features.decodeInViews, 'the embedded ClickHouse decodes in views');
  await ensureTopics(kafka, [{ name: topicOf(kindsStream, { topicPrefix }), partitions: 1 }]);
  for (const statement of planPipeline([kindsStream], { database, brokers: kafka, topicPrefix }, features)) await admin.command({ query: render(statement) });

  const any = new Arbitrary(seed);
  const sent: { id: string; value: string; valid: boolean }[] = [];
  for (let i = 0; i < 1200; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const event = exampleEvent(any, id);
    if (i % 3 !== 0) for (let m = any.int(1, 2); m > 0; m--) mutate(any, event);
    const value = stringifyJson(event);
    sent.push({ id, value, valid: validateEvent(kindsStream, event).length === 0 });
  }
  // Hand-made ones: what a user's producer gets wrong most often.
  const base = exampleEvent(any, '00000000-0000-4000-8000-100000000000');
  const cases: [string, Record<string, unknown>, boolean, RegExp?][] = [
    ['nested object as text', { ...base, zone: 'JFK' }, false, /zone: expected an object/],
    ['unknown nested key', { ...base, zone: { pickup: 'JFK', gate: 4 } }, false, /zone: expected an object with only the fields pickup, dropoff/],
    ['array with a bad element', { ...base, tags: ['a', 7] }, false, /tags: expected an array of/],
    ['array as text', { ...base, tags: 'a,b' }, false, /tags: expected an array/],
    ['null in a required field', { ...base, ok: null }, false, /ok: expected true or false/],
    ['bool as 1', { ...base, ok: 1 }, false, /ok: expected true or false/],
    ['hour 25', { ...base, at: '2026-12-05T25:00:00Z' }, false, /at: expected ISO-8601 time/],
    ['30 February', { ...base, at: '2026-02-30T10:00:00Z' }, false, /at: expected ISO-8601 time/],
    ['Int8 out of range', { ...base, small: 128 }, false, /small: expected whole number -128\.\.127/],
    ['optional nested object absent', Object.fromEntries(Object.entries({ ...base, zone: { pickup: 'JFK' } }).filter(([k]) => k !== 'meta')), true],
    ['optional values null', { ...base, note: null, scores: null, amount: null, meta: null }, true],
    ['offset and nanoseconds', { ...base, at: '2026-12-05T01:02:03.123456789+02:00' }, true],
    // After the case above, whose id the check of stored values below names.
    ['text where a number is', { ...base, ratio: '0.5' }, false, /ratio: expected a number/],
    ['unknown top-level key', { ...base, extra: 1 }, false, /unknown field: extra/],
    // A nested object of single values is extracted as a map: what a map cannot hold is still caught.
    ['nested object as an array', { ...base, zone: ['JFK'] }, false, /zone: expected an object/],
    ['nested object empty', { ...base, zone: {} }, false, /zone: expected an object with only the fields pickup, dropoff/],
    ['nested value an object', { ...base, zone: { pickup: { code: 'JFK' } } }, false, /zone_pickup: expected/],
    ['object two levels down as text', { ...base, meta: { geo: 'here' } }, false, /meta\.geo: expected an object/],
  ];
  const reasons: [string, RegExp][] = [];
  for (const [i, [why, event, valid, reason]] of cases.entries()) {
    const id = `00000000-0000-4000-8000-2000000000${String(i).padStart(2, '0')}`;
    const value = stringifyJson({ ...event, id });
    const parsed = parseMessage(value);
    assert.equal(parsed.ok && validateEvent(kindsStream, parsed.value).length === 0, valid, `our validation of: ${why}`);
    sent.push({ id, value, valid });
    if (reason) reasons.push([value, reason]);
  }

  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-kinds', log: createLogger('kinds', () => undefined) });
  await producer.send(sent.map((m) => ({ topic: topicOf(kindsStream, { topicPrefix }), value: m.value })));
  await producer.close();
  const client = clickhouse(clickhouseUrl, database);
  onCleanup(t, () => client.close());
  const total = 'SELECT (SELECT count() FROM kinds) + (SELECT count() FROM kinds_dead_letter)';
  await pollUntil('every message in the target or the dead letters', async () => ((await scalar(client, total)) >= sent.length ? true : undefined), 120_000);
  assert.equal(await scalar(client, total), sent.length);

  const stored = new Set((await (await client.query({ query: 'SELECT toString(id) AS id FROM kinds', format: 'JSONEachRow' })).json<{ id: string }>()).map((r) => r.id));
  const letters = await (await client.query({ query: 'SELECT raw, error FROM kinds_dead_letter', format: 'JSONEachRow' })).json<{ raw: string; error: string }>();
  const wrong = sent.filter((m) => stored.has(m.id) !== m.valid).map((m) => `${m.valid ? 'rejected' : 'stored'}: ${m.value} ${letters.find((l) => l.raw === m.value)?.error ?? ''}`);
  assert.deepEqual(wrong, [], `SQL and TypeScript disagree (seed ${seed})`);
  assert.equal(letters.filter((l) => l.error === '').length, 0, 'every dead letter says why');
  const nested = letters.find((l) => l.raw.includes('"zone":"JFK"'));
  assert.match(nested?.error ?? '', /zone: expected an object/);
  const badElement = letters.find((l) => l.raw.includes('"tags":["a",7]'));
  assert.match(badElement?.error ?? '', /tags: expected an array of/);
  // Each hand-made bad message is a dead letter whose reason names the field it got wrong.
  for (const [value, reason] of reasons) assert.match(letters.find((l) => l.raw === value)?.error ?? `no dead letter for ${value}`, reason);

  // Values as they were sent: the nested one in its own column, the array, the time with its zone.
  const [row] = await (await client.query({
    query: `SELECT zone_pickup, tags, ok, toString(at) AS at, isNull(geo_lat) AS no_lat FROM kinds WHERE id = '00000000-0000-4000-8000-200000000011'`,
    format: 'JSONEachRow',
  })).json<{ zone_pickup: string; tags: string[]; ok: boolean; at: string; no_lat: number }>();
  assert.ok(row, 'the hand-made valid event is stored');
  assert.equal(row.zone_pickup, (base.zone as { pickup: string }).pickup);
  assert.deepEqual(row.tags, base.tags);
  assert.equal(row.ok, base.ok);
  assert.equal(row.at, '2026-12-04 23:02:03.123', 'the offset applied, kept to the milliseconds');
  process.stdout.write(`# field kinds: ${sent.length} messages, ${sent.filter((m) => m.valid).length} valid\n`);
});

test('an old server is told which field it cannot check, before anything is created', async () => {
  const url = remoteClickHouseUrl();
  assert.ok(url, 'the test runner starts Debian\'s ClickHouse server (CI installs it)');
  const admin = createClickHouse({ url, user: 'default', password: '', database: 'default' });
  try {
    const features = await detectFeatures(admin);
    assert.equal(features.decodeInViews, false);
    assert.throws(() => planPipeline([kindsStream], { database: 'x', brokers: kafka, topicPrefix: '' }, features), /stream kinds: field at is a DateTime64 column, which only ClickHouse 25\.8 or later can check/);
  } finally {
    await admin.close();
  }
});
