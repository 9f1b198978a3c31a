import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { overview, salesByHour, stockTop } from '../../../src/dashboard/demo-api.js';
import { readerFor } from '../../../src/dashboard/queries.js';
import type { Overview, SalesByHour, StockMovementTop } from '../../../src/dashboard/wire.js';
import { projectionsInCreateQuery } from '../../../src/migrate/projections.js';
import { planPipeline, type CreateMergeTree } from '../../../src/pipeline/plan.js';
import { resolveStream } from '../../../src/pipeline/resolve.js';
import { render } from '../../../src/pipeline/render.js';
import { sales, streams, warehouse } from '../../../src/pipeline/streams/index.js';
import { runCli } from '../../support/cli.js';
import { services } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { numbers, testPipeline } from './support.js';

// Target tables made by a `kch migrate` from before the projections: migrate adds them, builds
// them for the rows already there, and the dashboard's answers stay the same.

const { kafka, clickhouseUrl } = services();
const p = testPipeline('projections', kafka, clickhouseUrl);
let supported = true;
/** Objects in the plan (the database, and per stream its tables and views). */
let planned = 0;

async function projectionsOfTable(table: string): Promise<Map<string, string>> {
  const rows = await (await p.client.query({
    query: `SELECT create_table_query FROM system.tables WHERE database = '${p.database}' AND name = '${table}'`,
    format: 'JSONEachRow',
  })).json<{ create_table_query: string }>();
  return projectionsInCreateQuery(rows[0]?.create_table_query ?? '');
}

/** What the dashboard shows, read through its own queries (a new reader: no cached projection list). */
async function dashboard(): Promise<{ hourly: SalesByHour; stock: StockMovementTop; summary: Overview }> {
  const db = readerFor(p.client, clickhouseUrl);
  const [hourly, stock, summary] = await Promise.all([salesByHour(db, streams, 24), stockTop(db, streams, 7, 5), overview(db, [sales, warehouse])]);
  return { hourly, stock, summary };
}

before(async () => {
  const ops = await p.ops();
  supported = ops.features.projections;
  planned = planPipeline(streams, ops.target, ops.features).length;
  if (!supported) return;
  // The target tables as an earlier kch migrate made them: the same, without projections.
  const old = planPipeline(streams, ops.target, { ...ops.features, projections: false });
  await ops.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${p.database}` });
  for (const statement of old.filter((s): s is CreateMergeTree => s.kind === 'create-merge-tree' && s.role === 'target')) {
    assert.equal(statement.projections?.length ?? 0, 0);
    await p.client.command({ query: render(statement) });
  }
  // Away from an hour's end, so that the dashboard's windows do not move between the two readings.
  const minute = (await numbers(p.client, 'SELECT toMinute(now())'))[0]!;
  if (minute >= 58) await new Promise((done) => setTimeout(done, (61 - minute) * 60_000));
  // Rows of the last 20 hours, in several parts, that arrived a day ago (no ingest rate to drift).
  for (let part = 0; part < 3; part++) {
    await p.client.command({
      query: `INSERT INTO sales (event_id, event_type, event_time, product_id, product_name, category, quantity, price, discount, total, store_id, cashier_id, customer_id, processing_time)
        SELECT generateUUIDv4(), 'sale', now() - (number * 37 + ${part}) % 72000, number % 50, concat('Product ', toString(number % 50)), 'food',
               1 + number % 5, 10.5, 0, (1 + number % 5) * 10.5, number % 7, number % 11, generateUUIDv4(), now() - 86400 - number % 600
        FROM numbers(4000)`,
    });
    await p.client.command({
      query: `INSERT INTO stock_movements (event_id, event_type, event_time, product_id, product_name, category, warehouse, quantity, movement_type, source, responsible, processing_time)
        SELECT generateUUIDv4(), 'movement', now() - (number * 53 + ${part}) % 72000, number % 40, concat('Product ', toString(number % 40)), 'food',
               ['Москва', 'Казань', 'Новосибирск'][1 + number % 3], 1 + number % 9, ['supply', 'relocation', 'write_off'][1 + number % 3], 'test', 'test', now() - 86400 - number % 600
        FROM numbers(4000)`,
    });
  }
});
after(async () => {
  await p.drop();
});

test('kch migrate --dry-run reports the projections an existing target lacks, and changes nothing', async (t) => {
  if (!supported) return t.skip('the server has no projections');
  const result = await runCli(['migrate', '--dry-run'], p.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`-- alter: ${p.database}\\.sales\\n`));
  assert.match(result.stdout, new RegExp(`ALTER TABLE ${p.database}\\.sales ADD PROJECTION sales_per_hour \\(SELECT toStartOfHour\\(event_time\\)`));
  assert.match(result.stdout, new RegExp(`ALTER TABLE ${p.database}\\.stock_movements MATERIALIZE PROJECTION arrivals_per_second, MATERIALIZE PROJECTION movements_per_hour, MATERIALIZE PROJECTION movements_per_warehouse;`));
  assert.match(result.stdout, new RegExp(`dry run: ${planned - 3} to create, 2 to get projections, 0 differing, nothing changed`));
  assert.equal((await projectionsOfTable('sales')).size, 0);
});

test('kch migrate adds the projections to existing targets, builds them for the rows there, and the dashboard answers the same', async (t) => {
  if (!supported) return t.skip('the server has no projections');
  const before = await dashboard();
  assert.equal(before.hourly.sales.reduce((a, b) => a + b, 0), 12_000);
  assert.equal(before.stock.product_ids.length, 5);
  assert.ok(before.summary.warehouses.some((w) => w.incoming > 0));
  const result = await runCli(['migrate'], p.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`added projections arrivals_per_second, sales_per_hour to ${p.database}\\.sales; building them for its 12000 existing rows runs in the background`));
  assert.match(result.stderr, new RegExp(`added projections arrivals_per_second, movements_per_hour, movements_per_warehouse to ${p.database}\\.stock_movements`));
  assert.match(result.stdout, new RegExp(`migrate: created ${planned - 3}, added projections to 2 table\\(s\\) \\(built for existing rows in the background\\), unchanged 1, differing 0`));

  const ops = await p.ops();
  for (const stream of [sales, warehouse]) {
    const wanted = resolveStream(stream, ops.target).projections;
    const present = await projectionsOfTable(stream.target);
    assert.deepEqual([...present.keys()].sort(), wanted.map((w) => w.name).sort(), stream.target);
    for (const projection of wanted) assert.equal(present.get(projection.name)?.replace(/`/g, ''), projection.select);
  }
  // The mutation finishes in the background; then every part already there has the projections.
  await pollUntil('the projections built for the existing rows', async () => (
    (await numbers(p.client, `SELECT count() FROM system.mutations WHERE database = '${p.database}' AND NOT is_done`))[0] === 0 ? true : undefined), 60_000);
  for (const [table, projection] of [['sales', 'sales_per_hour'], ['stock_movements', 'movements_per_hour'], ['stock_movements', 'movements_per_warehouse'], ['sales', 'arrivals_per_second']] as const) {
    const [parts, withProjection] = await numbers(p.client, `
      SELECT (SELECT count() FROM system.parts WHERE database = '${p.database}' AND table = '${table}' AND active),
             (SELECT count() FROM system.projection_parts WHERE database = '${p.database}' AND table = '${table}' AND name = '${projection}' AND active)`);
    assert.ok(parts! > 0, `${table} has parts`);
    assert.equal(withProjection, parts, `every part of ${table} has ${projection}`);
  }
  assert.deepEqual(await dashboard(), before);
});

test('a second kch migrate has nothing to do', async (t) => {
  if (!supported) return t.skip('the server has no projections');
  const result = await runCli(['migrate'], p.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`nothing to do, all ${planned} objects match the definition`));
  assert.doesNotMatch(result.stderr, /projection/);
});

test('a projection with another query is reported as drift and kept, not replaced', async (t) => {
  if (!supported) return t.skip('the server has no projections');
  const other = 'SELECT warehouse, sum(quantity) GROUP BY warehouse';
  await p.client.command({ query: 'ALTER TABLE stock_movements DROP PROJECTION movements_per_warehouse' });
  await p.client.command({ query: `ALTER TABLE stock_movements ADD PROJECTION movements_per_warehouse (${other})` });

  const dry = await runCli(['migrate', '--dry-run'], p.env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`-- drift: ${p.database}\\.stock_movements \\(projection movements_per_warehouse is \\(SELECT warehouse, sum\\(quantity\\) GROUP BY warehouse\\), the definition wants`));
  assert.match(dry.stdout, /dry run: 0 to create, 1 differing, nothing changed/);
  assert.doesNotMatch(dry.stdout, /-- evolve/);

  const result = await runCli(['migrate'], p.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`${p.database}\\.stock_movements differs from its definition: projection movements_per_warehouse is .*DROP PROJECTION movements_per_warehouse, then kch migrate adds it as defined`));
  assert.match(result.stdout, new RegExp(`migrate: created 0, unchanged ${planned - 1}, differing 1 \\(see the warnings above\\)\n`));
  assert.equal((await projectionsOfTable('stock_movements')).get('movements_per_warehouse')?.replace(/`/g, ''), other);

  // Dropped by hand, it is added again as defined.
  await p.client.command({ query: 'ALTER TABLE stock_movements DROP PROJECTION movements_per_warehouse' });
  const again = await runCli(['migrate'], p.env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /added projection movements_per_warehouse to \S+\.stock_movements; building it for its 12000 existing rows runs in the background/);
  assert.equal((await projectionsOfTable('stock_movements')).get('movements_per_warehouse')?.replace(/`/g, ''), resolveStream(warehouse, (await p.ops()).target).projections.find((x) => x.name === 'movements_per_warehouse')!.select);
});
