import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectorConfig, connectorName, shownConfig, slotName, stateOf, streamTopic } from '../../../src/cdc/connector.js';
import { parseSourceUrl } from '../../../src/postgres/url.js';

test('a kch connector captures one table into <topic prefix><database>.<schema>.<table>, lean JSON, marked as kch\'s', () => {
  const source = parseSourceUrl('postgresql://app:pw@db:5433/shop-eu');
  const config = connectorConfig({ stream: 'items', source, schema: 'public', table: 'items', topicPrefix: 'test_', excludedColumns: ['note'] });
  assert.equal(connectorName('items'), 'kch-items');
  assert.equal(streamTopic('shop-eu', 'public', 'items'), 'shop-eu.public.items');
  assert.deepEqual(config, {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': 'db',
    'database.port': '5433',
    'database.user': 'app',
    'database.password': 'pw',
    'database.dbname': 'shop-eu',
    'topic.prefix': 'test_shop-eu',
    'table.include.list': 'public\\.items',
    'column.exclude.list': 'public\\.items\\.note',
    'slot.name': 'kch_test_items',
    'publication.name': 'kch_test_items',
    'publication.autocreate.mode': 'filtered',
    'snapshot.mode': 'initial',
    'decimal.handling.mode': 'string',
    'time.precision.mode': 'isostring',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    'kch.stream': 'items',
    'kch.table': 'public.items',
  });
  assert.equal(shownConfig(config)['database.password'], '***');
  const trusted = connectorConfig({ stream: 'items', source: parseSourceUrl('postgresql://app@db/shop'), schema: 'public', table: 'items', topicPrefix: '' });
  assert.equal('database.password' in trusted, false, 'no password given, none sent');
  assert.equal('column.exclude.list' in trusted, false);
});

test('a slot name is lower case, plain, and at most 63 bytes', () => {
  assert.equal(slotName('', 'Items'), 'kch_items');
  assert.equal(slotName('a.b-', 'x'), 'kch_a_b__x');
  const long = slotName('prefix_', 'x'.repeat(80));
  assert.equal(long.length, 63);
  assert.match(long, /^kch_prefix_x+_[0-9a-f]{8}$/);
  assert.notEqual(slotName('prefix_', 'x'.repeat(80)), slotName('prefix_', 'x'.repeat(81)));
});

test('a connector\'s state names the tasks that differ from it', () => {
  const status = (connector: string, ...tasks: string[]) => ({ name: 'n', connector: { state: connector, worker_id: 'w' }, tasks: tasks.map((state, id) => ({ id, state, worker_id: 'w' })) }) as never;
  assert.equal(stateOf(status('RUNNING', 'RUNNING')), 'RUNNING');
  assert.equal(stateOf(status('RUNNING', 'FAILED')), 'RUNNING (task 0 FAILED)');
  assert.equal(stateOf(status('RUNNING')), 'RUNNING (no task yet)');
  assert.equal(stateOf(undefined), 'GONE');
});
