/**
 * The pipeline on a real ClickHouse cluster: two Debian 18.16 servers, replicas of one shard,
 * with ZooKeeper (test/support/clickhouse-cluster.ts), fed by the shared Kafka broker.
 * `kch migrate --cluster kch` makes every object on both; both servers' Kafka tables join one
 * consumer group; every row is read through the Distributed table from either server; `verify`
 * proves delivery through it; `status` shows each replica. A mistyped cluster stops migrate
 * before any DDL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../../support/cli.js';
import { startClickHouseCluster } from '../../support/clickhouse-cluster.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';

const { kafka } = services();
const database = uniqueName('cluster');
let cluster: Awaited<ReturnType<typeof startClickHouseCluster>> | undefined;
let env: Record<string, string> = {};

before(async () => {
  cluster = await startClickHouseCluster();
  env = {
    KAFKA_BROKERS: kafka, CLICKHOUSE_URL: cluster.urls[0]!, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: `${database}_`,
    CLICKHOUSE_CLUSTER: cluster.name, KAFKA_PARTITIONS: '2',
  };
});
after(async () => {
  await cluster?.stop();
});

test('a cluster the server does not know stops migrate before any DDL, naming the ones it has', async () => {
  const result = await runCli(['migrate', '--cluster', 'nope'], env);
  assert.notEqual(result.code, 0, result.stderr);
  assert.match(result.stderr, /ClickHouse knows no cluster nope \(--cluster, CLICKHOUSE_CLUSTER\): system\.clusters has .*kch/);
  const client = clickhouse(cluster!.urls[0]!);
  try {
    assert.equal(await scalar(client, `SELECT count() FROM system.databases WHERE name = '${database}'`), 0, 'nothing was created');
  } finally {
    await client.close();
  }
});

test('kch migrate --cluster: every object on both replicas, rows through the Distributed table from either, verify and status per replica', async () => {
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /cluster kch: 2 server\(s\)/);
  const [first, second] = cluster!.urls.map((url) => clickhouse(url));
  try {
    for (const client of [first!, second!]) {
      const tables = await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name IN ('sales', 'sales_local', 'sales_kafka', 'sales_mv', 'stock_movements', 'stock_movements_local')`);
      assert.equal(tables, 6, 'each server has the local, Distributed and Kafka tables and the view');
      assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'sales_local' AND engine = 'ReplicatedMergeTree'`), 1);
      assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'sales' AND engine = 'Distributed'`), 1);
    }
    const again = await runCli(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to do/);

    const generated = await runCli(['generate', '--count', '3000', '--rate', 'max', '--seed', '7'], env);
    assert.equal(generated.code, 0, generated.stderr);
    // Topics carry the test's prefix: "(cluster_…_sales 2031, cluster_…_warehouse 969)".
    const [, sales, stock] = /sales (\d+), \S*warehouse (\d+)/.exec(generated.stdout) ?? [];
    assert.ok(sales && stock, generated.stdout);
    // Read from the second server, through the Distributed table: every event once.
    await pollUntil('every event readable from the second replica', async () => {
      const seen = await scalar(second!, `SELECT uniqExact(event_id) FROM ${database}.sales`);
      return seen === Number(sales) ? seen : undefined;
    }, 120_000, 500);
    await pollUntil('every stock movement readable from the first replica', async () => {
      const seen = await scalar(first!, `SELECT uniqExact(event_id) FROM ${database}.stock_movements`);
      return seen === Number(stock) ? seen : undefined;
    }, 60_000, 500);

    const status = await runCli(['status', '--window', '0'], env, 60_000);
    assert.match(status.stdout, /replica 127\.0\.0\.1:\d+ \(shard 1\) up: sales [\d,]+ rows, 0 dead letters; warehouse [\d,]+ rows/);
    assert.equal([...status.stdout.matchAll(/replica \S+ \(shard 1\) up/g)].length, 2, status.stdout);
    assert.match(status.stdout, /sales +consuming .* stable \(2\)/, 'both servers consume in one group');

    const verify = await runCli(['verify', '--count', '2000', '--rate', '1000', '--timeout', '2m', '--json'], env, 240_000);
    assert.equal(verify.code, 0, verify.stderr.slice(-3000));
    const report = JSON.parse(verify.stdout.split('\n').reverse().find((l) => l.startsWith('{"run"'))!) as { lost: number; present: number };
    assert.equal(report.lost, 0);
    assert.equal(report.present, 2000);
  } finally {
    await Promise.all([first!.close(), second!.close()]);
  }
});

