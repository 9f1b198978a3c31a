// Panels derived from a stream's fields, per field kind, and the SQL they cost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipCell, describeStreams, eventWindow, panelsOf, streamPanels } from '../../../src/dashboard/panels.js';
import type { Reader } from '../../../src/clickhouse/query.js';
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
    latitude: field.float(),
    energy_wh: field.decimal({ precision: 12, scale: 3, min: 0, max: 1e6 }).measure(),
    pulses: field.int('UInt32').measure(),
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
    ratio: field.float().measure(),
    ratio_maybe: field.float().measure().optional(),
    seq: field.int('UInt64'),
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

test('IoT readings: events over its time field, top of its one-of, sums of its measures only (not a temperature, a percentage, a latitude)', () => {
  assert.deepEqual(panelsOf(iot), {
    stream: 'iot_readings', table: 'iot_readings', time: 'at',
    top: ['status'], sums: ['energy_wh', 'pulses'],
    texts: ['temperature', 'energy_wh'],
    columns: ['reading_id', 'device', 'at', 'temperature', 'battery', 'latitude', 'energy_wh', 'pulses', 'status', 'processing_time'],
  });
});

test('every field kind: timestamp is a time, bool and LowCardinality text (optional too) are tops, measures (optional too) sums; other numbers, arrays, free text, literals neither', () => {
  const spec = panelsOf(everyKind);
  assert.equal(spec.time, 'seen');
  assert.deepEqual(spec.top, ['up', 'zone', 'zone_maybe']);
  assert.deepEqual(spec.sums, ['ratio', 'ratio_maybe']);
  assert.deepEqual(spec.texts, ['id', 'seq'], '64-bit whole numbers are read as text: a JavaScript number would round them');
  assert.equal(spec.columns.length, Object.keys(everyKind.fields).length + 1);
});

test('a stream without a measure has no sum panel', () => {
  const counters = defineStream({ name: 'counters', fields: { id: field.int('UInt64'), seq: field.int('UInt32'), lat: field.float(), lon: field.float() }, id: 'id', orderBy: ['id'] });
  assert.deepEqual(panelsOf(counters).sums, []);
  assert.deepEqual(describeStreams([counters])[0]!.fields.map((f) => [f.name, f.role, f.measure]), [['id', 'id', false], ['seq', null, false], ['lat', null, false], ['lon', null, false]]);
});

test('the events window fits the data: from its first row to now, at least a minute, at most the hours asked, in 60 to 120 buckets', () => {
  const now = 1_700_000_017;
  // A stream 30 s old: a minute of 1-second buckets, not one bar in 360 minutes.
  assert.deepEqual(eventWindow(now - 30, now, 6), { start: now - 60, end: now, bucket: 1, buckets: 61 });
  // An hour of data: 1-minute buckets; 6 hours: 5-minute ones; nothing in the window: the whole of it.
  assert.deepEqual(eventWindow(now - 3600, now, 6), { start: 1_699_996_380, end: 1_699_999_980, bucket: 60, buckets: 61 });
  assert.equal(eventWindow(now - 6 * 3600, now, 6).bucket, 300);
  assert.deepEqual(eventWindow(null, now, 6), eventWindow(now - 6 * 3600, now, 6));
  // Older than the hours asked: cut at them. A row from the future (a producer's clock ahead): the last minute.
  assert.deepEqual(eventWindow(now - 48 * 3600, now, 24), eventWindow(now - 24 * 3600, now, 24));
  assert.deepEqual(eventWindow(now + 500, now, 6), eventWindow(now - 60, now, 6));
  for (let span = 0; span <= 168 * 3600; span += span < 900 ? 1 : 61) {
    const w = eventWindow(now - span, now, 168);
    assert.ok(w.buckets >= 60 && w.buckets <= 120, `${span} s: ${w.buckets} buckets of ${w.bucket} s`);
    assert.ok(w.start <= Math.max(now - span, now - 60) && w.start % w.bucket === 0 && w.end % w.bucket === 0, `${span} s`);
    assert.equal((w.end - w.start) / w.bucket + 1, w.buckets);
  }
});

test('a stream without a time field charts events over processing_time', () => {
  const bare = defineStream({ name: 'bare', fields: { n: field.integer(0, 9), s: field.oneOf(['x']) }, orderBy: ['n'] });
  assert.equal(panelsOf(bare).time, 'processing_time');
});

test('the description the page draws from: fields with kind, type, role; streams that declare panels told apart', () => {
  const [own, seedSales, seedStock] = describeStreams([everyKind, sales, warehouse]);
  assert.deepEqual(own!.declared, []);
  assert.deepEqual(seedSales!.declared, [{ kind: 'hourly', id: 'sales', title: 'Sales per hour' }, { kind: 'newest', id: 'recent', title: 'Recent sales' }, { kind: 'tiles', id: 'today', title: 'Today' }]);
  assert.deepEqual(seedStock!.declared, [{ kind: 'ranked', id: 'stock', title: 'Top stock movement' }, { kind: 'levels', id: 'warehouses', title: 'Stock by warehouse' }]);
  const byName = new Map(own!.fields.map((f) => [f.name, f]));
  assert.deepEqual(byName.get('zone_maybe'), { name: 'zone_maybe', kind: 'text', type: 'LowCardinality(Nullable(String))', optional: true, measure: false, path: null, role: 'top' });
  assert.equal(byName.get('ratio_maybe')!.measure, true);
  assert.equal(byName.get('seq')!.role, null, 'a number that is not a measure feeds no panel');
  assert.equal(byName.get('seen')!.role, 'time');
  assert.equal(byName.get('id')!.role, 'id');
  assert.equal(byName.get('ratio')!.role, 'sum');
  assert.equal(byName.get('note')!.role, null);
  assert.equal(byName.get('city')!.path, 'site.city');
  assert.deepEqual(own!.panels.top, ['up', 'zone', 'zone_maybe']);
});

test('the panels\' SQL: quoted identifiers, every query bounded by the window or a LIMIT; the events bucketed to fit the first row', async () => {
  const asked: { query: string; params: Record<string, unknown> }[] = [];
  const db: Reader = {
    rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
      asked.push({ query, params });
      // The window's first row came 30 minutes before now.
      if (query.includes('kch_rows')) return Promise.resolve([{ kch_rows: '3', kch_first: '1699998200', kch_now: '1700000000', energy_wh: '61.5', pulses: '250' }] as T[]);
      if (query.includes('intDiv')) return Promise.resolve([{ t: '1699998200', n: '3' }] as T[]);
      if (query.includes('AS value')) return Promise.resolve([{ value: 'ok', n: '3' }] as T[]);
      return Promise.resolve([{ device: 'x'.repeat(500) }] as T[]);
    },
  };
  const panels = await streamPanels(db, 'my db', panelsOf(iot), 6);
  assert.equal(asked.length, 4);
  for (const { query, params } of asked) {
    assert.match(query, /FROM `my db`\.`iot_readings`/);
    assert.match(query, /WHERE `at` >= now\(\) - toIntervalHour\(\{hours:UInt32\}\)/, query);
    assert.equal(params.hours, 6);
  }
  const totals = asked.find((a) => a.query.includes('kch_rows'))!.query;
  assert.match(totals, /toString\(sum\(`energy_wh`\)\) AS `energy_wh`, toFloat64\(sum\(`pulses`\)\) AS `pulses` FROM/, 'a decimal\'s sum as exact text, a 32-bit count\'s as a number');
  assert.doesNotMatch(totals, /sum\(`(temperature|battery|latitude)`\)/, 'only measures are summed');
  const events = asked.find((a) => a.query.includes('intDiv'))!;
  assert.match(events.query, /SELECT intDiv\(toUnixTimestamp\(`at`\), \{bucket:UInt32\}\) \* \{bucket:UInt32\} AS t, count\(\) AS n FROM .* AND `at` >= toDateTime\(\{start:UInt32\}\) GROUP BY t ORDER BY t$/);
  assert.deepEqual(events.params, { hours: 6, bucket: 20, start: 1_699_998_200 }, '1,800 s in 91 buckets of 20 s');
  assert.match(asked.find((a) => a.query.includes('LIMIT 10'))!.query, /ORDER BY `at` DESC LIMIT 10$/);
  assert.match(asked.find((a) => a.query.includes('LIMIT 10'))!.query, /, toString\(`temperature`\) AS `temperature`, `battery`, /, 'a decimal is shown as its exact text');
  assert.match(asked.find((a) => a.query.includes('AS value'))!.query, /GROUP BY value ORDER BY n DESC, value LIMIT 5$/);
  assert.deepEqual(panels.sums, { energy_wh: '61.5', pulses: 250 });
  assert.equal(panels.rows_in_window, 3);
  assert.deepEqual(panels.events, [[1699998200, 3]]);
  assert.deepEqual([panels.window_start, panels.window_end, panels.bucket_seconds], [1_699_998_200, 1_700_000_000, 20]);
  assert.deepEqual(panels.top, { status: [{ value: 'ok', count: 3 }] });
  assert.equal((panels.newest[0]!.device as string).length, 121, 'long text clipped');
});

test('cells are clipped for reading: long text and long arrays', () => {
  assert.equal(clipCell('short'), 'short');
  assert.equal(clipCell(42), 42);
  assert.deepEqual(clipCell(Array.from({ length: 12 }, (_, i) => i)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '… 2 more']);
});
