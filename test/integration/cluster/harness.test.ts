/**
 * The cluster harness itself (test/support/clickhouse-cluster.ts), apart from kch: ZooKeeper and
 * two Debian 18.16 servers, replicas of one shard of `kch`. A DDL ON CLUSTER reaches both, a row
 * written on one replica is fetched by the other, and a Distributed table on the second reads it.
 * Needs none of the shared services (Kafka, the embedded ClickHouse).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import { startClickHouseCluster, type ClickHouseCluster } from '../../support/clickhouse-cluster.js';
import { pollUntil } from '../../support/wait.js';

let cluster: ClickHouseCluster | undefined;
let clients: ClickHouseClient[] = [];

before(async () => {
  cluster = await startClickHouseCluster();
  // ON CLUSTER waits for every host (distributed_ddl_task_timeout, 180 s by default): more than the default 60 s.
  clients = cluster.urls.map((url) => createClickHouse({ url, user: 'default', password: '', database: 'default', requestTimeoutMs: 200_000 }));
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.stop();
});

/**
 * Rows as objects. `default_format` too: 18.16 parses the `FORMAT JSONEachRow` the client appends
 * to a `CREATE … ON CLUSTER` but answers it in TabSeparated all the same; the setting it honours.
 */
async function select<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { default_format: 'JSONEachRow' } })).json<T>();
}

/** One row per host of an ON CLUSTER query's answer (18.16 quotes status, an Int64, in JSON). */
interface HostStatus { host: string; port: number | string; status: number | string; error: string; num_hosts_remaining: number | string }

test('two replicas of one shard: DDL ON CLUSTER on both, rows replicated, read through a Distributed table', async (t) => {
  const [first, second] = clients;
  assert.ok(cluster && first && second);
  assert.equal(cluster.name, 'kch');
  assert.equal(cluster.urls.length, 2);
  assert.match(cluster.zookeeper, /^127\.0\.0\.1:\d+$/);

  const replicas = await select<{ shard_num: number | string; replica_num: number | string; host_address: string; port: number | string }>(second,
    "SELECT shard_num, replica_num, host_address, port FROM system.clusters WHERE cluster = 'kch' ORDER BY replica_num");
  assert.deepEqual(replicas.map((r) => [Number(r.shard_num), Number(r.replica_num), r.host_address]), [[1, 1, '127.0.0.1'], [1, 2, '127.0.0.1']]);
  assert.notEqual(Number(replicas[0]!.port), Number(replicas[1]!.port), 'each replica has its own native port');

  const created = Date.now();
  const answer = await select<HostStatus>(first,
    "CREATE TABLE default.t ON CLUSTER kch (x UInt32) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/t', '{replica}') ORDER BY x");
  const ddlMs = Date.now() - created;
  assert.equal(answer.length, 2, JSON.stringify(answer));
  assert.deepEqual(answer.map((h) => Number(h.port)).sort(), replicas.map((r) => Number(r.port)).sort(), 'one row per host');
  for (const host of answer) assert.equal(Number(host.status), 0, JSON.stringify(host));
  for (const client of [first, second]) {
    const [table] = await select<{ engine: string }>(client, "SELECT engine FROM system.tables WHERE database = 'default' AND name = 't'");
    assert.equal(table?.engine, 'ReplicatedMergeTree');
  }

  await first.insert({ table: 'default.t', values: [{ x: 1 }, { x: 2 }, { x: 3 }], format: 'JSONEachRow' });
  const fetched = Date.now();
  await pollUntil('replica 2 to fetch the rows written on replica 1', async () => {
    const [row] = await select<{ n: number | string }>(second, 'SELECT count() AS n FROM default.t');
    return Number(row?.n) === 3 ? true : undefined;
  }, 60_000, 200);
  const replicationMs = Date.now() - fetched;

  await select(second, 'CREATE TABLE default.t_all ON CLUSTER kch AS default.t ENGINE = Distributed(kch, default, t, rand())');
  const through = await select<{ x: number | string }>(second, 'SELECT x FROM default.t_all ORDER BY x');
  assert.deepEqual(through.map((r) => Number(r.x)), [1, 2, 3], 'each row once through the Distributed table');
  t.diagnostic(`CREATE … ON CLUSTER answered in ${ddlMs} ms; replica 2 had the rows ${replicationMs} ms after the insert`);
});
