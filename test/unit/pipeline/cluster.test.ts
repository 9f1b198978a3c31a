/**
 * The pipeline on a ClickHouse cluster: every object ON CLUSTER, the tables that keep rows
 * replicated under <name>_local and read through a Distributed table with the name a single
 * server gives them, the views writing into the local tables. Exact SQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { planPipeline, type PipelineTarget, type Statement } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { sales } from '../../../src/pipeline/streams/index.js';

const cluster = { name: 'kch', path: '/clickhouse/tables/{shard}/{database}/{table}', replica: '{replica}' };
const target: PipelineTarget = { database: 'shop', brokers: 'k:9092', topicPrefix: '', cluster };
const firstLine = (s: Statement): string => render(s).split('\n')[0]!;

test('on a cluster the target is a replicated local table, read through a Distributed table that keeps its name', () => {
  const plan = planPipeline([sales], target, featuresForVersion('18.16.1'));
  assert.equal(render(plan[0]!), 'CREATE DATABASE IF NOT EXISTS shop ON CLUSTER kch');
  const local = render(plan[1]!);
  assert.ok(local.startsWith('CREATE TABLE IF NOT EXISTS shop.sales_local ON CLUSTER kch\n(\n    event_id UUID,\n'), local);
  assert.ok(local.endsWith(`    processing_time DateTime DEFAULT now()
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/shop/sales_local', '{replica}')
PARTITION BY toYYYYMM(event_time)
ORDER BY (event_time, product_id)`), local);
  assert.equal(render(plan[2]!), 'CREATE TABLE IF NOT EXISTS shop.sales ON CLUSTER kch AS shop.sales_local\nENGINE = Distributed(kch, shop, sales_local, rand())');
  assert.deepEqual(plan.map(firstLine).slice(3), [
    'CREATE TABLE IF NOT EXISTS shop.sales_dead_letter_local ON CLUSTER kch',
    'CREATE TABLE IF NOT EXISTS shop.sales_dead_letter ON CLUSTER kch AS shop.sales_dead_letter_local',
    'CREATE TABLE IF NOT EXISTS shop.sales_kafka ON CLUSTER kch',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS shop.sales_mv ON CLUSTER kch TO shop.sales_local AS',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS shop.sales_dead_letter_mv ON CLUSTER kch TO shop.sales_dead_letter_local AS',
    'CREATE VIEW IF NOT EXISTS shop.sales_dedup ON CLUSTER kch AS',
  ]);
  // The dedup view reads every row: through the Distributed table.
  assert.match(render(plan.at(-1)!), /FROM shop\.sales\nLIMIT 1 BY event_id$/);
});

test('on a current server the decoding chain is made on every server too, and writes into the local tables', () => {
  const plan = planPipeline([sales], { ...target, database: 'default' }, currentServer);
  assert.deepEqual(plan.map(firstLine), [
    'CREATE TABLE IF NOT EXISTS default.sales_local ON CLUSTER kch',
    'CREATE TABLE IF NOT EXISTS default.sales ON CLUSTER kch AS default.sales_local',
    'CREATE TABLE IF NOT EXISTS default.sales_dead_letter_local ON CLUSTER kch',
    'CREATE TABLE IF NOT EXISTS default.sales_dead_letter ON CLUSTER kch AS default.sales_dead_letter_local',
    'CREATE TABLE IF NOT EXISTS default.sales_decoded ON CLUSTER kch',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS default.sales_mv ON CLUSTER kch TO default.sales_local AS',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS default.sales_dead_letter_mv ON CLUSTER kch TO default.sales_dead_letter_local AS',
    'CREATE TABLE IF NOT EXISTS default.sales_kafka ON CLUSTER kch',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS default.sales_decode_mv ON CLUSTER kch TO default.sales_decoded AS',
    'CREATE VIEW IF NOT EXISTS default.sales_dedup ON CLUSTER kch AS',
  ]);
});

test('a path of ones own: kch fills in {database} and {table}, the server its macros', () => {
  const plan = planPipeline([sales], { ...target, cluster: { ...cluster, path: '/ch/{shard}/{database}.{table}/{uuid}', replica: '{host}' } }, currentServer);
  assert.match(render(plan[1]!), /ENGINE = ReplicatedMergeTree\('\/ch\/\{shard\}\/shop\.sales_local\/\{uuid\}', '\{host\}'\)/);
});

test('without a cluster nothing changes: plain MergeTree, no ON CLUSTER', () => {
  const plan = planPipeline([sales], { database: 'default', brokers: 'k:9092', topicPrefix: '' }, currentServer);
  assert.ok(plan.every((s) => !render(s).includes('ON CLUSTER') && !render(s).includes('Replicated')));
  assert.equal(firstLine(plan[0]!), 'CREATE TABLE IF NOT EXISTS default.sales');
});
