import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentError, deadLetterProblem, judge } from '../../../src/health/judge.js';
import type { ConsumerStatus, StatusReport, StreamStatus } from '../../../src/health/model.js';
import { renderStatus } from '../../../src/health/text.js';

function stream(over: Partial<StreamStatus> = {}): StreamStatus {
  return {
    name: 'sales', topic: 'sales', group: 'clickhouse_sales_consumer', kafkaTable: 'default.sales_kafka', target: 'default.sales',
    deadLetter: 'default.sales_dead_letter', consumption: 'consuming', ingest: 'engine', groupState: 'STABLE', groupMembers: 1,
    partitions: [{ partition: 0, committed: 100, end: 100, lag: 0, committedAhead: false }], lag: 0, rows: 100, rowsPerSecond: 1.5, freshnessSeconds: 2,
    parts: 3, deadLetters: 1, deadLettersPending: 1, recent: { rows: 90, deadLetters: 1, newestError: 'quantity: must be between 1 and 100' },
    consumers: null, missingViews: [], health: 'ok', problems: [], ...over,
  };
}

function report(at: number, streams: StreamStatus[], over: Partial<StatusReport> = {}): StatusReport {
  return {
    at: new Date(at).toISOString(), healthy: true, windowSeconds: 0, streams,
    kafka: { reachable: true, address: '127.0.0.1:9092', version: '4.4.0' },
    clickhouse: { reachable: true, address: 'http://127.0.0.1:8123', version: '26.7.2.1' },
    ...over,
  };
}

const lagging = (committed: number, end: number, over: Partial<StreamStatus> = {}): StreamStatus =>
  stream({ partitions: [{ partition: 0, committed, end, lag: end - committed, committedAhead: false }], lag: end - committed, ...over });

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
  assert.match(text, /^kafka\s+up\s+127\.0\.0\.1:9092\s+Kafka 4\.4\.0/);
  assert.match(text, /\nclickhouse up\s+http:\/\/127\.0\.0\.1:8123\s+ClickHouse 26\.7\.2\.1/);
  assert.match(text, /STREAM\s+STATE\s+HEALTH\s+GROUP\s+LAG\s+ROWS\s+ROWS\/S\s+NEWEST\s+PARTS\s+DEAD LETTERS/);
  assert.match(text, /\nsales\s+consuming\s+unhealthy\s+stable \(1\)\s+150\s+100\s+1\.5\s+2 s ago\s+3\s+1 \(1 pending\)/);
  assert.match(text, /\nsales: p0 100\/250 lag 150/);
  assert.match(text, /\nsales: consumer stopped/);
  assert.match(text, /UNHEALTHY\n$/);
});

const at = (seconds: number): string => new Date(seconds * 1000).toISOString();
const consumer = (over: Partial<ConsumerStatus>): ConsumerStatus => ({
  id: 'c', partitions: [0], lastPoll: at(100), lastCommit: at(90), messagesRead: 10, lastException: null, lastExceptionAt: null, ...over,
});
const brokersDown = '[thrd:127.0.0.1:9092/bootstrap]: 2/2 brokers are down\n0. ? @ 0x1';

test('a consumer\'s last exception shows only while it stands: not once a later poll or commit worked', () => {
  // Recovered: the outage's error is older than the polls of a consumer holding its partitions again.
  const recovered = consumer({ lastException: brokersDown, lastExceptionAt: at(60), lastPoll: at(100) });
  assert.equal(currentError(recovered), null);
  const text = renderStatus(judge(report(2000, [stream({ consumers: [recovered] })]), report(0, [stream({ consumers: [recovered] })])));
  assert.doesNotMatch(text, /brokers are down/, 'a healthy, recovered consumer shows no error');
  assert.match(text, /healthy\n$/);
  assert.equal(currentError(consumer({ lastException: 'x', lastExceptionAt: at(95), lastPoll: at(95), lastCommit: at(96) })), null, 'committed since');
  // Standing: a write that fails after its poll; a broker still away (no partitions, errors keep coming).
  const failing = consumer({ lastException: 'Cannot reserve 1.00 MiB, not enough space', lastExceptionAt: at(100), lastPoll: at(100) });
  assert.equal(currentError(failing), 'Cannot reserve 1.00 MiB, not enough space');
  assert.match(renderStatus(judge(report(0, [stream({ consumers: [consumer({}), failing] })]))), /\nsales: consumer error: Cannot reserve 1\.00 MiB/);
  const away = consumer({ partitions: [], lastException: brokersDown, lastExceptionAt: at(95), lastPoll: at(100) });
  assert.match(currentError(away)!, /brokers are down/);
  assert.equal(currentError({ ...away, lastPoll: at(95 + 31) }), null, 'an idle member polling 30 s without a new error is past it');
  assert.equal(currentError(consumer({ lastException: 'x', lastExceptionAt: at(100), lastPoll: null, lastCommit: null })), 'x');
});

test('the "consumer stopped" reason names a standing error only', () => {
  const stale = [consumer({ messagesRead: 10, lastException: brokersDown, lastExceptionAt: at(1), lastPoll: at(1000), lastCommit: null })];
  const judged = judge(report(3000, [lagging(100, 250, { consumers: stale })]), report(0, [lagging(100, 200, { consumers: stale })]));
  assert.deepEqual(judged.streams[0]!.problems, ['consumer stopped: lag 150 and no offset committed in 3 s']);
});

test('a stream moved by kch sink says so in its state', () => {
  const text = renderStatus(report(0, [stream({ ingest: 'sink' }), stream({ name: 'warehouse' })]));
  assert.match(text, /sales +consuming \(sink\) +ok/);
  assert.match(text, /warehouse +consuming +ok/);
});

test('on a cluster each replica shows the partitions it consumes; one holding none of a topic with one per server is named at both looks', () => {
  const twoPartitions = stream({ partitions: [0, 1].map((partition) => ({ partition, committed: 50, end: 50, lag: 0, committedAhead: false })) });
  const replicas = (second: readonly number[]): StatusReport['replicas'] => [
    { host: 'ch-1:9000', shard: 1, reachable: true, streams: { sales: { rows: 100, deadLetters: 0 } }, consumes: { sales: [0, 1] } },
    { host: 'ch-2:9000', shard: 1, reachable: true, streams: { sales: { rows: 100, deadLetters: 0 } }, consumes: { sales: second } },
  ];
  const idle = judge(report(2000, [twoPartitions], { replicas: replicas([]) }), report(0, [twoPartitions], { replicas: replicas([]) }));
  assert.equal(idle.streams[0]!.health, 'unhealthy');
  assert.deepEqual(idle.streams[0]!.problems, ['replica ch-2:9000 consumes no partition of sales (2 partitions for 2 servers): its Kafka table stopped or was left out of the group']);
  assert.match(renderStatus(idle), /replica ch-1:9000 \(shard 1\) up: sales 100 rows, 0 dead letters, partitions 0, 1, lag 0\n.*replica ch-2:9000 \(shard 1\) up: sales 100 rows, 0 dead letters, no partition/);
  // A rebalance empties a member for a moment: one look without a partition is not a problem.
  assert.equal(judge(report(2000, [twoPartitions], { replicas: replicas([]) }), report(0, [twoPartitions], { replicas: replicas([1]) })).streams[0]!.health, 'ok');
  // One partition for two servers: one of them idles, as it should.
  assert.equal(judge(report(2000, [stream()], { replicas: replicas([]) }), report(0, [stream()], { replicas: replicas([]) })).streams[0]!.health, 'ok');
});

test('on a cluster a server that holds its partitions and commits none of them while the other commits is named; the stream is not "stopped"', () => {
  const look = (p0: [number, number], p1: [number, number]): StreamStatus => {
    const partitions = [p0, p1].map(([committed, end], partition) => ({ partition, committed, end, lag: end - committed, committedAhead: false }));
    return stream({ partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) });
  };
  const replicas: StatusReport['replicas'] = [
    { host: 'ch-1:9000', shard: 1, reachable: true, streams: { sales: { rows: 100, deadLetters: 0 } }, consumes: { sales: [0] } },
    { host: 'ch-2:9000', shard: 1, reachable: true, streams: { sales: { rows: 100, deadLetters: 0 } }, consumes: { sales: [1] } },
  ];
  const judged = judge(report(5000, [look([70, 80], [50, 80])], { replicas }), report(0, [look([50, 60], [50, 60])], { replicas }));
  assert.deepEqual(judged.streams[0]!.problems, ['replica ch-2:9000 holds partition 1 of sales and committed none in 5 s (lag 30): its Kafka table stopped reading']);
  // Both moving: nothing to say. Both stuck: the stream's consumer stopped, said once for it.
  assert.deepEqual(judge(report(5000, [look([70, 80], [70, 80])], { replicas }), report(0, [look([50, 60], [50, 60])], { replicas })).streams[0]!.problems, []);
  const both = judge(report(5000, [look([50, 80], [50, 80])], { replicas }), report(0, [look([50, 60], [50, 60])], { replicas })).streams[0]!.problems;
  assert.equal(both.length, 1);
  assert.match(both[0]!, /^consumer stopped: lag 60/);
  // Partitions that moved between the looks (a rebalance) are not judged.
  const moved: StatusReport['replicas'] = [{ ...replicas[0]!, consumes: { sales: [0, 1] } }, { ...replicas[1]!, consumes: { sales: [] } }];
  assert.deepEqual(judge(report(5000, [look([70, 80], [50, 80])], { replicas }), report(0, [look([50, 60], [50, 60])], { replicas: moved })).streams[0]!.problems, []);
});

test('a cluster whose server cannot tell which partitions each replica holds says so once', () => {
  const text = renderStatus(report(0, [stream()], { replicas: [{ host: 'ch-1:9000', shard: 1, reachable: true, streams: { sales: { rows: 1, deadLetters: 0 } } }] }));
  assert.match(text, /replica ch-1:9000 \(shard 1\) up: sales 1 rows, 0 dead letters\n +which partitions each replica consumes: not told by this server \(system\.kafka_consumers, ClickHouse 23\.8\+\), nor by Kafka \(its group members cannot be told apart by address\)/);
});

test('most recent messages dead letters: unhealthy at one look, naming the share and the newest error; exit code follows healthy', () => {
  const failing = stream({ rows: 0, deadLetters: 100, deadLettersPending: 100, recent: { rows: 0, deadLetters: 100, newestError: 'quantity: must be between 1 and 100\nat row 3' } });
  const judged = judge(report(0, [failing]));
  assert.equal(judged.healthy, false);
  assert.equal(judged.streams[0]!.health, 'unhealthy');
  assert.deepEqual(judged.streams[0]!.problems, ['mostly dead letters: 100 of 100 messages in the last 5 min (100 %) failed; newest error: quantity: must be between 1 and 100 (kch dlq list sales)']);
  const text = renderStatus(judged);
  assert.match(text, /\nsales +consuming +unhealthy .* 100 \(100 pending\)\n/);
  assert.match(text, /\nsales: mostly dead letters: 100 of 100 messages in the last 5 min \(100 %\) failed; newest error: quantity: must be between 1 and 100 \(kch dlq list sales\)\n/);
  assert.match(text, /UNHEALTHY\n$/);
  // Paused or not: the dashboard, which does not know, judges it the same.
  assert.equal(judge(report(0, [{ ...failing, consumption: 'paused' }])).streams[0]!.health, 'unhealthy');
});

test('dead letters make a stream unhealthy only when they are most of a recent window with at least a few of them', () => {
  const recent = (rows: number, deadLetters: number): Parameters<typeof deadLetterProblem>[1] => ({ rows, deadLetters, newestError: 'bad' });
  // Yesterday's dead letters alone: the window holds none.
  const old = judge(report(0, [stream({ rows: 0, deadLetters: 5000, deadLettersPending: 5000, recent: recent(0, 0) })]));
  assert.equal(old.healthy, true);
  assert.equal(deadLetterProblem('s', recent(10, 10)), null, 'half is not most');
  assert.match(deadLetterProblem('s', recent(9, 11))!, /^mostly dead letters: 11 of 20 messages in the last 5 min \(55 %\) failed; newest error: bad \(kch dlq list s\)$/);
  assert.equal(deadLetterProblem('s', recent(0, 9)), null, 'nine bad messages of a quiet stream are no verdict');
  assert.match(deadLetterProblem('s', recent(0, 10))!, /10 of 10 .*\(100 %\)/);
  assert.match(deadLetterProblem('s', recent(1999, 2001))!, /: 2,001 of 4,000 messages/, 'the counts say what a rounded share cannot');
  assert.equal(deadLetterProblem('s', null), null, 'not known: no verdict');
  assert.match(deadLetterProblem('s', { rows: 0, deadLetters: 12, newestError: `${'x'.repeat(300)}\nsecond line` })!, /newest error: x{200}… \(kch dlq list s\)$/);
  assert.doesNotMatch(deadLetterProblem('s', { rows: 0, deadLetters: 12, newestError: null })!, /newest error/);
});

test('a FAILED connector or task of kch cdc is unhealthy, with the first line of its trace; a running one is shown and healthy', () => {
  const connector = (state: string, task: string) => ({ name: 'kch-inventory', stream: 'inventory', table: 'public.inventory', state, tasks: [{ id: 0, state: task }], error: task === 'FAILED' ? 'org.apache.kafka.connect.errors.ConnectException: slot in use' : null });
  const connect = (state: string, task: string) => ({ reachable: true, address: 'http://127.0.0.1:8083', version: '4.3.0', connectors: [connector(state, task)], problems: [] });
  const running = judge(report(2000, [stream()], { connect: connect('RUNNING', 'RUNNING') }), report(0, [stream()]));
  assert.equal(running.healthy, true);
  assert.match(renderStatus(running), /connect +up +http:\/\/127\.0\.0\.1:8083 +Kafka Connect 4\.3\.0[^\n]*\n +kch-inventory RUNNING \(task 0 RUNNING\): public\.inventory → stream inventory/);
  const failed = judge(report(2000, [stream()], { connect: connect('RUNNING', 'FAILED') }), report(0, [stream()]));
  assert.equal(failed.healthy, false);
  assert.deepEqual(failed.connect?.problems, ['connector kch-inventory (stream inventory): task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: slot in use (fix the cause, then POST http://127.0.0.1:8083/connectors/kch-inventory/restart?includeTasks=true)']);
  assert.match(renderStatus(failed), /connect: connector kch-inventory \(stream inventory\): task 0 FAILED[^\n]*\nUNHEALTHY\n$/);
});

test('a Kafka Connect worker asked for that does not answer is unhealthy', () => {
  const judged = judge(report(2000, [stream()], { connect: { reachable: false, address: 'http://127.0.0.1:8083', error: 'cannot reach Kafka Connect at http://127.0.0.1:8083 (ECONNREFUSED)', connectors: [], problems: [] } }));
  assert.equal(judged.healthy, false);
  assert.match(judged.connect!.problems[0]!, /^Kafka Connect does not answer at http:\/\/127\.0\.0\.1:8083: cannot reach/);
});
