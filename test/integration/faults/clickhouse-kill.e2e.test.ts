import assert from 'node:assert/strict';
import { test } from 'node:test';
import { services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { arriving, lagOf, reportFrom, startUp, startVerify, summary } from './fixture.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka } = services();

test('kill -9 of ClickHouse while events flow: kch up restarts it, nothing is lost, duplicates are counted', async (t) => {
  const prefix = `${uniqueName('chkill')}_`;
  // The shared broker (only ClickHouse is killed here), this test's own topics.
  const stack = await startUp('chkill', { args: ['--no-generate'], externalKafka: kafka, env: { KCH_TOPIC_PREFIX: prefix } });
  onCleanup(t, () => stack.stop());
  const verify = startVerify(['--count', '30000', '--rate', '1000', '--timeout', '3m'], stack.env);
  onCleanup(t, () => verify.stop());
  await arriving(verify, 2000);

  const service = stack.servicePid('clickhouse')!;
  const mark = stack.up.output.length;
  const killedAt = performance.now();
  process.kill(service, 'SIGKILL');
  await stack.waitFor(/clickhouse killed by SIGKILL; restarting in 1 s/, 10_000, mark);
  await stack.waitFor(/clickhouse ready on /, 60_000, mark);
  const serviceBack = (performance.now() - killedAt) / 1000;
  // Consumption restarts once the killed consumers' group sessions expire (10 s).
  const before = (await lagOf(kafka, prefix)).committed;
  await pollUntil('offsets committed again', async () => ((await lagOf(kafka, prefix)).committed > before ? true : undefined), 60_000, 250);
  const consuming = (performance.now() - killedAt) / 1000;

  assert.equal(await verify.exited, 0, verify.output.slice(-4000));
  const report = reportFrom(verify.output);
  assert.equal(report.acknowledged, 30_000);
  assert.equal(report.lost, 0, `lost: ${report.lostSample.join(', ')}`);
  assert.equal(report.present, 30_000);
  assert.equal(report.dedupCount, 30_000, 'the _dedup views count each event once, duplicates or not');
  await pollUntil('consumer lag back to 0', async () => ((await lagOf(kafka, prefix)).lag === 0 ? true : undefined), 60_000);
  summary('clickhouse kill -9', {
    'service answering after (s)': serviceBack.toFixed(1), 'consuming again after (s)': consuming.toFixed(1),
    acknowledged: report.acknowledged, lost: report.lost, 'duplicated events': report.duplicated, 'extra rows': report.extraRows,
    'freshness p99 (s)': (report.freshness.p99 / 1000).toFixed(1), 'max (s)': (report.freshness.max / 1000).toFixed(1),
  });
});
