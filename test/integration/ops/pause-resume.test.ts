import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { StatusReport } from '../../../src/health/model.js';
import { runCli, startClickHouseProcess, type CliProcess } from '../../support/cli.js';
import { remoteClickHouseUrl, services } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { numbers, testPipeline } from './support.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();
const p = testPipeline('pause', kafka, clickhouseUrl);

before(async () => {
  const migrated = await runCli(['migrate'], p.env);
  assert.equal(migrated.code, 0, migrated.stderr);
});
after(async () => {
  await p.drop();
});

async function generate(env: NodeJS.ProcessEnv, count: number, seed: number): Promise<Record<string, number>> {
  const result = await runCli(['generate', '--count', String(count), '--rate', 'max', '--seed', String(seed)], env);
  assert.equal(result.code, 0, result.stderr);
  const acked = /generated \d+ events acknowledged by Kafka \(([^)]*)\)/.exec(result.stdout);
  assert.ok(acked, result.stdout);
  return Object.fromEntries(acked[1]!.split(', ').map((part) => { const [t, n] = part.split(' '); return [t!.replace(env.KCH_TOPIC_PREFIX ?? '', ''), Number(n)]; }));
}

async function status(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; report: StatusReport }> {
  const result = await runCli(['status', '--json', ...args], env);
  assert.ok(result.stdout.trim().startsWith('{'), `status --json printed JSON: ${result.stdout}${result.stderr}`);
  return { code: result.code, report: JSON.parse(result.stdout) as StatusReport };
}

const counts = (client: typeof p.client): Promise<number[]> =>
  numbers(client, 'SELECT (SELECT count() FROM sales), (SELECT uniqExact(event_id) FROM sales), (SELECT count() FROM stock_movements), (SELECT uniqExact(event_id) FROM stock_movements)');

test('pause, produce, resume loses and repeats nothing; status --json shows the lag rise while paused and return to 0', async () => {
  const first = await generate(p.env, 2000, 101);
  await pollUntil('the first events', async () => {
    const [sales, , stock] = await counts(p.client);
    return sales === first.sales && stock === first.warehouse ? true : undefined;
  }, 120_000);

  const paused = await runCli(['pause', 'sales'], p.env);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /paused sales: .*sales_kafka detached permanently .* in (\d+\.\d+) s/);
  process.stdout.write(`# ${paused.stdout}`);
  const again = await runCli(['pause', 'sales'], p.env);
  assert.match(again.stdout, /already paused/);

  const second = await generate(p.env, 3000, 102);
  const migrated = await runCli(['migrate'], p.env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /sales_kafka is detached \(its stream is paused, kch resume\): left as it is/, 'migrate (kch up runs it) leaves a paused stream paused');
  assert.match(migrated.stdout, /nothing to do/);
  const whilePaused = await status(p.env);
  assert.equal(whilePaused.code, 0, 'a paused stream is not unhealthy');
  const sales = whilePaused.report.streams.find((s) => s.name === 'sales')!;
  assert.equal(sales.consumption, 'paused');
  assert.equal(sales.health, 'paused');
  assert.equal(sales.lag, second.sales, 'every sale produced while paused waits in Kafka');
  assert.equal(sales.rows, first.sales, 'and none reached the table');
  await pollUntil('the warehouse stream, not paused, to catch up', async () => ((await counts(p.client))[2] === first.warehouse! + second.warehouse! ? true : undefined), 60_000);
  const later = await status(p.env, 'sales');
  assert.equal(later.report.streams[0]!.lag, second.sales, 'the lag stays while paused');

  const resumed = await runCli(['resume', 'sales'], p.env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed sales: .* consuming again after \d+\.\d s/);
  process.stdout.write(`# ${resumed.stdout}`);
  await pollUntil('every sale after the resume', async () => ((await counts(p.client))[0]! >= first.sales! + second.sales! ? true : undefined), 60_000);
  const [salesRows, salesIds, stockRows, stockIds] = await counts(p.client);
  assert.equal(salesRows, first.sales! + second.sales!, 'nothing lost, nothing twice');
  assert.equal(salesIds, salesRows);
  assert.equal(stockRows, first.warehouse! + second.warehouse!);
  assert.equal(stockIds, stockRows);

  const done = await pollUntil('a status with no lag', async () => {
    const s = await status(p.env);
    return s.report.streams.every((x) => x.lag === 0) ? s : undefined;
  }, 30_000);
  assert.equal(done.code, 0);
  assert.ok(done.report.healthy);
  assert.ok(done.report.streams.every((s) => s.consumption === 'consuming' && s.health === 'ok' && s.partitions.every((x) => x.committed === x.end)));
  assert.equal(done.report.clickhouse.reachable, true);
  assert.match(done.report.clickhouse.version ?? '', /^26\./);
  assert.match(done.report.kafka.version ?? '', /^(4\.4\.0|≥ 4\.\d+ \(from its API versions\))$/, 'the local broker\'s release, or what its API versions tell');
});

/** ATTACH, retried while ClickHouse says the detached table is "still used by some query. Retry later." (a consumer's block holding it). */
async function attachAgain(table: string): Promise<void> {
  await pollUntil(`${table} to attach again`, async () => {
    try {
      await p.client.command({ query: `ATTACH TABLE ${table}` });
      return true;
    } catch (error) {
      if (/still used by some query/.test(String((error as Error).message))) return undefined;
      throw error;
    }
  }, 60_000);
}

test('status exits 1 when a consumer stopped, its views are gone or a service does not answer, and says why', async () => {
  // Without its target table the Kafka table's consumer stops reading (its views cannot write).
  await p.client.command({ query: `DETACH TABLE ${p.database}.stock_movements` });
  try {
    await generate(p.env, 500, 103);
    const stopped = await status(p.env, 'warehouse', '--window', '3s');
    assert.equal(stopped.code, 1);
    const warehouse = stopped.report.streams[0]!;
    assert.equal(warehouse.health, 'unhealthy');
    assert.match(warehouse.problems.join('; '), /no target table .*stock_movements.*; consumer stopped: lag \d+ and no offset committed in 3 s/);
  } finally {
    await attachAgain(`${p.database}.stock_movements`);
  }
  await p.client.command({ query: `DETACH TABLE ${p.database}.sales_mv` });
  try {
    const viewless = await status(p.env, 'sales', '--window', '0s');
    assert.equal(viewless.code, 1);
    assert.match(viewless.report.streams[0]!.problems.join(' '), /sales_mv missing: the Kafka table feeds nothing/);
  } finally {
    await attachAgain(`${p.database}.sales_mv`);
  }
  const down = await status({ ...p.env, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` }, '--window', '0s');
  assert.equal(down.code, 1);
  assert.equal(down.report.kafka.reachable, false);
  assert.equal(down.report.healthy, false);
  const missing = await status({ ...p.env, CLICKHOUSE_DATABASE: 'kch_no_such_database' }, '--window', '0s');
  assert.equal(missing.code, 1);
  assert.match(missing.report.streams[0]!.problems.join(' '), /no Kafka table .*run kch migrate/);
});

test('a paused stream stays paused across a restart of kch clickhouse', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-pause-'));
  onCleanup(t, () => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = (): Promise<CliProcess> => startClickHouseProcess(dataDir, port);
  const local = testPipeline('restart', kafka, url);
  let server = await start();
  onCleanup(t, () => server.stop());
  onCleanup(t, () => local.drop());
  assert.equal((await runCli(['migrate'], local.env)).code, 0);
  const first = await generate(local.env, 600, 201);
  await pollUntil('the first events', async () => ((await counts(local.client))[2] === first.warehouse ? true : undefined), 120_000);
  assert.equal((await runCli(['pause', 'warehouse'], local.env)).code, 0);

  assert.equal(await server.stop('SIGTERM'), 0, server.output);
  assert.doesNotMatch(server.output, /detached Kafka table\(s\)[^\n]*warehouse_kafka/, 'a paused table is not among those detached at stop');
  server = await start();

  const second = await generate(local.env, 600, 202);
  await pollUntil('the sales after the restart', async () => ((await counts(local.client))[0] === first.sales! + second.sales! ? true : undefined), 120_000);
  const { report } = await status(local.env, 'warehouse');
  assert.equal(report.streams[0]!.consumption, 'paused', 'still paused after the restart');
  assert.equal(report.streams[0]!.rows, first.warehouse);
  assert.equal(report.streams[0]!.lag, second.warehouse);

  assert.equal((await runCli(['resume', 'warehouse'], local.env)).code, 0);
  await pollUntil('every movement', async () => ((await counts(local.client))[2] === first.warehouse! + second.warehouse! ? true : undefined), 60_000);
  const [, , stockRows, stockIds] = await counts(local.client);
  assert.equal(stockRows, first.warehouse! + second.warehouse!);
  assert.equal(stockIds, stockRows);
});

test('on ClickHouse 18.16 kch pause refuses (a Kafka table\'s DETACH can abort that server) and the stream keeps consuming', async (t) => {
  const remote = remoteClickHouseUrl();
  if (!remote) {
    if (process.env.CI) assert.fail('CI must run the remote-server tests');
    t.skip('Debian clickhouse-server is not installed');
    return;
  }
  const old = testPipeline('pause18', kafka, remote);
  onCleanup(t, () => old.drop());
  const migrated = await runCli(['migrate'], old.env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /can hang or abort while a Kafka table is detached .*`kch pause`, `kch replay` and `kch migrate --apply-drift` are refused/);
  const first = await generate(old.env, 600, 301);
  await pollUntil('the first events', async () => ((await counts(old.client))[0] === first.sales ? true : undefined), 120_000);
  const paused = await runCli(['pause', 'sales'], old.env);
  assert.equal(paused.code, 1, paused.stdout);
  assert.match(paused.stderr, /ClickHouse 18\.16\S* can hang or abort while a Kafka table is detached .*not pausing sales, which keeps consuming.*needs ClickHouse 20\.5 or later/);
  assert.doesNotMatch(paused.stderr, /\n\s+at /, 'no stack trace');
  const replayed = await runCli(['replay', 'sales', '--from', '0'], old.env);
  assert.equal(replayed.code, 1, replayed.stdout);
  assert.match(replayed.stderr, /needs ClickHouse 20\.5 or later/);
  // Nothing was detached: the stream goes on, nothing lost or repeated.
  const { report } = await status(old.env, 'sales', '--window', '0s');
  assert.equal(report.streams[0]!.consumption, 'consuming');
  const second = await generate(old.env, 600, 302);
  await pollUntil('every sale', async () => ((await counts(old.client))[0]! >= first.sales! + second.sales! ? true : undefined), 120_000);
  const [salesRows, salesIds] = await counts(old.client);
  assert.equal(salesRows, first.sales! + second.sales!);
  assert.equal(salesIds, salesRows);
});
