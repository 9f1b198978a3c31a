/**
 * The dashboard keeps one Kafka admin client for its lifetime: refreshes reuse its connections,
 * and when the broker it watches is killed (kill -9) and started again on the same data, the
 * dashboard reports Kafka unreachable meanwhile and recovers by itself, with the same offsets.
 * The broker is this test's own, so the shared one other tests use is left alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import type { PipelineHealth } from '../../../src/health/wire.js';
import type { ErrorBody } from '../../../src/dashboard/wire.js';
import { ensureTopics } from '../../../src/kafka/admin.js';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../../src/kafka/broker.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { defaultPomPath } from '../../../src/kafka/runtime.js';
import { createLogger } from '../../../src/output/log.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';
import { createPipeline, getJson } from './fixture.js';

const cacheDir = process.env.KCH_CACHE_DIR ? resolve(process.env.KCH_CACHE_DIR) : join(dirname(dirname(defaultPomPath())), '.kch', 'cache');

/** Local ports of this machine's established IPv4/IPv6 TCP connections to `port` on loopback. */
function connectionsTo(port: number): Set<number> {
  const found = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      if (!local || !remote || state !== '01') continue;
      if (Number.parseInt(remote.split(':')[1]!, 16) === port) found.add(Number.parseInt(local.split(':')[1]!, 16));
    }
  }
  return found;
}

test('the dashboard reuses one admin client, reports a killed broker unreachable and recovers when it is back', { timeout: 300_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-dash-kafka-'));
  const brokerLines: string[] = [];
  const brokerLog = createLogger('kafka', (line) => { brokerLines.push(line); if (process.env.KCH_TEST_VERBOSE) process.stderr.write(line); });
  const options: StartBrokerOptions = { dataDir, cacheDir, host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(), heap: '256m', log: brokerLog };
  let broker: RunningBroker | undefined;
  const pipeline = await createPipeline('dash_kafka_restart');
  t.after(async () => {
    await pipeline.drop();
    await broker?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  broker = await startBroker(options);
  const topic = `${pipeline.prefix}sales`;
  await ensureTopics(broker.bootstrap, [{ name: topic, partitions: 2 }, { name: `${pipeline.prefix}warehouse`, partitions: 1 }]);
  const producer = createProducer({ bootstrap: broker.bootstrap, clientId: 'kch-it', log: brokerLog });
  await producer.send(Array.from({ length: 40 }, (_, i) => ({ topic, key: `k${i % 7}`, value: JSON.stringify({ n: i }) })));
  await producer.close();

  const lines: string[] = [];
  const log = createLogger('dashboard', (line) => { lines.push(line); if (process.env.KCH_TEST_VERBOSE) process.stderr.write(line); });
  const dashboard = await pipeline.serve({ kafkaBrokers: broker.bootstrap, log });
  type Health = PipelineHealth | (ErrorBody & { partial: PipelineHealth });
  const pipelineNow = () => getJson<Health>(dashboard.url, '/api/pipeline');
  const kafkaOf = (body: Health): PipelineHealth => ('partial' in body ? body.partial : body);

  const first = await pollUntil('Kafka offsets on the dashboard', async () => {
    const reply = await pipelineNow();
    return reply.status === 200 && kafkaOf(reply.body).streams.find((s) => s.topic === topic)?.kafka?.messages === 40 ? reply.body as PipelineHealth : undefined;
  }, 60_000);
  assert.equal(first.services.kafka.up, true);

  // Refreshes (at most one a second) reuse the client's connections: no new one over 3 s of polling.
  const opened = connectionsTo(options.port);
  assert.ok(opened.size > 0, 'the dashboard holds a connection to the broker');
  const seen = new Set(opened);
  const started = performance.now();
  let refreshes = 0;
  await pollUntil('3 s of refreshes', async () => {
    const reply = await pipelineNow();
    assert.equal(reply.status, 200);
    refreshes += 1;
    for (const port of connectionsTo(options.port)) seen.add(port);
    return performance.now() - started > 3_200 ? true : undefined;
  }, 30_000, 100);
  assert.ok(refreshes >= 10);
  assert.deepEqual([...seen].sort(), [...opened].sort(), 'the same connections served every refresh');

  // kill -9: the dashboard says Kafka is unreachable, keeps serving ClickHouse's facts.
  const pid = broker.pid;
  process.kill(pid, 'SIGKILL');
  await broker.exited;
  const down = await pollUntil('the dashboard to report Kafka down', async () => {
    const reply = await pipelineNow();
    return reply.status === 503 ? reply.body as ErrorBody & { partial: PipelineHealth } : undefined;
  }, 30_000);
  assert.equal(down.service, 'kafka');
  assert.equal(down.partial.services.kafka.up, false);
  assert.equal(down.partial.services.kafka.code, 'KCH_KAFKA_UNREACHABLE');
  assert.equal(down.partial.services.clickhouse.up, true);
  assert.equal(down.partial.streams.find((s) => s.topic === topic)?.kafka, null);
  assert.match(await (await fetch(new URL('/metrics', dashboard.url))).text(), /^kch_service_up\{service="kafka"\} 0$/m);
  await pollUntil('the outage in the dashboard log', async () => (lines.some((l) => /kafka not answering/.test(l)) ? true : undefined), 10_000);

  // The same broker again, same port and data: the dashboard recovers without being touched.
  broker = await startBroker(options);
  const back = await pollUntil('the dashboard to see Kafka again', async () => {
    const reply = await pipelineNow();
    return reply.status === 200 ? reply.body as PipelineHealth : undefined;
  }, 60_000);
  assert.deepEqual(back.services.kafka, { up: true, error: null, code: null });
  const sales = back.streams.find((s) => s.topic === topic)?.kafka;
  assert.equal(sales?.messages, 40, 'the same offsets after the restart');
  assert.equal(sales?.partitions.length, 2);
  assert.match((await (await fetch(new URL('/metrics', dashboard.url))).text()), /^kch_service_up\{service="kafka"\} 1$/m);
  await pollUntil('the recovery in the dashboard log', async () => (lines.some((l) => /kafka answering again/.test(l)) ? true : undefined), 10_000);

  // Stopping the dashboard closes its client: its connections to the broker go away.
  await dashboard.stop();
  await pollUntil('the dashboard\'s connections closed', async () => {
    const ours = [...connectionsTo(options.port)];
    return ours.length === 0 ? true : undefined;
  }, 15_000);
});
