/**
 * A real Kafka broker from the cached jars (fetched with Maven on first use; CI warms the cache
 * with `kch kafka --fetch-only`): start, topics, produce, offsets, stop, restart on the same data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { createLogger } from '../../../src/output/log.js';
import { describeCluster, ensureTopics, listEndOffsets } from '../../../src/kafka/admin.js';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../../src/kafka/broker.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { defaultPomPath } from '../../../src/kafka/runtime.js';
import { freePort } from '../../support/ports.js';

/** Shared with `kch kafka --fetch-only` run from the package root, so CI fetches once. */
const cacheDir = process.env.KCH_CACHE_DIR ? resolve(process.env.KCH_CACHE_DIR) : join(dirname(dirname(defaultPomPath())), '.kch', 'cache');


function sum(offsets: Map<number, bigint> | undefined): bigint {
  let total = 0n;
  for (const offset of offsets?.values() ?? []) total += offset;
  return total;
}

test('broker: ready, topics, 100 messages, clean stop, restart on the same data keeps them', { timeout: 240_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-kafka-it-'));
  const lines: string[] = [];
  const log = createLogger('kafka', (line) => { lines.push(line); if (process.env.KCH_TEST_VERBOSE) process.stderr.write(line); });
  const options: StartBrokerOptions = {
    dataDir, cacheDir, host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(), heap: '256m', log,
  };
  let broker: RunningBroker | undefined;
  t.after(async () => {
    await broker?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  broker = await startBroker(options);
  assert.equal(broker.bootstrap, `127.0.0.1:${options.port}`);
  assert.equal(broker.version, '4.4.0');
  assert.ok(broker.pid > 0);
  assert.ok(existsSync(broker.logFile), 'server.log written');
  assert.match(await readFile(broker.logFile, 'utf8'), /Kafka Server started|started \(kafka\.server\.KafkaRaftServer\)/);
  assert.ok(lines.some((line) => line.includes('formatted Kafka storage')), 'formatted on first start');
  const cluster = await describeCluster(broker.bootstrap);
  assert.equal(cluster.clusterId, broker.clusterId);
  assert.deepEqual(cluster.brokers.map((b) => [b.id, b.port]), [[1, options.port]]);

  // A second broker on the same data, or on the same port, is refused up front.
  await assert.rejects(startBroker({ ...options, port: await freePort(), controllerPort: await freePort() }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.DATA_DIR_LOCKED);
  const otherData = await mkdtemp(join(tmpdir(), 'kch-kafka-it-other-'));
  t.after(() => rm(otherData, { recursive: true, force: true }));
  await assert.rejects(startBroker({ ...options, dataDir: otherData }),
    (error: unknown) => error instanceof KchError && error.code === ErrorCodes.PORT_IN_USE && error.message.includes('--kafka-port'));

  const topic = 'kch-it-events';
  assert.deepEqual(await ensureTopics(broker.bootstrap, [{ name: topic, partitions: 3 }]), [topic]);
  assert.deepEqual(await ensureTopics(broker.bootstrap, [{ name: topic, partitions: 3 }]), [], 'idempotent');

  const producer = createProducer({ bootstrap: broker.bootstrap, clientId: 'kch-it', log });
  t.after(() => producer.close());
  for (let batch = 0; batch < 4; batch += 1) {
    await producer.send(Array.from({ length: 25 }, (_, i) => ({
      topic, key: `user-${(batch * 25 + i) % 10}`, value: JSON.stringify({ n: batch * 25 + i, at: new Date().toISOString() }),
    })));
  }
  await producer.close();
  const before = await listEndOffsets(broker.bootstrap, [topic, 'kch-it-missing']);
  assert.equal(before.get(topic)?.size, 3);
  assert.equal(sum(before.get(topic)), 100n);
  assert.equal(before.get('kch-it-missing')?.size, 0);

  const pid = broker.pid;
  await broker.stop();
  assert.ok((await broker.exited) !== undefined);
  assert.throws(() => process.kill(pid, 0), 'JVM gone after stop()');
  assert.ok(!existsSync(join(dataDir, 'kafka', 'broker.pid')));
  const clusterId = broker.clusterId;

  lines.length = 0;
  broker = await startBroker(options);
  assert.equal(broker.clusterId, clusterId, 'same cluster: storage not reformatted');
  assert.ok(!lines.some((line) => line.includes('formatted Kafka storage')), 'no second format');
  const after = await listEndOffsets(broker.bootstrap, [topic]);
  assert.deepEqual(after.get(topic), before.get(topic));
  await broker.stop();
});
