// The SQL of the declared panels: the seed's as BENCHMARKS.md measures it, a user's the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reader } from '../../../src/clickhouse/query.js';
import { overview, recentSales, salesByHour, stockTop } from '../../../src/dashboard/demo-api.js';
import { hourlyData, levelsData, newestData, panelData, projectionsIn, rankedData, tilesData } from '../../../src/dashboard/queries.js';
import { field } from '../../../src/pipeline/field.js';
import type { Panel } from '../../../src/pipeline/panels.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { sales, streams, warehouse } from '../../../src/pipeline/streams/index.js';

interface Asked { readonly query: string; readonly params: Record<string, unknown> }

/** A Reader that records every statement and answers from `answer` (by a piece of its text). */
function fakeReader(answer: (query: string) => unknown[] = () => []): Reader & { asked: Asked[] } {
  const asked: Asked[] = [];
  return {
    asked,
    rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
      asked.push({ query, params });
      return Promise.resolve(answer(query) as T[]);
    },
  };
}

/** The seed's targets as a server with every projection has them. */
const withProjections = (query: string): unknown[] => (query.includes('system.tables')
  ? [{ name: 'sales', create_table_query: 'CREATE TABLE x (a UInt8, PROJECTION sales_per_hour (SELECT 1)) ENGINE = MergeTree' },
    { name: 'stock_movements', create_table_query: 'CREATE TABLE x (a UInt8, PROJECTION movements_per_hour (SELECT 1), PROJECTION `movements_per_warehouse` (SELECT 1)) ENGINE = MergeTree' }]
  : []);
const squash = (sql: string): string => sql.replace(/\s+/g, ' ').trim();
const panel = <K extends Panel['kind']>(stream: typeof sales | typeof warehouse, kind: K): Extract<Panel, { kind: K }> => stream.panels.find((p): p is Extract<Panel, { kind: K }> => p.kind === kind)!;

test('hourly: one bucket per hour of the time field, whole hours, the declared figures as text (a projection grouped by the hour answers it)', async () => {
  const db = fakeReader((query) => (query.includes('numbers') ? [
    { kch_ts: 1_700_000_000 - 3600, kch_label: '21:00', kch_bars: '', kch_line: '', kch_rows: '0' },
    { kch_ts: 1_700_000_000, kch_label: '22:00', kch_bars: '7', kch_line: '123.4', kch_rows: '3' },
  ] : []));
  const data = await hourlyData(db, sales, panel(sales, 'hourly'), 2);
  assert.equal(squash(db.asked[0]!.query), squash(`
    SELECT toUnixTimestamp(series.h) AS kch_ts, formatDateTime(series.h, '%H:00') AS kch_label, agg.kch_bars AS kch_bars, agg.kch_line AS kch_line, agg.kch_rows AS kch_rows
    FROM (SELECT subtractHours(toStartOfHour(now()), number) AS h FROM numbers({hours:UInt32})) AS series
    LEFT JOIN ( SELECT toStartOfHour(\`event_time\`) AS kch_hour, toString(sum(quantity)) AS kch_bars, toString(sum(total)) AS kch_line, count() AS kch_rows
      FROM \`sales\`
      WHERE toStartOfHour(\`event_time\`) >= subtractHours(toStartOfHour(now()), {hours:UInt32} - 1) AND toStartOfHour(\`event_time\`) <= toStartOfHour(now())
      GROUP BY kch_hour ) AS agg ON agg.kch_hour = series.h
    ORDER BY kch_ts`));
  assert.deepEqual(db.asked[0]!.params, { hours: 2 });
  assert.deepEqual(data, {
    kind: 'hourly', stream: 'sales', id: 'sales', title: 'Sales per hour', noun: 'sales',
    bars: { label: 'Items sold', unit: 'items', decimals: 0, values: [0, 7] },
    line: { label: 'Revenue', unit: '₽', decimals: 2, values: [0, 123.4] },
    counts: [0, 3], labels: ['21:00', '22:00'], hours: ['2023-11-14T21:13:20.000Z', '2023-11-14T22:13:20.000Z'], window_hours: 2,
  });
});

test('ranked: worded for the hourly projection where the table has it, over the table where it does not; the split\'s values bound', async () => {
  const ranked = panel(warehouse, 'ranked');
  const db = fakeReader((query) => (query.includes('system.tables') ? withProjections(query) : [{ kch_key: 17, kch_label: 'Чай зелёный', kch_incoming: '40', kch_outgoing: '12' }]));
  const data = await rankedData(db, streams, warehouse, ranked, 7, 5);
  const piece = (where: string): string => `SELECT \`product_id\`, \`movement_type\`, sum(\`quantity\`) AS kch_moved, argMax(\`product_name\`, \`event_time\`) AS kch_name, max(\`event_time\`) AS kch_named_at FROM \`stock_movements\` WHERE ${where} GROUP BY \`product_id\`, \`movement_type\``;
  assert.equal(squash(db.asked[1]!.query), squash(`
    SELECT \`product_id\` AS kch_key, argMax(kch_name, kch_named_at) AS kch_label,
      sumIf(kch_moved, has({incoming:Array(String)}, \`movement_type\`)) AS kch_incoming,
      sumIf(kch_moved, has({outgoing:Array(String)}, \`movement_type\`)) AS kch_outgoing
    FROM ( ${piece('toStartOfHour(`event_time`) > toStartOfHour(subtractDays(now(), {days:UInt32}))')}
      UNION ALL ${piece('toStartOfHour(`event_time`) = toStartOfHour(subtractDays(now(), {days:UInt32})) AND `event_time` >= subtractDays(now(), {days:UInt32})')} )
    GROUP BY \`product_id\` ORDER BY kch_incoming + kch_outgoing DESC, \`product_id\` ASC LIMIT {limit:UInt32}`));
  assert.deepEqual(db.asked[1]!.params, { days: 7, limit: 5, incoming: ['supply'], outgoing: ['relocation', 'write_off'] });
  assert.deepEqual([data.keys, data.labels, data.incoming, data.outgoing], [[17], ['Чай зелёный'], [40], [12]]);

  const plain = fakeReader();
  await rankedData(plain, streams, warehouse, ranked, 1, 3);
  assert.equal(squash(plain.asked[1]!.query), squash(`
    SELECT \`product_id\` AS kch_key, argMax(\`product_name\`, \`event_time\`) AS kch_label,
      sumIf(\`quantity\`, has({incoming:Array(String)}, \`movement_type\`)) AS kch_incoming,
      sumIf(\`quantity\`, has({outgoing:Array(String)}, \`movement_type\`)) AS kch_outgoing
    FROM \`stock_movements\` WHERE \`event_time\` >= subtractDays(now(), {days:UInt32})
    GROUP BY \`product_id\` ORDER BY kch_incoming + kch_outgoing DESC, \`product_id\` ASC LIMIT {limit:UInt32}`));
});

test('projections are asked of the server once a minute, and only for the targets whose panels name one', async () => {
  const db = fakeReader(withProjections);
  assert.deepEqual([...await projectionsIn(db, ['sales', 'stock_movements'])].sort(), ['sales.sales_per_hour', 'stock_movements.movements_per_hour', 'stock_movements.movements_per_warehouse']);
  await projectionsIn(db, ['sales', 'stock_movements']);
  assert.equal(db.asked.length, 1);
  assert.deepEqual(db.asked[0]!.params, { names: ['sales', 'stock_movements'] });
  await rankedData(db, streams, warehouse, panel(warehouse, 'ranked'), 7, 5);
  assert.deepEqual(db.asked[1]!.params, { names: ['stock_movements'] }, 'only the seed\'s warehouse panels name projections');
  const none = fakeReader();
  assert.equal((await projectionsIn(none, [])).size, 0);
  assert.equal(none.asked.length, 0);
});

test('newest: the declared columns in the sorting key\'s order, newest first; times made ISO, UUIDs and decimals exact text', async () => {
  const db = fakeReader(() => [{ kch_c0: '0b5f…', kch_c1: 1_700_000_000, kch_c2: 17, kch_c3: 'Чай', kch_c4: 'Продукты', kch_c5: 2, kch_c6: '10.5', kch_c7: '0.1', kch_c8: '18.9', kch_c9: 3 }]);
  const data = await newestData(db, sales, panel(sales, 'newest'), 10);
  assert.equal(squash(db.asked[0]!.query), squash(`
    SELECT toString(\`event_id\`) AS kch_c0, toUnixTimestamp(\`event_time\`) AS kch_c1, \`product_id\` AS kch_c2, \`product_name\` AS kch_c3, \`category\` AS kch_c4,
      \`quantity\` AS kch_c5, toString(\`price\`) AS kch_c6, toString(\`discount\`) AS kch_c7, toString(\`total\`) AS kch_c8, \`store_id\` AS kch_c9
    FROM \`sales\` ORDER BY \`event_time\` DESC, \`product_id\` DESC LIMIT {limit:UInt32}`));
  assert.deepEqual(data.rows, [{ event_id: '0b5f…', event_time: '2023-11-14T22:13:20.000Z', product_id: 17, product_name: 'Чай', category: 'Продукты', quantity: 2, price: '10.5', discount: '0.1', total: '18.9', store_id: 3 }]);
  assert.equal(data.key, 'event_id');
  assert.equal(data.kinds.event_time, 'time');
  assert.equal(data.kinds.price, 'number');
  assert.equal(data.kinds.category, 'text');
  // The original demo's shape: numbers as numbers.
  assert.deepEqual(await recentSales(db, streams, 10), [{ event_id: '0b5f…', event_time: '2023-11-14T22:13:20.000Z', product_id: 17, product_name: 'Чай', category: 'Продукты', quantity: 2, price: 10.5, discount: 0.1, total: 18.9, store_id: 3 }]);
});

test('tiles and levels: today by whole hours with every stream\'s arrivals; levels per value, the oneOf\'s values always shown', async () => {
  const db = fakeReader((query) => {
    if (query.includes('system.tables')) return withProjections(query);
    if (query.includes('kch_today')) return [{ kch_today: '2026-01-02', kch_tile0: '1234.5', kch_tile1: '10', kch_tile2: '25', kch_arrived: '50' }];
    return [{ kch_value: 'Казань', kch_incoming: '30', kch_outgoing: '40' }, { kch_value: 'Тверь', kch_incoming: '5', kch_outgoing: '0' }];
  });
  const tiles = await tilesData(db, streams, sales, panel(sales, 'tiles'));
  assert.equal(squash(db.asked[0]!.query), squash(`
    SELECT toString(today()) AS kch_today, toString(sum(total)) AS kch_tile0, toString(count()) AS kch_tile1, toString(sum(quantity)) AS kch_tile2,
      (SELECT count() FROM \`sales\` WHERE processing_time > now() - {window:UInt32} AND processing_time <= now()) + (SELECT count() FROM \`stock_movements\` WHERE processing_time > now() - {window:UInt32} AND processing_time <= now()) AS kch_arrived
    FROM \`sales\` WHERE toStartOfHour(\`event_time\`) >= toDateTime(today()) AND toStartOfHour(\`event_time\`) < toDateTime(today() + 1)`));
  assert.deepEqual(tiles.tiles.map((t) => [t.id, t.value]), [['revenue', 1234.5], ['sales', 10], ['units', 25]]);
  const levels = await levelsData(db, streams, warehouse, panel(warehouse, 'levels'));
  assert.match(squash(db.asked.at(-1)!.query), /FROM \(SELECT `warehouse`, `movement_type`, sum\(`quantity`\) AS kch_moved FROM `stock_movements` GROUP BY `warehouse`, `movement_type`\) GROUP BY `warehouse` ORDER BY `warehouse`$/);
  assert.deepEqual(levels.levels.map((l) => l.value), ['Москва', 'Волгоград', 'Санкт-Петербург', 'Казань', 'Новосибирск', 'Екатеринбург', 'Тверь']);
  assert.deepEqual(levels.levels[3], { value: 'Казань', incoming: 30, outgoing: 40, level: -10 });
  const summary = await overview(db, streams);
  assert.deepEqual([summary.today, summary.revenue_today, summary.sales_today, summary.units_today], ['2026-01-02', 1234.5, 10, 25]);
  assert.equal(summary.warehouses.length, 7);
  assert.deepEqual(summary.warehouses[0], { warehouse: 'Москва', incoming: 0, outgoing: 0, level: 0 });
  // Without the projection, the rows are read as they are.
  const plain = fakeReader();
  await levelsData(plain, streams, warehouse, panel(warehouse, 'levels'));
  assert.match(squash(plain.asked.at(-1)!.query), /FROM \(SELECT `warehouse`, `movement_type`, `quantity` AS kch_moved FROM `stock_movements`\) GROUP BY/);
});

test('a user\'s stream declaring an hourly panel is answered the same way, its identifiers quoted; the demo\'s endpoints answer its first', async () => {
  const trips = defineStream({
    name: 'trips', fields: { trip_id: field.uuid(), started: field.timestamp(), fare: field.decimal({ precision: 9, scale: 2, min: 0, max: 1e4 }), km: field.float() },
    time: 'started', orderBy: ['started'],
    panels: [{ kind: 'hourly', id: 'trips_per_hour', title: 'Trips per hour', bars: { label: 'Kilometres', sql: 'sum(km)' }, line: { label: 'Fares', sql: 'sum(fare)', unit: '$' }, hours: 6 }],
  });
  const db = fakeReader(() => [{ kch_ts: 1_700_000_000, kch_label: '22:00', kch_bars: '12.5', kch_line: '40', kch_rows: '2' }]);
  const data = await panelData(db, [trips], trips, trips.panels[0]!);
  assert.match(squash(db.asked[0]!.query), /SELECT toStartOfHour\(`started`\) AS kch_hour, toString\(sum\(km\)\) AS kch_bars, toString\(sum\(fare\)\) AS kch_line, count\(\) AS kch_rows FROM `trips`/);
  assert.deepEqual(db.asked[0]!.params, { hours: 6 }, 'its declared window');
  assert.equal(data.kind, 'hourly');
  assert.deepEqual(await salesByHour(db, [trips], 6), { labels: ['22:00'], quantity: [12.5], revenue: [40], sales: [2], hours: ['2023-11-14T22:13:20.000Z'], window_hours: 6 });
  await assert.rejects(stockTop(db, [trips], 7, 5), { code: 'KCH_USAGE', message: /\/api\/stock answers the first ranked panel a stream declares, and no configured stream declares one/ });
});
