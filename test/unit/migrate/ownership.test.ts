import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableOf, type Existing } from '../../../src/clickhouse/system.js';
import { checkOwnership, earlierKafkaTable, earlierKafkaTables, kafkaSetting, sourcesOnServer, viewLinks } from '../../../src/migrate/ownership.js';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';
import { field } from '../../../src/pipeline/field.js';
import { groupOf } from '../../../src/pipeline/resolve.js';
import { planPipeline, type CreateKafkaTable, type PipelineTarget, type Statement } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream, type StreamDefinition } from '../../../src/pipeline/stream.js';

const target: PipelineTarget = { database: 'shop', brokers: 'k:9092', topicPrefix: '' };
const fields = { id: field.uuid(), cents: field.int('UInt32') };
const money = defineStream({ name: 'money', fields, id: 'id' });
const money2 = defineStream({ name: 'money2', topic: 'money', fields, id: 'id' });

const engines: Record<Statement['kind'], string> = {
  'create-database': '', 'create-merge-tree': 'MergeTree', 'create-distributed': 'Distributed', 'create-kafka-table': 'Kafka',
  'create-null-table': 'Null', 'create-materialized-view': 'MaterializedView', 'create-view': 'View',
};

/** The server's tables after `plan` ran (system.tables leaves out IF NOT EXISTS). */
function server(plan: readonly Statement[], tables = new Map<string, Existing>()): Map<string, Existing> {
  for (const statement of plan) {
    const table = tableOf(statement);
    if (table !== undefined) tables.set(table, { engine: engines[statement.kind], columns: new Map(), createQuery: render(statement).replace(' IF NOT EXISTS', '') });
  }
  return tables;
}
const groups = (...streams: StreamDefinition[]): Map<string, string> => new Map(streams.map((s) => [s.name, groupOf(s, target)]));
const plan = (...streams: StreamDefinition[]): Statement[] => planPipeline(streams, target, currentServer);

test('a view\'s CREATE names what it reads and what it writes to; a Kafka table\'s, its settings', () => {
  const statements = plan(money);
  const decode = render(statements.find((s) => s.kind === 'create-materialized-view' && s.role === 'decode')!);
  assert.deepEqual(viewLinks(decode, 'shop'), { from: ['money_kafka'], to: 'money_decoded' });
  assert.deepEqual(viewLinks(render(statements.find((s) => s.kind === 'create-view')!), 'shop'), { from: ['money'], to: undefined });
  const kafka = render(statements.find((s) => s.kind === 'create-kafka-table')!);
  assert.equal(kafkaSetting(kafka, 'kafka_group_name'), 'clickhouse_money_consumer');
  assert.equal(kafkaSetting(kafka, 'kafka_topic_list'), 'money');
  assert.equal(kafkaSetting("kafka_group_name = 'it\\'s'", 'kafka_group_name'), "it's");
});

test('every object of a stream is reached from its Kafka table, on a current server and on one where the Kafka engine parses', () => {
  for (const features of [currentServer, featuresForVersion('25.3.1')]) {
    const tables = server(planPipeline([money, money2], target, features));
    const sourcesOf = sourcesOnServer(tables, 'shop');
    for (const [name] of tables) {
      const expected = name.startsWith('money2') ? 'money2_kafka' : 'money_kafka';
      assert.deepEqual([...sourcesOf(name)], [expected], `${name} on ${features.version}`);
    }
  }
});

test('two streams of one topic plan objects of their own, and a server holding both is no obstacle to either', () => {
  const both = plan(money, money2);
  const tables = server(both);
  assert.doesNotThrow(() => checkOwnership(both, groups(money, money2), 'shop', tables));
  assert.doesNotThrow(() => checkOwnership(plan(money2), groups(money2), 'shop', tables), 'the second alone, from a pipeline file of its own');
});

test('a plan whose stream would take over an object of another consumer group is refused, naming the object, its owner and the stream', () => {
  const tables = server(plan(money));
  // What the Kafka table's default name was: the topic's.
  const taker = defineStream({ name: 'money2', topic: 'money', kafkaTable: 'money_kafka', fields, id: 'id' });
  assert.throws(() => checkOwnership(plan(taker), groups(taker), 'shop', tables), {
    code: 'KCH_OWNERSHIP',
    message: 'shop.money_kafka belongs to consumer group clickhouse_money_consumer (topic money), which no stream of this pipeline has, not to stream money2 (consumer group clickhouse_money2_consumer): nothing was changed; give stream money2 another name for it (or drop shop.money_kafka if nothing uses it)',
  });
  // In one pipeline with the owner, the owner is named; an object downstream names the Kafka table its messages come from.
  const intoTarget = defineStream({ name: 'audit', topic: 'money', deadLetter: 'money_dead_letter', fields, id: 'id' });
  const both = [...plan(money), ...plan(intoTarget)];
  assert.throws(() => checkOwnership(both, groups(money, intoTarget), 'shop', tables), { code: 'KCH_OWNERSHIP', message: /^streams money and audit both make shop\.money_dead_letter: each object belongs to one stream/ });
  assert.throws(() => checkOwnership(plan(intoTarget), groups(money, intoTarget), 'shop', tables), {
    message: 'shop.money_dead_letter (its messages come from shop.money_kafka) belongs to stream money (consumer group clickhouse_money_consumer, topic money), not to stream audit (consumer group clickhouse_audit_consumer): nothing was changed; give stream audit another name for it',
  });
  // Another prefix is another pipeline: its groups differ.
  const prefixed = planPipeline([money], { ...target, topicPrefix: 'b_' }, currentServer);
  assert.throws(() => checkOwnership(prefixed, new Map([['money', groupOf(money, { topicPrefix: 'b_' })]]), 'shop', tables), { message: /^shop\.money \(its messages come from shop\.money_kafka\) belongs to consumer group clickhouse_money_consumer \(topic money\)/ });
});

test('a Kafka table an earlier kch named after the topic is recognised by its topic and group, not by its name alone', () => {
  const earlier = defineStream({ name: 'orders', topic: 'shop_orders', kafkaTable: 'shop_orders_kafka', fields, id: 'id' });
  const now = defineStream({ name: 'orders', topic: 'shop_orders', fields, id: 'id' });
  const tables = server(plan(earlier));
  const statements = plan(now);
  const kafka = statements.find((s): s is CreateKafkaTable => s.kind === 'create-kafka-table')!;
  const planned = new Set(statements.map(tableOf).filter((t): t is string => t !== undefined));
  assert.equal(earlierKafkaTable(kafka, tables, planned), 'shop_orders_kafka');
  assert.deepEqual(earlierKafkaTables(statements, tables), new Map([['orders', 'shop_orders_kafka']]));
  assert.doesNotThrow(() => checkOwnership(statements, groups(now), 'shop', tables), 'it is the stream\'s own');
  // Another group or another topic: not this stream's.
  const otherGroup = defineStream({ name: 'orders', topic: 'shop_orders', consumerGroup: 'elsewhere', fields, id: 'id' });
  assert.equal(earlierKafkaTables(plan(otherGroup), tables).size, 0);
  const otherTopic = defineStream({ name: 'orders', topic: 'shop_orders_v2', fields, id: 'id' });
  assert.equal(earlierKafkaTables(plan(otherTopic), tables).size, 0);
  // Planned by a stream under that name, it is that stream's, never renamed.
  assert.equal(earlierKafkaTable(kafka, tables, new Set([...planned, 'shop_orders_kafka'])), undefined);
  assert.equal(earlierKafkaTable(kafka, server(statements, new Map(tables)), planned), undefined, 'not once the new one exists');
});

test('an input of an earlier name that cannot be renamed here is refused with what to do: a sink stream\'s, a paused stream\'s', () => {
  const sinkEarlier = defineStream({ name: 'orders', topic: 'shop_orders', kafkaTable: 'shop_orders_kafka', ingest: 'sink', fields, id: 'id' });
  const sinkNow = defineStream({ name: 'orders', topic: 'shop_orders', ingest: 'sink', fields, id: 'id' });
  assert.throws(() => checkOwnership(plan(sinkNow), groups(sinkNow), 'shop', server(plan(sinkEarlier))), {
    code: 'KCH_OWNERSHIP',
    message: "shop.orders_decode_mv of stream orders reads shop.shop_orders_kafka, the Null table kch sink inserted into: the stream's input under a name an earlier kch gave it, where this one names it shop.orders_kafka. Nothing was changed; keep the earlier name with kafkaTable: 'shop_orders_kafka' in the stream's definition",
  });
  const earlier = defineStream({ name: 'orders', topic: 'shop_orders', kafkaTable: 'shop_orders_kafka', fields, id: 'id' });
  const now = defineStream({ name: 'orders', topic: 'shop_orders', fields, id: 'id' });
  const paused = server(plan(earlier));
  paused.delete('shop_orders_kafka');
  assert.throws(() => checkOwnership(plan(now), groups(now), 'shop', paused), {
    message: /reads shop\.shop_orders_kafka, which is detached \(the stream is paused\): .* attach it \(ATTACH TABLE shop\.shop_orders_kafka\) and run kch migrate again, which renames it, or keep the earlier name with kafkaTable: 'shop_orders_kafka'/,
  });
  // A stream paused under its own name is no such case.
  const own = server(plan(now));
  own.delete('orders_kafka');
  assert.doesNotThrow(() => checkOwnership(plan(now), groups(now), 'shop', own));
});
