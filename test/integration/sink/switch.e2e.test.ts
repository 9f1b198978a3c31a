/**
 * Moving running streams between transports: the Kafka engine, then `kch sink`, then the engine
 * again, on the shared broker and embedded ClickHouse, in a database of the test's own. Each
 * switch is `kch migrate --ingest …`; events produced before, between and after are each in the
 * target tables exactly once, and the consumer group's lag ends at 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliProcess, runCli } from '../../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();

test('engine → sink → engine: kch migrate swaps the input tables, nothing is lost or written twice', async (t) => {
  const database = uniqueName('switch');
  const prefix = `${database}_`;
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix };
  const client = clickhouse(clickhouseUrl, 'default');
  onCleanup(t, async () => { await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }); await client.close(); });

  // Both from one read of each table: two queries would let a block land between them.
  const rowsNow = async (): Promise<{ rows: number; distinct: number }> => {
    const [row] = await (await client.query({
      query: `SELECT count() AS rows, uniqExact(event_id) AS distinct FROM (SELECT event_id FROM ${database}.sales UNION ALL SELECT event_id FROM ${database}.stock_movements)`,
      format: 'JSONEachRow',
    })).json<{ rows: string; distinct: string }>();
    return { rows: Number(row?.rows ?? 0), distinct: Number(row?.distinct ?? 0) };
  };
  const generate = async (count: number, seed: number): Promise<void> => {
    const result = await runCli(['generate', '--count', String(count), '--rate', 'max', '--seed', String(seed), '--partitions', '2'], env);
    assert.equal(result.code, 0, result.stderr);
  };
  const allIn = (total: number, label: string): Promise<{ rows: number; distinct: number }> =>
    pollUntil(`${label}: ${total} events in ClickHouse`, async () => {
      const now = await rowsNow();
      return now.distinct >= total ? now : undefined;
    }, 90_000, 250);
  const engineOf = (table: string): Promise<number> => scalar(client, `SELECT engine = 'Null' FROM system.tables WHERE database = '${database}' AND name = '${table}'`);

  const first = await runCli(['migrate', '--partitions', '2'], env);
  assert.equal(first.code, 0, first.stderr);
  await generate(3000, 1);
  await allIn(3000, 'by the engine');

  const toSink = await runCli(['migrate', '--ingest', 'sink'], env);
  assert.equal(toSink.code, 0, toSink.stderr);
  assert.match(toSink.stderr + toSink.stdout, new RegExp(`switched ${database}\\.sales_kafka to kch sink`));
  assert.equal(await engineOf('sales_kafka'), 1);
  const sink = new CliProcess(['sink', '--ingest', 'sink'], env);
  onCleanup(t, () => sink.stop());
  await generate(3000, 2);
  await allIn(6000, 'by the sink').catch((error: Error) => { throw new Error(`${error.message}; the sink said:\n${sink.output}`); });
  // kch status asks the server, so it says so without being told --ingest (env has no KCH_INGEST).
  const during = await runCli(['status', '--json'], env);
  const ingests = (JSON.parse(during.stdout) as { streams: { name: string; ingest: string }[] }).streams.map((s) => `${s.name}:${s.ingest}`);
  assert.deepEqual(ingests, ['sales:sink', 'warehouse:sink']);
  assert.equal(await sink.stop('SIGTERM'), 0, sink.output);
  assert.match(sink.output, /sink stopped after inserting \d+ messages/);

  const back = await runCli(['migrate'], env);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr + back.stdout, new RegExp(`switched ${database}\\.sales_kafka to the Kafka engine`));
  assert.equal(await engineOf('sales_kafka'), 0);
  await generate(3000, 3);
  const end = await allIn(9000, 'by the engine again');
  assert.equal(end.rows, 9000, 'no event written twice');
  await pollUntil('lag 0', async () => {
    const report = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { streams: { lag: number | null }[] };
    return report.streams.every((s) => s.lag === 0) ? true : undefined;
  }, 60_000, 500);
});
