// Tests src/kafka/admin.ts's waitForKafka and probeKafka against brokers that are not there.
/** The dashboard's long-lived admin client: kept while it works, replaced after a failure, closed once. */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { probeKafka, waitForKafka, SharedAdmin } from '../../../src/kafka/admin.js';
import { MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';

/** A TCP server that accepts connections and never answers: a hung broker. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

test('a broker that accepts connections and never answers is given up on within the time said', async () => {
  const { server, port, sockets } = await silentServer();
  try {
    for (const probe of [waitForKafka, probeKafka]) {
      const started = performance.now();
      await assert.rejects(probe(`127.0.0.1:${port}`, { timeoutMs: 1500 }), (error: Error) => {
        assert.match(error.message, /did not answer within 1\.5 s \(no answer\)/);
        assert.equal(error.message.match(/start a local one/g)?.length, 1, 'the advice once');
        return true;
      });
      const took = performance.now() - started;
      assert.ok(took < 2000, `${probe.name} took ${Math.round(took)} ms for a 1.5 s timeout`);
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

test('a port nobody listens on is given up on within the time said, with the reason', async () => {
  const { server, port } = await silentServer();
  server.close();
  const started = performance.now();
  // The reason is the refused connection, as the client words it on its first try or, on a loaded
  // machine where the deadline falls during a retry, as its summary of them (a CI run met both).
  await assert.rejects(probeKafka(`127.0.0.1:${port}`, { timeoutMs: 1000 }), /did not answer within 1 s \((connect ECONNREFUSED|cannot reach Kafka at 127\.0\.0\.1:\d+ \(Cannot connect to any broker)/);
  assert.ok(performance.now() - started < 2000);
});

const refused = (): Error => new MultipleErrors('metadata failed 2 times.', [
  new NetworkError('Connection to 127.0.0.1:9092 failed.', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' }) }),
]);

class FakeClient {
  closed = 0;
  constructor(readonly id: number) {}
  async close(): Promise<void> { this.closed += 1; }
}

function shared(): { admin: SharedAdmin<FakeClient>; made: FakeClient[] } {
  const made: FakeClient[] = [];
  const admin = new SharedAdmin<FakeClient>('127.0.0.1:9092', { create: () => { const c = new FakeClient(made.length); made.push(c); return c; } });
  return { admin, made };
}

test('one client serves every call until close(), which closes it once; later calls fail without a new client', async () => {
  const { admin, made } = shared();
  assert.equal(made.length, 0, 'nothing connects before the first call');
  for (let i = 0; i < 5; i++) assert.equal(await admin.run('list offsets', async (c) => c.id), 0);
  await Promise.all([admin.run('a', async (c) => c.id), admin.run('b', async (c) => c.id)]);
  assert.equal(made.length, 1);
  await admin.close();
  await admin.close();
  assert.equal(made[0]!.closed, 1);
  await assert.rejects(admin.run('list offsets', async () => 1), (error: unknown) => error instanceof KchError && error.code === ErrorCodes.KAFKA_UNREACHABLE);
  assert.equal(made.length, 1);
});

test('Kafka unreachable from the start: the error is KAFKA_UNREACHABLE, the client is closed, the next call builds a new one', async () => {
  const { admin, made } = shared();
  await assert.rejects(admin.run('list offsets', async () => { throw refused(); }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.KAFKA_UNREACHABLE && /ECONNREFUSED/.test(error.message));
  assert.equal(made.length, 1, 'a client that never answered is not retried at once');
  await new Promise(setImmediate);
  assert.equal(made[0]!.closed, 1);
  assert.equal(await admin.run('list offsets', async (c) => c.id), 1, 'recovered with a new client');
  assert.equal(await admin.run('list offsets', async (c) => c.id), 1, 'and keeps it');
  await admin.close();
  assert.equal(made[1]!.closed, 1);
});

test('a client that answered before and now cannot connect is replaced and the call tried once more on the new one', async () => {
  const { admin, made } = shared();
  await admin.run('warm', async () => undefined);
  let calls = 0;
  const value = await admin.run('list offsets', async (c) => { calls += 1; if (c.id === 0) throw refused(); return c.id; });
  assert.equal(value, 1);
  assert.equal(calls, 2);
  await new Promise(setImmediate);
  assert.equal(made[0]!.closed, 1);
  // Still down after the retry: reported, not retried again, and the next call starts afresh.
  await assert.rejects(admin.run('list offsets', async () => { throw refused(); }), /cannot reach Kafka/);
  assert.equal(made.length, 3);
  await assert.rejects(admin.run('list offsets', async () => { throw refused(); }), /cannot reach Kafka/);
  assert.equal(made.length, 4, 'the failed one was not served before: no second try');
  await admin.close();
});

test('a refused request is reported as such, not retried, and the client is still replaced', async () => {
  const { admin, made } = shared();
  await admin.run('warm', async () => undefined);
  await assert.rejects(admin.run('read the offsets of group g', async () => { throw new MultipleErrors('x', [new ProtocolError('GROUP_AUTHORIZATION_FAILED', 'no')]); }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.KAFKA_REQUEST && /GROUP_AUTHORIZATION_FAILED/.test(error.message));
  assert.equal(made.length, 1);
  assert.equal(await admin.run('list offsets', async (c) => c.id), 1);
  await admin.close();
});

test('concurrent calls failing on the same client replace it once', async () => {
  const { admin, made } = shared();
  await admin.run('warm', async () => undefined);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const failing = [1, 2].map(() => admin.run('list offsets', async (c) => { await gate; if (c.id === 0) throw new ProtocolError('UNKNOWN_SERVER_ERROR'); return c.id; }));
  release();
  const settled = await Promise.allSettled(failing);
  assert.ok(settled.every((r) => r.status === 'rejected'));
  assert.equal(await admin.run('list offsets', async (c) => c.id), 1);
  assert.equal(made.length, 2);
  await admin.close();
});
