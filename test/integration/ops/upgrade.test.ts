/**
 * Upgrading a pipeline that kch made when the Kafka engine parsed the JSON (before ClickHouse 25.8,
 * or before kch decoded in the views) on a server that decodes in the views: `kch migrate` leaves it
 * consuming as it was and reports the drift; `kch migrate --apply-drift` moves each stream over
 * while events flow, losing and repeating none.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyPlan } from '../../../src/migrate/apply.js';
import { createLogger } from '../../../src/output/log.js';
import { planPipeline } from '../../../src/pipeline/plan.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { CliProcess, runCli } from '../../support/cli.js';
import { services } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { numbers, testPipeline } from './support.js';

const { kafka, clickhouseUrl } = services();
const p = testPipeline('upgrade', kafka, clickhouseUrl);
let decoding = false;

before(async () => {
  const ops = await p.ops();
  decoding = ops.features.decodeInViews;
  if (!decoding) return;
  // The objects as an earlier kch made them on this server: the Kafka engine parses.
  const earlier = planPipeline(streams, ops.target, { ...ops.features, decodeInViews: false });
  await applyPlan(ops.client, earlier, createLogger('test', () => undefined), false, ops.features);
});
after(() => p.drop());

const total = async (): Promise<number[]> => numbers(p.client, 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements), (SELECT uniqExact(event_id) FROM sales) + (SELECT uniqExact(event_id) FROM stock_movements), (SELECT count() FROM sales_dead_letter) + (SELECT count() FROM warehouse_dead_letter)');

test('kch migrate leaves an earlier pipeline consuming and reports the drift; --apply-drift moves it to decoding in the view while events flow', async (t) => {
  if (!decoding) return t.skip('the server does not decode in the views');
  const first = await runCli(['generate', '--count', '2000', '--rate', 'max', '--seed', '31'], p.env);
  assert.equal(first.code, 0, first.stderr);
  await pollUntil('the first events', async () => ((await total())[0] === 2000 ? true : undefined), 60_000);

  const plain = await runCli(['migrate'], p.env);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stderr, /sales_decode_mv differs from its definition: is missing, and \S+\.sales_kafka it reads differs from its definition/);
  assert.match(plain.stdout, /differing \d+/);
  const [decodeViews] = await numbers(p.client, `SELECT count() FROM system.tables WHERE database = '${p.database}' AND name LIKE '%_decode_mv'`);
  assert.equal(decodeViews, 0, 'no view made on a Kafka table it cannot read');

  const generator = new CliProcess(['generate', '--count', '6000', '--rate', '600', '--seed', '32'], p.env);
  try {
    await pollUntil('events flowing', async () => ((await total())[0]! > 2300 ? true : undefined), 60_000);
    const applied = await runCli(['migrate', '--apply-drift'], p.env);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /evolved sales: /);
    assert.match(applied.stdout, /evolved warehouse: /);
    assert.equal(await generator.exited, 0, generator.output);
  } finally {
    await generator.stop();
  }
  const [rows, ids, letters] = await pollUntil('every event', async () => {
    const figures = await total();
    return figures[0]! >= 8000 ? figures : undefined;
  }, 120_000);
  assert.equal(rows, 8000, 'none lost, none twice');
  assert.equal(ids, 8000);
  assert.equal(letters, 0);
  const again = await runCli(['migrate'], p.env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do, all \d+ objects match the definition/);
  const [decoded] = await numbers(p.client, `SELECT count() FROM system.tables WHERE database = '${p.database}' AND name IN ('sales_decode_mv', 'warehouse_decode_mv', 'sales_decoded', 'warehouse_decoded')`);
  assert.equal(decoded, 4);
});
