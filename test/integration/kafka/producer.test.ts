/** The producer across a broker restart: sends wait, nothing is lost, nothing is written twice. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createLogger } from '../../../src/output/log.js';
import { ensureTopics, listEndOffsets } from '../../../src/kafka/admin.js';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../../src/kafka/broker.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { defaultPomPath } from '../../../src/kafka/runtime.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';

const cacheDir = process.env.KCH_CACHE_DIR ? resolve(process.env.KCH_CACHE_DIR) : join(dirname(dirname(defaultPomPath())), '.kch', 'cache');


test('producer: a broker outage is one warning, sends resume after it, exactly once', { timeout: 240_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-producer-it-'));
  const lines: string[] = [];
  const log = createLogger('it', (line) => { lines.push(line); if (process.env.KCH_TEST_VERBOSE) process.stderr.write(line); });
  const options: StartBrokerOptions = {
    dataDir, cacheDir, host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(), heap: '256m', log: log.child('kafka'),
  };
  let broker: RunningBroker | undefined;
  t.after(async () => {
    await broker?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  broker = await startBroker(options);
  const topic = 'kch-it-outage';
  await ensureTopics(broker.bootstrap, [{ name: topic, partitions: 2 }]);
  const producer = createProducer({ bootstrap: broker.bootstrap, clientId: 'kch-it-outage', log: log.child('producer'), maxBackoffMs: 1_000 });
  t.after(() => producer.close());

  let acknowledged = 0;
  let stop = false;
  const sending = (async () => {
    for (let n = 0; !stop; ) {
      const batch = Array.from({ length: 50 }, () => ({ topic, value: JSON.stringify({ n: n++ }) }));
      await producer.send(batch);
      acknowledged += batch.length;
    }
  })();
  await pollUntil('500 acknowledged messages', async () => acknowledged >= 500 || undefined, 60_000, 20);

  await broker.stop();
  const duringOutage = acknowledged;
  // A window of the outage, not a wait for readiness: nothing may be acknowledged during it.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(acknowledged, duringOutage, 'nothing acknowledged while the broker is down');
  broker = await startBroker(options);
  await pollUntil('500 more acknowledged after the restart', async () => acknowledged >= duringOutage + 500 || undefined, 120_000, 20);
  stop = true;
  await sending;
  await producer.close();

  const offsets = await listEndOffsets(broker.bootstrap, [topic]);
  let total = 0;
  for (const offset of offsets.get(topic)?.values() ?? []) total += Number(offset);
  assert.equal(total, acknowledged, 'every acknowledged message is there exactly once');
  const warnings = lines.filter((line) => / producer +warn /.test(line));
  assert.equal(warnings.length, 1, `one warning for the outage, got:\n${warnings.join('')}`);
  assert.match(warnings[0] ?? '', /unreachable/);
  assert.ok(lines.some((line) => /reachable again/.test(line)), 'recovery logged');
});
