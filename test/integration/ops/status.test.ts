/**
 * `kch status`, the dashboard's /api/pipeline and /metrics judge dead letters alike, on a real
 * stream: one whose every message is a dead letter is unhealthy (exit 1, the share and the
 * newest error said), while another's dead letters of yesterday alone leave it healthy.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { PipelineHealth } from '../../../src/health/wire.js';
import { startDashboard } from '../../../src/dashboard/server.js';
import { createProducer } from '../../../src/kafka/producer.js';
import { createLogger } from '../../../src/output/log.js';
import type { StatusReport } from '../../../src/health/model.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { runCli } from '../../support/cli.js';
import { services } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';
import { getJson } from '../dashboard/fixture.js';
import { numbers, testPipeline } from './support.js';
import { onCleanup } from '../../support/cleanup.js';

const { kafka, clickhouseUrl } = services();
const p = testPipeline('status_dl', kafka, clickhouseUrl);
const BAD = 30;
const CHROMIUM = '/usr/bin/chromium';

before(async () => {
  const migrated = await runCli(['migrate'], p.env);
  assert.equal(migrated.code, 0, migrated.stderr);
});
after(async () => {
  await p.drop();
});

test('every message a dead letter: kch status exits 1 and says why, the dashboard and /metrics agree; old dead letters alone do not count', async (t) => {
  // Yesterday's dead letters of the other stream: history, not a verdict.
  await p.client.command({ query: `INSERT INTO warehouse_dead_letter (raw, error, topic, partition, offset, seen_at)
    SELECT 'x', 'old trouble', 'warehouse', 0, number, now() - 86400 FROM numbers(50)` });
  const producer = createProducer({ bootstrap: kafka, clientId: 'kch-test', log: createLogger('test') });
  try {
    await producer.send(Array.from({ length: BAD }, () => ({ topic: `${p.prefix}sales`, value: 'not json at all' })));
  } finally {
    await producer.close();
  }
  await pollUntil(`${BAD} dead letters`, async () => ((await numbers(p.client, 'SELECT count() FROM sales_dead_letter'))[0] === BAD ? true : undefined), 90_000);
  const [rows] = await numbers(p.client, 'SELECT count() FROM sales');
  assert.equal(rows, 0, 'not one message became a row');

  const screen = await runCli(['status', '--window', '0s'], p.env);
  assert.equal(screen.code, 1, `${screen.stdout}${screen.stderr}`);
  assert.match(screen.stdout, new RegExp(`\\nsales +consuming +unhealthy .* ${BAD} \\(${BAD} pending\\)\\n`));
  const reason = new RegExp(`^sales: mostly dead letters: ${BAD} of ${BAD} messages in the last 5 min \\(100 %\\) failed; newest error: .+ \\(kch dlq list sales\\)$`, 'm');
  assert.match(screen.stdout, reason);
  assert.match(screen.stdout, /\nwarehouse +consuming +ok .* 50 \(50 pending\)\n/, 'dead letters of yesterday alone leave a stream healthy');
  assert.match(screen.stdout, /UNHEALTHY\n$/);
  assert.doesNotMatch(screen.stderr, /\n\s+at /, 'no stack trace');

  const json = await runCli(['status', '--json', '--window', '0s'], p.env);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as StatusReport;
  const sales = report.streams.find((s) => s.name === 'sales')!;
  assert.deepEqual({ ...sales.recent, newestError: typeof sales.recent?.newestError }, { rows: 0, deadLetters: BAD, newestError: 'string' });
  const problem = sales.problems.find((x) => reason.test(`sales: ${x}`));
  assert.ok(problem, sales.problems.join('; '));
  process.stdout.write(`# kch status: sales: ${problem}\n`);

  const dashboard = await startDashboard({
    host: '127.0.0.1', port: 0, clickhouse: { url: clickhouseUrl, user: 'default', password: '', database: p.database },
    kafkaBrokers: kafka, topicPrefix: p.prefix, log: createLogger('dashboard', () => undefined), streams, refreshMs: 1000,
  });
  onCleanup(t, () => dashboard.stop());
  const pipeline = await getJson<PipelineHealth>(dashboard.url, '/api/pipeline');
  assert.equal(pipeline.status, 200);
  assert.deepEqual(pipeline.body.streams.map((s) => [s.name, s.problems]), [['sales', [problem]], ['warehouse', []]], 'the same judgement, in the same words');
  const metrics = await (await fetch(`${dashboard.url}metrics`)).text();
  assert.match(metrics, /^kch_stream_mostly_dead_letters\{stream="sales"\} 1$/m);
  assert.match(metrics, /^kch_stream_mostly_dead_letters\{stream="warehouse"\} 0$/m);
  assert.match(metrics, new RegExp(`^kch_stream_recent_dead_letters\\{stream="sales",window_seconds="300"\\} ${BAD}$`, 'm'));

  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing: CI must run the browser test (apt-get install chromium)`);
    t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
    return;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  onCleanup(t, () => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(dashboard.url);
  const cards = await pollUntil('the pipeline panel\'s cards', async () => {
    const seen = await page.evaluate<{ name: string; health: string; badge: string; problems: string[] }[]>(`[...document.querySelectorAll('.stream[data-stream]')].map((card) => ({
      name: card.dataset.stream, health: card.dataset.health, badge: card.querySelector('.badge').textContent, problems: [...card.querySelectorAll('.problem')].map((p) => p.textContent),
    }))`);
    return seen.length === 2 ? seen : undefined;
  }, 20_000);
  assert.deepEqual(cards[0], { name: 'sales', health: 'down', badge: 'Mostly dead letters', problems: [problem] });
  assert.equal(cards[1]!.name, 'warehouse');
  assert.notEqual(cards[1]!.badge, 'Mostly dead letters');
  assert.deepEqual(cards[1]!.problems, []);
});
