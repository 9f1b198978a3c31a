/** What pause, resume and the mutations of dlq and replay send, on one server and on a cluster: exact SQL. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstOfMessage } from '../../../src/ops/dead-letters.js';
import { pauseSql, resumeSql } from '../../../src/ops/pause.js';
import type { ServerFeatures } from '../../../src/pipeline/features.js';
import { mutationSql } from '../../../src/ops/mutation.js';
import type { PipelineTarget } from '../../../src/pipeline/plan.js';
import { resolveStream } from '../../../src/pipeline/resolve.js';
import { sales } from '../../../src/pipeline/streams/index.js';
import { TableRef } from '../../../src/pipeline/table-ref.js';

const objects = { kafkaTable: new TableRef('shop', 'sales_kafka') };
const deadLetter = new TableRef('shop', 'sales_dead_letter');

test('on one server pause and resume detach and attach its Kafka table, as before clusters', () => {
  assert.equal(pauseSql(objects, 'detach-permanently', undefined), 'DETACH TABLE shop.sales_kafka PERMANENTLY');
  assert.equal(pauseSql(objects, 'detach', undefined), 'DETACH TABLE shop.sales_kafka');
  assert.equal(resumeSql(objects, undefined), 'ATTACH TABLE shop.sales_kafka');
});

test('on a cluster one statement reaches every server, and leaves one already in the wanted state alone', () => {
  assert.equal(pauseSql(objects, 'detach-permanently', 'c1'), 'DETACH TABLE IF EXISTS shop.sales_kafka ON CLUSTER c1 PERMANENTLY');
  assert.equal(resumeSql(objects, 'c1'), 'ATTACH TABLE IF NOT EXISTS shop.sales_kafka ON CLUSTER c1');
});

test('a mutation changes the table itself on one server, and the replicated local table ON CLUSTER on a cluster', () => {
  const single = { target: { database: 'shop', topicPrefix: '' } as PipelineTarget };
  const clustered = { target: { database: 'shop', topicPrefix: '', cluster: { name: 'c1', path: '/p', replica: '{replica}' } } as PipelineTarget };
  assert.equal(mutationSql(single, resolveStream(sales, single.target).stored.deadLetter, 'UPDATE replayed = 1 WHERE replayed = 7'), 'ALTER TABLE shop.sales_dead_letter UPDATE replayed = 1 WHERE replayed = 7');
  assert.equal(mutationSql(clustered, resolveStream(sales, clustered.target).stored.deadLetter, 'UPDATE replayed = 1 WHERE replayed = 7'), 'ALTER TABLE shop.sales_dead_letter_local ON CLUSTER c1 UPDATE replayed = 1 WHERE replayed = 7');
});

test('the first dead letter of each message is found with IN on one server, GLOBAL IN through a cluster\'s Distributed table, and not at all on 18.x', () => {
  const features = { kafkaVirtualColumns: true } as ServerFeatures;
  const single = { features, target: { database: 'shop' } as PipelineTarget };
  const clustered = { features, target: { database: 'shop', cluster: { name: 'c1', path: '/p', replica: '{replica}' } } as PipelineTarget };
  const subquery = '(SELECT topic, partition, offset, min(seen_at) FROM shop.sales_dead_letter GROUP BY topic, partition, offset HAVING countIf(replayed NOT IN (0, 7)) = 0)';
  assert.equal(firstOfMessage(single, deadLetter, 7), `(topic, partition, offset, seen_at) IN ${subquery}`);
  assert.equal(firstOfMessage(clustered, deadLetter, 7), `(topic, partition, offset, seen_at) GLOBAL IN ${subquery}`);
  assert.match(firstOfMessage(single, deadLetter), /HAVING countIf\(replayed NOT IN \(0\)\) = 0\)$/);
  assert.equal(firstOfMessage({ ...single, features: { kafkaVirtualColumns: false } as ServerFeatures }, deadLetter), '1');
});
