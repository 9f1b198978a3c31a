import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reader } from '../../../src/clickhouse/query.js';
import { kafkaVersionText, localKafkaOf, pipelineHealth, tableStats, type OffsetsSource } from '../../../src/health/gather.js';
import { pipelineJson } from '../../../src/health/json.js';
import { renderStatus } from '../../../src/health/text.js';
import { versionFromApis } from '../../../src/kafka/admin.js';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { streams } from '../../../src/pipeline/streams/index.js';

/** One look of the dashboard at a pipeline of the seed's streams, in the API's words. */
async function look(db: Reader, kafka: OffsetsSource): Promise<{ health: ReturnType<typeof pipelineJson>; failures: unknown[] }> {
  const { health, failures } = await pipelineHealth({ db, kafka, scope: { database: 'shop', topicPrefix: '', streams } }, 1);
  return { health: pipelineJson(health), failures };
}

test('a ClickHouse that answers "no such database" is up, with the database missing (not down)', async () => {
  const asked: string[] = [];
  // What the server answers for any query in a database that does not exist (UNKNOWN_DATABASE).
  const db: Reader = {
    rows(query) {
      asked.push(query);
      return Promise.reject(new KchError(ErrorCodes.CLICKHOUSE_QUERY, 'ClickHouse error 81 (UNKNOWN_DATABASE): Database shop does not exist.', { details: { code: '81', type: 'UNKNOWN_DATABASE' } }));
    },
  };
  const kafka: OffsetsSource = { offsets: () => Promise.resolve(new Map()) };
  const { health, failures } = await look(db, kafka);
  assert.deepEqual(failures, []);
  assert.deepEqual(health.services.clickhouse, { up: true, error: null, code: null });
  assert.equal(health.database_exists, false);
  assert.deepEqual(health.streams.map((s) => s.clickhouse), streams.map(() => ({ exists: false })));
  assert.ok(asked.length > 0);
});

test('a ClickHouse that does not answer is down and the database unknown', async () => {
  const db: Reader = { rows: () => Promise.reject(new KchError(ErrorCodes.CLICKHOUSE_UNREACHABLE, 'cannot reach ClickHouse', { retriable: true })) };
  const kafka: OffsetsSource = { offsets: () => Promise.resolve(new Map()) };
  const { health } = await look(db, kafka);
  assert.equal(health.services.clickhouse.up, false);
  assert.equal(health.database_exists, null);
});

test('/api/pipeline names a stream whose recent messages are mostly dead letters, in kch status\'s words', async () => {
  // What the server answers for each stream's one round trip: no rows lately, 40 dead letters.
  const db: Reader = {
    rows<T>() {
      return Promise.resolve([{ rows: '0', newest: '0', now: '1000', dead_letters: '40', recent_letters: ['40', 'Cannot parse input: expected \'{\''], arrivals: ['0', [], '0'] }] as T[]);
    },
  };
  const kafka: OffsetsSource = { offsets: () => Promise.resolve(new Map()) };
  const { health } = await look(db, kafka);
  const [sales] = health.streams;
  assert.deepEqual(sales!.clickhouse && sales!.clickhouse.exists ? sales!.clickhouse.recent : null, { window_seconds: 300, rows: 0, dead_letters: 40, newest_error: 'Cannot parse input: expected \'{\'' });
  assert.deepEqual(sales!.problems, ['mostly dead letters: 40 of 40 messages in the last 5 min (100 %) failed; newest error: Cannot parse input: expected \'{\' (kch dlq list sales)']);
});

test('Kafka\'s release: exact for the local broker, else the least its API versions allow', () => {
  const v = (apiKey: number, minVersion: number, maxVersion: number) => ({ apiKey, minVersion, maxVersion });
  const kafka44 = [v(0, 3, 13), v(1, 4, 18), v(2, 1, 10), v(10, 0, 6), v(11, 2, 9), v(18, 0, 4)];
  const kafka38 = [v(0, 0, 11), v(1, 0, 16), v(2, 0, 8), v(10, 0, 5), v(11, 0, 9)];
  const kafka37 = [v(0, 0, 10), v(1, 0, 16), v(2, 0, 8), v(10, 0, 4), v(11, 0, 9)];
  const kafka32 = [v(0, 0, 9), v(1, 0, 13), v(2, 0, 7), v(10, 0, 4), v(11, 0, 9)];
  const kafka28 = [v(0, 0, 9), v(1, 0, 12), v(2, 0, 6), v(10, 0, 3), v(11, 0, 7)];
  const kafka27 = [v(0, 0, 8), v(1, 0, 12), v(2, 0, 5), v(10, 0, 3), v(11, 0, 7)];
  assert.deepEqual([kafka44, kafka38, kafka37, kafka32, kafka28, kafka27].map(versionFromApis), ['4.0', '3.8', '3.7', '3.2', '2.8', undefined]);
  assert.equal(kafkaVersionText('abc', kafka44, [{ clusterId: 'abc', version: '4.4.0' }]), '4.4.0');
  assert.equal(kafkaVersionText('abc', kafka44, [{ clusterId: 'old', version: '4.3.0' }, { clusterId: 'abc', version: '4.4.0' }]), '4.4.0', 'a folder with a single broker and a cluster');
  assert.equal(kafkaVersionText('other', kafka44, [{ clusterId: 'abc', version: '4.4.0' }]), '≥ 4.0 (from its API versions)');
  assert.equal(kafkaVersionText('other', kafka27), 'older than 2.8 (from its API versions)');
  assert.match(renderStatus({ at: new Date(0).toISOString(), healthy: true, windowSeconds: 0, streams: [], kafka: { reachable: true, address: 'k:9092', version: '≥ 4.0 (from its API versions)' }, clickhouse: { reachable: true, address: 'http://127.0.0.1:8123', version: '26.7.2.1' } }), /^kafka\s+up\s+k:9092\s+Kafka ≥ 4\.0 \(from its API versions\)/);
});

test('the local broker is known by the cluster id kch kafka keeps in the data folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kch-status-'));
  try {
    assert.deepEqual(await localKafkaOf(dir), [], 'no local broker there');
    await mkdir(join(dir, 'kafka'));
    await writeFile(join(dir, 'kafka', 'cluster-id'), 'WNYCzxuLOZ2BrmzxHE49Mw\n');
    // No running broker: the release kch kafka starts (kafka/pom.xml).
    assert.deepEqual(await localKafkaOf(dir), [{ clusterId: 'WNYCzxuLOZ2BrmzxHE49Mw', version: '4.4.0' }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a stream\'s tables are read in one round trip; pending dead letters only when asked, none counted without the table', async () => {
  const asked: string[] = [];
  const db: Reader = {
    rows<T>(query: string) {
      asked.push(query);
      return Promise.resolve([{ rows: '120', newest: '990', now: '1000', dead_letters: '7', pending: '3', recent_letters: ['2', 'bad'], arrivals: ['60', [[960, '60']], '90'] }] as T[]);
    },
  };
  const names = { stream: 'sales', target: 'shop.sales', deadLetter: 'shop.sales_dead_letter' };
  const status = await tableStats(db, names, { pending: true });
  assert.equal(asked.length, 1);
  assert.match(asked[0]!, /countIf\(replayed = 0\)/);
  assert.deepEqual(status, {
    rows: 120, deadLetters: 7, deadLettersPending: 3, newestRowAt: new Date(990_000).toISOString(), freshnessSeconds: 10, rowsPerSecond: 1,
    ingest: { minutes: [new Date(960_000).toISOString()], rows: [60] }, recent: { windowSeconds: 300, rows: 90, deadLetters: 2, newestError: 'bad' },
  });
  const dashboard = await tableStats(db, names);
  assert.doesNotMatch(asked[1]!, /replayed/);
  assert.equal(dashboard.deadLettersPending, null);
  const without = await tableStats(db, names, { deadLetterExists: false, pending: true });
  assert.doesNotMatch(asked[2]!, /sales_dead_letter/);
  assert.deepEqual([without.deadLetters, without.deadLettersPending], [null, null]);
});
