import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { clickhouse, remoteClickHouseUrl, scalar, services, uniqueName } from '../support/env.js';
import { pollUntil } from '../support/wait.js';

const url = remoteClickHouseUrl();
const { kafka } = services();
const database = uniqueName('remote');
const prefix = `${database}_`;
const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url ?? '', CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix };
const client = url ? clickhouse(url, database) : undefined;

after(async () => {
  await client?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client?.close();
});

function requireRemote(t: { skip(message: string): void }): boolean {
  if (url) return true;
  // CI installs Debian's server and must run this; a developer without it sees a skip, not a pass.
  if (process.env.CI) assert.fail('CI must run the remote-server tests: Debian clickhouse-server was not started');
  t.skip('Debian clickhouse-server is not installed (apt-get install clickhouse-server)');
  return false;
}

test('migrate against Debian\'s ClickHouse 18.16 detects it and says what an old server costs', async (t) => {
  if (!requireRemote(t)) return;
  const result = await runCli(['migrate'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ClickHouse 18\.16/);
  assert.match(result.stderr, /neither kafka_handle_error_mode nor kafka_skip_broken_messages/);
  assert.match(result.stderr, /commits Kafka offsets before the rows are written/);
  assert.match(result.stdout, /created 13/);
  const again = await runCli(['migrate'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
});

test('generated events arrive in the 18.16 server, each once', async (t) => {
  if (!requireRemote(t) || !client) return;
  const count = 3000;
  const result = await runCli(['generate', '--count', String(count), '--rate', 'max', '--seed', '18'], env);
  assert.equal(result.code, 0, result.stderr);
  const total = await pollUntil('events in the remote server', async () => {
    const n = await scalar(client, 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements)');
    return n >= count ? n : undefined;
  }, 120_000);
  assert.equal(total, count);
  assert.equal(await scalar(client, 'SELECT uniqExact(event_id) FROM (SELECT event_id FROM sales UNION ALL SELECT event_id FROM stock_movements)'), count);
  assert.equal(await scalar(client, 'SELECT count() FROM sales WHERE total != round(price * quantity * (1 - discount), 2) AND abs(toFloat64(total) - toFloat64(price) * quantity * (1 - toFloat64(discount))) > 0.006'), 0);
});

test('kch query prints a table from the 18.16 server', async (t) => {
  if (!requireRemote(t)) return;
  const result = await runCli(['query', 'SELECT count() AS n FROM stock_movements'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /n/);
  assert.match(result.stdout, /\d+/);
});
