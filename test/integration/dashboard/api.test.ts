/**
 * The dashboard's API against the real services, over 10,000 generated events: each endpoint's
 * numbers equal the test's own ClickHouse queries (written differently: raw groups, windows and
 * ranking done here) and what Kafka acknowledged to the generator.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { PipelineHealth } from '../../../src/health/wire.js';
import { metricDefinitions } from '../../../src/dashboard/metrics.js';
import type { ErrorBody, Overview, RecentSale, SalesByHour, Status, StockMovementTop } from '../../../src/dashboard/wire.js';
import type { Dashboard } from '../../../src/dashboard/server.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { createPipeline, getJson, rows, settled, type Pipeline } from './fixture.js';
import { catalogOf, seedSource } from '../../support/seed.js';

const SEED = 4242;
const COUNT = 10_000;
let pipeline: Pipeline;
let dashboard: Dashboard;
let base: string;

before(async () => {
  pipeline = await createPipeline('dash_api');
  await pipeline.generate(COUNT, SEED);
  dashboard = await pipeline.serve();
  base = dashboard.url;
});

after(async () => {
  await pipeline?.drop();
});

const num = (v: unknown): number => Number(v);
const cents = (v: unknown): number => Math.round(Number(v) * 100) / 100;

test('/api/sales gives one bucket per hour and equals the hourly sums of the sales table', async () => {
  await settled(async () => {
    const api = await getJson<SalesByHour>(base, '/api/sales');
    assert.equal(api.status, 200);
    assert.match(api.type, /^application\/json/);
    const [{ hour }] = await rows<{ hour: string }>(pipeline.client, 'SELECT toUnixTimestamp(toStartOfHour(now())) AS hour') as [{ hour: string }];
    const groups = await rows<{ h: string; q: string; r: string; c: string }>(pipeline.client,
      'SELECT toUnixTimestamp(toStartOfHour(event_time)) AS h, sum(quantity) AS q, toString(sum(total)) AS r, count() AS c FROM sales GROUP BY h');
    const byHour = new Map(groups.map((g) => [num(g.h), g]));
    const starts = Array.from({ length: 24 }, (_, i) => num(hour) - (23 - i) * 3600);
    assert.deepEqual(api.body.hours, starts.map((s) => new Date(s * 1000).toISOString()));
    assert.deepEqual(api.body.quantity, starts.map((s) => num(byHour.get(s)?.q ?? 0)));
    assert.deepEqual(api.body.revenue, starts.map((s) => cents(byHour.get(s)?.r ?? 0)));
    assert.deepEqual(api.body.sales, starts.map((s) => num(byHour.get(s)?.c ?? 0)));
    const [labels] = await rows<{ l: string[] }>(pipeline.client, "SELECT arrayMap(t -> formatDateTime(toDateTime(t), '%H:%i'), {ts:Array(UInt32)}) AS l", { ts: starts });
    assert.deepEqual(api.body.labels, labels!.l);
  });
  // Every event was made in the last minutes: the whole table is inside the window.
  const api = await getJson<SalesByHour>(base, '/api/sales?hours=3');
  assert.equal(api.body.quantity.length, 3);
  const [totals] = await rows<{ q: string; c: string }>(pipeline.client, 'SELECT sum(quantity) AS q, count() AS c FROM sales');
  assert.equal(api.body.quantity.reduce((a, b) => a + b, 0), num(totals!.q));
  assert.equal(api.body.sales.reduce((a, b) => a + b, 0), pipeline.acked.get(`${pipeline.prefix}sales`));
});

test('/api/stock ranks products by movement as the test ranks them, with the generator\'s product names', async () => {
  const catalog = new Map(catalogOf(seedSource(SEED)).map((p) => [p.id, p.name]));
  const expected = async (days: number, limit: number): Promise<Omit<StockMovementTop, 'window_days'>> => {
    const groups = await rows<{ product_id: number; movement_type: string; q: string }>(pipeline.client,
      'SELECT product_id, movement_type, sum(quantity) AS q FROM stock_movements WHERE event_time >= now() - INTERVAL {days:UInt32} DAY GROUP BY product_id, movement_type', { days });
    const totals = new Map<number, { incoming: number; outgoing: number }>();
    for (const g of groups) {
      const entry = totals.get(g.product_id) ?? { incoming: 0, outgoing: 0 };
      if (g.movement_type === 'supply') entry.incoming += num(g.q);
      else if (g.movement_type === 'relocation' || g.movement_type === 'write_off') entry.outgoing += num(g.q);
      totals.set(g.product_id, entry);
    }
    const top = [...totals].sort((a, b) => (b[1].incoming + b[1].outgoing) - (a[1].incoming + a[1].outgoing) || a[0] - b[0]).slice(0, limit);
    return {
      products: top.map(([id]) => catalog.get(id)!),
      product_ids: top.map(([id]) => id),
      incoming: top.map(([, t]) => t.incoming),
      outgoing: top.map(([, t]) => t.outgoing),
    };
  };
  const api = await getJson<StockMovementTop>(base, '/api/stock');
  assert.equal(api.status, 200);
  assert.equal(api.body.products.length, 5);
  assert.deepEqual({ ...api.body, window_days: undefined }, { ...(await expected(7, 5)), window_days: undefined });
  const narrow = await getJson<StockMovementTop>(base, '/api/stock?days=1&limit=3');
  assert.deepEqual({ ...narrow.body, window_days: undefined }, { ...(await expected(1, 3)), window_days: undefined });
});

test('/api/recent_sales lists the newest sales with the values stored for them', async () => {
  const api = await getJson<RecentSale[]>(base, '/api/recent_sales');
  assert.equal(api.status, 200);
  assert.equal(api.body.length, 10);
  const newest = await rows<{ t: string }>(pipeline.client, 'SELECT toUnixTimestamp(event_time) AS t FROM sales ORDER BY t DESC LIMIT 10');
  assert.deepEqual(api.body.map((s) => Date.parse(s.event_time) / 1000), newest.map((r) => num(r.t)), 'the ten latest event times, newest first');
  const stored = await rows<Record<string, string | number>>(pipeline.client,
    'SELECT toString(event_id) AS id, product_id, product_name, category, quantity, toString(price) AS price, toString(discount) AS discount, toString(total) AS total, store_id FROM sales WHERE event_id IN {ids:Array(UUID)}',
    { ids: api.body.map((s) => s.event_id) });
  const byId = new Map(stored.map((r) => [r.id, r]));
  for (const sale of api.body) {
    const row = byId.get(sale.event_id);
    assert.ok(row, sale.event_id);
    assert.deepEqual(
      [sale.product_id, sale.product_name, sale.category, sale.quantity, sale.price, sale.discount, sale.total, sale.store_id],
      [num(row.product_id), row.product_name, row.category, num(row.quantity), cents(row.price), cents(row.discount), cents(row.total), num(row.store_id)]);
  }
  assert.equal((await getJson<RecentSale[]>(base, '/api/recent_sales?limit=3')).body.length, 3);
});

test('/api/status names every table with its row count and says ready', async () => {
  const api = await getJson<Status>(base, '/api/status');
  assert.equal(api.status, 200);
  assert.equal(api.body.status, 'ready');
  assert.equal(api.body.database, pipeline.database);
  const counts = await rows<{ name: string; n: string }>(pipeline.client,
    "SELECT 'sales' AS name, count() AS n FROM sales UNION ALL SELECT 'stock_movements', count() FROM stock_movements UNION ALL SELECT 'sales_dead_letter', count() FROM sales_dead_letter UNION ALL SELECT 'warehouse_dead_letter', count() FROM warehouse_dead_letter");
  assert.deepEqual(Object.keys(api.body.tables).sort(), counts.map((c) => c.name).sort());
  for (const c of counts) {
    assert.equal(api.body.tables[c.name]?.exists, true, c.name);
    assert.equal(api.body.tables[c.name]?.rows, num(c.n), c.name);
  }
});

test('/api/status before migrate says waiting_for_data, and the panels answer 503 naming kch migrate', async () => {
  const empty = await pipeline.serve({ clickhouse: { url: pipeline.clickhouseUrl, user: 'default', password: '', database: `${pipeline.database}_none` } });
  const status = await getJson<Status>(empty.url, '/api/status');
  assert.equal(status.status, 200);
  assert.equal(status.body.status, 'waiting_for_data');
  assert.ok(Object.values(status.body.tables).every((t) => !t.exists && t.rows === null));
  const sales = await getJson<ErrorBody>(empty.url, '/api/sales');
  assert.equal(sales.status, 503);
  assert.equal(sales.body.service, 'clickhouse');
  assert.match(sales.body.error, /kch migrate/);
});

test('/api/overview equals today\'s sums and the stock per warehouse computed here', async () => {
  await settled(async () => {
    const api = await getJson<Overview>(base, '/api/overview');
    assert.equal(api.status, 200);
    const [today] = await rows<{ d: string; r: string; c: string; q: string }>(pipeline.client,
      'SELECT toString(today()) AS d, toString(sum(total)) AS r, count() AS c, sum(quantity) AS q FROM sales WHERE toDate(event_time) = today()');
    assert.equal(api.body.today, today!.d);
    assert.equal(api.body.revenue_today, cents(today!.r));
    assert.equal(api.body.sales_today, num(today!.c));
    assert.equal(api.body.units_today, num(today!.q));
    assert.ok(api.body.events_per_second >= 0);
    const groups = await rows<{ warehouse: string; movement_type: string; q: string }>(pipeline.client,
      'SELECT warehouse, movement_type, sum(quantity) AS q FROM stock_movements GROUP BY warehouse, movement_type');
    for (const w of api.body.warehouses) {
      const of = (type: string): number => num(groups.find((g) => g.warehouse === w.warehouse && g.movement_type === type)?.q ?? 0);
      assert.equal(w.incoming, of('supply'), w.warehouse);
      assert.equal(w.outgoing, of('relocation') + of('write_off'), w.warehouse);
      assert.equal(w.level, w.incoming - w.outgoing);
    }
    assert.deepEqual(api.body.warehouses.map((w) => w.warehouse).sort(), [...new Set(groups.map((g) => g.warehouse))].sort());
  });
});

test('/api/pipeline: Kafka holds what the generator was told, the tables hold it all, lag drains to zero', async () => {
  const health = await pollUntil('the consumer groups to commit everything', async () => {
    const api = await getJson<PipelineHealth>(base, '/api/pipeline');
    assert.equal(api.status, 200, JSON.stringify(api.body));
    return api.body.streams.every((s) => s.kafka?.lag === 0) ? api.body : undefined;
  }, 60_000, 1_000);
  assert.deepEqual(health.services, { clickhouse: { up: true, error: null, code: null }, kafka: { up: true, error: null, code: null } });
  for (const stream of health.streams) {
    const table = stream.clickhouse;
    assert.ok(table?.exists, stream.name);
    assert.equal(stream.kafka?.messages, pipeline.acked.get(stream.topic), `${stream.topic} log-end offsets`);
    assert.equal(stream.group, `${pipeline.prefix}clickhouse_${stream.name}_consumer`);
    for (const p of stream.kafka!.partitions) assert.equal(p.committed, p.end_offset);
    const [counts] = await rows<{ n: string; d: string; f: string }>(pipeline.client,
      `SELECT (SELECT count() FROM ${stream.table}) AS n, (SELECT count() FROM ${stream.dead_letter_table}) AS d, dateDiff('second', (SELECT max(processing_time) FROM ${stream.table}), now()) AS f`);
    assert.equal(table.rows, num(counts!.n));
    assert.equal(table.rows, pipeline.acked.get(stream.topic));
    assert.equal(table.dead_letters, num(counts!.d));
    assert.ok(table.freshness_seconds !== null && Math.abs(table.freshness_seconds - num(counts!.f)) <= 2, `freshness ${table.freshness_seconds} vs ${counts!.f}`);
    // Every row arrived within the test, well inside the 15-minute window.
    assert.equal(table.ingest.rows.length, 15);
    assert.equal(table.ingest.rows.reduce((a, b) => a + b, 0), table.rows);
  }
});

test('/metrics has HELP and TYPE for every metric and the same numbers as ClickHouse', async () => {
  const response = await fetch(new URL('/metrics', base));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const definition of Object.values(metricDefinitions)) {
    assert.match(text, new RegExp(`^# HELP ${definition.name} \\S`, 'm'));
    assert.match(text, new RegExp(`^# TYPE ${definition.name} gauge$`, 'm'));
  }
  const sample = (name: string, labels: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    assert.ok(line, `${name}{${labels}}`);
    return Number(line.split(' ').pop());
  };
  assert.equal(sample('kch_service_up', 'service="clickhouse"'), 1);
  assert.equal(sample('kch_service_up', 'service="kafka"'), 1);
  const [counts] = await rows<{ s: string; w: string }>(pipeline.client, 'SELECT (SELECT count() FROM sales) AS s, (SELECT count() FROM stock_movements) AS w');
  assert.equal(sample('kch_stream_rows', 'stream="sales",table="sales"'), num(counts!.s));
  assert.equal(sample('kch_stream_rows', 'stream="warehouse",table="stock_movements"'), num(counts!.w));
  assert.equal(sample('kch_stream_kafka_messages', `stream="sales",topic="${pipeline.prefix}sales"`), pipeline.acked.get(`${pipeline.prefix}sales`));
  assert.equal(sample('kch_stream_dead_letters', 'stream="sales",table="sales_dead_letter"'), 0);
  assert.ok(sample('kch_stream_consumer_lag', `stream="sales",topic="${pipeline.prefix}sales",partition="0",group="${pipeline.prefix}clickhouse_sales_consumer"`) >= 0);
});

test('a bad parameter is a 400 with a JSON message naming it, and no query runs', async () => {
  const bad = [
    ['/api/sales?hours=0', 'hours'], ['/api/sales?hours=169', 'hours'], ['/api/sales?hours=abc', 'hours'], ['/api/sales?hours=2.5', 'hours'],
    ['/api/sales?hours=1e1', 'hours'], ['/api/sales?hours=', 'hours'], ['/api/sales?hours=-1', 'hours'], ['/api/sales?hours=24&hours=3', 'hours'],
    ['/api/sales?hours=24%3B%20DROP%20TABLE%20sales', 'hours'], ['/api/stock?limit=0', 'limit'], ['/api/stock?days=9999', 'days'],
    ['/api/recent_sales?limit=101', 'limit'], ['/api/recent_sales?limit=10&order=asc', 'order'], ['/api/status?verbose=1', 'verbose'],
    ['/api/pipeline?minutes=0', 'minutes'], ['/metrics?x=1', 'x'],
  ] as const;
  for (const [path, name] of bad) {
    const response = await getJson<ErrorBody>(base, path);
    assert.equal(response.status, 400, path);
    assert.match(response.type, /^application\/json/, path);
    assert.equal(response.body.code, 'KCH_USAGE', path);
    assert.ok(response.body.error.includes(`"${name}"`), `${path}: ${response.body.error}`);
  }
  const post = await getJson<ErrorBody>(base, '/api/sales', { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.match(post.body.error, /read-only/);
  assert.equal((await getJson(base, '/api/nothing')).status, 404);
  assert.equal(num((await rows<{ n: string }>(pipeline.client, 'SELECT count() AS n FROM sales'))[0]!.n), pipeline.acked.get(`${pipeline.prefix}sales`), 'sales is still there');
});

test('ClickHouse unreachable: every ClickHouse endpoint is a 503 saying so, the page still loads', async () => {
  const down = await pipeline.serve({ clickhouse: { url: `http://127.0.0.1:${await freePort()}`, user: 'default', password: '', database: pipeline.database } });
  for (const path of ['/api/sales', '/api/stock', '/api/recent_sales', '/api/overview', '/api/status']) {
    const response = await getJson<ErrorBody>(down.url, path);
    assert.equal(response.status, 503, path);
    assert.equal(response.body.service, 'clickhouse', path);
    assert.equal(response.body.code, 'KCH_CLICKHOUSE_UNREACHABLE', path);
    assert.match(response.body.error, /cannot reach ClickHouse/, path);
  }
  const health = await getJson<ErrorBody & { partial: PipelineHealth }>(down.url, '/api/pipeline');
  assert.equal(health.status, 503);
  assert.equal(health.body.partial.services.clickhouse.up, false);
  assert.equal(health.body.partial.services.kafka.up, true, 'Kafka still answers, and its offsets are still there');
  assert.equal(health.body.partial.streams[0]?.kafka?.messages, pipeline.acked.get(`${pipeline.prefix}sales`));
  assert.equal(health.body.partial.streams[0]?.clickhouse, null);
  const metrics = await (await fetch(new URL('/metrics', down.url))).text();
  assert.match(metrics, /^kch_service_up\{service="clickhouse"\} 0$/m);
  assert.doesNotMatch(metrics, /^kch_stream_rows\{/m, 'no rows reported as zero for a server that did not answer');
  const page = await fetch(down.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
});

test('Kafka unreachable: /api/pipeline is a 503 naming Kafka, with ClickHouse\'s facts beside it', async () => {
  const down = await pipeline.serve({ kafkaBrokers: `127.0.0.1:${await freePort()}` });
  const health = await getJson<ErrorBody & { partial: PipelineHealth }>(down.url, '/api/pipeline');
  assert.equal(health.status, 503);
  assert.equal(health.body.service, 'kafka');
  assert.match(health.body.error, /Kafka/);
  assert.equal(health.body.partial.streams[0]?.kafka, null);
  assert.equal((health.body.partial.streams[0]?.clickhouse as { rows: number }).rows, pipeline.acked.get(`${pipeline.prefix}sales`));
  assert.equal((await getJson(down.url, '/api/sales')).status, 200, 'the ClickHouse panels are unaffected');
  assert.match(await (await fetch(new URL('/metrics', down.url))).text(), /^kch_service_up\{service="kafka"\} 0$/m);
});

test('latency over 200 requests per endpoint (reported, with a generous bound)', async (t) => {
  const paths = ['/api/sales', '/api/stock', '/api/recent_sales', '/api/overview', '/api/status', '/api/pipeline', '/metrics', '/'];
  const report: Record<string, { p50: number; p99: number; max: number }> = {};
  for (const path of paths) {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const response = await fetch(new URL(path, base));
      await response.arrayBuffer();
      times.push(performance.now() - started);
      assert.equal(response.status, 200, path);
    }
    times.sort((a, b) => a - b);
    const at = (q: number): number => Math.round(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]! * 10) / 10;
    report[path] = { p50: at(0.5), p99: at(0.99), max: Math.round(times.at(-1)! * 10) / 10 };
    t.diagnostic(`${path.padEnd(18)} p50 ${report[path].p50} ms  p99 ${report[path].p99} ms  max ${report[path].max} ms`);
  }
  await mkdir('test-artifacts', { recursive: true });
  await writeFile('test-artifacts/dashboard-latency.json', `${JSON.stringify({ rows: COUNT, requests: 200, ms: report }, null, 2)}\n`);
  for (const [path, r] of Object.entries(report)) assert.ok(r.p99 < 2_000, `${path} p99 ${r.p99} ms`);
});
