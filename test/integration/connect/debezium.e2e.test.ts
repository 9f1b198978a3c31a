/**
 * Change data from a real PostgreSQL through `kch connect` (a real Kafka Connect worker with
 * Debezium's PostgreSQL connector) into the harness's Kafka: the snapshot of the rows already
 * there, then an insert, an update and a delete with its tombstone, read back from the topic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectClient } from '../../../src/connect/rest.js';
import { sampleTopic, type SampledMessage } from '../../../src/init/sample.js';
import { CliProcess } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { postgresAvailable, startPostgres } from '../../support/postgres.js';
import { PollAbort, pollUntil } from '../../support/wait.js';

interface Change {
  readonly op: 'r' | 'c' | 'u' | 'd';
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly source: { readonly table: string; readonly lsn: number };
}

/** Debezium's message value with its schema: `{schema, payload}`; a tombstone has none. */
function changeOf(message: SampledMessage): Change | null {
  if (message.value === null) return null;
  return (JSON.parse(message.value.toString('utf8')) as { payload: Change }).payload;
}

/** NUMERIC as Debezium sends it by default (decimal.handling.mode=precise): base64 of the unscaled big-endian two's complement. */
function unscaled(base64: unknown): bigint {
  const bytes = Buffer.from(String(base64), 'base64');
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? value - (1n << BigInt(bytes.length * 8)) : value;
}

// Skipped on a machine without them, never in CI (.ci/run installs PostgreSQL): there it fails instead.
const skip = postgresAvailable() || process.env.CI ? false : 'PostgreSQL 15 (Debian\'s pg_createcluster) or root is missing here';

test('a PostgreSQL table\'s snapshot, insert, update and delete reach Kafka through kch connect and Debezium', { skip, timeout: 300_000 }, async (t) => {
  const { kafka } = services();
  const pg = await startPostgres(t);
  await pg.sql(`CREATE TABLE public.items (
    id integer PRIMARY KEY,
    name text NOT NULL,
    price numeric(10, 2),
    in_stock boolean NOT NULL DEFAULT true,
    added_at timestamptz NOT NULL DEFAULT '2026-12-07 10:00:00+00',
    attributes jsonb
  )`);
  await pg.sql(`INSERT INTO public.items (id, name, price, attributes) VALUES
    (1, 'kettle', 1234567.89, '{"colour": "red"}'),
    (2, 'teapot', -5.10, NULL)`);

  const dataDir = await mkdtemp(join(tmpdir(), 'kch-connect-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const prefix = `${uniqueName('cdc')}_`;
  const port = await freePort();
  const worker = new CliProcess(['connect', '--kafka-brokers', kafka, '--connect-port', String(port), '--topic-prefix', prefix], { KCH_DATA_DIR: dataDir });
  // After the data folder's removal was registered: run first, so the worker is gone before its folder.
  t.after(async () => { await worker.stop(); });
  await pollUntil('kch connect to be ready', async () => {
    if (worker.child.exitCode !== null) throw new PollAbort(`kch connect exited:\n${worker.output}`);
    return /connect ready on/.test(worker.output) ? true : undefined;
  }, 180_000);

  const client = new ConnectClient(`http://127.0.0.1:${port}`);
  const name = `${prefix}items`;
  const created = await client.putConfig(name, {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'plugin.name': 'pgoutput',
    'database.hostname': pg.host,
    'database.port': String(pg.port),
    'database.user': pg.user,
    'database.password': pg.password,
    'database.dbname': pg.database,
    'topic.prefix': `${prefix}pg`,
    'table.include.list': 'public.items',
    'slot.name': prefix.replace(/_$/, ''),
    'publication.autocreate.mode': 'filtered',
    'tasks.max': '1',
  });
  assert.equal(created.created, true);
  // Its replication slot ends with it; the cluster is dropped after anyway.
  t.after(async () => { await client.delete(name).catch(() => undefined); });
  assert.deepEqual(await client.list(), [name]);
  const status = await client.waitForRunning(name, { timeoutMs: 120_000 });
  assert.equal(status.tasks.length, 1);
  // A second PUT of the same name updates it in place.
  assert.equal((await client.putConfig(name, { ...(await client.config(name)), 'tasks.max': '1' })).created, false);

  const topic = `${prefix}pg.public.items`;
  // The snapshot is read before the stream starts: these come after both snapshot rows.
  await readAtLeast(kafka, topic, 2);
  await pg.sql(`INSERT INTO public.items (id, name, price, in_stock) VALUES (3, 'mug', 7.00, false)`);
  await pg.sql(`UPDATE public.items SET price = 1200000.00, attributes = '{"colour": "blue"}' WHERE id = 1`);
  await pg.sql(`DELETE FROM public.items WHERE id = 2`);

  const messages = await readAtLeast(kafka, topic, 6);
  const changes = messages.map(changeOf);
  assert.deepEqual(changes.map((c) => c?.op ?? 'tombstone'), ['r', 'r', 'c', 'u', 'd', 'tombstone']);
  const [first, second, inserted, updated, deleted] = changes as Change[];

  assert.equal(first!.after!.id, 1);
  assert.equal(first!.after!.name, 'kettle');
  assert.equal(unscaled(first!.after!.price), 123456789n);
  assert.equal(first!.after!.in_stock, true);
  // timestamptz: an ISO string in UTC (io.debezium.time.ZonedTimestamp).
  assert.equal(first!.after!.added_at, '2026-12-07T10:00:00.000000Z');
  // jsonb: its text (io.debezium.data.Json).
  assert.deepEqual(JSON.parse(String(first!.after!.attributes)), { colour: 'red' });
  assert.equal(first!.source.table, 'items');
  assert.equal(unscaled(second!.after!.price), -510n);
  assert.equal(second!.after!.attributes, null);

  assert.equal(inserted!.before, null);
  assert.deepEqual({ id: inserted!.after!.id, name: inserted!.after!.name, in_stock: inserted!.after!.in_stock }, { id: 3, name: 'mug', in_stock: false });
  assert.equal(unscaled(inserted!.after!.price), 700n);

  // Without REPLICA IDENTITY FULL an update carries no before image, and its after in full.
  assert.equal(updated!.before, null);
  assert.equal(updated!.after!.id, 1);
  assert.equal(updated!.after!.name, 'kettle');
  assert.equal(unscaled(updated!.after!.price), 120000000n);
  assert.deepEqual(JSON.parse(String(updated!.after!.attributes)), { colour: 'blue' });

  // A delete's before holds the key (every column only with REPLICA IDENTITY FULL); then a tombstone for compaction.
  assert.equal(deleted!.after, null);
  assert.equal(deleted!.before!.id, 2);
  assert.ok(inserted!.source.lsn < updated!.source.lsn && updated!.source.lsn < deleted!.source.lsn, 'changes come in commit order');
});

/** The topic from its start once it holds at least `count` messages (polled: Debezium writes on its own time). */
async function readAtLeast(bootstrap: string, topic: string, count: number): Promise<readonly SampledMessage[]> {
  return pollUntil(`${count} messages in ${topic}`, async () => {
    const sample = await sampleTopic({ bootstrap, topic, size: 100, timeoutMs: 10_000 });
    return sample.messages.length >= count ? sample.messages : undefined;
  }, 60_000, 250);
}
