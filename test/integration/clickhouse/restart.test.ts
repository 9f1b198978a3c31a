/**
 * Stopping and starting the embedded server on the same data folder, each start in a process of
 * its own (see fixtures/serve.ts for why). Tables, their data, views and Kafka tables must be back
 * without a manual ATTACH; the folder must be refused to a second process while one serves it.
 *
 * With a broker (KCH_TEST_KAFKA_BROKERS=host:port, or KCH_TEST_KAFKA as `npm test` sets it; topic
 * auto-creation on), a further test checks consumption across a restart: rows consumed before the
 * stop are not consumed again (offsets were committed) and rows produced after it arrive (the
 * Kafka table consumes again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { LOCK_FILE } from '../../../src/clickhouse/embedded/data-dir.js';
import { startEmbeddedClickHouse } from '../../../src/clickhouse/embedded/server.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { createLogger } from '../../../src/output/log.js';
import { serve } from './fixtures/served.js';
import { pollUntil } from '../../support/wait.js';

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** `read()` once `done` says so; the timeout names the last value read. */
function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  return pollUntil(what, async () => {
    const value = await read();
    if (done(value)) return value;
    throw new Error(`still ${JSON.stringify(value)}`);
  }, ms);
}

test('after a restart on the same folder, tables, data, views and Kafka tables are back', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kch-clickhouse-restart-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'clickhouse');

  const first = await serve(dataDir);
  const c1 = first.client;
  await c1.command({ query: 'CREATE DATABASE app' });
  await c1.command({ query: 'CREATE TABLE app.events (id UInt64, v String) ENGINE = MergeTree ORDER BY id' });
  // No broker listens on port 9: the table attaches and its consumer keeps retrying, harmlessly.
  await c1.command({ query: "CREATE TABLE app.events_queue (id UInt64, v String) ENGINE = Kafka SETTINGS kafka_broker_list = '127.0.0.1:9', kafka_topic_list = 'events', kafka_group_name = 'kch-test', kafka_format = 'JSONEachRow'" });
  await c1.command({ query: 'CREATE MATERIALIZED VIEW app.events_mv TO app.events AS SELECT id, v FROM app.events_queue' });
  await c1.command({ query: 'CREATE VIEW app.events_count AS SELECT count() AS c FROM app.events' });
  await c1.insert({ table: 'app.events', values: [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }], format: 'JSONEachRow' });

  await assert.rejects(
    startEmbeddedClickHouse({ dataDir, host: '127.0.0.1', port: 0, user: 'default', password: '', maxMemory: '1G', log: createLogger('t', () => {}) }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.DATA_DIR_LOCKED && error.message.includes(`pid ${first.pid}`),
  );

  const stopStarted = performance.now();
  assert.equal(await first.stop(), 0);
  process.stderr.write(`# stop with one Kafka table took ${Math.round(performance.now() - stopStarted)} ms (process exit included)\n`);
  assert.equal(existsSync(join(dataDir, LOCK_FILE)), false, 'the lock file is removed on a clean stop');

  const second = await serve(dataDir);
  t.after(() => second.stop());
  const c2 = second.client;
  const tables = await rows<{ name: string; engine: string }>(c2, "SELECT name, engine FROM system.tables WHERE database = 'app' ORDER BY name");
  assert.deepEqual(tables, [
    { name: 'events', engine: 'MergeTree' },
    { name: 'events_count', engine: 'View' },
    { name: 'events_mv', engine: 'MaterializedView' },
    { name: 'events_queue', engine: 'Kafka' },
  ]);
  assert.deepEqual(await rows(c2, 'SELECT id, v FROM app.events ORDER BY id'), [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
  assert.equal(Number((await rows<{ c: string }>(c2, 'SELECT c FROM app.events_count'))[0]?.c), 3);
  // Attached and consuming again: ClickHouse lists a consumer for it once its stream starts.
  await eventually('Kafka consumers of app.events_queue',
    async () => Number((await rows<{ n: string }>(c2, "SELECT count() AS n FROM system.kafka_consumers WHERE database = 'app' AND table = 'events_queue'"))[0]?.n),
    (n) => n > 0);
});

test('a lock left by a process that died is taken over', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kch-clickhouse-stale-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'clickhouse');
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.once('exit', resolve));
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, LOCK_FILE), `${JSON.stringify({ pid: dead.pid, host: hostname() })}\n`);
  const served = await serve(dataDir);
  assert.deepEqual(await rows(served.client, 'SELECT 1 AS one'), [{ one: 1 }]);
  assert.equal(await served.stop(), 0);
});

const brokers = process.env.KCH_TEST_KAFKA_BROKERS || process.env.KCH_TEST_KAFKA;

test('Kafka tables consume again after a restart, from the committed offsets', { skip: brokers ? false : 'no broker: set KCH_TEST_KAFKA_BROKERS=host:port (npm test sets KCH_TEST_KAFKA)' }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kch-clickhouse-kafka-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'clickhouse');
  const topic = `kch-clickhouse-test-${process.pid}-${Date.now()}`;
  const kafka = (group: string): string =>
    `ENGINE = Kafka SETTINGS kafka_broker_list = '${brokers}', kafka_topic_list = '${topic}', kafka_group_name = '${group}', kafka_format = 'JSONEachRow'`;
  const produce = async (client: ClickHouseClient, from: number, count: number): Promise<void> => {
    // Inserting into a Kafka table produces messages: no Kafka client needed here.
    await client.insert({ table: 'app.producer', values: Array.from({ length: count }, (_, i) => ({ id: from + i })), format: 'JSONEachRow' });
  };
  const count = async (client: ClickHouseClient): Promise<{ c: number; u: number }> => {
    const [row] = await rows<{ c: string; u: string }>(client, 'SELECT count() AS c, uniqExact(id) AS u FROM app.events');
    return { c: Number(row?.c), u: Number(row?.u) };
  };

  const first = await serve(dataDir);
  await first.client.command({ query: 'CREATE DATABASE app' });
  await first.client.command({ query: 'CREATE TABLE app.events (id UInt64) ENGINE = MergeTree ORDER BY id' });
  await first.client.command({ query: `CREATE TABLE app.producer (id UInt64) ${kafka('kch-test-producer')}` });
  await first.client.command({ query: `CREATE TABLE app.queue (id UInt64) ${kafka('kch-test-consumer')}` });
  await first.client.command({ query: 'CREATE MATERIALIZED VIEW app.mv TO app.events AS SELECT id FROM app.queue' });
  await produce(first.client, 0, 100);
  await eventually('rows consumed before the restart', () => count(first.client), (n) => n.c >= 100, 60_000);
  assert.equal(await first.stop(), 0);

  const second = await serve(dataDir);
  t.after(() => second.stop());
  await produce(second.client, 100, 50);
  const after = await eventually('rows consumed after the restart', () => count(second.client), (n) => n.c >= 150, 60_000);
  // Give a re-delivery (offsets not committed) time to show, then check there was none.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.deepEqual(await count(second.client), { c: 150, u: 150 });
  assert.deepEqual(after, { c: 150, u: 150 });
});
