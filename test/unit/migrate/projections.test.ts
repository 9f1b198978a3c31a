import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Existing } from '../../../src/clickhouse/system.js';
import { addProjectionSql, materializeProjectionsSql, projectionDiff, projectionsInCreateQuery } from '../../../src/migrate/projections.js';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { planPipeline, type CreateMergeTree } from '../../../src/pipeline/plan.js';
import { sales, streams } from '../../../src/pipeline/streams/index.js';

const target = { database: 'shop', brokers: 'kafka:29092', topicPrefix: '' };
const salesTable = (features = currentServer): CreateMergeTree =>
  planPipeline(streams, target, features).find((s): s is CreateMergeTree => s.kind === 'create-merge-tree' && s.table === sales.target)!;

/** A client that must not be asked anything. */
const silent = { query: () => { throw new Error('asked the server'); } } as unknown as ClickHouseClient;

const asServerHasIt = 'CREATE TABLE shop.sales (`event_id` UUID, `note` String DEFAULT \'PROJECTION fake (SELECT 1)\', `total` Decimal(18, 2), '
  + 'PROJECTION arrivals_per_second (SELECT processing_time, count() GROUP BY processing_time), '
  + 'PROJECTION `sales_per_hour` (SELECT toStartOfHour(event_time), sum(quantity), sum(total), count() GROUP BY toStartOfHour(event_time))) '
  + 'ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (event_time, product_id) SETTINGS index_granularity = 8192';

function existing(table: CreateMergeTree, createQuery: string, without: readonly string[] = []): Existing {
  return { engine: 'MergeTree', createQuery, columns: new Map(table.columns.filter((c) => !without.includes(c.name)).map((c) => [c.name, c.type])) };
}

test('the projections of a CREATE TABLE are read from its column list, not from strings or the engine clause', () => {
  const found = projectionsInCreateQuery(asServerHasIt);
  assert.deepEqual([...found.keys()], ['arrivals_per_second', 'sales_per_hour']);
  assert.equal(found.get('sales_per_hour'), 'SELECT toStartOfHour(event_time), sum(quantity), sum(total), count() GROUP BY toStartOfHour(event_time)');
  assert.equal(projectionsInCreateQuery('CREATE TABLE shop.sales (`a` UInt8) ENGINE = MergeTree ORDER BY a').size, 0);
});

test('a table as the plan wants it: nothing to add, no drift, the server not asked', async () => {
  const table = salesTable();
  assert.deepEqual(await projectionDiff(silent, table, existing(table, asServerHasIt)), { missing: [], drift: [] });
});

test('a table without projections: the plan\'s are to add, ADD then one MATERIALIZE', async () => {
  const table = salesTable();
  const diff = await projectionDiff(silent, table, existing(table, 'CREATE TABLE shop.sales (`event_id` UUID) ENGINE = MergeTree ORDER BY event_id'));
  assert.deepEqual(diff.missing.map((p) => p.name), ['arrivals_per_second', 'sales_per_hour']);
  assert.deepEqual(diff.drift, []);
  assert.equal(addProjectionSql(table, diff.missing[0]!), 'ALTER TABLE shop.sales ADD PROJECTION arrivals_per_second (SELECT processing_time, count() GROUP BY processing_time)');
  assert.equal(materializeProjectionsSql(table, ['arrivals_per_second', 'sales_per_hour']), 'ALTER TABLE shop.sales MATERIALIZE PROJECTION arrivals_per_second, MATERIALIZE PROJECTION sales_per_hour');
});

test('a projection with another query, or one the plan lacks, is drift; the missing one waits for missing columns', async () => {
  const table = salesTable();
  const create = 'CREATE TABLE shop.sales (`event_id` UUID, PROJECTION arrivals_per_second (SELECT processing_time, max(event_time) GROUP BY processing_time), PROJECTION mine (SELECT 1)) ENGINE = MergeTree ORDER BY event_id';
  const diff = await projectionDiff(silent, table, existing(table, create, ['total']));
  assert.deepEqual(diff.missing, []);
  assert.equal(diff.drift.length, 3);
  assert.match(diff.drift[0]!, /^projection arrivals_per_second is \(SELECT processing_time, max\(event_time\) GROUP BY processing_time\), the definition wants \(SELECT processing_time, count\(\) GROUP BY processing_time\): kept; ALTER TABLE shop\.sales DROP PROJECTION arrivals_per_second/);
  assert.equal(diff.drift[1], 'projection mine is not in the definition');
  assert.match(diff.drift[2]!, /^projection sales_per_hour will be added once it has total \(kch migrate --apply-drift\)/);
});

test('servers without projections plan none, and nothing is compared or asked', async () => {
  const table = salesTable(featuresForVersion('18.16.1'));
  assert.equal(table.projections?.length ?? 0, 0);
  assert.deepEqual(await projectionDiff(silent, table, existing(table, 'CREATE TABLE shop.sales (event_id UUID) ENGINE = MergeTree() ORDER BY event_id')), { missing: [], drift: [] });
});
