import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectClickHouse } from '../../../src/clickhouse/connect.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { freePort } from '../../../src/host/ports.js';

const as = { user: 'default', password: '', database: 'default' };

test('a URL that is not http:// or https:// is a usage error before anything is asked', async () => {
  await assert.rejects(connectClickHouse({ url: 'ch.example:8123', ...as, waitMs: 1_000 }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.USAGE && /--clickhouse-url/.test(error.message));
});

test('a server that does not answer within the wait is a timeout naming the address', async () => {
  // A port just found free: nothing listens there.
  const url = `http://127.0.0.1:${await freePort()}`;
  const started = performance.now();
  await assert.rejects(connectClickHouse({ url, ...as, waitMs: 300 }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.TIMEOUT && error.message.includes(url));
  assert.ok(performance.now() - started < 5_000, 'gave up near its deadline');
});

test('an aborted wait ends at once', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(connectClickHouse({ url, ...as, waitMs: 60_000, signal: controller.signal }), KchError);
});
