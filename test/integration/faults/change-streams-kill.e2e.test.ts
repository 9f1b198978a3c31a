/**
 * kill -9 of ClickHouse while an upsert stream's changes flow, through both transports at once:
 * a Debezium stream on the Kafka engine and one through `kch sink`, under `kch up`. Changes
 * delivered twice around the kill carry their source version, so the live rows must still equal the
 * source's state, row for row.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { onCleanup } from '../../support/cleanup.js';
import { debeziumMessages, workload } from '../../support/changes.js';
import { services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { startUp, summary } from './fixture.js';

const { kafka } = services();

const config = `import { defineConfig, defineStream, field } from 'kafka-clickhouse-pipeline';
const fields = {
  id: field.int('Int32'),
  name: field.text(64).optional(),
  qty: field.int('Int32').optional(),
  price: field.decimal({ precision: 12, scale: 2, min: 0, max: 9999999999.99 }).optional(),
};
export default defineConfig({
  streams: [
    defineStream({ name: 'items_engine', fields, key: ['id'], envelope: 'debezium' }),
    defineStream({ name: 'items_sink', fields, key: ['id'], envelope: 'debezium', ingest: 'sink' }),
  ],
});
`;

test('kill -9 of ClickHouse during an upsert workload: both transports\' live rows equal the source\'s state', async (t) => {
  const prefix = `${uniqueName('cskill')}_`;
  const folder = await mkdtemp(join(tmpdir(), 'kch-cskill-'));
  onCleanup(t, () => rm(folder, { recursive: true, force: true }));
  const configPath = join(folder, 'kch.config.ts');
  await writeFile(configPath, config);
  const stack = await startUp('cskill', { args: ['--no-generate', '--partitions', '2'], externalKafka: kafka, env: { KCH_TOPIC_PREFIX: prefix, KCH_CONFIG: configPath } });
  onCleanup(t, () => stack.stop());
  await stack.waitFor(/sink +pid \d+/, 120_000);
  const client = stack.client();

  const producer = new Kafka({ brokers: [kafka], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  onCleanup(t, () => producer.disconnect());
  const { changes, final } = workload(11, 8000, 500);
  const { messages } = debeziumMessages(changes, 5_000);
  const send = async (from: number, to: number): Promise<void> => {
    for (let at = from; at < to; at += 250) {
      const batch = messages.slice(at, Math.min(at + 250, to));
      await producer.send({ topic: `${prefix}items_engine`, messages: batch });
      await producer.send({ topic: `${prefix}items_sink`, messages: batch });
    }
  };
  const half = Math.floor(messages.length / 2);
  await send(0, half);
  // Killed while the first half is still arriving in both tables.
  await pollUntil('changes arriving in both tables', async () => {
    const [row] = await (await client.query({ query: `SELECT (SELECT count() FROM items_engine) AS e, (SELECT count() FROM items_sink) AS s`, format: 'JSONEachRow' })).json<{ e: string; s: string }>();
    return Number(row?.e) > 0 && Number(row?.s) > 0 ? true : undefined;
  }, 60_000, 100).catch(() => undefined);
  const mark = stack.up.output.length;
  process.kill(stack.servicePid('clickhouse')!, 'SIGKILL');
  await send(half, messages.length);
  await stack.waitFor(/clickhouse killed by SIGKILL; restarting/, 10_000, mark);
  await stack.waitFor(/clickhouse ready on /, 60_000, mark);

  const expected = [...final.values()].sort((a, b) => a.id - b.id).map((r) => [r.id, r.name, r.qty, r.price]);
  for (const table of ['items_engine', 'items_sink']) {
    const rows = await pollUntil(`${table}: the live rows of the source's ${final.size} keys`, async () => {
      const now = await (await client.query({
        query: `SELECT id, name, qty, if(isNull(price), NULL, toDecimalString(price, 2)) AS price FROM ${table} FINAL ORDER BY id`,
        format: 'JSONCompactEachRow',
      })).json<unknown[]>().catch(() => undefined);
      return now !== undefined && JSON.stringify(now) === JSON.stringify(expected) ? now : undefined;
    }, 180_000, 1000).catch(async (error: Error) => {
      const found = await (await client.query({ query: `SELECT count() AS n FROM ${table} FINAL`, format: 'JSONEachRow' })).json<{ n: string }>().catch(() => []);
      throw new Error(`${error.message}; found ${JSON.stringify(found)} live rows; kch up said:\n${stack.up.output.slice(-3000)}`);
    });
    assert.equal(rows.length, final.size);
  }
  const [stored] = await (await client.query({ query: `SELECT (SELECT count() FROM items_engine) AS e, (SELECT count() FROM items_sink) AS s`, format: 'JSONEachRow' })).json<{ e: string; s: string }>();
  summary('upsert streams, clickhouse kill -9', { changes: changes.length, 'live keys': final.size, 'engine rows stored (before merges)': stored?.e ?? '?', 'sink rows stored': stored?.s ?? '?' });
});
