/** The small pure parts of the embedded server and of the client-side error mapping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClickHouseError } from '@clickhouse/client';
import { toKchError } from '../../../src/clickhouse/errors.js';
import { parseByteSize } from '../../../src/clickhouse/embedded/byte-size.js';
import { chooseEncoding } from '../../../src/clickhouse/embedded/compression.js';
import { ClickHouseException, toFailure, withVersion } from '../../../src/clickhouse/embedded/exception.js';
import { contentTypeOf, rawInsertFormat } from '../../../src/clickhouse/embedded/formats.js';
import { httpStatusForCode } from '../../../src/clickhouse/embedded/http-status.js';
import { parseMultipart } from '../../../src/clickhouse/embedded/multipart.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';

test('HTTP status follows clickhouse-server\'s mapping', () => {
  assert.equal(httpStatusForCode(62), 400); // SYNTAX_ERROR
  assert.equal(httpStatusForCode(60), 404); // UNKNOWN_TABLE
  assert.equal(httpStatusForCode(81), 404); // UNKNOWN_DATABASE
  assert.equal(httpStatusForCode(115), 404); // UNKNOWN_SETTING
  assert.equal(httpStatusForCode(516), 403); // AUTHENTICATION_FAILED
  assert.equal(httpStatusForCode(194), 401); // REQUIRED_PASSWORD
  assert.equal(httpStatusForCode(159), 408); // TIMEOUT_EXCEEDED
  assert.equal(httpStatusForCode(48), 501); // NOT_IMPLEMENTED
  assert.equal(httpStatusForCode(241), 500); // MEMORY_LIMIT_EXCEEDED
  assert.equal(httpStatusForCode(164), 500); // READONLY
});

test('error text: ClickHouse\'s shape, engine text kept, version appended once', () => {
  const own = toFailure(new ClickHouseException('SYNTAX_ERROR', 'Empty query'));
  assert.deepEqual(own, { code: 62, text: 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)' });
  const engine = toFailure(new Error("Code: 60. DB::Exception: Unknown table expression identifier 'x'. (UNKNOWN_TABLE)"));
  assert.equal(engine.code, 60);
  assert.equal(withVersion(engine.text, '26.7.2.1'), "Code: 60. DB::Exception: Unknown table expression identifier 'x'. (UNKNOWN_TABLE) (version 26.7.2.1)");
  assert.equal(withVersion('Code: 1. DB::Exception: x. (Y) (version 26.7.2.1)', '26.7.2.1'), 'Code: 1. DB::Exception: x. (Y) (version 26.7.2.1)');
  assert.equal(toFailure(new TypeError('boom')).code, 1001);
});

test('sizes: binary suffixes, plain bytes, and a usage error otherwise', () => {
  assert.equal(parseByteSize('1G', 'x'), 2 ** 30);
  assert.equal(parseByteSize('512M', 'x'), 512 * 2 ** 20);
  assert.equal(parseByteSize('1.5GiB', 'x'), 1.5 * 2 ** 30);
  assert.equal(parseByteSize('800000000', 'x'), 800_000_000);
  assert.equal(parseByteSize(0, 'x'), 0);
  assert.throws(() => parseByteSize('lots', '--clickhouse-max-memory'), (e: unknown) => e instanceof KchError && e.code === ErrorCodes.USAGE && /--clickhouse-max-memory/.test(e.message));
});

test('response encoding: the best one accepted, q=0 excluded', () => {
  assert.equal(chooseEncoding('gzip'), 'gzip');
  assert.equal(chooseEncoding('deflate, gzip, br, zstd'), 'br');
  assert.equal(chooseEncoding('br;q=0, gzip'), 'gzip');
  assert.equal(chooseEncoding('identity'), undefined);
  assert.equal(chooseEncoding(undefined), undefined);
});

test('formats: content types and chdb\'s raw-insert whitelist', () => {
  assert.equal(contentTypeOf('TabSeparated'), 'text/tab-separated-values; charset=UTF-8');
  assert.equal(contentTypeOf('JSON'), 'application/json; charset=UTF-8');
  assert.equal(contentTypeOf('JSONEachRow'), 'application/x-ndjson; charset=UTF-8');
  assert.equal(contentTypeOf('CSVWithNames'), 'text/csv; charset=UTF-8; header=present');
  assert.equal(contentTypeOf('Parquet'), 'application/octet-stream');
  assert.equal(rawInsertFormat('jsoneachrow'), 'JSONEachRow');
  assert.equal(rawInsertFormat('TSV'), 'TabSeparated');
  assert.equal(rawInsertFormat('Parquet'), undefined);
});

test('multipart/form-data: fields, values with CRLF inside, files flagged', () => {
  const boundary = '----b';
  const body = Buffer.from([
    `--${boundary}`, 'Content-Disposition: form-data; name="query"', '', 'SELECT {v:String}',
    `--${boundary}`, 'Content-Disposition: form-data; name="param_v"', '', 'line1\r\nline2',
    `--${boundary}`, 'Content-Disposition: form-data; name="t"; filename="t.csv"', 'Content-Type: text/csv', '', '1,2',
    `--${boundary}--`, '',
  ].join('\r\n'));
  const fields = parseMultipart(body, boundary);
  assert.deepEqual(fields.map((f) => [f.name, f.filename, f.value.toString()]), [
    ['query', undefined, 'SELECT {v:String}'],
    ['param_v', undefined, 'line1\r\nline2'],
    ['t', 't.csv', '1,2'],
  ]);
  assert.throws(() => parseMultipart(Buffer.from('junk'), boundary), (e: unknown) => e instanceof ClickHouseException);
});

test('toKchError: unreachable, authentication, query errors', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  const unreachable = toKchError(refused, 'http://127.0.0.1:8123');
  assert.equal(unreachable.code, ErrorCodes.CLICKHOUSE_UNREACHABLE);
  assert.match(unreachable.message, /http:\/\/127\.0\.0\.1:8123/);
  assert.match(unreachable.message, /kch clickhouse/);
  assert.match(unreachable.message, /--clickhouse-url/);
  assert.equal(unreachable.retriable, true);

  const dualStack = Object.assign(new AggregateError([refused, refused]), { code: undefined });
  assert.equal(toKchError(dualStack, { url: 'http://localhost:8123' }).code, ErrorCodes.CLICKHOUSE_UNREACHABLE);

  const auth = toKchError(new ClickHouseError({ message: 'default: Authentication failed. ', code: '516', type: 'AUTHENTICATION_FAILED' }), { url: 'u', user: 'default' });
  assert.equal(auth.code, ErrorCodes.CLICKHOUSE_AUTH);
  assert.match(auth.message, /CLICKHOUSE_PASSWORD/);
  const nobody = toKchError(new ClickHouseError({ message: 'nobody: Authentication failed: password is incorrect, or there is no user with such name. ', code: '516', type: 'AUTHENTICATION_FAILED' }), 'u');
  assert.match(nobody.message, /refused user "nobody"/, 'the user the server refused, not "default"');

  const query = toKchError(new ClickHouseError({ message: 'Unknown table x\nmore', code: '60', type: 'UNKNOWN_TABLE' }), { action: 'creating view v' });
  assert.equal(query.code, ErrorCodes.CLICKHOUSE_QUERY);
  assert.equal(query.message, 'creating view v: ClickHouse error 60 (UNKNOWN_TABLE): Unknown table x');
  assert.deepEqual(query.details, { code: '60', type: 'UNKNOWN_TABLE' });

  const kept = new KchError(ErrorCodes.TIMEOUT, 'x');
  assert.equal(toKchError(kept), kept);
});
