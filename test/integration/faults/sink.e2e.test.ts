/**
 * `--ingest sink` under faults, on the real broker and the embedded ClickHouse: while `kch verify`
 * produces good and malformed events to two partitions per stream, the sink is killed with
 * SIGKILL, a second sink instance joins the group and leaves it (two rebalances), and the
 * embedded ClickHouse is killed with SIGKILL. Every acknowledged event is in ClickHouse, none
 * twice in the target tables themselves (not only in the dedup views), and every malformed
 * message is in the dead letters exactly once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rows } from '../../../src/clickhouse/query.js';
import { CliProcess } from '../../support/cli.js';
import { services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { arriving, lagOf, startUp, startVerify, summary, verifiedReport } from './fixture.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka } = services();

test('--ingest sink: kill -9 of the sink, a second sink joining and leaving, kill -9 of ClickHouse: 0 lost, 0 duplicated rows, each dead letter once', async (t) => {
  const prefix = `${uniqueName('sink')}_`;
  const stack = await startUp('sink', { args: ['--no-generate', '--ingest', 'sink', '--partitions', '2'], externalKafka: kafka, env: { KCH_TOPIC_PREFIX: prefix } });
  onCleanup(t, () => stack.stop());
  assert.match(stack.up.output, /sink +pid \d+/);
  const env = { ...stack.env, KCH_INGEST: 'sink' };
  const verify = startVerify(['--count', '50000', '--rate', '1250', '--bad-ratio', '0.02', '--timeout', '3m'], env);
  onCleanup(t, () => verify.stop());
  await arriving(verify, 3000);

  // 1. The sink, killed wherever it is: reading, recording a range, inserting or committing.
  let mark = stack.up.output.length;
  process.kill(stack.servicePid('sink')!, 'SIGKILL');
  await stack.waitFor(/sink killed by SIGKILL; restarting/, 10_000, mark);
  await stack.waitFor(/sink restarted/, 30_000, mark);

  // 2. A second instance joins the group (the partitions are shared out again), then leaves.
  await arriving(verify, 12_000);
  const second = new CliProcess(['sink'], env);
  onCleanup(t, () => second.stop());
  await pollUntil('the second sink inserting', async () => {
    if (second.child.exitCode !== null) throw new Error(second.output);
    return /inserted \d+ messages/.test(second.output) ? true : undefined;
  }, 90_000, 250);
  assert.equal(await second.stop('SIGTERM'), 0, second.output);

  // 3. The embedded ClickHouse, killed while the sink inserts into it.
  await arriving(verify, 24_000);
  mark = stack.up.output.length;
  process.kill(stack.servicePid('clickhouse')!, 'SIGKILL');
  await stack.waitFor(/clickhouse ready on /, 60_000, mark);

  const report = await verifiedReport(verify, 50_000);
  assert.equal(report.duplicated, 0, `events written twice into the target tables: ${report.duplicated} (${report.extraRows} extra rows)`);
  assert.equal(report.extraRows, 0);
  assert.ok(report.badSent > 0, 'malformed events were sent');
  assert.equal(report.badAccepted, 0);
  assert.equal(report.goodRejected, 0);

  // Every message is in exactly one of the two tables of its stream, once.
  const client = stack.client();
  for (const [target, deadLetter] of [['sales', 'sales_dead_letter'], ['stock_movements', 'warehouse_dead_letter']] as const) {
    const [dead] = await rows<{ rows: string; distinct: string }>(client, `SELECT count() AS rows, uniqExact(partition, offset) AS distinct FROM ${deadLetter}`);
    assert.equal(dead!.rows, dead!.distinct, `${deadLetter}: a dead letter written twice`);
    const [kept] = await rows<{ rows: string; distinct: string }>(client, `SELECT count() AS rows, uniqExact(event_id) AS distinct FROM ${target}`);
    assert.equal(kept!.rows, kept!.distinct, `${target}: an event written twice`);
  }
  await pollUntil('the sink commits everything', async () => ((await lagOf(kafka, prefix)).lag === 0 ? true : undefined), 60_000);
  const reformed = (stack.up.output.match(/formed again to the same range/g) ?? []).length;
  summary('sink under faults', {
    acknowledged: report.acknowledged, lost: report.lost, 'duplicated events': report.duplicated, 'dead letters': report.deadLetters,
    'batches formed again': reformed, 'freshness p99 (s)': (report.freshness.p99 / 1000).toFixed(1), 'max (s)': (report.freshness.max / 1000).toFixed(1),
  });
});

test('--ingest sink: kill -9 of the Kafka broker while events flow: the sink waits for it, 0 lost, 0 duplicated rows', async (t) => {
  const stack = await startUp('sinkbroker', { args: ['--no-generate', '--ingest', 'sink'] });
  onCleanup(t, () => stack.stop());
  const verify = startVerify(['--count', '30000', '--rate', '1000', '--timeout', '3m'], { ...stack.env, KCH_INGEST: 'sink' });
  onCleanup(t, () => verify.stop());
  await arriving(verify, 2000);

  const mark = stack.up.output.length;
  process.kill(stack.brokerPid()!, 'SIGKILL');
  await stack.waitFor(/Kafka ready on /, 120_000, mark);

  const report = await verifiedReport(verify, 30_000);
  assert.equal(report.duplicated, 0, `events written twice into the target tables: ${report.duplicated} (${report.extraRows} extra rows)`);
  await pollUntil('the sink commits everything', async () => ((await lagOf(stack.bootstrap, '')).lag === 0 ? true : undefined), 90_000);
  summary('sink, kafka kill -9', {
    acknowledged: report.acknowledged, lost: report.lost, 'duplicated events': report.duplicated,
    'freshness p99 (s)': (report.freshness.p99 / 1000).toFixed(1), 'max (s)': (report.freshness.max / 1000).toFixed(1),
  });
});
