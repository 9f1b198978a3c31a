/**
 * A request for a partition without a leader fails with a retriable error instead of throwing
 * inside the client library (which killed `kch verify` when a leader's broker died).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ConnectionPool, type Broker, type Connection } from '@platformatic/kafka';
import { refuseLeaderlessRequests } from '../../../src/kafka/leaderless.js';
import { isRetriable, isUnreachable } from '../../../src/kafka/errors.js';

refuseLeaderlessRequests();

function getFrom(pool: ConnectionPool, broker: Broker | undefined): Promise<{ error: Error | null }> {
  return new Promise((resolve) => {
    // The library passes what its metadata lookup gave, undefined included.
    pool.get(broker as Broker, (error: Error | null, _connection?: Connection) => { resolve({ error }); });
  });
}

test('a broker missing from the metadata (leader -1) is a retriable "leader not available", not a TypeError', async () => {
  const pool = new ConnectionPool('kch-test');
  try {
    const { error } = await getFrom(pool, undefined);
    assert.ok(error, 'an error is expected');
    assert.equal((error as { apiId?: string }).apiId, 'LEADER_NOT_AVAILABLE');
    assert.equal((error as { hasStaleMetadata?: boolean }).hasStaleMetadata, true);
    assert.ok(isRetriable(error), 'the producer retries it');
    assert.ok(!isUnreachable(error), 'an election is not an outage');
    await assert.rejects(pool.get(undefined as unknown as Broker), (e: Error & { apiId?: string }) => e.apiId === 'LEADER_NOT_AVAILABLE');
  } finally {
    await pool.close();
  }
});

test('a broker that is there is still asked (installing twice changes nothing)', async () => {
  refuseLeaderlessRequests();
  const server = createServer((socket) => { socket.destroy(); });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const port = (server.address() as { port: number }).port;
  server.close();
  await new Promise((resolve) => { server.once('close', resolve); });
  const pool = new ConnectionPool('kch-test', { connectTimeout: 2_000 });
  try {
    const { error } = await getFrom(pool, { host: '127.0.0.1', port });
    assert.ok(error, 'a closed port refuses');
    assert.ok(isUnreachable(error), `the connection was tried: ${error.message}`);
  } finally {
    await pool.close();
  }
});
