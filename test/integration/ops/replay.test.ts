import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { runCli } from '../../support/cli.js';
import { services } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { numbers, testPipeline } from './support.js';

const { kafka, clickhouseUrl } = services();
const p = testPipeline('replay', kafka, clickhouseUrl);

before(async () => {
  const migrated = await runCli(['migrate'], p.env);
  assert.equal(migrated.code, 0, migrated.stderr);
});
after(() => p.drop());

async function generate(count: number, seed: number, ...extra: string[]): Promise<{ sales: number; warehouse: number; malformed: number }> {
  const result = await runCli(['generate', '--count', String(count), '--rate', 'max', '--seed', String(seed), ...extra], p.env);
  assert.equal(result.code, 0, result.stderr);
  const acked = /generated \d+ events acknowledged by Kafka \(([^)]*)\)/.exec(result.stdout);
  assert.ok(acked, result.stdout);
  const perTopic = Object.fromEntries(acked[1]!.split(', ').map((part) => { const [t, n] = part.split(' '); return [t!.replace(p.prefix, ''), Number(n)]; }));
  const malformed = /; (\d+) of them malformed/.exec(result.stdout);
  return { sales: perTopic.sales ?? 0, warehouse: perTopic.warehouse ?? 0, malformed: malformed ? Number(malformed[1]) : 0 };
}

const all = (table: string): Promise<number[]> =>
  numbers(p.client, `SELECT (SELECT count() FROM ${table}), (SELECT uniqExact(event_id) FROM ${table}), (SELECT count() FROM ${table.replace(/^stock_movements$/, 'warehouse')}_dead_letter)`);

test('replay from an offset reads exactly the messages after it again, and --dedupe leaves each event once', async () => {
  const sent = await generate(3000, 7001, '--bad-ratio', '0.02');
  await pollUntil('every sale in a table', async () => {
    const [rows, , letters] = await all('sales');
    return rows! + letters! === sent.sales ? true : undefined;
  }, 120_000);
  const [rows, ids, letters] = await all('sales');
  assert.equal(rows, ids);
  const from = 1000;
  const expected = sent.sales - from;
  const [lettersInRange] = await numbers(p.client, `SELECT count() FROM sales_dead_letter WHERE offset >= ${from}`);
  assert.ok(lettersInRange! > 0, 'some dead letters in the replayed range');

  const started = performance.now();
  const replay = await runCli(['replay', 'sales', '--from', String(from), '--dedupe'], p.env);
  assert.equal(replay.code, 0, replay.stderr);
  process.stdout.write(`# ${replay.stdout.replace(/\n(?!$)/g, '\n# ')}# in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  assert.match(replay.stdout, new RegExp(`sales: ${expected} message\\(s\\) will be read again \\(partition 0: ${from}\\.\\.${sent.sales}\\)`));
  assert.match(replay.stdout, new RegExp(`removed ${expected - lettersInRange!} duplicate row\\(s\\) from .*sales and ${lettersInRange} duplicate dead letter\\(s\\)`));
  assert.deepEqual(await all('sales'), [rows, ids, letters], 'each event once, each dead letter once');
});

test('replay from a time reads again what was produced since, without --dedupe twice', async () => {
  // What the first test left: every warehouse message consumed, some of them dead letters.
  const [offset] = await numbers(p.client, 'SELECT (SELECT count() FROM stock_movements) + (SELECT count() FROM warehouse_dead_letter)');
  const [base, baseIds] = await all('stock_movements');
  const first = await generate(1000, 7101);
  await pollUntil('the first batch', async () => ((await all('stock_movements'))[0] === base! + first.warehouse ? true : undefined), 60_000);
  // Kafka timestamps are the producer's clock: leave a margin on both sides of the cut.
  await delay(1100);
  const cut = new Date();
  await delay(1100);
  const second = await generate(1000, 7102);
  const total = base! + first.warehouse + second.warehouse;
  await pollUntil('the second batch', async () => ((await all('stock_movements'))[0] === total ? true : undefined), 60_000);

  const replay = await runCli(['replay', 'warehouse', '--from', cut.toISOString()], p.env);
  assert.equal(replay.code, 0, replay.stderr);
  const end = offset! + first.warehouse + second.warehouse;
  assert.match(replay.stdout, new RegExp(`warehouse: ${second.warehouse} message\\(s\\) will be read again \\(partition 0: ${end - second.warehouse}\\.\\.${end}\\)`));
  assert.match(replay.stdout, /warehouse is consuming again/);
  await pollUntil('the second batch twice', async () => ((await all('stock_movements'))[0]! >= total + second.warehouse ? true : undefined), 60_000);
  await pollUntil('the consumer caught up', async () => {
    const status = await runCli(['status', 'warehouse', '--json', '--window', '0s'], p.env);
    return (JSON.parse(status.stdout) as { streams: { lag: number }[] }).streams[0]!.lag === 0 ? true : undefined;
  }, 60_000);
  const [rows, ids] = await all('stock_movements');
  assert.equal(rows, total + second.warehouse, 'exactly the messages after the time, once more');
  assert.equal(ids, baseIds! + first.warehouse + second.warehouse);
});

test('replay refuses a point past what was consumed, and a malformed --from', async () => {
  const paused = await runCli(['pause', 'sales'], p.env);
  assert.equal(paused.code, 0, paused.stderr);
  await generate(200, 7201);
  const ahead = await runCli(['replay', 'sales', '--from', '999999'], p.env);
  assert.equal(ahead.code, 2);
  assert.match(ahead.stderr, /past what sales consumed .*would skip messages/);
  const bad = await runCli(['replay', 'sales', '--from', 'yesterday'], p.env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--from must be an ISO time/);
  const stillPaused = await runCli(['status', 'sales', '--json', '--window', '0s'], p.env);
  assert.equal((JSON.parse(stillPaused.stdout) as { streams: { consumption: string }[] }).streams[0]!.consumption, 'paused', 'a refused replay leaves the stream as it was');
  assert.equal((await runCli(['resume', 'sales'], p.env)).code, 0);
});
