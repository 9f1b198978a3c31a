import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePipeline } from '../../../src/pipeline/resolve.js';
import { sales, warehouse } from '../../../src/pipeline/streams/index.js';
import { consumesFromGroups, consumesFrom, replicaLag, kafkaConsumersQuery, type ConsumerRow, type ReplicaStatus } from '../../../src/clickhouse/replicas.js';

const streams = resolvePipeline({ target: { database: 'shop', topicPrefix: '', cluster: { name: 'c1' } }, streams: [sales, warehouse] }).streams;

test('every replica\'s consumers of the streams\' Kafka tables, asked in one query (23.8+)', () => {
  assert.equal(kafkaConsumersQuery('c1', streams),
    "SELECT hostName() AS host, tcpPort() AS port, database, table, assignments.partition_id AS partitions FROM clusterAllReplicas('c1', system.kafka_consumers)"
    + " WHERE database IN ('shop') AND table IN ('sales_kafka', 'warehouse_kafka') SETTINGS skip_unavailable_shards = 1");
});

test('partitions per replica and stream: consumers of one table merged, a replica with none of a stream given an empty list, other tables ignored', () => {
  const rows: ConsumerRow[] = [
    { host: 'a', port: 9000, database: 'shop', table: 'sales_kafka', partitions: ['2', '0'] },
    { host: 'a', port: 9000, database: 'shop', table: 'sales_kafka', partitions: [1] },
    { host: 'b', port: 9001, database: 'shop', table: 'warehouse_kafka', partitions: [0] },
    { host: 'b', port: 9001, database: 'other', table: 'sales_kafka', partitions: [5] },
  ];
  const held = consumesFrom(rows, streams, (r) => String(r.port));
  assert.deepEqual(Object.fromEntries(held), {
    9000: { sales: [0, 1, 2], warehouse: [] },
    9001: { sales: [], warehouse: [0] },
  });
});

const servers: ReplicaStatus[] = [
  { host: 'ch-1:9000', address: '10.0.0.5', shard: 1, reachable: true, streams: { sales: { rows: 10, deadLetters: 0 } } },
  { host: 'ch-2:9000', address: '10.0.0.6', shard: 1, reachable: true, streams: { sales: { rows: 10, deadLetters: 0 } } },
];

test('before 23.8 the group tells which partitions each replica holds: members matched by the address they connect from', () => {
  const found = consumesFromGroups(servers, [{ stream: 'sales', topic: 'shop_sales', members: [
    { host: '/10.0.0.6', assigned: { shop_sales: [1, 3] } },
    { host: '/10.0.0.5', assigned: { shop_sales: [0, 2], other: [7] } },
  ] }]);
  assert.deepEqual(found?.map((r) => r.consumes), [{ sales: [0, 2] }, { sales: [1, 3] }]);
  // A replica with no member in the group holds nothing: the idle check then names it.
  const idle = consumesFromGroups(servers, [{ stream: 'sales', topic: 'shop_sales', members: [{ host: '/10.0.0.5', assigned: { shop_sales: [0, 1] } }] }]);
  assert.deepEqual(idle?.map((r) => r.consumes), [{ sales: [0, 1] }, { sales: [] }]);
});

test('nothing is guessed: replicas sharing an address (one machine), or a member from an address no replica has (NAT), tell nothing', () => {
  const oneMachine = servers.map((r) => ({ ...r, address: '127.0.0.1' }));
  assert.equal(consumesFromGroups(oneMachine, [{ stream: 'sales', topic: 'shop_sales', members: [{ host: '/127.0.0.1', assigned: { shop_sales: [0] } }] }]), undefined);
  assert.equal(consumesFromGroups(servers, [{ stream: 'sales', topic: 'shop_sales', members: [{ host: '/192.168.1.9', assigned: { shop_sales: [0] } }] }]), undefined);
});

test('a replica\'s lag is its partitions\' lag: 0 when it holds none, unknown when which it holds or the lag is', () => {
  const lags = [{ partition: 0, lag: 7 }, { partition: 1, lag: 0 }, { partition: 2, lag: 5 }];
  assert.equal(replicaLag([0, 2], lags), 12);
  assert.equal(replicaLag([1], lags), 0);
  assert.equal(replicaLag([], lags), 0);
  assert.equal(replicaLag(undefined, lags), null);
  assert.equal(replicaLag([0], undefined), null);
});
