import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitForKafka } from '../../../src/kafka/admin.js';
import { arriving, lagOf, reportFrom, startUp, startVerify, summary, type UpStack } from './fixture.js';
import { pollUntil } from '../../support/wait.js';
import type { CliProcess } from '../../support/cli.js';
import { onCleanup } from '../../support/cleanup.js';


test('kill -9 of the Kafka broker while events flow at a steady rate: kch up restarts it and no acknowledged event is lost', async (t) => {
  const stack: UpStack = await startUp('kafkakill', { args: ['--no-generate'] });
  onCleanup(t, () => stack.stop());
  const verify: CliProcess = startVerify(['--count', '30000', '--rate', '1000', '--timeout', '3m'], stack.env);
  onCleanup(t, () => verify.stop());
  await arriving(verify, 2000);

  const broker = stack.brokerPid()!;
  const mark = stack.up.output.length;
  const killedAt = performance.now();
  process.kill(broker, 'SIGKILL');
  await stack.waitFor(/kafka exited with code 1 \(.*Kafka \(pid \d+\) was killed.*\); restarting in 1 s/, 30_000, mark);
  await stack.waitFor(/Kafka ready on /, 120_000, mark);
  await waitForKafka(stack.bootstrap, { timeoutMs: 30_000 });
  const brokerBack = (performance.now() - killedAt) / 1000;

  assert.equal(await verify.exited, 0, verify.output.slice(-4000));
  const report = reportFrom(verify.output);
  assert.equal(report.acknowledged, 30_000);
  assert.equal(report.lost, 0, `lost: ${report.lostSample.join(', ')}`);
  assert.equal(report.present, 30_000);
  assert.equal(report.dedupCount, 30_000, 'the _dedup views count each event once, duplicates or not');
  const offsets = await pollUntil('consumer lag back to 0', async () => {
    const now = await lagOf(stack.bootstrap, '');
    return now.lag === 0 ? now : undefined;
  }, 60_000);
  // The idempotent producer's retries across the outage did not write any event twice to Kafka:
  // duplicates, if any, come from ClickHouse re-reading what it wrote but could not commit.
  assert.equal(offsets.end, 30_000, 'messages in Kafka');
  summary('kafka kill -9', {
    'broker back after (s)': brokerBack.toFixed(1), acknowledged: report.acknowledged, 'messages in Kafka': offsets.end, lost: report.lost,
    'duplicated events': report.duplicated, 'extra rows': report.extraRows, 'freshness p99 (s)': (report.freshness.p99 / 1000).toFixed(1), 'max (s)': (report.freshness.max / 1000).toFixed(1),
  });
});
