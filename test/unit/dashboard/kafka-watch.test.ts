import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { KafkaWatch } from '../../../src/dashboard/kafka-watch.js';
import { readerFor, withRestartAdvice } from '../../../src/dashboard/queries.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { streams } from '../../../src/pipeline/streams/index.js';

test('the dashboard\'s advice for a service that does not answer holds under kch up and without it', async () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  const client = { query: () => Promise.reject(refused) } as unknown as ClickHouseClient;
  const error = await readerFor(client, 'http://127.0.0.1:8123').rows('SELECT 1', {}, 'asking').then(() => undefined, (e: unknown) => e as Error);
  assert.match(error!.message, /^cannot reach ClickHouse at http:\/\/127\.0\.0\.1:8123 \(ECONNREFUSED\); under kch up the local ClickHouse is restarted by itself; if you run the services yourself, start it with `kch clickhouse`, or point --clickhouse-url at a running one$/);
  const supervised = withRestartAdvice(new KchError(ErrorCodes.KAFKA_UNREACHABLE, 'cannot reach Kafka at 127.0.0.1:9092 (connect ECONNREFUSED 127.0.0.1:9092); start a local one with `kch kafka`, or point --kafka-brokers (KAFKA_BROKERS) at yours', { retriable: true }), 'kafka', { KCH_SUPERVISED: '1' }) as KchError;
  assert.equal(supervised.message, 'cannot reach Kafka at 127.0.0.1:9092 (connect ECONNREFUSED 127.0.0.1:9092); kch up restarts the local Kafka broker by itself; one given with --kafka-brokers is yours to restart');
  assert.equal(supervised.retriable, true);
  const timedOut = new KafkaWatch('127.0.0.1:9', { database: 'shop', topicPrefix: '', streams }, { timeoutMs: 1 });
  try {
    await assert.rejects(timedOut.offsets(), /(Kafka at 127\.0\.0\.1:9 did not answer within 0 s|cannot reach Kafka .*); under kch up the local Kafka broker is restarted by itself; if you run the services yourself, start it with `kch kafka`/);
  } finally {
    await timedOut.close();
  }
});
