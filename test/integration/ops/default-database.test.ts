/**
 * The newcomer's path: `kch clickhouse` as `npm start` runs it, the pipeline in its `default`
 * database (an Overlay in chdb, which has no DETACH … PERMANENTLY), and every operation on it —
 * pause, a restart while paused, migrate, replay, migrate --apply-drift, resume — losing and
 * repeating nothing. A server of its own, so it can be restarted; the shared Kafka broker.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StatusReport } from '../../../src/health/model.js';
import { runCli, startClickHouseProcess } from '../../support/cli.js';
import { clickhouse, services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { numbers } from './support.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka } = services();

const startClickHouse = startClickHouseProcess;

test('on the embedded server\'s default database, pause survives a restart and migrate; replay, --apply-drift and resume lose and repeat nothing', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-default-db-'));
  onCleanup(t, () => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prefix = `${uniqueName('defaultdb')}_`;
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url, KCH_TOPIC_PREFIX: prefix };
  let server = await startClickHouse(dataDir, port);
  onCleanup(t, () => server.stop());
  const client = clickhouse(url);
  onCleanup(t, () => client.close());
  const engine = await numbers(client, "SELECT engine = 'Overlay' FROM system.databases WHERE name = 'default'");
  assert.deepEqual(engine, [1], 'the embedded server\'s default database is the Overlay this test is about');

  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const counts = (): Promise<number[]> => numbers(client, 'SELECT (SELECT count() FROM sales), (SELECT uniqExact(event_id) FROM sales), (SELECT count() FROM stock_movements)');
  const generate = async (count: number, seed: number): Promise<{ sales: number; warehouse: number }> => {
    const result = await runCli(['generate', '--count', String(count), '--rate', 'max', '--seed', String(seed)], env);
    assert.equal(result.code, 0, result.stderr);
    const acked = /\(([^)]*)\)/.exec(/generated \d+ events acknowledged by Kafka \([^)]*\)/.exec(result.stdout)?.[0] ?? '');
    assert.ok(acked, result.stdout);
    const parts = Object.fromEntries(acked[1]!.split(', ').map((part) => { const [t, n] = part.split(' '); return [t!.replace(prefix, ''), Number(n)]; }));
    return { sales: parts.sales ?? 0, warehouse: parts.warehouse ?? 0 };
  };
  const status = async (): Promise<StatusReport> => {
    const result = await runCli(['status', '--json', 'sales'], env);
    return JSON.parse(result.stdout) as StatusReport;
  };

  const first = await generate(1500, 301);
  await pollUntil('the first events', async () => {
    const [sales, , stock] = await counts();
    return sales === first.sales && stock === first.warehouse ? true : undefined;
  }, 120_000);

  const paused = await runCli(['pause', 'sales'], env);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /paused sales: .*sales_decode_mv dropped \(stays paused across restarts/);
  assert.doesNotMatch(paused.stderr, /error|NOT_IMPLEMENTED/i);
  assert.match((await runCli(['pause', 'sales'], env)).stdout, /already paused/);

  // Paused across a restart of the server, and across kch migrate (kch up runs it on every start).
  await server.stop();
  server = await startClickHouse(dataDir, port);
  const second = await generate(1500, 302);
  const again = await runCli(['migrate'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /sales_decode_mv is not there: its stream is paused/);
  assert.doesNotMatch(again.stderr + server.output, /NOT_IMPLEMENTED|Cannot get detached tables/, 'no error on the screen of a normal start');
  await pollUntil('the warehouse stream, not paused, to take in the second batch', async () => ((await counts())[2] === first.warehouse + second.warehouse ? true : undefined), 120_000);
  const whilePaused = await status();
  assert.equal(whilePaused.streams[0]!.consumption, 'paused');
  assert.equal(whilePaused.streams[0]!.health, 'paused', `a paused stream is not unhealthy: ${whilePaused.streams[0]!.problems.join('; ')}`);
  assert.equal(whilePaused.streams[0]!.lag, second.sales, 'every sale produced while paused waits in Kafka');
  assert.equal((await counts())[0], first.sales, 'and none reached the table, through the restart');

  // Replay from the start while paused: the committed offsets move back; it stays paused.
  const replayed = await runCli(['replay', 'sales', '--from', '0'], env);
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.match(replayed.stdout, new RegExp(`sales: ${first.sales} message\\(s\\) will be read again`), "what was consumed before the pause is read again");

  // Drift (another flush interval), evolved while paused: it stays paused.
  const evolved = await runCli(['migrate', '--apply-drift'], { ...env, KAFKA_FLUSH_INTERVAL_MS: '700' });
  assert.equal(evolved.code, 0, evolved.stderr);
  assert.equal((await status()).streams[0]!.consumption, 'paused');

  const resumed = await runCli(['resume', 'sales'], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed sales: .* consuming again after/);
  await pollUntil('every sale read again', async () => ((await counts())[0]! >= 2 * first.sales + second.sales ? true : undefined), 120_000);
  const [rows, ids] = await counts();
  assert.equal(rows, 2 * first.sales + second.sales, 'the first batch twice (replayed from 0), the second once');
  assert.equal(ids, first.sales + second.sales, 'every event is there');

  // Evolved again while consuming: nothing lost, nothing twice beyond the replay.
  const third = await generate(1000, 303);
  const evolvedAgain = await runCli(['migrate', '--apply-drift'], { ...env, KAFKA_FLUSH_INTERVAL_MS: '500' });
  assert.equal(evolvedAgain.code, 0, evolvedAgain.stderr);
  await pollUntil('the third batch', async () => ((await counts())[1] === first.sales + second.sales + third.sales ? true : undefined), 120_000);
  const final = await status();
  assert.equal(final.streams[0]!.consumption, 'consuming');
  assert.equal((await counts())[0], 2 * first.sales + second.sales + third.sales);
});
