import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consumesFrom, kafkaConsumersQuery, type ConsumerRow } from '../../../src/ops/replicas.js';

const streams = [
  { stream: 'sales', target: 'shop.sales', deadLetter: 'shop.sales_dead_letter', kafkaTable: 'shop.sales_kafka' },
  { stream: 'warehouse', target: 'shop.stock_movements', deadLetter: 'shop.warehouse_dead_letter', kafkaTable: 'shop.warehouse_kafka' },
];

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
