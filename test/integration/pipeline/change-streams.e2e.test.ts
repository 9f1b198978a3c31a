/**
 * Upsert streams end to end on the shared broker and embedded ClickHouse: changes in Debezium's
 * JSON (its row-change format, written here by the test; the real connector's is proven in
 * test/integration/connect/ and test/integration/cdc/) through the Kafka engine and through
 * `kch sink`, and a keyed JSON topic whose tombstones delete (the sink's: the engine skips them).
 * Thousands of random inserts, updates and deletes over a few hundred keys, partitioned by key;
 * the target's live rows (`FINAL`) must equal the state the test worked out, with bad changes as
 * dead letters and the streams flowing on.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { CliProcess, runCli } from '../../support/cli.js';
import { onCleanup } from '../../support/cleanup.js';
import { clickhouse, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { asJson, debeziumMessages, workload, type Row } from '../../support/changes.js';

const { kafka, clickhouseUrl } = services();

const config = (extra = ''): string => `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';
const base = {
  id: field.int('Int32'),
  name: field.text(64).optional(),
  qty: field.int('Int32').optional(),
  price: field.decimal({ precision: 12, scale: 2, min: 0, max: 9999999999.99 }).optional(),
};
const fields = { ...base,${extra} };
export default defineConfig({
  streams: [
    defineStream({ name: 'items_engine', fields, key: ['id'], envelope: 'debezium' }),
    defineStream({ name: 'items_sink', fields: base, key: ['id'], envelope: 'debezium', ingest: 'sink' }),
    defineStream({ name: 'profiles', fields: base, key: ['id'] }),
  ],
});
`;

test('upsert streams: Debezium changes through the engine and the sink, a keyed topic with tombstones: live rows equal the source\'s state', async (t) => {
  const database = uniqueName('changes');
  const prefix = `${database}_`;
  const folder = await mkdtemp(join(tmpdir(), 'kch-changes-'));
  onCleanup(t, () => rm(folder, { recursive: true, force: true }));
  const configPath = join(folder, 'kch.config.ts');
  await writeFile(configPath, config());
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix, KCH_CONFIG: configPath };
  const client = clickhouse(clickhouseUrl, 'default');
  onCleanup(t, async () => { await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }); await client.close(); });

  const migrated = await runCli(['migrate', '--partitions', '2'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  // Made-up changes would land as the source's rows: the generator writes none.
  const generated = await runCli(['generate', '--count', '10'], env);
  assert.equal(generated.code, 0, generated.stderr);
  assert.match(generated.stdout, /nothing to generate: every stream is an upsert stream/);
  assert.match(generated.stderr, /items_engine is an upsert stream: its changes come from its source/);
  const sink = new CliProcess(['sink'], env);
  onCleanup(t, () => sink.stop());

  const producer = new Kafka({ brokers: [kafka], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  onCleanup(t, () => producer.disconnect());

  const { changes, final } = workload(7, 4000, 300);
  // Every change twice: Debezium's form (schema-wrapped one time in five, a tombstone after each
  // delete) for both Debezium streams, and the plain row (a tombstone for a delete) for the keyed one.
  const { messages: debezium, lastLsn } = debeziumMessages(changes, 1_000);
  let lsn = lastLsn;
  const keyed = changes.map(({ op, row }) => ({ key: String(row.id), value: op === 'd' ? null : JSON.stringify(asJson(row)) }));
  // Bad changes, each a dead letter with its reason, or (a tombstone of a key never seen) nothing at all.
  const bad = [
    { key: '{"id":9001}', value: JSON.stringify({ before: null, after: { id: 9001, name: 'x', qty: 1, price: 1, colour: 'red' }, source: { lsn: 1 }, op: 'c' }), reason: /unknown field: colour/ },
    { key: '{"id":9002}', value: JSON.stringify({ before: null, after: { id: 9002, name: 'x', qty: 'many', price: 1 }, source: { lsn: 1 }, op: 'c' }), reason: /qty: expected whole number .* got the string "many"/ },
    { key: '{"id":9003}', value: JSON.stringify({ payload: 'nonsense' }), reason: /not a Debezium change: no "op"/ },
    { key: null, value: JSON.stringify({ op: 't', source: { lsn: 2 } }), reason: /op "t" is not a row change/ },
  ];
  for (let at = 0; at < debezium.length; at += 500) {
    const messages = debezium.slice(at, at + 500);
    await producer.send({ topic: `${prefix}items_engine`, messages });
    await producer.send({ topic: `${prefix}items_sink`, messages });
  }
  for (const topic of [`${prefix}items_engine`, `${prefix}items_sink`]) await producer.send({ topic, messages: bad.map(({ key, value }) => ({ key, value })) });
  await producer.send({ topic: `${prefix}profiles`, messages: [...keyed, { key: '424242', value: null }, { key: null, value: null }] });
  // The streams flow on after the bad changes: one more insert each.
  const last: Row = { id: 301, name: 'after the bad ones', qty: 1, price: '0.01' };
  final.set(last.id, last);
  lsn += 8;
  const lastDebezium = { key: '{"id":301}', value: JSON.stringify({ before: null, after: asJson(last), source: { lsn }, op: 'c' }) };
  await producer.send({ topic: `${prefix}items_engine`, messages: [lastDebezium] });
  await producer.send({ topic: `${prefix}items_sink`, messages: [lastDebezium] });
  await producer.send({ topic: `${prefix}profiles`, messages: [{ key: '301', value: JSON.stringify(asJson(last)) }] });

  const expected = [...final.values()].sort((a, b) => a.id - b.id).map((r) => [r.id, r.name, r.qty, r.price]);
  const liveRows = async (table: string): Promise<unknown[][]> => (await client.query({
    query: `SELECT id, name, qty, if(isNull(price), NULL, toDecimalString(price, 2)) AS price FROM ${database}.${table} FINAL ORDER BY id`,
    format: 'JSONCompactEachRow',
  })).json<unknown[]>();
  for (const table of ['items_engine', 'items_sink', 'profiles']) {
    const rows = await pollUntil(`${table}: the live rows of ${final.size} keys, 301 among them`, async () => {
      const now = await liveRows(table);
      return now.length === final.size && now.some((r) => r[0] === 301) ? now : undefined;
    }, 120_000, 500).catch((error: Error) => { throw new Error(`${error.message}; the sink said:\n${sink.output}`); });
    const differing = expected.filter((row, i) => JSON.stringify(row) !== JSON.stringify(rows[i])).slice(0, 5);
    assert.deepEqual(differing, [], `${table}: live rows equal the source's final state; first differing (expected, then found): ${JSON.stringify(differing.map((row) => [row, rows.find((r) => r[0] === row[0])]))}`);
  }
  assert.ok(changes.filter((c) => c.op === 'd').length >= changes.length / 10, 'at least 10 % deletes');

  // Bad changes are dead letters with their reasons, in both Debezium streams; a tombstone is none.
  for (const table of ['items_engine', 'items_sink']) {
    const letters = await (await client.query({ query: `SELECT error FROM ${database}.${table}_dead_letter`, format: 'JSONEachRow' })).json<{ error: string }>();
    assert.equal(letters.length, bad.length, `${table}: ${JSON.stringify(letters)}`);
    // Two partitions: their offsets interleave, so each reason is looked for among them all.
    for (const b of bad) assert.ok(letters.some((l) => b.reason.test(l.error)), `${table}: no dead letter says ${b.reason}: ${JSON.stringify(letters)}`);
  }
  // A tombstone of a key never seen deletes nothing visible; one without a key is a dead letter.
  const profileLetters = await (await client.query({ query: `SELECT error FROM ${database}.profiles_dead_letter`, format: 'JSONEachRow' })).json<{ error: string }>();
  assert.deepEqual(profileLetters.map((l) => l.error), ['a tombstone (no value) without a key: no row to delete']);

  // Operations on upsert streams. Pause: a change waits in Kafka; resume: it lands.
  const paused = await runCli(['pause', 'items_engine'], env);
  assert.equal(paused.code, 0, paused.stderr);
  lsn += 8;
  final.set(1, { id: 1, name: 'while paused', qty: 2, price: '2.00' });
  await producer.send({ topic: `${prefix}items_engine`, messages: [{ key: '{"id":1}', value: JSON.stringify({ before: null, after: asJson(final.get(1)!), source: { lsn }, op: 'u' }) }] });
  const resumed = await runCli(['resume', 'items_engine'], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  await pollUntil('the change made while paused', async () => ((await liveRows('items_engine')).find((r) => r[0] === 1)?.[1] === 'while paused' ? true : undefined), 60_000, 250);
  // A dead letter replayed keeps its source version: a change of the past stays in the past.
  const replay = await runCli(['dlq', 'replay', 'items_engine'], env);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout + replay.stderr, /4 dead letter|replayed 4|sent 4/);
  // The offset-ordered stream refuses: a replayed change would overwrite its key's later ones.
  const refused = await runCli(['dlq', 'replay', 'profiles'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /orders a key's changes by their Kafka offset/);
  // A column added at the source (Debezium sends it): drift names it; --apply-drift adds it.
  await writeFile(configPath, config(`\n  colour: field.text(16).optional(),`));
  const drift = await runCli(['migrate', '--dry-run'], env);
  assert.match(drift.stdout + drift.stderr, /colour/);
  const applied = await runCli(['migrate', '--apply-drift'], env);
  assert.equal(applied.code, 0, applied.stderr);
  lsn += 8;
  const painted = { ...asJson(final.get(1)!), colour: 'red' };
  await producer.send({ topic: `${prefix}items_engine`, messages: [{ key: '{"id":1}', value: JSON.stringify({ before: null, after: painted, source: { lsn }, op: 'u' }) }] });
  await pollUntil('the new column filled', async () => {
    const [row] = await (await client.query({ query: `SELECT colour FROM ${database}.items_engine FINAL WHERE id = 1`, format: 'JSONEachRow' })).json<{ colour: string | null }>();
    return row?.colour === 'red' ? true : undefined;
  }, 60_000, 250);
  assert.deepEqual((await liveRows('items_engine')).length, final.size, 'the replayed dead letters and the new column change no other row');

  // kch status counts live rows.
  const status = await runCli(['status', '--json'], env);
  const report = JSON.parse(status.stdout) as { streams: { name: string; rows: number | null }[] };
  for (const name of ['items_engine', 'items_sink', 'profiles']) {
    assert.equal(report.streams.find((s) => s.name === name)?.rows, final.size, `${name}'s rows in kch status: ${status.stdout}`);
  }
});
