import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, renderStatus, type StatusReport, type StreamStatus } from '../../../src/ops/status.js';

function stream(over: Partial<StreamStatus> = {}): StreamStatus {
  return {
    name: 'sales', topic: 'sales', group: 'clickhouse_sales_consumer', kafkaTable: 'default.sales_kafka', target: 'default.sales',
    deadLetter: 'default.sales_dead_letter', consumption: 'consuming', groupState: 'STABLE', groupMembers: 1,
    partitions: [{ partition: 0, committed: 100, end: 100, lag: 0 }], lag: 0, rows: 100, rowsPerSecond: 1.5, freshnessSeconds: 2,
    parts: 3, deadLetters: 1, deadLettersPending: 1, consumers: null, missingViews: [], health: 'ok', problems: [], ...over,
  };
}

function report(at: number, streams: StreamStatus[], over: Partial<StatusReport> = {}): StatusReport {
  return {
    at: new Date(at).toISOString(), healthy: true, windowSeconds: 0, streams,
    kafka: { reachable: true, address: '127.0.0.1:9092', version: '4.0 or later' },
    clickhouse: { reachable: true, address: 'http://127.0.0.1:8123', version: '26.7.2.1' },
    ...over,
  };
}

const lagging = (committed: number, end: number, over: Partial<StreamStatus> = {}): StreamStatus =>
  stream({ partitions: [{ partition: 0, committed, end, lag: end - committed }], lag: end - committed, ...over });

test('a stream with no lag is healthy', () => {
  const judged = judge(report(2000, [stream()]), report(0, [stream()]));
  assert.equal(judged.healthy, true);
  assert.equal(judged.streams[0]!.health, 'ok');
  assert.equal(judged.windowSeconds, 2);
});

test('a lag with no offset committed between the looks is a stopped consumer', () => {
  const judged = judge(report(3000, [lagging(100, 250)]), report(0, [lagging(100, 200)]));
  assert.equal(judged.healthy, false);
  assert.deepEqual(judged.streams[0]!.problems, ['consumer stopped: lag 150 and no offset committed in 3 s']);
});

test('a consumer that read messages between the looks is not stopped, even before it commits', () => {
  const consumer = (read: number) => [{ id: 'c', partitions: [0], lastPoll: null, lastCommit: null, messagesRead: read, lastException: null, lastExceptionAt: null }];
  const judged = judge(report(2000, [lagging(100, 200, { consumers: consumer(40) })]), report(0, [lagging(100, 200, { consumers: consumer(10) })]));
  assert.equal(judged.healthy, true);
  const idle = judge(report(2000, [lagging(100, 200, { consumers: consumer(10) })]), report(0, [lagging(100, 200, { consumers: consumer(10) })]));
  assert.equal(idle.healthy, false, 'holding partitions without reading is not enough');
});

test('a consumer that reads on but fails to write and commits nothing is stopped, with its error', () => {
  const failing = (read: number, errorAt: number) => [{ id: 'c', partitions: [0], lastPoll: null, lastCommit: null, messagesRead: read,
    lastException: 'Table default.stock_movements does not exist', lastExceptionAt: new Date(errorAt).toISOString() }];
  const judged = judge(report(3000, [lagging(100, 250, { consumers: failing(300, 2500) })]), report(0, [lagging(100, 250, { consumers: failing(150, 0) })]));
  assert.equal(judged.healthy, false);
  assert.match(judged.streams[0]!.problems.join('; '), /consumer stopped: lag 150 and no offset committed in 3 s; last error: Table default.stock_movements does not exist/);
  const oldError = judge(report(60_000, [lagging(100, 250, { consumers: failing(300, 0) })]), report(57_000, [lagging(100, 250, { consumers: failing(150, 0) })]));
  assert.equal(oldError.healthy, true, 'an error from before the window does not stop a consumer that reads on');
});

test('a lag that grew by more than was produced in the window is falling behind; a burst it keeps up with is not', () => {
  const burst = judge(report(2000, [lagging(350, 400)]), report(0, [lagging(190, 200)]));
  assert.deepEqual(burst.streams[0]!.problems, []);
  const worse = judge(report(2000, [lagging(110, 400)]), report(0, [lagging(100, 250)]));
  assert.deepEqual(worse.streams[0]!.problems, ['falling behind: lag grew from 150 to 290 in 2 s']);
  const catching = judge(report(2000, [lagging(300, 400)]), report(0, [lagging(100, 350)]));
  assert.equal(catching.healthy, true);
});

test('a paused stream is not unhealthy, whatever its lag', () => {
  const judged = judge(report(2000, [lagging(100, 900, { consumption: 'paused' })]), report(0, [lagging(100, 500, { consumption: 'paused' })]));
  assert.equal(judged.healthy, true);
  assert.equal(judged.streams[0]!.health, 'paused');
});

test('a service that does not answer, a missing Kafka table or missing views are unhealthy', () => {
  const down = judge(report(0, [stream()], { kafka: { reachable: false, address: 'x:1', error: 'cannot reach Kafka' } }));
  assert.equal(down.healthy, false);
  assert.match(down.streams[0]!.problems[0]!, /Kafka does not answer/);
  const missing = judge(report(0, [stream({ consumption: 'missing', rows: null })]));
  assert.deepEqual(missing.streams[0]!.problems, ['no Kafka table default.sales_kafka: run kch migrate']);
  const viewless = judge(report(0, [stream({ missingViews: ['default.sales_mv'] })]));
  assert.match(viewless.streams[0]!.problems[0]!, /default\.sales_mv missing: the Kafka table feeds nothing/);
});

test('one look is enough for what needs no trend; the screen shows services, streams, partitions and problems', () => {
  const judged = judge(report(0, [lagging(100, 250)]));
  assert.equal(judged.healthy, true, 'no second look, no verdict on the lag');
  const text = renderStatus(judge(report(3000, [lagging(100, 250)]), report(0, [lagging(100, 200)])));
  assert.match(text, /^kafka\s+up\s+127\.0\.0\.1:9092\s+Kafka 4\.0 or later/);
  assert.match(text, /\nclickhouse up\s+http:\/\/127\.0\.0\.1:8123\s+ClickHouse 26\.7\.2\.1/);
  assert.match(text, /STREAM\s+STATE\s+HEALTH\s+GROUP\s+LAG\s+ROWS\s+ROWS\/S\s+NEWEST\s+PARTS\s+DEAD LETTERS/);
  assert.match(text, /\nsales\s+consuming\s+unhealthy\s+stable \(1\)\s+150\s+100\s+1\.5\s+2 s ago\s+3\s+1 \(1 pending\)/);
  assert.match(text, /\nsales: p0 100\/250 lag 150/);
  assert.match(text, /\nsales: consumer stopped/);
  assert.match(text, /UNHEALTHY\n$/);
});
