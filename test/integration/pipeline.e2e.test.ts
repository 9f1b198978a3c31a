import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedSource } from '../support/seed.js';
import { createProducer } from '../../src/kafka/producer.js';
import { createLogger } from '../../src/output/log.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { detectFeatures } from '../../src/clickhouse/detect-features.js';
import type { ServerFeatures } from '../../src/pipeline/features.js';
import { planPipeline } from '../../src/pipeline/plan.js';
import { streams } from '../../src/pipeline/streams/index.js';
import { runCli } from '../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../support/env.js';
import { pollUntil } from '../support/wait.js';

const { kafka, clickhouseUrl } = services();
const database = uniqueName('e2e');
const prefix = `${database}_`;
const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix };
const client = clickhouse(clickhouseUrl, database);
const SEED = 2024;
const COUNT = 10_000;

let firstMigrate = '';
let features: ServerFeatures;
let planned = 0;

before(async () => {
  const admin = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  try { features = await detectFeatures(admin); } finally { await admin.close(); }
  planned = planPipeline(streams, { database, brokers: kafka, topicPrefix: prefix }, features).length;
  const result = await runCli(['migrate'], { ...env, KCH_LOG_LEVEL: 'debug' });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`created ${planned}, unchanged 0, differing 0`));
  firstMigrate = result.stderr;
});

test('the embedded ClickHouse decodes in the views: Dynamic keeps JSON types as the checks expect', () => {
  assert.equal(features.decodeInViews, true, `ClickHouse ${features.version}`);
});

test('nothing consumes before every view a message goes through exists', () => {
  const at = (object: string): number => firstMigrate.search(new RegExp(`created \\S*\\b${object}\\b`));
  for (const [kafkaTable, views, decode] of [['sales_kafka', ['sales_mv', 'sales_dead_letter_mv'], 'sales_decode_mv'], ['warehouse_kafka', ['stock_movements_mv', 'warehouse_dead_letter_mv'], 'warehouse_decode_mv']] as const) {
    for (const view of views) {
      assert.ok(at(view) >= 0, `${view} created`);
      assert.ok(at(kafkaTable) > at(view), `${kafkaTable} created after ${view}`);
    }
    if (features.decodeInViews) {
      // The Kafka table's one view decodes into a Null table the two others read: made last.
      assert.ok(at(decode) > at(kafkaTable), `${decode} created after ${kafkaTable}`);
    } else {
      // Two views on the Kafka table: made on a stand-in, which then makes way for it.
      assert.match(firstMigrate, new RegExp(`${kafkaTable}: a stand-in until both its views exist`));
    }
  }
});

after(async () => {
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client.close();
});

test('a second migrate changes nothing and says so', async () => {
  const result = await runCli(['migrate'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`nothing to do, all ${planned} objects match the definition`));
});

test('exactly 10,000 generated events arrive in the two tables, none twice', async () => {
  const result = await runCli(['generate', '--count', String(COUNT), '--rate', 'max', '--seed', String(SEED)], env);
  assert.equal(result.code, 0, result.stderr);
  const acked = /generated (\d+) events acknowledged by Kafka \(([^)]*)\)/.exec(result.stdout);
  assert.ok(acked, result.stdout);
  assert.equal(Number(acked[1]), COUNT);
  const perTopic = Object.fromEntries(acked[2]!.split(', ').map((part): [string, number] => { const [t, n] = part.split(' '); return [t!, Number(n)]; }));

  const total = await pollUntil('all events in ClickHouse', async () => {
    const n = await scalar(client, 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements)');
    return n >= COUNT ? n : undefined;
  }, 180_000);
  assert.equal(total, COUNT);
  assert.equal(await scalar(client, 'SELECT count() FROM sales'), perTopic[`${prefix}sales`]);
  assert.equal(await scalar(client, 'SELECT count() FROM stock_movements'), perTopic[`${prefix}warehouse`]);
  assert.equal(await scalar(client, 'SELECT uniqExact(event_id) FROM (SELECT event_id FROM sales UNION ALL SELECT event_id FROM stock_movements)'), COUNT);
  assert.equal(await scalar(client, 'SELECT (SELECT count() FROM sales_dead_letter) + (SELECT count() FROM warehouse_dead_letter)'), 0);
});

test('a sample of rows matches the generated events field for field', async () => {
  const source = seedSource(SEED);
  const expected = Array.from({ length: 200 }, () => source.next()).filter((e) => e.stream.name === 'sales').slice(0, 50).map((e) => e.event);
  const rows = await (await client.query({
    query: 'SELECT * EXCEPT (event_time, processing_time) FROM sales WHERE event_id IN {ids:Array(UUID)} ORDER BY event_id',
    query_params: { ids: expected.map((e) => e.event_id) },
    format: 'JSONEachRow',
  })).json<Record<string, unknown>>();
  assert.equal(rows.length, expected.length);
  const byId = new Map(rows.map((r) => [r.event_id, r]));
  for (const event of expected) {
    const row = byId.get(event.event_id);
    assert.ok(row, `row for ${String(event.event_id)}`);
    for (const [key, value] of Object.entries(event)) {
      if (key === 'event_time') continue;
      assert.equal(typeof value === 'number' ? Number(row[key]) : row[key], value, `${key} of ${String(event.event_id)}`);
    }
  }
});

/** What the original Python generator sent: json.dumps(..., ensure_ascii=False), default separators. */
function pythonJson(event: Record<string, unknown>): string {
  return `{${Object.entries(event).map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}`;
}

test('a message in the original generator\'s exact format ingests unchanged', async () => {
  const event = {
    event_id: 'c7a1f0de-5b8e-4d2a-9f3c-1e2d3c4b5a69', event_type: 'sale', event_time: '2024-03-08 09:15:42',
    product_id: 17, product_name: 'Синий чайник', category: 'Бытовая техника', quantity: 2, price: 4599.9,
    discount: 0.1, total: 8279.82, store_id: 3, cashier_id: 11, customer_id: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
  };
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-test', log: createLogger('test') });
  await producer.send([{ topic: `${prefix}sales`, value: pythonJson(event) }]);
  await producer.close();
  const row = await pollUntil('the seed-format sale', async () => {
    const [found] = await (await client.query({ query: 'SELECT *, toString(event_time) AS t FROM sales WHERE event_id = {id:UUID}', query_params: { id: event.event_id }, format: 'JSONEachRow' })).json<Record<string, unknown>>();
    return found;
  }, 60_000);
  assert.equal(row.t, '2024-03-08 09:15:42');
  assert.equal(row.product_name, 'Синий чайник');
  assert.equal(Number(row.price), 4599.9);
  assert.equal(Number(row.total), 8279.82);
});

test('bad messages land in the dead-letter table while good ones keep flowing', async () => {
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-test', log: createLogger('test') });
  const good = seedSource(77).next().event;
  const notJson = 'this is not json {';
  const wrongType = pythonJson({ ...seedSource(78).next().event, quantity: 'many' });
  const movements = seedSource(79);
  let movement = movements.next();
  while (movement.stream.name !== 'warehouse') movement = movements.next();
  const outOfRange = { ...movement.event, warehouse: 'Луна' };
  await producer.send([
    { topic: `${prefix}warehouse`, value: notJson },
    { topic: `${prefix}warehouse`, value: JSON.stringify(outOfRange) },
    { topic: `${prefix}sales`, value: wrongType },
    { topic: `${prefix}${good.event_type === 'sale' ? 'sales' : 'warehouse'}`, value: JSON.stringify(good) },
  ]);
  await producer.close();
  await pollUntil('the good event', async () => ((await scalar(client, 'SELECT (SELECT count() FROM sales WHERE event_id = {id:UUID}) + (SELECT count() FROM stock_movements WHERE event_id = {id:UUID})', { id: good.event_id })) === 1 ? true : undefined), 60_000);
  const letters = await pollUntil('three dead letters', async () => {
    const rows = await (await client.query({ query: "SELECT raw, error, topic FROM merge(currentDatabase(), '_dead_letter$') ORDER BY topic, offset", format: 'JSONEachRow' })).json<{ raw: string; error: string; topic: string }>();
    return rows.length >= 3 ? rows : undefined;
  }, 60_000);
  assert.equal(letters.length, 3);
  const unparsable = letters.find((l) => l.raw === notJson);
  assert.ok(unparsable, 'the raw bytes of an unparsable message are kept');
  assert.ok(unparsable.error.length > 0);
  const typed = letters.find((l) => l.topic === `${prefix}sales`);
  assert.equal(typed?.raw, wrongType, 'a value of the wrong type is a parse error: its raw message is kept');
  if (features.decodeInViews) assert.equal(typed?.error, 'quantity: expected whole number 1..1000, got the string "many"', 'decoded in the view, a value of the wrong type names its field and what it found');
  const checked = letters.find((l) => l.error.includes('warehouse: expected one of'));
  assert.ok(checked, `a value out of range names the field: ${JSON.stringify(letters)}`);
});
