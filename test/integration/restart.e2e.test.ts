import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliProcess, runCli, startClickHouseProcess } from '../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../support/env.js';
import { freePort } from '../support/ports.js';
import { pollUntil } from '../support/wait.js';
import { onCleanup } from '../support/cleanup.js';

const { kafka } = services();

const startClickHouse = startClickHouseProcess;

test('restarting the clickhouse service mid-stream continues from committed offsets and loses nothing', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-restart-'));
  onCleanup(t, () => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prefix = `${uniqueName('restart')}_`;
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url, KCH_TOPIC_PREFIX: prefix };

  let server = await startClickHouse(dataDir, port);
  onCleanup(t, () => server.stop());
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);

  const count = 8000;
  const generator = new CliProcess(['generate', '--count', String(count), '--rate', '1000', '--seed', '5'], env);
  onCleanup(t, () => generator.stop());
  const client = clickhouse(url);
  await pollUntil('the first rows', async () => ((await scalar(client, 'SELECT count() FROM sales')) > 500 ? true : undefined), 60_000);
  await client.close();

  assert.equal(await server.stop('SIGTERM'), 0, server.output);
  assert.match(server.output, /detached Kafka table/);
  server = await startClickHouse(dataDir, port);

  assert.equal(await generator.exited, 0, generator.output);
  assert.match(generator.output, new RegExp(`generated ${count} events acknowledged`));
  const again = clickhouse(url);
  const total = await pollUntil('every event after the restart', async () => {
    const n = await scalar(again, 'SELECT uniqExact(event_id) FROM (SELECT event_id FROM sales UNION ALL SELECT event_id FROM stock_movements)');
    return n >= count ? n : undefined;
  }, 120_000);
  assert.equal(total, count, 'no event lost');
  const rows = await scalar(again, 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements)');
  assert.equal(rows, count, 'a clean stop commits exactly what was written: no duplicates');
  await again.close();
});
