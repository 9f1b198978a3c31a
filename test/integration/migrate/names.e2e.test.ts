// Objects named after their stream (issue 26, point 6), on a real broker and ClickHouse: two
// streams read one topic, each with its own consumer group, Kafka table and target; migrating the
// second leaves the first as it was; a plan that would take over another stream's object is
// refused before any statement; a Kafka table an earlier kch named after its topic is renamed
// without a message lost or read twice.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { committedOffsets, ensureTopics } from '../../../src/kafka/admin.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import { existingTables } from '../../../src/clickhouse/system.js';
import { sourcesOnServer } from '../../../src/migrate/ownership.js';
import type { StatusReport } from '../../../src/health/model.js';
import { runCli } from '../../support/cli.js';
import { clickhouse, remoteClickHouseUrl, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();

/** A database, a folder and a ClickHouse client of the test's own, dropped after the file. */
async function place(t: TestContext, name: string): Promise<{ database: string; folder: string; client: ReturnType<typeof clickhouse>; env: NodeJS.ProcessEnv }> {
  const database = uniqueName(name);
  const folder = await mkdtemp(join(tmpdir(), `kch-${name}-`));
  const client = clickhouse(clickhouseUrl);
  onCleanup(t, async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    await rm(folder, { recursive: true, force: true });
  });
  return { database, folder, client, env: { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database } };
}

const payment = (i: number): string => JSON.stringify({ payment_id: randomUUID(), at: new Date(Date.UTC(2026, 11, 1, 8, 0, i)).toISOString(), cents: 100 + i });

async function produce(topic: string, values: readonly string[]): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
  const producer = createProducer({ bootstrap: kafka, clientId: 'names-test', log: createLogger('t', () => undefined) });
  try {
    await producer.send(values.map((value) => ({ topic, value })));
  } finally {
    await producer.close();
  }
}

const committed = async (group: string, topic: string): Promise<string> =>
  JSON.stringify([...((await committedOffsets(kafka, group, [topic])).get(topic) ?? new Map<number, bigint>())].map(([p, o]) => [p, String(o)]));

test('two streams on one topic: the second is added with kch init, migrated with --apply-drift, and both get every message, the first untouched', async (t) => {
  const { database, folder, client, env } = await place(t, 'names_shared');
  const topic = uniqueName('money');
  const second = `${topic}_2`;
  const config = join(folder, 'kch.config.ts');
  const count = async (table: string): Promise<number> => scalar(client, `SELECT count() FROM ${database}.${table}`);

  // 13 payments and 7 messages that are no JSON object: 13 rows and 7 dead letters.
  await produce(topic, [...Array.from({ length: 13 }, (_, i) => payment(i)), ...Array.from({ length: 7 }, (_, i) => `not json ${i}`)]);
  // --force: 7 of 20 would be dead letters, which init refuses to write unless told.
  const first = await runCli(['init', '--from-topic', topic, '--config', config, '--force'], env);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const migrated = await runCli(['migrate', '--config', config], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  await pollUntil('13 rows and 7 dead letters', async () => ((await count(topic)) >= 13 && (await count(`${topic}_dead_letter`)) >= 7 ? true : undefined), 90_000);
  const group = `clickhouse_${topic}_consumer`;
  await pollUntil('the first stream\'s offsets committed', async () => ((await committed(group, topic)) === '[[0,"20"]]' ? true : undefined), 30_000);

  const added = await runCli(['init', '--from-topic', topic, '--name', second, '--config', config, '--force'], env);
  assert.equal(added.code, 0, added.stderr + added.stdout);
  const evolved = await runCli(['migrate', '--apply-drift', '--config', config], env);
  assert.equal(evolved.code, 0, evolved.stderr + evolved.stdout);
  assert.doesNotMatch(evolved.stdout, new RegExp(`evolved ${topic}\\b`), 'the first stream is not evolved');

  await pollUntil('the second stream reads the topic from its start', async () => ((await count(second)) >= 13 && (await count(`${second}_dead_letter`)) >= 7 ? true : undefined), 90_000);
  assert.deepEqual([await count(second), await count(`${second}_dead_letter`)], [13, 7]);
  assert.deepEqual([await count(topic), await count(`${topic}_dead_letter`)], [13, 7], 'the first stream read nothing twice');
  assert.equal(await committed(group, topic), '[[0,"20"]]', 'the first stream\'s committed offsets are as they were');
  const kafkaTables = await client.query({ query: `SELECT name, create_table_query FROM system.tables WHERE database = '${database}' AND engine = 'Kafka'`, format: 'JSONEachRow' });
  const tables = await kafkaTables.json<{ name: string; create_table_query: string }>();
  const groups = Object.fromEntries(tables.map((t) => [t.name, /kafka_group_name = '([^']+)'/.exec(t.create_table_query)?.[1]]));
  assert.deepEqual(groups, { [`${topic}_kafka`]: group, [`${second}_kafka`]: `clickhouse_${second}_consumer` }, 'a Kafka table each, named after its stream, in its own group');

  // Both consume: 20 more messages reach both targets, once each.
  await produce(topic, Array.from({ length: 20 }, (_, i) => payment(100 + i)));
  await pollUntil('20 more rows in both targets', async () => ((await count(topic)) >= 33 && (await count(second)) >= 33 ? true : undefined), 90_000);
  assert.deepEqual([await count(topic), await count(second)], [33, 33]);
  const status = await runCli(['status', '--json', '--config', config, '--window', '1s'], env);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  const report = JSON.parse(status.stdout) as StatusReport;
  assert.deepEqual(report.streams.map((s) => [s.name, s.consumption, s.lag]), [[topic, 'consuming', 0], [second, 'consuming', 0]], 'each stream consuming the topic in its own group');
  const again = await runCli(['migrate', '--config', config], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
});

test('a plan that would take over another stream\'s Kafka table is refused before any statement, naming the table and both streams', async (t) => {
  const { database, folder, client, env } = await place(t, 'names_foreign');
  const topic = uniqueName('ledger');
  const mine = join(folder, 'kch.config.ts');
  const theirs = join(folder, 'other.config.ts');
  await produce(topic, Array.from({ length: 5 }, (_, i) => payment(i)));
  const fields = "fields: { payment_id: field.uuid(), at: field.timestamp({ precision: 3, timeZone: 'UTC' }), cents: field.int('UInt32') }";
  await writeFile(mine, `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';\nexport default defineConfig({ streams: [defineStream({ name: '${topic}', ${fields} })] });\n`);
  // Another pipeline file in the same database: its stream names the first one's Kafka table.
  await writeFile(theirs, `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';\nexport default defineConfig({ streams: [defineStream({ name: 'other_${topic}', topic: '${topic}', kafkaTable: '${topic}_kafka', ${fields} })] });\n`);
  const migrated = await runCli(['migrate', '--config', mine], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  await pollUntil('5 rows', async () => ((await scalar(client, `SELECT count() FROM ${database}.${topic}`)) >= 5 ? true : undefined), 90_000);
  const tablesBefore = await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}'`);

  for (const args of [['migrate', '--config', theirs], ['migrate', '--apply-drift', '--config', theirs]]) {
    const refused = await runCli(args, env);
    assert.notEqual(refused.code, 0, refused.stdout);
    const line = refused.stderr.trim().split('\n').pop()!;
    assert.match(line, new RegExp(`${database}\\.${topic}_kafka .*clickhouse_${topic}_consumer.*other_${topic}`), refused.stderr);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}'`), tablesBefore, 'nothing was made');
  const kafkaTable = await client.query({ query: `SELECT create_table_query AS q FROM system.tables WHERE database = '${database}' AND name = '${topic}_kafka'`, format: 'JSONEachRow' });
  assert.match((await kafkaTable.json<{ q: string }>())[0]!.q, new RegExp(`kafka_group_name = 'clickhouse_${topic}_consumer'`), 'the Kafka table is the first stream\'s still');
  await produce(topic, Array.from({ length: 4 }, (_, i) => payment(50 + i)));
  await pollUntil('the first stream still consuming', async () => ((await scalar(client, `SELECT count() FROM ${database}.${topic}`)) >= 9 ? true : undefined), 90_000);
  assert.equal(await scalar(client, `SELECT count() FROM ${database}.${topic}`), 9);
});

test('a Kafka table an earlier kch named after its topic is recognised and renamed by kch migrate, nothing lost or read twice', async (t) => {
  const { database, folder, client, env } = await place(t, 'names_upgrade');
  const topic = uniqueName('shop');
  const name = `orders_${topic}`;
  const legacy = `${topic}_kafka`;
  const config = join(folder, 'kch.config.ts');
  const write = (extra: string, more = ''): Promise<void> => writeFile(config, `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';\nexport default defineConfig({ streams: [defineStream({ name: '${name}', topic: '${topic}', ${extra}fields: { payment_id: field.uuid(), at: field.timestamp({ precision: 3, timeZone: 'UTC' }), cents: field.int('UInt32')${more} } })] });\n`);
  const rows = (): Promise<number[]> => Promise.all([
    scalar(client, `SELECT count() FROM ${database}.${name}`),
    scalar(client, `SELECT uniqExact(payment_id) FROM ${database}.${name}`),
  ]);
  const kafkaTables = async (): Promise<string[]> => (await (await client.query({ query: `SELECT name FROM system.tables WHERE database = '${database}' AND engine = 'Kafka' ORDER BY name`, format: 'JSONEachRow' })).json<{ name: string }>()).map((r) => r.name);

  // What an earlier kch made: the Kafka table named after the topic.
  await write(`kafkaTable: '${legacy}', `);
  await produce(topic, Array.from({ length: 10 }, (_, i) => payment(i)));
  const made = await runCli(['migrate', '--config', config], env);
  assert.equal(made.code, 0, made.stderr);
  await pollUntil('10 rows', async () => ((await rows())[0]! >= 10 ? true : undefined), 90_000);
  const group = `clickhouse_${name}_consumer`;
  await pollUntil('10 offsets committed', async () => ((await committed(group, topic)) === '[[0,"10"]]' ? true : undefined), 30_000);

  // This kch names it after the stream; a definition that also changed is refused without --apply-drift.
  await write('', ", note: field.text(16).optional()");
  const refused = await runCli(['migrate', '--config', config], env);
  assert.notEqual(refused.code, 0, refused.stdout);
  assert.match(refused.stderr.trim().split('\n').pop()!, new RegExp(`${database}\\.${legacy} .*${name}.*--apply-drift`));
  assert.deepEqual(await kafkaTables(), [legacy], 'nothing changed');

  await write('');
  const dry = await runCli(['migrate', '--dry-run', '--config', config], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`${database}\\.${legacy} .*${database}\\.${name}_kafka`));
  assert.deepEqual(await kafkaTables(), [legacy], 'a dry run changes nothing');
  const renamed = await runCli(['migrate', '--config', config], env);
  assert.equal(renamed.code, 0, renamed.stderr + renamed.stdout);
  assert.match(renamed.stdout, new RegExp(`renamed ${database}\\.${legacy} to ${database}\\.${name}_kafka`));
  assert.deepEqual(await kafkaTables(), [`${name}_kafka`], 'one Kafka table, named after the stream');

  await produce(topic, Array.from({ length: 5 }, (_, i) => payment(20 + i)));
  await pollUntil('15 rows', async () => ((await rows())[0]! >= 15 ? true : undefined), 90_000);
  assert.deepEqual(await rows(), [15, 15], 'nothing read twice, nothing lost');
  await pollUntil('15 offsets committed by the same group', async () => ((await committed(group, topic)) === '[[0,"15"]]' ? true : undefined), 30_000);
  const again = await runCli(['migrate', '--config', config], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
});

/**
 * The seed's pipeline of one topic prefix, then another prefix's in the same database: the second
 * would take over the first's objects, and is refused. The server's own CREATE texts are read, so
 * the check is proved on the server's formatting (18.16's too).
 */
async function sideBySide(t: TestContext, url: string): Promise<void> {
  const database = uniqueName('names_prefix');
  const client = clickhouse(url);
  onCleanup(t, async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  const env = (prefix: string): NodeJS.ProcessEnv => ({ KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix });
  const first = `${database}_a_`;
  const made = await runCli(['migrate'], env(first));
  assert.equal(made.code, 0, made.stderr);

  const tables = await existingTables(client, database);
  const sourcesOf = sourcesOnServer(tables, database);
  for (const name of tables.keys()) {
    assert.deepEqual([...sourcesOf(name)], [name.startsWith('sales') ? 'sales_kafka' : 'warehouse_kafka'], `${name} is reached from its stream's Kafka table`);
  }

  const before = await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}'`);
  const second = `${database}_b_`;
  const refused = await runCli(['migrate', '--apply-drift'], env(second));
  assert.notEqual(refused.code, 0, refused.stdout);
  assert.equal(refused.stderr.trim().split('\n').pop(), `kch migrate: ${database}.sales (its messages come from ${database}.sales_kafka) belongs to consumer group ${first}clickhouse_sales_consumer (topic ${first}sales), which no stream of this pipeline has, not to stream sales (consumer group ${second}clickhouse_sales_consumer): nothing was changed; give stream sales another name for it (or drop ${database}.sales if nothing uses it)`);
  assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}'`), before, 'nothing made');
  const group = await client.query({ query: `SELECT create_table_query AS q FROM system.tables WHERE database = '${database}' AND name = 'sales_kafka'`, format: 'JSONEachRow' });
  assert.match((await group.json<{ q: string }>())[0]!.q, new RegExp(`kafka_group_name = '${first}clickhouse_sales_consumer'`));
}

test('a second topic prefix in the same database is refused: its plan would take over the first prefix\'s objects', async (t) => {
  await sideBySide(t, clickhouseUrl);
});

test('the same on ClickHouse 18.16, whose CREATE texts are its own', async (t) => {
  const url = remoteClickHouseUrl();
  if (!url) {
    if (process.env.CI) assert.fail('CI must run the remote-server tests: Debian clickhouse-server was not started');
    return t.skip('Debian clickhouse-server is not installed (apt-get install clickhouse-server)');
  }
  await sideBySide(t, url);
});
