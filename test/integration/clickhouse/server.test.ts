/**
 * The embedded server driven as a real ClickHouse: by `@clickhouse/client` and by raw HTTP
 * (what curl sends). One server for the whole file: chdb binds one data folder per process.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, serverInfo, type ClickHouseConnectionOptions } from '../../../src/clickhouse/client.js';
import { toKchError } from '../../../src/clickhouse/errors.js';
import { startEmbeddedClickHouse, type EmbeddedClickHouse } from '../../../src/clickhouse/embedded/server.js';
import { STREAMING_THREADS } from '../../../src/clickhouse/embedded/session.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { createLogger } from '../../../src/output/log.js';
import { onCleanup } from '../../support/cleanup.js';
import { pollUntil } from '../../support/wait.js';

const PASSWORD = 'secret';
const root = mkdtempSync(join(tmpdir(), 'kch-clickhouse-test-'));
const logLines: string[] = [];
let server: EmbeddedClickHouse;
let client: ClickHouseClient;
/** A client of the server, closed once test `t` is over. */
function connect(t: TestContext, overrides: Partial<ClickHouseConnectionOptions> = {}): ClickHouseClient {
  const c = createClickHouse({ url: server.url, user: 'default', password: PASSWORD, database: 'default', ...overrides });
  onCleanup(t, () => c.close());
  return c;
}

/** curl-like raw HTTP with the right password in the URL unless the caller sets its own auth. */
function http(pathAndQuery: string, init: RequestInit = {}): Promise<Response> {
  const url = new URL(pathAndQuery, server.url);
  const headers = new Headers(init.headers);
  if (!url.searchParams.has('password') && !headers.has('authorization') && !headers.has('x-clickhouse-key')) url.searchParams.set('password', PASSWORD);
  return fetch(url, { ...init, headers });
}

function sql(query: string, extra = ''): string {
  return `/?query=${encodeURIComponent(query)}${extra}`;
}

before(async () => {
  const started = performance.now();
  server = await startEmbeddedClickHouse({
    dataDir: join(root, 'clickhouse'),
    host: '127.0.0.1',
    port: 0,
    user: 'default',
    password: PASSWORD,
    maxMemory: '1G',
    log: createLogger('clickhouse', (line) => { logLines.push(line); }),
  });
  process.stderr.write(`# embedded ClickHouse ${server.version} ready in ${Math.round(performance.now() - started)} ms, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`);
  client = createClickHouse({ url: server.url, user: 'default', password: PASSWORD, database: 'default' });
});

after(async () => {
  await client?.close();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('ping, and the server\'s version through serverInfo', async () => {
  assert.deepEqual(await client.ping(), { success: true });
  const info = await serverInfo(client, server.url);
  assert.equal(info.version, server.version);
  assert.equal(info.major, 26);
  assert.ok(info.minor >= 1);
  const ok = await fetch(new URL('/ping', server.url));
  assert.equal(await ok.text(), 'Ok.\n');
  assert.equal(await (await fetch(new URL('/', server.url))).text(), 'Ok.\n');
});

test('the Kafka engine gets 16 streaming threads, not the one per core chdb would give', async () => {
  // The pool is made with the first Kafka table; no broker is needed for that.
  await client.command({ query: "CREATE TABLE pool_probe_kafka (a String) ENGINE = Kafka SETTINGS kafka_broker_list = '127.0.0.1:1', kafka_topic_list = 'pool_probe', kafka_group_name = 'pool_probe', kafka_format = 'JSONEachRow'" });
  try {
    const size = await pollUntil('the streaming pool', async () => {
      const rows = await (await client.query({ query: "SELECT value FROM system.metrics WHERE metric = 'BackgroundMessageBrokerSchedulePoolSize'", format: 'JSONEachRow' })).json<{ value: string }>();
      const value = Number(rows[0]?.value ?? 0);
      return value > 0 ? value : undefined;
    }, 30_000);
    assert.equal(size, STREAMING_THREADS);
    assert.equal(STREAMING_THREADS, 16);
  } finally {
    await client.command({ query: 'DROP TABLE pool_probe_kafka SYNC' });
  }
});

test('query in JSONEachRow and JSON', async () => {
  const rows = await (await client.query({ query: 'SELECT toUInt32(number) AS n, toString(number) AS s FROM numbers(3)', format: 'JSONEachRow' }))
    .json<{ n: number; s: string }>();
  assert.deepEqual(rows, [{ n: 0, s: '0' }, { n: 1, s: '1' }, { n: 2, s: '2' }]);
  const doc = await (await client.query({ query: 'SELECT 1 AS one, \'x\' AS x', format: 'JSON' }))
    .json<{ one: number; x: string }>();
  assert.deepEqual(doc.data, [{ one: 1, x: 'x' }]);
  assert.deepEqual(doc.meta?.map((m) => m.name), ['one', 'x']);
  assert.equal(doc.rows, 1);
});

test('command creates a table; insert of 100,000 rows in JSONEachRow is all there', async () => {
  await client.command({ query: 'CREATE TABLE events (id UInt64, name String, ts DateTime64(3, \'UTC\'), value Float64, tags Array(String)) ENGINE = MergeTree ORDER BY id' });
  const values = Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `event-${i}`, ts: '2026-01-01 00:00:00.000', value: i / 2, tags: ['a', 'b'] }));
  const started = performance.now();
  const result = await client.insert({ table: 'events', values, format: 'JSONEachRow' });
  const ms = performance.now() - started;
  process.stderr.write(`# inserted 100,000 JSONEachRow rows over HTTP in ${Math.round(ms)} ms (${Math.round(100_000 / (ms / 1000))} rows/s)\n`);
  assert.equal(result.summary?.written_rows, '100000');
  const count = await (await client.query({ query: 'SELECT count() AS c, sum(id) AS s FROM events', format: 'JSONEachRow' })).json<{ c: string | number; s: string | number }>();
  assert.equal(Number(count[0]?.c), 100_000);
  assert.equal(Number(count[0]?.s), (99_999 * 100_000) / 2);
});

test('bound parameters reach {name:Type} untouched, strings with quotes, tabs and backslashes included', async () => {
  const rows = await (await client.query({
    query: 'SELECT {id:UInt32} + 1 AS next, {name:String} AS name, {tags:Array(String)} AS tags, {missing:Nullable(String)} AS missing',
    format: 'JSONEachRow',
    query_params: { id: 41, name: 'o\'neil\t\\ "x"', tags: ['a\'b', 'c'], missing: null },
  })).json();
  assert.deepEqual(rows, [{ next: 42, name: 'o\'neil\t\\ "x"', tags: ['a\'b', 'c'], missing: null }]);
});

test('parameters too long for a URL travel as multipart/form-data', async (t) => {
  const multi = connect(t);
  const long = 'x'.repeat(10_000);
  const rows = await (await multi.query({ query: 'SELECT length({s:String}) AS n', format: 'JSONEachRow', query_params: { s: long }, use_multipart_params: true }))
    .json<{ n: number | string }>();
  assert.equal(Number(rows[0]?.n), 10_000);
});

test('the database parameter: unqualified tables resolve in it', async (t) => {
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS app' });
  await client.command({ query: 'CREATE TABLE app.items (k String) ENGINE = MergeTree ORDER BY k' });
  const app = connect(t, { database: 'app' });
  await app.insert({ table: 'items', values: [{ k: 'a' }, { k: 'b' }], format: 'JSONEachRow' });
  const rows = await (await app.query({ query: 'SELECT currentDatabase() AS db, count() AS c FROM items', format: 'JSONEachRow' })).json<{ db: string; c: string | number }>();
  assert.equal(rows[0]?.db, 'app');
  assert.equal(Number(rows[0]?.c), 2);
  // …and only for that request: the next one is back in default.
  const back = await (await client.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' })).json<{ db: string }>();
  assert.equal(back[0]?.db, 'default');
});

test('settings in the URL change that query only', async () => {
  const query = 'SELECT toDateTime(\'2026-01-02 03:04:05\', \'UTC\') AS t';
  const iso = await (await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { date_time_output_format: 'iso' } })).json<{ t: string }>();
  assert.equal(iso[0]?.t, '2026-01-02T03:04:05Z');
  const plain = await (await client.query({ query, format: 'JSONEachRow' })).json<{ t: string }>();
  assert.equal(plain[0]?.t, '2026-01-02 03:04:05');
  await assert.rejects(
    client.query({ query: 'SELECT number FROM numbers(10)', format: 'JSONEachRow', clickhouse_settings: { max_result_rows: '1' } }),
    (error: unknown) => error instanceof ClickHouseError && error.code === '396',
  );
});

test('query_id is echoed; one is generated when absent', async () => {
  const rs = await client.query({ query: 'SELECT 1', format: 'JSONEachRow', query_id: 'kch-test-query-1' });
  assert.equal(rs.query_id, 'kch-test-query-1');
  assert.equal(rs.response_headers['x-clickhouse-query-id'], 'kch-test-query-1');
  await rs.json();
  const response = await http(sql('SELECT 1'));
  assert.match(response.headers.get('x-clickhouse-query-id') ?? '', /^[0-9a-f-]{36}$/);
  await response.text();
});

test('an unknown table: ClickHouseError 60 through the client, 404 with the exception code over HTTP', async () => {
  await assert.rejects(
    client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }),
    (error: unknown) => error instanceof ClickHouseError && error.code === '60' && error.type === 'UNKNOWN_TABLE',
  );
  const response = await http(sql('SELECT * FROM no_such_table'));
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('x-clickhouse-exception-code'), '60');
  assert.match(await response.text(), /^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version 26\.[\d.]+\)\n$/s);
  const mapped = toKchError(await client.command({ query: 'DROP TABLE no_such_table' }).catch((e: unknown) => e), { action: 'dropping no_such_table' });
  assert.equal(mapped.code, ErrorCodes.CLICKHOUSE_QUERY);
  assert.match(mapped.message, /^dropping no_such_table: ClickHouse error 60 \(UNKNOWN_TABLE\)/);
});

test('HTTP statuses follow ClickHouse: 400 syntax, 404 unknown database, 500 otherwise', async () => {
  const syntax = await http(sql('SELEC 1'));
  assert.equal(syntax.status, 400);
  assert.equal(syntax.headers.get('x-clickhouse-exception-code'), '62');
  await syntax.text();
  const database = await http(sql('SELECT 1', '&database=nope'));
  assert.equal(database.status, 404);
  assert.equal(database.headers.get('x-clickhouse-exception-code'), '81');
  await database.text();
  const thrown = await http(sql('SELECT throwIf(1, \'boom\')'));
  assert.equal(thrown.status, 500);
  assert.equal(thrown.headers.get('x-clickhouse-exception-code'), '395');
  assert.match(await thrown.text(), /boom/);
});

test('a wrong password is refused like ClickHouse: code 516, HTTP 403, CLICKHOUSE_AUTH once mapped', async (t) => {
  const wrong = connect(t, { password: 'nope' });
  const error = await wrong.query({ query: 'SELECT 1' }).catch((e: unknown) => e);
  assert.ok(error instanceof ClickHouseError);
  assert.equal(error.code, '516');
  assert.equal(toKchError(error, { url: server.url }).code, ErrorCodes.CLICKHOUSE_AUTH);
  const response = await http(sql('SELECT 1', '&password=nope'));
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('x-clickhouse-exception-code'), '516');
  await response.text();
  // Basic auth and X-ClickHouse headers work with the right password.
  const basic = await http(sql('SELECT 7'), { headers: { authorization: `Basic ${Buffer.from(`default:${PASSWORD}`).toString('base64')}` } });
  assert.equal(await basic.text(), '7\n');
  const headers = await http(sql('SELECT 8'), { headers: { 'x-clickhouse-user': 'default', 'x-clickhouse-key': PASSWORD } });
  assert.equal(await headers.text(), '8\n');
});

test('curl-style calls: GET ?query= in TabSeparated with ClickHouse\'s headers, POST body, query + body', async () => {
  const get = await http(sql('SELECT 1, \'a\''));
  assert.equal(get.status, 200);
  assert.equal(await get.text(), '1\ta\n');
  assert.equal(get.headers.get('x-clickhouse-format'), 'TabSeparated');
  assert.equal(get.headers.get('content-type'), 'text/tab-separated-values; charset=UTF-8');
  assert.equal(get.headers.get('x-clickhouse-timezone'), 'Etc/UTC');
  assert.ok(get.headers.get('x-clickhouse-server-display-name'));
  const summary = JSON.parse(get.headers.get('x-clickhouse-summary') ?? '{}') as Record<string, string>;
  assert.equal(summary.result_rows, '1');
  assert.match(summary.elapsed_ns ?? '', /^\d+$/);

  const post = await http('/', { method: 'POST', body: 'SELECT 2 AS two FORMAT JSONEachRow' });
  assert.equal(await post.text(), '{"two":2}\n');
  assert.equal(post.headers.get('x-clickhouse-format'), 'JSONEachRow');

  const split = await http(sql('SELECT'), { method: 'POST', body: '3' });
  assert.equal(await split.text(), '3\n');

  const defaultFormat = await http(sql('SELECT 4 AS four', '&default_format=JSONEachRow'));
  assert.equal(await defaultFormat.text(), '{"four":4}\n');
});

test('GET is read-only, POST is not; several statements and INTO OUTFILE are refused', async () => {
  await client.command({ query: 'CREATE TABLE rw (a UInt8) ENGINE = MergeTree ORDER BY a' });
  const get = await http(sql('INSERT INTO rw VALUES (1)'));
  assert.equal(get.headers.get('x-clickhouse-exception-code'), '164');
  await get.text();
  const post = await http(sql('INSERT INTO rw VALUES (1)'), { method: 'POST' });
  assert.equal(post.status, 200);
  await post.text();
  const multi = await http('/', { method: 'POST', body: 'SELECT 1; DROP TABLE rw' });
  assert.equal(multi.status, 400);
  assert.match(await multi.text(), /Multi-statements are not allowed/);
  const outfile = await http('/', { method: 'POST', body: 'SELECT 1 INTO OUTFILE \'/tmp/kch-should-not-exist\'' });
  assert.equal(outfile.headers.get('x-clickhouse-exception-code'), '358');
  await outfile.text();
});

test('INSERT data in the body after ?query=, in TSV, CSV and Parquet (a binary format)', async () => {
  await client.command({ query: 'CREATE TABLE kv (k String, v UInt32) ENGINE = MergeTree ORDER BY k' });
  const tsv = await http(sql('INSERT INTO kv FORMAT TabSeparated'), { method: 'POST', body: 'a\t1\nb\t2\n' });
  assert.equal(tsv.status, 200, await tsv.clone().text());
  assert.equal((JSON.parse(tsv.headers.get('x-clickhouse-summary') ?? '{}') as { written_rows?: string }).written_rows, '2');
  const csv = await http('/', { method: 'POST', body: 'INSERT INTO kv (k, v) FORMAT CSV\n"c",3\n' });
  assert.equal(csv.status, 200);
  const parquet = Buffer.from(await (await http(sql('SELECT \'p\' || toString(number) AS k, toUInt32(number) AS v FROM numbers(5) FORMAT Parquet'))).arrayBuffer());
  const insertParquet = await http(sql('INSERT INTO kv FORMAT Parquet'), { method: 'POST', body: parquet });
  assert.equal(insertParquet.status, 200, await insertParquet.clone().text());
  const withSettings = await http(sql('INSERT INTO kv SETTINGS input_format_skip_unknown_fields = 1 FORMAT JSONEachRow'), { method: 'POST', body: '{"k":"s","v":9,"extra":1}\n' });
  assert.equal(withSettings.status, 200, await withSettings.clone().text());
  const rows = await (await client.query({ query: 'SELECT count() AS c, sum(v) AS s FROM kv', format: 'JSONEachRow' })).json<{ c: string; s: string }>();
  assert.equal(Number(rows[0]?.c), 2 + 1 + 5 + 1);
  assert.equal(Number(rows[0]?.s), 1 + 2 + 3 + (0 + 1 + 2 + 3 + 4) + 9);
  const empty = await http(sql('INSERT INTO kv FORMAT JSONEachRow'), { method: 'POST', body: '' });
  assert.equal(empty.status, 200);
});

test('compression: gzip request bodies and gzip responses, through the client and by hand', async (t) => {
  await client.command({ query: 'CREATE TABLE zipped (n UInt32) ENGINE = MergeTree ORDER BY n' });
  const gzClient = (await import('@clickhouse/client')).createClient({
    url: server.url, username: 'default', password: PASSWORD, compression: { request: true, response: true },
  });
  onCleanup(t, () => gzClient.close());
  await gzClient.insert({ table: 'zipped', values: Array.from({ length: 1000 }, (_, n) => ({ n })), format: 'JSONEachRow' });
  const rows = await (await gzClient.query({ query: 'SELECT count() AS c FROM zipped', format: 'JSONEachRow' })).json<{ c: string }>();
  assert.equal(Number(rows[0]?.c), 1000);

  const byHand = await http(sql('SELECT number FROM numbers(3)', '&enable_http_compression=1'), {
    method: 'POST', headers: { 'accept-encoding': 'gzip' },
  });
  assert.equal(byHand.headers.get('content-encoding'), 'gzip');
  // fetch decompresses transparently.
  assert.equal(await byHand.text(), '0\n1\n2\n');
  const gzBody = await http('/', { method: 'POST', body: gzipSync('SELECT 5'), headers: { 'content-encoding': 'gzip' } });
  assert.equal(await gzBody.text(), '5\n');
});

test('large results stream, and an error half-way through reaches the client as a ClickHouseError', async () => {
  const rs = await client.query({ query: 'SELECT number AS n FROM numbers(2000000)', format: 'JSONCompactEachRow' });
  let rows = 0;
  let last = -1;
  for await (const batch of rs.stream()) {
    for (const row of batch) {
      last = Number(row.json<[number | string]>()[0]);
      rows++;
    }
  }
  assert.equal(rows, 2_000_000);
  assert.equal(Number(last), 1_999_999);

  const raw = await http(sql('SELECT number FROM numbers(2000000)'));
  assert.equal(raw.headers.get('content-length'), null, 'sent as it comes, not buffered');
  let expected = 0;
  for (let i = 0; i < 2_000_000; i++) expected += String(i).length + 1;
  assert.equal((await raw.arrayBuffer()).byteLength, expected);
});

test('an error after the result started streaming is reported through the exception tag', async () => {
  const rs = await client.query({ query: 'SELECT number AS n, throwIf(number = 1500000, \'late failure\') AS t FROM numbers(2000000)', format: 'JSONEachRow' });
  await assert.rejects(async () => {
    for await (const batch of rs.stream()) void batch;
  }, (error: unknown) => error instanceof ClickHouseError && error.code === '395' && /late failure/.test(error.message));
});

test('requests run side by side, each with its own settings, parameters and database', async () => {
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS other' });
  const results = await Promise.all(Array.from({ length: 24 }, async (_, i) => {
    const rows = await (await client.query({
      query: 'SELECT {i:UInt32} AS i, getSetting(\'max_threads\') AS threads, currentDatabase() AS db, sleep(0.05) AS s',
      format: 'JSONEachRow',
      query_params: { i },
      clickhouse_settings: { max_threads: (i % 3) + 1 },
    })).json<{ i: number; threads: number | string; db: string }>();
    return rows[0];
  }));
  results.forEach((row, i) => {
    assert.equal(row?.i, i);
    assert.equal(Number(row?.threads), (i % 3) + 1);
    assert.equal(row?.db, 'default');
  });
});

test('session_id is accepted (and ignored: a SET does not outlive its request)', async (t) => {
  const withSession = createClickHouse({ url: server.url, user: 'default', password: PASSWORD, database: 'default' });
  onCleanup(t, () => withSession.close());
  await withSession.command({ query: 'SET max_threads = 1', session_id: 's-1' });
  const rows = await (await withSession.query({ query: 'SELECT getSetting(\'max_threads\') != 1 AS reset', format: 'JSONEachRow', session_id: 's-1' }))
    .json<{ reset: number | boolean }>();
  assert.equal(Number(rows[0]?.reset), 1);
});

test('one log line per failing request', async () => {
  const before = logLines.length;
  await http(sql('SELECT * FROM missing_for_log')).then((r) => r.text());
  const added = logLines.slice(before).filter((line) => line.includes('failed'));
  assert.equal(added.length, 1);
  assert.match(added[0] ?? '', /warn.*HTTP 404.*Code: 60/);
});

test('before listening: a taken port, an unusable folder and a folder in use are one-line KchErrors', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(
      startEmbeddedClickHouse({ dataDir: join(root, 'other'), host: '127.0.0.1', port, user: 'default', password: '', maxMemory: '1G', log: createLogger('t', () => {}) }),
      (error: unknown) => error instanceof KchError && error.code === ErrorCodes.PORT_IN_USE && error.message.includes(String(port)) && error.message.includes('--clickhouse-port'),
    );
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(
    startEmbeddedClickHouse({ dataDir: join(file, 'clickhouse'), host: '127.0.0.1', port: 0, user: 'default', password: '', maxMemory: '1G', log: createLogger('t', () => {}) }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.DATA_DIR && error.message.includes('--data-dir'),
  );
  await assert.rejects(
    startEmbeddedClickHouse({ dataDir: server.dataDir, host: '127.0.0.1', port: 0, user: 'default', password: '', maxMemory: '1G', log: createLogger('t', () => {}) }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.DATA_DIR_LOCKED,
  );
});
