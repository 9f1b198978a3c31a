import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClickHouseException } from '../../../src/clickhouse/embedded/exception.js';
import { parseQueryRequest, type HttpHeaders } from '../../../src/clickhouse/embedded/request.js';

function parse(path: string, headers: HttpHeaders = {}, method = 'POST') {
  return parseQueryRequest(method, new URL(path, 'http://localhost'), headers);
}

test('query, database, default_format and query_id come from the URL', () => {
  const r = parse('/?query=SELECT%201&database=app&default_format=JSON&query_id=q1');
  assert.equal(r.query, 'SELECT 1');
  assert.equal(r.database, 'app');
  assert.equal(r.defaultFormat, 'JSON');
  assert.equal(r.queryId, 'q1');
  assert.deepEqual(r.settings, []);
  assert.deepEqual(r.params, []);
});

test('headers X-ClickHouse-Database / -Format / -Query-Id are honoured, and win over parameters where ClickHouse lets them', () => {
  const r = parse('/?database=fromparam&default_format=CSV', {
    'x-clickhouse-database': 'fromheader', 'x-clickhouse-format': 'JSONEachRow', 'x-clickhouse-query-id': 'hq',
  });
  assert.equal(r.database, 'fromheader');
  assert.equal(r.defaultFormat, 'JSONEachRow');
  assert.equal(r.queryId, 'hq');
  assert.equal(parse('/?query_id=pq', { 'x-clickhouse-query-id': 'hq' }).queryId, 'pq');
});

test('every other parameter is a setting, param_* are query parameters, reserved names are neither', () => {
  const r = parse('/?max_result_rows=1&param_id=42&param_name=a%5Ctb&session_id=s1&wait_end_of_query=1&date_time_output_format=iso&user=u&password=p');
  assert.deepEqual(r.settings, [['max_result_rows', '1'], ['date_time_output_format', 'iso']]);
  assert.deepEqual(r.params, [['id', '42'], ['name', 'a\\tb']]);
  assert.equal(r.sessionId, 's1');
  assert.equal(r.waitEndOfQuery, true);
});

test('a repeated setting: the last value wins; a repeated parameter: the first', () => {
  const r = parse('/?max_threads=1&param_x=a&max_threads=2&param_x=b');
  assert.deepEqual(r.settings, [['max_threads', '2']]);
  assert.deepEqual(r.params, [['x', 'a']]);
});

test('HTTP-layer settings steer the response and are not passed to the engine', () => {
  const r = parse('/?enable_http_compression=1&http_zlib_compression_level=3&send_progress_in_http_headers=1&buffer_size=10', {
    'content-encoding': 'GZIP',
  });
  assert.equal(r.compressResponse, true);
  assert.equal(r.compressionLevel, 3);
  assert.equal(r.bufferSize, 10);
  assert.equal(r.contentEncoding, 'gzip');
  assert.deepEqual(r.settings, []);
});

test('GET and HEAD are read-only, POST is not', () => {
  assert.equal(parse('/', {}, 'GET').readonly, true);
  assert.equal(parse('/', {}, 'HEAD').readonly, true);
  assert.equal(parse('/', {}, 'POST').readonly, false);
});

test('credentials: default user, URL parameters, basic auth, X-ClickHouse headers', () => {
  assert.deepEqual(parse('/').credentials, { user: 'default', password: '' });
  assert.deepEqual(parse('/?user=alice&password=s3cret').credentials, { user: 'alice', password: 's3cret' });
  const basic = `Basic ${Buffer.from('bob:pa:ss').toString('base64')}`;
  assert.deepEqual(parse('/', { authorization: basic }).credentials, { user: 'bob', password: 'pa:ss' });
  assert.deepEqual(parse('/', { 'x-clickhouse-user': 'carol', 'x-clickhouse-key': 'k' }).credentials, { user: 'carol', password: 'k' });
});

test('mixing authentication schemes is refused with AUTHENTICATION_FAILED, as ClickHouse does', () => {
  const basic = `Basic ${Buffer.from('bob:x').toString('base64')}`;
  for (const [path, headers] of [
    ['/?user=a', { authorization: basic }],
    ['/', { authorization: basic, 'x-clickhouse-user': 'a' }],
    ['/?password=x', { 'x-clickhouse-key': 'k' }],
  ] as const) {
    assert.throws(() => parse(path, headers), (error: unknown) => error instanceof ClickHouseException && error.code === 516);
  }
  assert.throws(() => parse('/', { authorization: 'Bearer abc' }), /Bearer/);
});

test('multipart/form-data bodies are recognised by their boundary', () => {
  assert.equal(parse('/', { 'content-type': 'multipart/form-data; boundary=----abc' }).multipartBoundary, '----abc');
  assert.equal(parse('/', { 'content-type': 'multipart/form-data; boundary="q q"' }).multipartBoundary, 'q q');
  assert.equal(parse('/', { 'content-type': 'text/plain' }).multipartBoundary, undefined);
});

test('malformed switches and native compression are refused', () => {
  assert.throws(() => parse('/?wait_end_of_query=maybe'), (e: unknown) => e instanceof ClickHouseException && e.code === 36);
  assert.throws(() => parse('/?buffer_size=lots'), (e: unknown) => e instanceof ClickHouseException && e.code === 36);
  assert.throws(() => parse('/?compress=1'), (e: unknown) => e instanceof ClickHouseException && e.code === 48);
});
