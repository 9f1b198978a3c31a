// Tests src/kafka/admin.ts's waitForKafka and probeKafka against brokers that are not there.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { probeKafka, waitForKafka } from '../../../src/kafka/admin.js';

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
