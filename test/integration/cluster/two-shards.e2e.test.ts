/**
 * Two shards (test/support/clickhouse-cluster.ts, `shards: 2`: two Debian 18.16 servers, one
 * replica each): `kch migrate --cluster` makes every object on both, each shard's local tables
 * under a path of their own; the streams' partitions spread over the two servers' Kafka tables,
 * so each shard holds the rows of the partitions it consumed; the Distributed table reads both,
 * so `verify` loses nothing and `status` names each shard with what it holds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../../support/cli.js';
import { startClickHouseCluster } from '../../support/clickhouse-cluster.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';

const { kafka } = services();
const database = uniqueName('shards');
let cluster: Awaited<ReturnType<typeof startClickHouseCluster>> | undefined;
let env: Record<string, string> = {};

before(async () => {
  cluster = await startClickHouseCluster({ shards: 2 });
  env = {
    KAFKA_BROKERS: kafka, CLICKHOUSE_URL: cluster.urls[0]!, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: `${database}_`,
    CLICKHOUSE_CLUSTER: cluster.name, KAFKA_PARTITIONS: '2',
  };
});
after(async () => {
  await cluster?.stop();
});

test('two shards: each consumes its partitions into its own local table, the Distributed table reads both, verify loses nothing', async () => {
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /cluster kch: 2 server\(s\)/);
  const servers = cluster!.urls.map((url) => clickhouse(url));
  try {
    for (const [i, client] of servers.entries()) {
      assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'sales_local' AND engine = 'ReplicatedMergeTree'`), 1);
      // Each shard replicates under its own path: {shard} is 01 on one server, 02 on the other.
      assert.equal(await scalar(client, `SELECT count() FROM system.replicas WHERE database = '${database}' AND table = 'sales_local' AND zookeeper_path LIKE '/clickhouse/tables/0${i + 1}/%'`), 1);
    }

    const verify = await runCli(['verify', '--count', '3000', '--rate', '1000', '--timeout', '2m', '--json'], env, 240_000);
    assert.equal(verify.code, 0, verify.stderr.slice(-3000));
    const report = JSON.parse(verify.stdout.split('\n').reverse().find((l) => l.startsWith('{"run"'))!) as { lost: number; present: number };
    assert.equal(report.lost, 0);
    assert.equal(report.present, 3000);

    // Each server consumed some of the partitions: both shards hold rows, and together every row
    // the Distributed table reads (a block read again across a rebalance would be on both).
    const [first, second] = await Promise.all(servers.map((c) => scalar(c, `SELECT count() FROM ${database}.sales_local`)));
    const total = await scalar(servers[1]!, `SELECT count() FROM ${database}.sales`);
    assert.ok(first! > 0 && second! > 0, `both shards hold sales rows (${first}, ${second})`);
    assert.equal(first! + second!, total);

    const status = await pollUntil('status with both shards', async () => {
      const result = await runCli(['status', '--window', '0'], env, 60_000);
      return /\(shard 2\) up/.test(result.stdout) ? result.stdout : undefined;
    }, 60_000, 1000);
    assert.match(status, new RegExp(`replica 127\\.0\\.0\\.1:\\d+ \\(shard 1\\) up: sales ${first!.toLocaleString('en-US')} rows`));
    assert.match(status, new RegExp(`replica 127\\.0\\.0\\.1:\\d+ \\(shard 2\\) up: sales ${second!.toLocaleString('en-US')} rows`));
  } finally {
    await Promise.all(servers.map((c) => c.close()));
  }
});
