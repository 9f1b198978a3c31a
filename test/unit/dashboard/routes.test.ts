import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClickHouseError } from '@clickhouse/client';
import { toKchError } from '../../../src/clickhouse/errors.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { apiIndex, describeError, findRoute, handleApi, type ApiContext } from '../../../src/dashboard/routes.js';
import type { PanelData } from '../../../src/dashboard/wire.js';
import { field } from '../../../src/pipeline/field.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { streams } from '../../../src/pipeline/streams/index.js';

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

test('/api/panel answers a panel a user\'s stream declares; a panel it does not declare is a 400 naming those it does', async () => {
  const readings = defineStream({
    name: 'readings', fields: { at: field.timestamp(), watts: field.float() }, time: 'at', orderBy: ['at'],
    panels: [{ kind: 'hourly', id: 'power', title: 'Power per hour', bars: { label: 'Readings', sql: 'count()' }, line: { label: 'Energy', sql: 'sum(watts)', unit: 'Wh' } }],
  });
  const asked: string[] = [];
  const context = {
    db: { rows: <T>(query: string): Promise<T[]> => { asked.push(query); return Promise.resolve([{ kch_ts: 1_700_000_000, kch_label: '22:00', kch_bars: '4', kch_line: '8.5', kch_rows: '4' }] as T[]); } },
    scope: { database: 'home', topicPrefix: '', streams: [readings, ...streams] },
  } as unknown as ApiContext;
  const route = findRoute('/api/panel')!;
  const reply = await handleApi(route, new URLSearchParams('stream=readings&panel=power'), context);
  assert.equal(reply.status, 200, reply.body);
  const data = JSON.parse(reply.body) as PanelData;
  assert.equal(data.kind, 'hourly');
  assert.deepEqual(data.kind === 'hourly' && [data.title, data.bars.values, data.line.values, data.line.unit], ['Power per hour', [4], [8.5], 'Wh']);
  assert.match(asked[0]!, /FROM `readings`/);
  const missing = await handleApi(route, new URLSearchParams('stream=readings&panel=sales'), context);
  assert.equal(missing.status, 400);
  assert.match((JSON.parse(missing.body) as { error: string }).error, /"panel" must name a panel stream readings declares \(power\), got "sales"/);
  for (const query of ['stream=readings', 'stream=readings&panel=a%20b', 'stream=nope&panel=power']) {
    assert.equal((await handleApi(route, new URLSearchParams(query), context)).status, 400, query);
  }
  assert.equal(asked.length, 1, 'no query for a refused request');
  assert.deepEqual(apiIndex.endpoints.find((e) => e.path === '/api/panel')?.parameters, {
    stream: { type: 'stream', required: true, description: 'a configured stream\'s name' },
    panel: { type: 'panel', required: true, description: 'the id of a panel the stream declares' },
  });
});
