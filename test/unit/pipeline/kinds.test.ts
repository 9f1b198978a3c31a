/**
 * The field kinds of a stream of one's own: the exact SQL a current server gets for one stream
 * using each of them, validateEvent for each kind and for nested paths, and example values that
 * always pass the field's own check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { field } from '../../../src/pipeline/field.js';
import { stringifyJson } from '../../../src/pipeline/json.js';
import { planStream, type Statement } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { buildEvent, defineStream, validateEvent } from '../../../src/pipeline/stream.js';
import { kindsStream } from '../../support/kinds-stream.js';

const trips = defineStream({
  name: 'trips',
  fields: {
    id: field.uuid(), at: field.timestamp({ precision: 3, timeZone: 'UTC' }), n: field.int('Int16'), ratio: field.float(),
    ok: field.bool(), tags: field.array(field.text(8)), note: field.text({ maxLength: 8, allowEmpty: true }).optional(),
    pickup: field.text({ maxLength: 8, lowCardinality: true }).optional().at('zone.pickup'),
  },
  orderBy: ['at'],
  id: 'id',
  time: 'at',
});
const target = { database: 'default', brokers: 'k:9092', topicPrefix: '' };

function rendered(plan: Statement[], kind: Statement['kind'], name: string): string {
  const found = plan.find((s) => s.kind === kind && ('table' in s ? s.table === name : 'view' in s ? s.view === name : false));
  assert.ok(found, `${kind} ${name} in plan`);
  return render(found);
}

const tripsTarget = String.raw`CREATE TABLE IF NOT EXISTS default.trips
(
    id UUID,
    at DateTime64(3, 'UTC'),
    n Int16,
    ratio Float64,
    ok Bool,
    tags Array(String),
    note Nullable(String),
    pickup LowCardinality(Nullable(String)),
    processing_time DateTime DEFAULT now(),
    PROJECTION arrivals_per_second (SELECT processing_time, count() GROUP BY processing_time)
)
ENGINE = MergeTree()
ORDER BY (at)`;
const tripsDecodeView = String.raw`CREATE MATERIALIZED VIEW IF NOT EXISTS default.trips_decode_mv TO default.trips_decoded AS
SELECT
    assumeNotNull(toUUIDOrNull(dynamicElement(kch_v_id, 'String'))) AS id,
    ifNull(parseDateTime64BestEffortOrNull(dynamicElement(kch_v_at, 'String'), 3, 'UTC'), toDateTime64(0, 3, 'UTC')) AS at,
    assumeNotNull(accurateCastOrNull(kch_x_n, 'Int16')) AS n,
    ifNull(coalesce(dynamicElement(kch_v_ratio, 'Float64'), toFloat64(dynamicElement(kch_v_ratio, 'Int64')), toFloat64(dynamicElement(kch_v_ratio, 'UInt64'))), 0) AS ratio,
    ifNull(dynamicElement(kch_v_ok, 'Bool'), false) AS ok,
    arrayMap(x -> ifNull(dynamicElement(x, 'String'), ''), kch_v_tags) AS tags,
    if(isNull(kch_v_note), NULL, ifNull(dynamicElement(kch_v_note, 'String'), '')) AS note,
    if(isNull(kch_v_pickup), NULL, ifNull(dynamicElement(kch_v_pickup, 'String'), '')) AS pickup,
    notEmpty(kch_keys) AND hasAll(['id', 'at', 'n', 'ratio', 'ok', 'tags', 'note', 'zone'], kch_keys) AND arrayUniq(kch_keys) = length(kch_keys) AND (JSONType(kch_raw, 'tags') = 'Array') AND (JSONType(kch_raw, 'zone') IN ('Object', 'Null') AND hasAll(['pickup'], mapKeys(tupleElement(kch_json, 'zone'))) AND arrayUniq(mapKeys(tupleElement(kch_json, 'zone'))) = length(mapKeys(tupleElement(kch_json, 'zone')))) AND (ifNull(isNotNull(toUUIDOrNull(dynamicElement(kch_v_id, 'String'))), 0)) AND (ifNull(match(dynamicElement(kch_v_at, 'String'), '^(19[7-9][0-9]|2[01][0-9][0-9]|22[0-5][0-9]|226[01])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$') AND isNotNull(parseDateTime64BestEffortOrNull(dynamicElement(kch_v_at, 'String'), 3, 'UTC')), 0)) AND (ifNull(kch_x_n BETWEEN -32768 AND 32767 AND round(kch_x_n) = kch_x_n, 0)) AND (ifNull(isFinite(coalesce(dynamicElement(kch_v_ratio, 'Float64'), toFloat64(dynamicElement(kch_v_ratio, 'Int64')), toFloat64(dynamicElement(kch_v_ratio, 'UInt64')))), 0)) AND (isNotNull(dynamicElement(kch_v_ok, 'Bool'))) AND (arrayAll(x -> ifNull(length(dynamicElement(x, 'String')) BETWEEN 1 AND 8 AND isValidUTF8(dynamicElement(x, 'String')), 0), kch_v_tags)) AND (isNull(kch_v_note) OR (ifNull(length(dynamicElement(kch_v_note, 'String')) <= 8 AND isValidUTF8(dynamicElement(kch_v_note, 'String')), 0))) AND (isNull(kch_v_pickup) OR (ifNull(length(dynamicElement(kch_v_pickup, 'String')) BETWEEN 1 AND 8 AND isValidUTF8(dynamicElement(kch_v_pickup, 'String')), 0))) AS kch_valid,
    kch_raw,
    kch_topic,
    kch_partition,
    kch_offset,
    kch_timestamp
FROM
(
    SELECT
        *,
        if(dynamicType(kch_v_n) IN ('Int64', 'UInt64', 'Float64'), accurateCastOrNull(kch_v_n, 'Float64'), NULL) AS kch_x_n
    FROM
    (
        SELECT
            *,
            tupleElement(kch_json, 'id') AS kch_v_id,
            tupleElement(kch_json, 'at') AS kch_v_at,
            tupleElement(kch_json, 'n') AS kch_v_n,
            tupleElement(kch_json, 'ratio') AS kch_v_ratio,
            tupleElement(kch_json, 'ok') AS kch_v_ok,
            tupleElement(kch_json, 'tags') AS kch_v_tags,
            tupleElement(kch_json, 'note') AS kch_v_note,
            tupleElement(kch_json, 'zone')['pickup'] AS kch_v_pickup
        FROM
        (
            SELECT
                raw AS kch_raw,
                JSONExtract(raw, 'Tuple(id Dynamic, at Dynamic, n Dynamic, ratio Dynamic, ok Dynamic, tags Array(Dynamic), note Dynamic, zone Map(String, Dynamic))') AS kch_json,
                JSONExtractKeys(raw) AS kch_keys,
                _topic AS kch_topic,
                toUInt32(_partition) AS kch_partition,
                toUInt64(_offset) AS kch_offset,
                CAST(_timestamp AS Nullable(DateTime)) AS kch_timestamp
            FROM default.trips_kafka
        )
    )
)
SETTINGS input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0, input_format_json_try_infer_numbers_from_strings = 0`;

test('a stream of every new kind gets exactly this target table and decoding view on a current server', () => {
  const plan = planStream(trips, target, currentServer);
  assert.equal(rendered(plan, 'create-merge-tree', 'trips'), tripsTarget);
  assert.equal(rendered(plan, 'create-materialized-view', 'trips_decode_mv'), tripsDecodeView);
});

test('a server without decoding views is told, in one line, which field it cannot check and what it needs', () => {
  assert.throws(() => planStream(trips, target, featuresForVersion('18.16.1')), (e: Error) => {
    assert.match(e.message, /^stream trips: field at is a DateTime64 column, which only ClickHouse 25\.8 or later can check \(this server is 18\.16\.1\)/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  const nested = defineStream({ name: 'nested', fields: { a: field.text(8).at('x.a') }, orderBy: [] });
  assert.throws(() => planStream(nested, target, featuresForVersion('24.8.1')), /stream nested: field a is a nested value, which only ClickHouse 25\.8/);
});

const valid = {
  id: '0b4f9a36-2a4e-4c53-9d6b-4f6f2b9c8e11', at: '2026-12-05T01:02:03.456Z', n: -5, ratio: 0.25, ok: true,
  tags: ['a', 'b'], note: '', zone: { pickup: 'JFK' },
};

function problemsOf(change: (event: Record<string, unknown>) => void): string[] {
  const event = structuredClone(valid) as Record<string, unknown>;
  change(event);
  return validateEvent(trips, event).map((p) => `${p.path} ${p.message}`);
}

test('a valid event of every kind has no problem; optional ones may be absent or null', () => {
  assert.deepEqual(problemsOf(() => {}), []);
  assert.deepEqual(problemsOf((e) => { delete e.note; delete e.zone; }), []);
  assert.deepEqual(problemsOf((e) => { e.note = null; e.zone = { pickup: null }; }), []);
  assert.deepEqual(problemsOf((e) => { e.zone = {}; }), []);
  assert.deepEqual(problemsOf((e) => { e.at = '2026-12-05 01:02:03'; e.ratio = 7; e.tags = []; }), []);
  assert.deepEqual(problemsOf((e) => { e.at = '2026-12-05T03:02:03.123456789+02:00'; }), []);
});

test('each new kind names its own problem', () => {
  assert.deepEqual(problemsOf((e) => { e.n = 40_000; }), ['/n must be between -32768 and 32767, got the number 40000']);
  assert.deepEqual(problemsOf((e) => { e.n = 1.5; }), ['/n must be a whole number, got the number 1.5']);
  assert.deepEqual(problemsOf((e) => { e.ratio = '0.5'; }), ['/ratio must be a number, got the string "0.5" (a number written as a string: accept those with acceptStrings())']);
  assert.deepEqual(problemsOf((e) => { e.ok = 1; }), ['/ok must be true or false']);
  assert.deepEqual(problemsOf((e) => { e.ok = null; }), ['/ok must be true or false']);
  assert.deepEqual(problemsOf((e) => { e.tags = ['a', '']; }), ['/tags element 1 must be non-empty text']);
  assert.deepEqual(problemsOf((e) => { e.tags = ['a', null]; }), ['/tags element 1 must be non-empty text']);
  assert.deepEqual(problemsOf((e) => { e.tags = 'a'; }), ['/tags must be an array, got the string "a"']);
  assert.deepEqual(problemsOf((e) => { e.note = 'much too long'; }), ['/note must be at most 8 bytes']);
  assert.deepEqual(problemsOf((e) => { e.at = '2026-02-30T01:02:03Z'; }), ['/at must be a real date']);
  assert.deepEqual(problemsOf((e) => { e.at = '2026-12-05T25:02:03Z'; }), ['/at must be ISO-8601 time, e.g. 2026-12-05T01:02:03Z']);
  assert.deepEqual(problemsOf((e) => { e.at = '1969-12-31T23:59:59Z'; }), ['/at must be ISO-8601 time, e.g. 2026-12-05T01:02:03Z']);
  assert.deepEqual(problemsOf((e) => { e.at = 1_733_000_000; }), ['/at must be a string']);
  assert.deepEqual(problemsOf((e) => { delete e.ok; }), ['/ok is missing']);
});

test('nested values are found at their paths, and a wrong parent or an unknown nested key is named by its path', () => {
  assert.deepEqual(problemsOf((e) => { e.zone = 'JFK'; }), ['/zone must be an object']);
  assert.deepEqual(problemsOf((e) => { e.zone = ['JFK']; }), ['/zone must be an object']);
  assert.deepEqual(problemsOf((e) => { e.zone = { pickup: 'JFK', dropoff: 'LGA' }; }), ['/zone/dropoff is not a field of this stream']);
  assert.deepEqual(problemsOf((e) => { e.zone = { pickup: '' }; }), ['/zone/pickup must be non-empty text']);
  assert.deepEqual(problemsOf((e) => { e.pickup = 'JFK'; }), ['/pickup is not a field of this stream']);
  const required = defineStream({ name: 'req', fields: { a: field.text(8).at('x.y.a'), b: field.int('UInt8') }, orderBy: [] });
  assert.deepEqual(validateEvent(required, { b: 1 }).map((p) => `${p.path} ${p.message}`), ['/x is missing']);
  assert.deepEqual(validateEvent(required, { b: 1, x: {} }).map((p) => `${p.path} ${p.message}`), ['/x/y is missing']);
  assert.deepEqual(validateEvent(required, { b: 1, x: { y: {} } }).map((p) => `${p.path} ${p.message}`), ['/x/y/a is missing']);
  assert.deepEqual(validateEvent(required, { b: 1, x: { y: 5 } }).map((p) => `${p.path} ${p.message}`), ['/x/y must be an object']);
  assert.deepEqual(validateEvent(required, { b: 1, x: { y: { a: 'ok' } } }), []);
});

test('buildEvent nests values at their paths and leaves out absent ones', () => {
  assert.deepEqual(buildEvent(kindsStream, { id: 'i', zone_pickup: 'JFK', geo_lat: 1.5, note: undefined }), { id: 'i', zone: { pickup: 'JFK' }, meta: { geo: { lat: 1.5 } } });
  assert.deepEqual(buildEvent(kindsStream, { zone_pickup: 'JFK', zone_dropoff: 'LGA' }), { zone: { pickup: 'JFK', dropoff: 'LGA' } });
});

/** mulberry32: a small seeded uniform source. */
function seeded(seed: number): { next(): number } {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    },
  };
}

test('example values always pass the field\'s check, optional ones are left out about one time in ten', () => {
  const kinds = {
    ...kindsStream.fields,
    u8: field.int('UInt8'), u64: field.int('UInt64'), i32: field.integer(-5, 5, 'Int32'), ts0: field.timestamp({ precision: 0 }),
    ts9: field.timestamp({ precision: 9, timeZone: 'Europe/Berlin' }), tiny: field.text(2), nested: field.array(field.decimal({ precision: 9, scale: 3, min: -1, max: 1 })),
    bools: field.array(field.bool()).optional(), kind: field.oneOf(['a', 'b']), lit: field.literal('x'),
  };
  const random = seeded(20261205);
  for (const [name, f] of Object.entries(kinds)) {
    let absent = 0;
    const draws = 5000;
    for (let i = 0; i < draws; i++) {
      const value = f.example(random);
      if (value === undefined) {
        assert.ok(f.isOptional, `${name}: only an optional field is left out`);
        absent += 1;
        continue;
      }
      assert.equal(f.problem(value), undefined, `${name}: ${stringifyJson(value)}`);
    }
    if (f.isOptional) assert.ok(absent > draws * 0.05 && absent < draws * 0.15, `${name}: left out ${absent} times in ${draws}`);
  }
  for (let i = 0; i < 2000; i++) {
    const values: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(kindsStream.fields)) values[name] = f.example(random);
    assert.deepEqual(validateEvent(kindsStream, buildEvent(kindsStream, values)), []);
  }
});

test('example timestamps are recent and carry the field\'s precision', () => {
  const random = seeded(1);
  for (const precision of [0, 3, 6, 9] as const) {
    const text = field.timestamp({ precision }).example(random)!;
    assert.ok(Math.abs(Date.parse(text) - Date.now()) < 60_000, text);
    assert.equal((/\.(\d+)Z$/.exec(text)?.[1] ?? '').length, precision, text);
  }
});

test('Bool and DateTime64 are capabilities of the server: UInt8 and DateTime without them', () => {
  const old = featuresForVersion('18.16.1');
  assert.equal(old.boolType, false);
  assert.equal(old.dateTime64, false);
  assert.equal(featuresForVersion('21.12.1').boolType, true);
  assert.equal(featuresForVersion('20.1.1').dateTime64, true);
  assert.equal(field.bool().targetType(old), 'UInt8');
  assert.equal(field.bool().optional().targetType(old), 'Nullable(UInt8)');
  assert.equal(field.timestamp({ precision: 6, timeZone: 'UTC' }).targetType(old), `DateTime('UTC')`);
  assert.equal(field.timestamp({ precision: 6 }).targetType(currentServer), 'DateTime64(6)');
});

test('an old server keeps a readable copy of a rejected row with optional values in it', () => {
  const meters = defineStream({ name: 'meters', fields: { event_id: field.uuid(), level: field.float().optional(), label: field.text(8).optional() }, orderBy: ['event_id'] });
  const deadLetterView = rendered(planStream(meters, target, featuresForVersion('18.16.1')), 'create-materialized-view', 'meters_dead_letter_mv');
  assert.ok(deadLetterView.includes(String.raw`arrayStringConcat([toString(event_id), ifNull(toString(level), 'null'), ifNull(toString(label), 'null')], '\t') AS raw`), deadLetterView);
});
