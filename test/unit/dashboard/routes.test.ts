import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClickHouseError } from '@clickhouse/client';
import { toKchError } from '../../../src/clickhouse/errors.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { apiIndex, describeError, findRoute } from '../../../src/dashboard/routes.js';

const clickhouseError = (code: string, type: string): KchError =>
  toKchError(new ClickHouseError({ message: `Code: ${code}. DB::Exception: boom. (${type})`, code, type }), { url: 'http://x' });

test('a usage error is a 400', () => {
  assert.equal(describeError(new KchError(ErrorCodes.USAGE, 'bad')).status, 400);
});

test('a service that cannot answer is a 503 naming it', () => {
  const unreachable = toKchError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'http://127.0.0.1:1');
  assert.deepEqual(describeError(unreachable), { status: 503, body: { error: unreachable.message, code: 'KCH_CLICKHOUSE_UNREACHABLE', service: 'clickhouse' } });
  const kafka = new KchError(ErrorCodes.KAFKA_UNREACHABLE, 'cannot reach Kafka', { retriable: true });
  assert.deepEqual(describeError(kafka), { status: 503, body: { error: 'cannot reach Kafka', code: 'KCH_KAFKA_UNREACHABLE', service: 'kafka' } });
});

test('missing tables are a 503 that says to run migrate; an overloaded server a 503; any other query error a 500', () => {
  const missing = describeError(clickhouseError('60', 'UNKNOWN_TABLE'));
  assert.equal(missing.status, 503);
  assert.match(missing.body.error, /kch migrate/);
  assert.equal(describeError(clickhouseError('81', 'UNKNOWN_DATABASE')).status, 503);
  assert.equal(describeError(clickhouseError('241', 'MEMORY_LIMIT_EXCEEDED')).status, 503);
  assert.equal(describeError(clickhouseError('62', 'SYNTAX_ERROR')).status, 500);
});

test('a bug is a 500 without a code', () => {
  assert.deepEqual(describeError(new TypeError('x is undefined')), { status: 500, body: { error: 'internal error: x is undefined' } });
});

test('the seed\'s endpoints keep their names, and /api lists every route with its parameters', () => {
  for (const path of ['/api/sales', '/api/stock', '/api/recent_sales', '/api/status', '/api/pipeline', '/metrics']) assert.ok(findRoute(path), path);
  assert.deepEqual(apiIndex.endpoints.find((e) => e.path === '/api/sales')?.parameters, {
    hours: { type: 'integer', min: 1, max: 168, default: 24, description: 'hours to show, the current one included' },
  });
});
