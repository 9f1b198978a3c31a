/**
 * A pipeline of one's own whose stream declares dashboard panels of every kind (no seed stream):
 * `kch generate` feeds it, /api/panel answers each declared panel with what the test's own
 * queries find, the original demo's endpoints answer from its panels, and the page, in real
 * headless Chromium, draws a section per panel with no console error and no failed request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HourlyData, LevelsData, NewestData, PanelData, RankedData, SalesByHour, TilesData } from '../../../src/dashboard/wire.js';
import { pollUntil } from '../../support/wait.js';
import { launchChromium, openWatched } from '../../support/chromium.js';
import { getJson, ownPipeline, rows } from './fixture.js';

const COUNT = 800;

const config = `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';
const flow = { column: 'direction', incoming: ['in'], outgoing: ['out', 'lost'] };
export default defineConfig({
  streams: [
    defineStream({
      name: 'parcels',
      fields: {
        parcel_id: field.uuid(),
        scanned: field.timestamp({ precision: 3, timeZone: 'UTC' }),
        depot: field.oneOf(['Lyon', 'Nantes', 'Lille']),
        direction: field.oneOf(['in', 'out', 'lost']),
        kilos: field.decimal({ precision: 9, scale: 2, min: 0, max: 100 }),
        items: field.integer(1, 20, 'UInt8'),
      },
      id: 'parcel_id',
      time: 'scanned',
      orderBy: ['scanned', 'parcel_id'],
      projections: [{ name: 'per_depot', select: 'SELECT depot, direction, sum(items) GROUP BY depot, direction' }],
      panels: [
        { kind: 'hourly', id: 'scans', title: 'Scans per hour', noun: 'parcels', bars: { label: 'Items', sql: 'sum(items)', unit: 'items' }, line: { label: 'Weight', sql: 'sum(kilos)', unit: 'kg', decimals: 2 } },
        { kind: 'ranked', id: 'busiest', title: 'Busiest depots', by: 'depot', sum: 'items', split: flow, limit: 3 },
        { kind: 'newest', id: 'latest', title: 'Latest scans', columns: ['parcel_id', 'scanned', 'depot', 'kilos'], show: ['depot', 'kilos', 'scanned'] },
        { kind: 'tiles', id: 'today', title: 'Today', tiles: [{ id: 'weight', label: 'Weight today', sql: 'sum(kilos)', unit: 'kg', decimals: 2 }, { id: 'scans_today', label: 'Scans today', sql: 'count()' }] },
        { kind: 'levels', id: 'depots', title: 'Items per depot', by: 'depot', sum: 'items', split: flow, projection: 'per_depot' },
      ],
    }),
  ],
});
`;

test('a stream of one\'s own that declares panels: each answered by /api/panel as the test counts it, and drawn in Chromium', async (t) => {
  const { client, serve } = await ownPipeline(t, 'dash_declared', config, { count: COUNT, seed: 8, table: 'parcels' });
  const dashboard = await serve();
  const panel = async <T extends PanelData>(id: string): Promise<T> => {
    const reply = await getJson<T>(dashboard.url, `/api/panel?stream=parcels&panel=${id}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body;
  };

  // Every parcel was scanned seconds ago: this hour holds them all, today too.
  const [totals] = await rows<{ items: string; kilos: string; n: string }>(client, 'SELECT toString(sum(items)) AS items, toString(sum(kilos)) AS kilos, toString(count()) AS n FROM parcels');
  const hourly = await panel<HourlyData>('scans');
  assert.equal(hourly.counts.length, 24);
  assert.equal(hourly.counts.reduce((a, b) => a + b, 0), COUNT);
  assert.equal(hourly.bars.values.reduce((a, b) => a + b, 0), Number(totals!.items));
  assert.equal(Math.round(hourly.line.values.reduce((a, b) => a + b, 0) * 100), Math.round(Number(totals!.kilos) * 100));
  assert.deepEqual([hourly.noun, hourly.line.unit, hourly.line.decimals], ['parcels', 'kg', 2]);

  const moved = await rows<{ depot: string; direction: string; n: string }>(client, 'SELECT depot, direction, toString(sum(items)) AS n FROM parcels GROUP BY depot, direction');
  const of = (depot: string, ...directions: string[]): number => moved.filter((m) => m.depot === depot && directions.includes(m.direction)).reduce((a, m) => a + Number(m.n), 0);
  const ranked = await panel<RankedData>('busiest');
  assert.equal(ranked.keys.length, 3);
  for (const [i, depot] of ranked.keys.entries()) {
    assert.equal(ranked.incoming[i], of(String(depot), 'in'), String(depot));
    assert.equal(ranked.outgoing[i], of(String(depot), 'out', 'lost'), String(depot));
  }
  const sums = ranked.incoming.map((n, i) => n + ranked.outgoing[i]!);
  assert.deepEqual(sums, [...sums].sort((a, b) => b - a), 'most moved first');

  const newest = await panel<NewestData>('latest');
  const latest = await rows<{ id: string }>(client, 'SELECT toString(parcel_id) AS id FROM parcels ORDER BY scanned DESC, parcel_id DESC LIMIT 10');
  assert.deepEqual(newest.rows.map((r) => r.parcel_id), latest.map((r) => r.id));
  assert.equal(newest.key, 'parcel_id');
  assert.match(String(newest.rows[0]!.scanned), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);

  const tiles = await panel<TilesData>('today');
  assert.deepEqual(tiles.tiles.map((tile) => [tile.id, tile.value]), [['weight', Number(totals!.kilos)], ['scans_today', COUNT]]);

  const levels = await panel<LevelsData>('depots');
  assert.deepEqual(levels.levels.map((l) => l.value), ['Lyon', 'Nantes', 'Lille'], 'every value of the oneOf, in its order');
  for (const l of levels.levels) assert.deepEqual([l.incoming, l.outgoing, l.level], [of(l.value, 'in'), of(l.value, 'out', 'lost'), of(l.value, 'in') - of(l.value, 'out', 'lost')], l.value);

  // The original demo's endpoints answer from the panels this stream declares; its own card is not drawn.
  const demo = await getJson<SalesByHour>(dashboard.url, '/api/sales');
  assert.equal(demo.status, 200);
  assert.deepEqual([demo.body.quantity, demo.body.sales], [hourly.bars.values, hourly.counts]);
  assert.deepEqual((await getJson<unknown[]>(dashboard.url, '/api/streams')).body, []);
  assert.equal((await getJson(dashboard.url, '/api/panel?stream=parcels&panel=nope')).status, 400);

  const browser = await launchChromium(t);
  if (!browser) return;
  const { page, problems } = await openWatched(browser, dashboard.url);
  const ready = '[...document.querySelectorAll("section[data-panel]")].every((s) => s.dataset.state === "ready") && document.getElementById("kpi-weight").dataset.state === "ready"';
  await pollUntil('every declared panel drawn', async () => ((await page.evaluate<boolean>(ready)) ? true : undefined), 20_000, 100);
  const seen = await page.evaluate<{ panels: string[]; bars: number; label: string; ranked: string[]; rows: number; depots: string[]; tiles: string[]; own: number }>(`(() => ({
    panels: [...document.querySelectorAll('section[data-panel]')].map((s) => s.dataset.kind + ':' + s.id),
    bars: document.querySelectorAll('#chart-scans rect.bar-qty').length,
    label: document.querySelector('#chart-scans svg').getAttribute('aria-label'),
    ranked: [...document.querySelectorAll('#chart-busiest .bar-row .name')].map((n) => n.firstChild.textContent),
    rows: document.querySelectorAll('#latest-table tbody tr').length,
    depots: [...document.querySelectorAll('#chart-depots .bar-row .name')].map((n) => n.firstChild.textContent),
    tiles: [...document.querySelectorAll('.kpi')].map((k) => k.id),
    own: document.querySelectorAll('section.own').length,
  }))()`);
  assert.deepEqual(seen.panels, ['hourly:panel-scans', 'ranked:panel-busiest', 'newest:panel-latest', 'levels:panel-depots']);
  assert.ok(seen.bars >= 1, 'this hour\'s bar');
  assert.match(seen.label, new RegExp(`^Scans per hour: [\\d,.\\s]+ items, [\\d,.\\s]+ kg over 24 hours$`));
  assert.deepEqual(seen.ranked, ranked.labels);
  assert.equal(seen.rows, 10);
  assert.deepEqual(seen.depots, ['Lyon', 'Nantes', 'Lille']);
  assert.deepEqual(seen.tiles, ['kpi-weight', 'kpi-scans_today', 'kpi-rate', 'kpi-lag']);
  assert.equal(seen.own, 0, 'a stream that declares panels gets no card derived from its fields');
  assert.equal(await page.evaluate<string>('document.querySelector("#kpi-scans_today .value").textContent'), String(COUNT));
  await page.screenshot({ path: 'test-artifacts/dashboard-declared-panels.png', fullPage: true }).catch(() => undefined);
  assert.deepEqual(problems, []);
});
