import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedSource } from '../../support/seed.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { resolveStream } from '../../../src/pipeline/resolve.js';
import { applyEvolution, planEvolution } from '../../../src/ops/evolve.js';
import { field } from '../../../src/pipeline/field.js';
import { defineStream, type Fields, type StreamDefinition } from '../../../src/pipeline/stream.js';
import { sales } from '../../../src/pipeline/streams/index.js';
import { CliProcess, runCli } from '../../support/cli.js';
import { services } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { numbers, testPipeline } from './support.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();
const p = testPipeline('evolve', kafka, clickhouseUrl);

before(async () => {
  const migrated = await runCli(['migrate'], p.env);
  assert.equal(migrated.code, 0, migrated.stderr);
});
after(async () => {
  await p.drop();
});

/** The sales definition with other fields: what a changed src/pipeline/streams/sales.ts would be. */
function salesWith(fields: Fields): StreamDefinition {
  return defineStream({
    name: sales.name, topic: sales.topic, consumerGroup: sales.consumerGroup, kafkaTable: sales.kafkaTable,
    target: sales.target, view: sales.view, description: sales.description, partitionBy: sales.partitionBy,
    fields, orderBy: sales.orderBy, projections: sales.projections,
  });
}

const channels = ['store', 'online'] as const;
const evolved = salesWith({ ...sales.fields, channel: field.oneOf(channels).withDefault('store') });

test('adding a field to sales while the generator runs loses and repeats nothing; old events get the default', async (t) => {
  const count = 12_000;
  const generator = new CliProcess(['generate', '--count', String(count), '--rate', '800', '--seed', '9001'], p.env);
  onCleanup(t, () => generator.stop());
  await pollUntil('sales arriving', async () => ((await numbers(p.client, 'SELECT count() FROM sales'))[0]! > 1000 ? true : undefined), 60_000);

  const ops = await p.ops();
  const objects = resolveStream(evolved, ops.target);
  const evolution = await planEvolution(ops, objects);
  assert.deepEqual(evolution.refused, []);
  assert.deepEqual(evolution.added.map((c) => c.name), ['channel']);
  const sql = evolution.steps.map((s) => s.sql);
  assert.equal(sql[0], `DETACH TABLE ${p.database}.sales_kafka PERMANENTLY`);
  assert.ok(sql.includes(`ALTER TABLE ${p.database}.sales ADD COLUMN channel LowCardinality(String) DEFAULT 'store' AFTER customer_id`), sql.join('\n'));
  assert.ok(sql.some((s) => s.startsWith(`CREATE OR REPLACE VIEW ${p.database}.sales_dedup`)), 'the deduplicated view is made again to show the new column');
  const kafkaTable = sql.findIndex((s) => /^CREATE TABLE .*\.sales_kafka\n[\s\S]*ENGINE = Kafka\(\)/.test(s));
  assert.match(sql[kafkaTable] ?? '', new RegExp(`kafka_group_name = '${p.prefix}clickhouse_sales_consumer'`), 'the same consumer group');
  if (ops.features.decodeInViews) {
    // The Null table between the decoding view and the two others gets the column; the decoding view, made last, starts consuming.
    assert.match(sql.find((s) => s.endsWith('ENGINE = Null')) ?? '', /channel LowCardinality\(String\)/);
    assert.equal(kafkaTable, sql.length - 2);
    assert.match(sql.at(-1)!, new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS ${p.database}\\.sales_decode_mv TO ${p.database}\\.sales_decoded`));
  } else {
    assert.match(sql.find((s) => s.endsWith('ENGINE = Null')) ?? '', /channel Nullable\(String\)/);
    assert.equal(kafkaTable, sql.length - 1, 'the Kafka table is made last, with both views in place');
  }

  const result = await applyEvolution(ops, objects, evolution, { waitMs: 60_000 });
  process.stdout.write(`# evolution: Kafka table and views made again in ${(result.pausedMs / 1000).toFixed(2)} s, consuming again after ${((result.consumingAfterMs ?? NaN) / 1000).toFixed(1)} s\n`);
  assert.ok(result.consumingAfterMs !== undefined);
  assert.equal(generator.child.exitCode, null, 'the generator was still running during the evolution');

  // Producers that know the field send it; those that do not (the generator) get the default.
  const source = seedSource(9002);
  const online: Record<string, unknown>[] = [];
  while (online.length < 50) {
    const { stream, event } = source.next();
    if (stream.name === 'sales') online.push({ ...event, channel: 'online' });
  }
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-test', log: createLogger('test') });
  await producer.send(online.map((event) => ({ topic: `${p.prefix}sales`, value: JSON.stringify(event) })));
  await producer.close();

  assert.equal(await generator.exited, 0, generator.output);
  const acked = /generated \d+ events acknowledged by Kafka \(([^)]*)\)/.exec(generator.output);
  assert.ok(acked, generator.output);
  const perTopic = Object.fromEntries(acked[1]!.split(', ').map((part) => { const [t, n] = part.split(' '); return [t!.replace(p.prefix, ''), Number(n)]; }));
  const expected = perTopic.sales! + online.length;
  await pollUntil('every sale', async () => ((await numbers(p.client, 'SELECT count() FROM sales'))[0]! >= expected ? true : undefined), 120_000);
  await pollUntil('both consumers caught up', async () => {
    const status = await runCli(['status', '--json', '--window', '0s'], p.env);
    return (JSON.parse(status.stdout) as { streams: { lag: number }[] }).streams.every((s) => s.lag === 0) ? true : undefined;
  }, 60_000);
  const [rows, ids, store, viaOnline, letters, stock, stockIds] = await numbers(p.client, `SELECT
    (SELECT count() FROM sales), (SELECT uniqExact(event_id) FROM sales),
    (SELECT countIf(channel = 'store') FROM sales), (SELECT countIf(channel = 'online') FROM sales),
    (SELECT count() FROM sales_dead_letter), (SELECT count() FROM stock_movements), (SELECT uniqExact(event_id) FROM stock_movements)`);
  assert.equal(rows, expected, 'no sale lost, none twice');
  assert.equal(ids, expected);
  assert.equal(store, perTopic.sales, 'events before and during the change, and from producers without the field, get the default');
  assert.equal(viaOnline, online.length, 'events with the field keep it');
  assert.equal(letters, 0);
  assert.equal(stock, perTopic.warehouse, 'the other stream was not touched');
  assert.equal(stockIds, stock);

  const [dedupOnline] = await numbers(p.client, "SELECT countIf(channel = 'online') FROM sales_dedup");
  assert.equal(dedupOnline, online.length, 'the deduplicated view shows the new column');
  const again = await planEvolution(ops, objects);
  assert.deepEqual(again.steps, [], `nothing left to evolve: ${again.reasons.join('; ')}`);
});

test('a field whose type changed is refused with the reason, and nothing is touched', async () => {
  const ops = await p.ops();
  const wider = salesWith({ ...evolved.fields, quantity: field.integer(1, 1_000_000, 'UInt64') });
  const evolution = await planEvolution(ops, resolveStream(wider, ops.target));
  assert.equal(evolution.steps.length, 0);
  assert.match(evolution.refused.join(' '), /sales\.quantity is UInt32, the definition wants UInt64: changing a column's type/);
  await assert.rejects(applyEvolution(ops, resolveStream(wider, ops.target), evolution), { code: 'KCH_USAGE' });
});

test('kch migrate --dry-run prints the evolution plan and --apply-drift carries it out', async () => {
  // The database now has sales.channel, which the real definition does not: its Kafka table and views differ.
  const dry = await runCli(['migrate', '--dry-run'], p.env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /-- evolve sales: /);
  assert.match(dry.stdout, /kept in the target \(no longer in the definition\): channel/);
  assert.match(dry.stdout, /DETACH TABLE \S+\.sales_kafka PERMANENTLY;/);
  assert.match(dry.stdout, /1 stream\(s\) kch migrate --apply-drift would evolve as above/);
  const [before] = await numbers(p.client, 'SELECT count() FROM sales');

  const applied = await runCli(['migrate', '--apply-drift'], p.env);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /evolved sales: Kafka table and views made again in \d+\.\d s; consuming again/);
  const generated = await runCli(['generate', '--count', '500', '--rate', 'max', '--seed', '9003'], p.env);
  assert.equal(generated.code, 0, generated.stderr);
  const sent = Number(/[(,] ?\S*sales (\d+)/.exec(generated.stdout)?.[1]);
  assert.ok(sent > 0, generated.stdout);
  await pollUntil('the new sales', async () => ((await numbers(p.client, 'SELECT count() FROM sales'))[0] === before! + sent ? true : undefined), 60_000);
  const [stored] = await numbers(p.client, "SELECT countIf(channel = 'store') FROM sales");
  assert.equal(stored, before! + sent - 50, 'the kept column takes its default for new rows');
});
