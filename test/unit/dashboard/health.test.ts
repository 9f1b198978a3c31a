import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaWatch, lagOf, pipelineHealth } from '../../../src/dashboard/health.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { readerFor, withRestartAdvice, type Reader } from '../../../src/dashboard/queries.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { streams } from '../../../src/pipeline/streams/index.js';

// The lag and freshness rules themselves are tested once, in test/unit/ops/health-model.test.ts:
// here only that the dashboard reports the model's answers in its API's words.
test('the dashboard reports the one health model\'s lag per partition, in snake_case', () => {
  const kafka = lagOf(new Map([[1, 50n], [0, 120n], [2, 3n]]), new Map([[0, 100n], [1, 50n], [2, 10n]]));
  assert.deepEqual(kafka, {
    messages: 173,
    lag: 20,
    partitions: [
      { partition: 0, end_offset: 120, committed: 100, lag: 20, committed_ahead: false },
      { partition: 1, end_offset: 50, committed: 50, lag: 0, committed_ahead: false },
      { partition: 2, end_offset: 3, committed: 10, lag: 0, committed_ahead: true },
    ],
  });
  assert.deepEqual(lagOf(new Map(), new Map()), { messages: 0, lag: 0, partitions: [] });
});

test('a ClickHouse that answers "no such database" is up, with the database missing (not down)', async () => {
  const asked: string[] = [];
  // What the server answers for any query in a database that does not exist (UNKNOWN_DATABASE).
  const db: Reader = {
    rows(query) {
      asked.push(query);
      return Promise.reject(new KchError(ErrorCodes.CLICKHOUSE_QUERY, 'ClickHouse error 81 (UNKNOWN_DATABASE): Database shop does not exist.', { details: { code: '81', type: 'UNKNOWN_DATABASE' } }));
    },
  };
  const kafka = { offsets: () => Promise.resolve(new Map()) } as unknown as KafkaWatch;
  const { health, failures } = await pipelineHealth({ db, kafka, scope: { database: 'shop', topicPrefix: '', streams } }, 1);
  assert.deepEqual(failures, []);
  assert.deepEqual(health.services.clickhouse, { up: true, error: null, code: null });
  assert.equal(health.database_exists, false);
  assert.deepEqual(health.streams.map((s) => s.clickhouse), streams.map(() => ({ exists: false })));
  assert.ok(asked.length > 0);
});

test('a ClickHouse that does not answer is down and the database unknown', async () => {
  const db: Reader = { rows: () => Promise.reject(new KchError(ErrorCodes.CLICKHOUSE_UNREACHABLE, 'cannot reach ClickHouse', { retriable: true })) };
  const kafka = { offsets: () => Promise.resolve(new Map()) } as unknown as KafkaWatch;
  const { health } = await pipelineHealth({ db, kafka, scope: { database: 'shop', topicPrefix: '', streams } }, 1);
  assert.equal(health.services.clickhouse.up, false);
  assert.equal(health.database_exists, null);
});

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

test('/api/pipeline names a stream whose recent messages are mostly dead letters, in kch status\'s words', async () => {
  // What the server answers for each stream's one round trip: no rows lately, 40 dead letters.
  const db: Reader = {
    rows<T>() {
      return Promise.resolve([{ rows: '0', newest: '0', now: '1000', dead_letters: '40', recent_letters: ['40', 'Cannot parse input: expected \'{\''], arrivals: ['0', [], '0'] }] as T[]);
    },
  };
  const kafka = { offsets: () => Promise.resolve(new Map()) } as unknown as KafkaWatch;
  const { health } = await pipelineHealth({ db, kafka, scope: { database: 'shop', topicPrefix: '', streams } }, 1);
  const [sales] = health.streams;
  assert.deepEqual(sales!.clickhouse && sales!.clickhouse.exists ? sales!.clickhouse.recent : null, { window_seconds: 300, rows: 0, dead_letters: 40, newest_error: 'Cannot parse input: expected \'{\'' });
  assert.deepEqual(sales!.problems, ['mostly dead letters: 40 of 40 messages in the last 5 min (100 %) failed; newest error: Cannot parse input: expected \'{\' (kch dlq list sales)']);
});
