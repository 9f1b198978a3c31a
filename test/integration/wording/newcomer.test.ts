/**
 * What a new user reads on the normal path, against the real services: no error line while the
 * embedded ClickHouse waits for a broker that starts later, a `kch status` that shows no stale
 * consumer error once it is back, names Kafka's release and takes the time it says it waited,
 * `kch query` naming the user it sent, and `/metrics` telling a missing database from a server
 * that is down.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startDashboard } from '../../../src/dashboard/server.js';
import { createLogger } from '../../../src/output/log.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { runCli, startClickHouseProcess } from '../../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();
/** These tests stop some of their things themselves: undoing one that is gone already is no failure. */
const quietly = (undo: () => Promise<unknown>) => (): Promise<unknown> => undo().catch(() => undefined);

/** Lines the service logged at error level. */
const errorLines = (output: string): string[] => output.split('\n').filter((line) => /^\S+Z \S+\s+error /.test(line));

/** A TCP server on `port` that passes every connection on to `target` (host:port): the broker, reachable there from now on. */
async function forward(t: TestContext, port: number, target: string): Promise<Server> {
  const [host, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => undefined); }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  onCleanup(t, quietly(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve); })));
  return server;
}

test('ClickHouse waiting for a broker that comes late logs no error, a warning once it lasts, and its return; kch status then shows no stale error', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-wording-'));
  onCleanup(t, quietly(() => rm(dataDir, { recursive: true, force: true })));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startClickHouseProcess(dataDir, port);
  onCleanup(t, quietly(() => server.stop()));
  // The Kafka tables reach the broker through a port where nothing listens yet: a broker still starting.
  const latePort = await freePort();
  const prefix = `${uniqueName('late')}_`;
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: url, KCH_TOPIC_PREFIX: prefix, KCH_DATA_DIR: dataDir };
  const migrated = await runCli(['migrate', '--kafka-brokers-for-clickhouse', `127.0.0.1:${latePort}`], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const client = clickhouse(url);
  onCleanup(t, quietly(() => client.close()));
  await pollUntil('the consumers to meet the missing broker', async () =>
    (await scalar(client, "SELECT countIf(arrayExists(t -> t LIKE '%brokers are down%' OR t LIKE '%Connection refused%', exceptions.text)) FROM system.kafka_consumers")) > 0 || undefined, 30_000);

  const warned = await pollUntil('a warning that the broker stays away', async () => {
    assert.deepEqual(errorLines(server.output), [], 'a broker not there yet is no error');
    return /warn\s+Kafka table default\.sales_kafka has not reached Kafka for \d+ s since it started: /.exec(server.output)?.[0];
  }, 60_000);
  assert.deepEqual(errorLines(server.output), [], 'a broker not there yet is no error');
  const seconds = Number(/for (\d+) s/.exec(warned)![1]);
  assert.ok(seconds >= 30 && seconds < 45, `reported after ${seconds} s`);
  assert.doesNotMatch(server.output, /cannot write what it reads/);

  await forward(t, latePort, kafka);
  await pollUntil('the line saying Kafka is back', async () => /info\s+Kafka table default\.sales_kafka reaches Kafka again after \d+ s/.test(server.output) || undefined, 60_000);
  const generated = await runCli(['generate', '--count', '40', '--rate', 'max', '--seed', '7'], env);
  assert.equal(generated.code, 0, generated.stderr);
  await pollUntil('the events in ClickHouse', async () => (await scalar(client, 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements)')) >= 40 || undefined, 120_000);
  assert.deepEqual(errorLines(server.output), []);

  const status = await runCli(['status'], env);
  assert.equal(status.code, 0, `${status.stdout}${status.stderr}`);
  assert.match(status.stdout, /\nhealthy\n$/);
  assert.doesNotMatch(status.stdout, /consumer error|brokers are down|Connection refused/, 'a recovered consumer shows no error');
});

test('kch status with Kafka away takes the 3 s it says it waited, not three times that', async (t) => {
  const closed = await freePort();
  // Accepts and never answers. It never reads either, so a connection's end goes unseen: close()
  // would wait for them forever unless they are destroyed.
  const accepted = new Set<Socket>();
  const silent = createServer((socket) => { accepted.add(socket); socket.on('error', () => undefined); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  onCleanup(t, quietly(() => new Promise((resolve) => { for (const s of accepted) s.destroy(); silent.close(resolve); })));
  for (const bootstrap of [`127.0.0.1:${closed}`, `127.0.0.1:${(silent.address() as { port: number }).port}`]) {
    const started = performance.now();
    const result = await runCli(['status'], { KAFKA_BROKERS: bootstrap, CLICKHOUSE_URL: clickhouseUrl, KCH_TOPIC_PREFIX: uniqueName('away') });
    const took = (performance.now() - started) / 1000;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^kafka\s+DOWN\s+.*\n\s+Kafka at .* did not answer within 3 s/);
    assert.ok(took < 5.5, `${bootstrap}: kch status took ${took.toFixed(1)} s for a 3 s wait`);
  }
});

test('kch status names the release of the local broker, and what an external one\'s API versions allow', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kch-wording-data-'));
  onCleanup(t, quietly(() => rm(dir, { recursive: true, force: true })));
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, KCH_TOPIC_PREFIX: uniqueName('release'), KCH_DATA_DIR: dir };
  const external = await runCli(['status', '--window', '0s'], env);
  assert.match(external.stdout, /^kafka\s+up\s+\S+\s+Kafka ≥ 4\.0 \(from its API versions\)\s+\(cluster (\S+),/, external.stdout);
  assert.doesNotMatch(external.stdout, /or later/);
  // The same broker, known as the one `kch kafka` keeps in this data folder.
  const clusterId = /\(cluster (\S+),/.exec(external.stdout)![1]!;
  await mkdir(join(dir, 'kafka'));
  await writeFile(join(dir, 'kafka', 'cluster-id'), `${clusterId}\n`);
  const local = await runCli(['status', '--window', '0s'], env);
  assert.match(local.stdout, /^kafka\s+up\s+\S+\s+Kafka 4\.4\.0\s+\(cluster /, local.stdout);
});

test('kch query names the user it sent when ClickHouse refuses it', async () => {
  const result = await runCli(['query', '--clickhouse-user', 'nobody', 'SELECT 1'], { CLICKHOUSE_URL: clickhouseUrl });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /refused user "nobody"/);
  assert.doesNotMatch(result.stderr, /"default"/);
});

test('/metrics: a ClickHouse that answers without the pipeline\'s database is up, the database missing said apart', async (t) => {
  const database = uniqueName('nodb');
  const dashboard = await startDashboard({
    host: '127.0.0.1', port: 0, clickhouse: { url: clickhouseUrl, user: 'default', password: '', database },
    kafkaBrokers: kafka, topicPrefix: `${database}_`, log: createLogger('dashboard', () => undefined), streams,
  });
  onCleanup(t, quietly(() => dashboard.stop()));
  const metrics = await (await fetch(new URL('/metrics', dashboard.url))).text();
  assert.match(metrics, /^kch_service_up\{service="clickhouse"\} 1$/m);
  assert.match(metrics, new RegExp(`^kch_database_exists\\{database="${database}"\\} 0$`, 'm'));
  const status = await fetch(new URL('/api/status', dashboard.url));
  assert.equal(status.status, 200, 'not a 503: the server answered');
  assert.equal((await status.json() as { status: string }).status, 'waiting_for_data');
});

test('kch query shows the control characters of the data, escaped, instead of sending them to the terminal', async () => {
  // ESC [2J clears a screen, ESC ]0; retitles a window: from a row, they must be seen, not obeyed.
  const result = await runCli(['query', "SELECT 'a\\x1b[2J\\x1b]0;pwned\\x07b\\x00c\\td' AS v"], { CLICKHOUSE_URL: clickhouseUrl });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(![...result.stdout].some((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)), `no control character reaches the terminal: ${JSON.stringify(result.stdout)}`);
  assert.match(result.stdout, /a\\u001b\[2J\\u001b\]0;pwned\\u0007b\\u0000c\\td/);
  // A machine format piped elsewhere stays byte for byte.
  const raw = await runCli(['query', '--format', 'TabSeparatedRaw', "SELECT 'x\\x1by' AS v"], { CLICKHOUSE_URL: clickhouseUrl });
  assert.equal(raw.stdout, 'x\u001by\n');
});
