// Panels derived from a stream's fields, per field kind, and the SQL they cost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipCell, describeStreams, panelsOf, streamPanels } from '../../../src/dashboard/panels.js';
import type { Reader } from '../../../src/dashboard/queries.js';
import { field } from '../../../src/pipeline/field.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { sales, warehouse } from '../../../src/pipeline/streams/index.js';

const iot = defineStream({
  name: 'iot_readings',
  fields: {
    reading_id: field.uuid(),
    device: field.text(64),
    at: field.dateTimeText(),
    temperature: field.decimal({ precision: 9, scale: 2, min: -50, max: 80 }),
    battery: field.integer(0, 100, 'UInt8'),
    status: field.oneOf(['ok', 'degraded', 'offline']),
  },
  id: 'reading_id',
  time: 'at',
  orderBy: ['at', 'reading_id'],
});

const everyKind = defineStream({
  name: 'kinds',
  fields: {
    id: field.int('UInt64'),
    kind: field.literal('k'),
    seen: field.timestamp(),
    ratio: field.float(),
    ratio_maybe: field.float().optional(),
    up: field.bool(),
    zone: field.text({ maxLength: 16, lowCardinality: true }),
    zone_maybe: field.text({ maxLength: 16, lowCardinality: true }).optional(),
    note: field.text(200),
    tags: field.array(field.oneOf(['a', 'b'])),
    counts: field.array(field.int('UInt8')),
    city: field.text(32).at('site.city'),
  },
  id: 'id',
  time: 'seen',
  orderBy: ['seen'],
});

test('IoT readings: events over its time field, top of its one-of, sums of its numbers (not free text, not the id)', () => {
  assert.deepEqual(panelsOf(iot), {
    stream: 'iot_readings', table: 'iot_readings', time: 'at',
    top: ['status'], sums: ['temperature', 'battery'],
    columns: ['reading_id', 'device', 'at', 'temperature', 'battery', 'status', 'processing_time'],
  });
});

test('every field kind: timestamp is a time, bool and LowCardinality text (optional too) are tops, floats (optional too) sums; arrays, free text, literals neither', () => {
  const spec = panelsOf(everyKind);
  assert.equal(spec.time, 'seen');
  assert.deepEqual(spec.top, ['up', 'zone', 'zone_maybe']);
  assert.deepEqual(spec.sums, ['ratio', 'ratio_maybe']);
  assert.equal(spec.columns.length, Object.keys(everyKind.fields).length + 1);
});

test('a stream without a time field charts events over processing_time', () => {
  const bare = defineStream({ name: 'bare', fields: { n: field.integer(0, 9), s: field.oneOf(['x']) }, orderBy: ['n'] });
  assert.equal(panelsOf(bare).time, 'processing_time');
});

test('the description the page draws from: fields with kind, type, role; seed streams told apart', () => {
  const [own, seedSales, seedStock] = describeStreams([everyKind, sales, warehouse]);
  assert.equal(own!.seed, false);
  assert.equal(seedSales!.seed, true);
  assert.equal(seedStock!.seed, true);
  const byName = new Map(own!.fields.map((f) => [f.name, f]));
  assert.deepEqual(byName.get('zone_maybe'), { name: 'zone_maybe', kind: 'text', type: 'LowCardinality(Nullable(String))', optional: true, path: null, role: 'top' });
  assert.equal(byName.get('seen')!.role, 'time');
  assert.equal(byName.get('id')!.role, 'id');
  assert.equal(byName.get('ratio')!.role, 'sum');
  assert.equal(byName.get('note')!.role, null);
  assert.equal(byName.get('city')!.path, 'site.city');
  assert.deepEqual(own!.panels.top, ['up', 'zone', 'zone_maybe']);
});

test('the panels\' SQL: quoted identifiers, every query bounded by the window or a LIMIT', async () => {
  const asked: { query: string; params: Record<string, unknown> }[] = [];
  const db: Reader = {
    rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
      asked.push({ query, params });
      if (query.includes('kch_rows')) return Promise.resolve([{ kch_rows: '3', temperature: '61.5', battery: '250' }] as T[]);
      if (query.includes('toStartOfInterval')) return Promise.resolve([{ t: '1700000000', n: '3' }] as T[]);
      if (query.includes('AS value')) return Promise.resolve([{ value: 'ok', n: '3' }] as T[]);
      return Promise.resolve([{ device: 'x'.repeat(500) }] as T[]);
    },
  };
  const panels = await streamPanels(db, 'my db', panelsOf(iot), 6);
  assert.equal(asked.length, 4);
  for (const { query, params } of asked) {
    assert.match(query, /FROM `my db`\.`iot_readings`/);
    assert.match(query, /WHERE `at` >= now\(\) - toIntervalHour\(\{hours:UInt32\}\)/, query);
    assert.deepEqual(params, { hours: 6 });
  }
  assert.match(asked[2]!.query, /ORDER BY `at` DESC LIMIT 10$/);
  assert.match(asked[3]!.query, /GROUP BY value ORDER BY n DESC, value LIMIT 5$/);
  assert.deepEqual(panels.sums, { temperature: 61.5, battery: 250 });
  assert.equal(panels.rows_in_window, 3);
  assert.deepEqual(panels.events, [[1700000000, 3]]);
  assert.deepEqual(panels.top, { status: [{ value: 'ok', count: 3 }] });
  assert.equal(panels.bucket_seconds, 60);
  assert.equal((panels.newest[0]!.device as string).length, 121, 'long text clipped');
});

test('cells are clipped for reading: long text and long arrays', () => {
  assert.equal(clipCell('short'), 'short');
  assert.equal(clipCell(42), 42);
  assert.deepEqual(clipCell(Array.from({ length: 12 }, (_, i) => i)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '… 2 more']);
});
