/**
 * The pipeline on a real ClickHouse cluster: two Debian 18.16 servers, replicas of one shard,
 * with ZooKeeper (test/support/clickhouse-cluster.ts), fed by the shared Kafka broker.
 * `kch migrate --cluster kch` makes every object on both; both servers' Kafka tables join one
 * consumer group; every row is read through the Distributed table from either server; `verify`
 * proves delivery through it; `status` shows each replica. A mistyped cluster stops migrate
 * before any DDL. The dashboard shows each server, then one stopped.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { PipelineHealth } from '../../../src/health/wire.js';
import { CliProcess, runCli } from '../../support/cli.js';
import { startClickHouseCluster } from '../../support/clickhouse-cluster.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { freePort } from '../../support/ports.js';
import { pollUntil } from '../../support/wait.js';

const { kafka } = services();
const database = uniqueName('cluster');
let cluster: Awaited<ReturnType<typeof startClickHouseCluster>> | undefined;
let env: Record<string, string> = {};

before(async () => {
  cluster = await startClickHouseCluster();
  env = {
    KAFKA_BROKERS: kafka, CLICKHOUSE_URL: cluster.urls[0]!, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: `${database}_`,
    CLICKHOUSE_CLUSTER: cluster.name, KAFKA_PARTITIONS: '2',
  };
});
after(async () => {
  await cluster?.stop();
});

test('a cluster the server does not know stops migrate before any DDL, naming the ones it has', async () => {
  const result = await runCli(['migrate', '--cluster', 'nope'], env);
  assert.notEqual(result.code, 0, result.stderr);
  assert.match(result.stderr, /ClickHouse knows no cluster nope \(--cluster, CLICKHOUSE_CLUSTER\): system\.clusters has .*kch/);
  const client = clickhouse(cluster!.urls[0]!);
  try {
    assert.equal(await scalar(client, `SELECT count() FROM system.databases WHERE name = '${database}'`), 0, 'nothing was created');
  } finally {
    await client.close();
  }
});

test('kch migrate --cluster: every object on both replicas, rows through the Distributed table from either, verify and status per replica', async () => {
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /cluster kch: 2 server\(s\)/);
  const [first, second] = cluster!.urls.map((url) => clickhouse(url));
  try {
    for (const client of [first!, second!]) {
      const tables = await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name IN ('sales', 'sales_local', 'sales_kafka', 'sales_mv', 'stock_movements', 'stock_movements_local')`);
      assert.equal(tables, 6, 'each server has the local, Distributed and Kafka tables and the view');
      assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'sales_local' AND engine = 'ReplicatedMergeTree'`), 1);
      assert.equal(await scalar(client, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'sales' AND engine = 'Distributed'`), 1);
    }
    const again = await runCli(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to do/);

    const generated = await runCli(['generate', '--count', '3000', '--rate', 'max', '--seed', '7'], env);
    assert.equal(generated.code, 0, generated.stderr);
    // Topics carry the test's prefix: "(cluster_…_sales 2031, cluster_…_warehouse 969)".
    const [, sales, stock] = /sales (\d+), \S*warehouse (\d+)/.exec(generated.stdout) ?? [];
    assert.ok(sales && stock, generated.stdout);
    // Read from the second server, through the Distributed table: every event once.
    await pollUntil('every event readable from the second replica', async () => {
      const seen = await scalar(second!, `SELECT uniqExact(event_id) FROM ${database}.sales`);
      return seen === Number(sales) ? seen : undefined;
    }, 120_000, 500);
    await pollUntil('every stock movement readable from the first replica', async () => {
      const seen = await scalar(first!, `SELECT uniqExact(event_id) FROM ${database}.stock_movements`);
      return seen === Number(stock) ? seen : undefined;
    }, 60_000, 500);

    const status = await runCli(['status', '--window', '0'], env, 60_000);
    assert.match(status.stdout, /replica 127\.0\.0\.1:\d+ \(shard 1\) up: sales [\d,]+ rows, 0 dead letters; warehouse [\d,]+ rows/);
    assert.equal([...status.stdout.matchAll(/replica \S+ \(shard 1\) up/g)].length, 2, status.stdout);
    assert.match(status.stdout, /sales +consuming .* stable \(2\)/, 'both servers consume in one group');

    const verify = await runCli(['verify', '--count', '2000', '--rate', '1000', '--timeout', '2m', '--json'], env, 240_000);
    assert.equal(verify.code, 0, verify.stderr.slice(-3000));
    const report = JSON.parse(verify.stdout.split('\n').reverse().find((l) => l.startsWith('{"run"'))!) as { lost: number; present: number };
    assert.equal(report.lost, 0);
    assert.equal(report.present, 2000);
  } finally {
    await Promise.all([first!.close(), second!.close()]);
  }
});


test('pause, resume, replay and dlq on the cluster: dead letters read through the Distributed table and replayed once, marked on both servers; what 18.16 cannot do refused as on one 18.16 server', async () => {
  const [first, second] = cluster!.urls.map((url) => clickhouse(url));
  const topic = `${database}_warehouse`;
  try {
    // Three dead letters written on the first server only; replication brings them to the second.
    const letters = ['{"broken": 1', '{"broken": 2', '{"broken": 3'];
    await first!.command({ query: `INSERT INTO ${database}.warehouse_dead_letter_local (raw, error, topic) VALUES ${letters.map((raw) => `('${raw}', 'test: not JSON', '${topic}')`).join(', ')}` });
    await pollUntil('the dead letters replicated to the second server', async () => (
      await scalar(second!, `SELECT count() FROM ${database}.warehouse_dead_letter_local WHERE error = 'test: not JSON'`) === 3 ? true : undefined), 30_000, 250);

    const listed = await runCli(['dlq', 'list', 'warehouse', '--where', "error = 'test: not JSON'", '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const body = JSON.parse(listed.stdout) as { total: number; letters: { raw: string; state: string }[] };
    assert.equal(body.total, 3, listed.stdout);
    assert.deepEqual(body.letters.map((l) => l.raw).sort(), letters);

    const replayed = await runCli(['dlq', 'replay', 'warehouse', '--where', "error = 'test: not JSON'"], env, 180_000);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /replayed 3 dead letter/);
    for (const [name, client] of [['first', first!], ['second', second!]] as const) {
      const [done, held] = [
        await scalar(client, `SELECT countIf(replayed = 1) FROM ${database}.warehouse_dead_letter_local WHERE error = 'test: not JSON'`),
        await scalar(client, `SELECT countIf(replayed NOT IN (0, 1)) FROM ${database}.warehouse_dead_letter_local WHERE error = 'test: not JSON'`),
      ];
      assert.equal(done, 3, `marked replayed on the ${name} server`);
      assert.equal(held, 0, `none left claimed on the ${name} server`);
    }
    const again = await runCli(['dlq', 'replay', 'warehouse', '--where', "error = 'test: not JSON'"], env, 180_000);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /replayed [1-9]/, 'none sent twice');

    // 18.16 cannot detach a table for good: refused for the server's reason, not for the cluster.
    const paused = await runCli(['pause', 'warehouse'], env);
    assert.notEqual(paused.code, 0, paused.stdout);
    assert.match(paused.stderr, /20\.5 or later/);
    assert.doesNotMatch(paused.stderr, /cluster/);
    const resumed = await runCli(['resume', 'warehouse'], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /warehouse is consuming already/);
    const dedupe = await runCli(['replay', 'warehouse', '--from', '0', '--dedupe'], env);
    assert.notEqual(dedupe.code, 0, dedupe.stdout);
    assert.match(dedupe.stderr, /--dedupe is not built for a cluster: replay without it/);
    assert.equal(await scalar(first!, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'warehouse_kafka'`), 1, 'still consuming');
  } finally {
    await Promise.all([first!.close(), second!.close()]);
  }
});

test('kch up against the cluster: migrate, generator and dashboard run, the dashboard shows both servers, Ctrl-C stops it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kch-up-cluster-'));
  const dashboardPort = await freePort();
  const up = new CliProcess(['up', '--rate', '200'], { ...env, KCH_DATA_DIR: dataDir, DASHBOARD_PORT: String(dashboardPort) });
  try {
    await pollUntil('kch up to report the pipeline running', async () => {
      if (up.child.exitCode !== null) throw new Error(`kch up exited:\n${up.output}`);
      return /pipeline running/.test(up.output) ? true : undefined;
    }, 240_000);
    assert.match(up.output, /kafka\s+127\.0\.0\.1:\d+\s+external/);
    assert.match(up.output, /migrate: nothing to do/);
    await pollUntil('the generator to send', async () => (/generate .* sent \d+ events/.test(up.output) ? true : undefined), 30_000, 250);
    // Not that the rows grow: 18.16's Kafka tables, quiet for a few seconds after the verify
    // above, held their partitions and read no more (README, "Running on a cluster").
    const health = await pollUntil('the dashboard to show both servers', async () => {
      const body = await (await fetch(`http://127.0.0.1:${dashboardPort}/api/pipeline`)).json() as PipelineHealth;
      return body.replicas?.length === 2 && body.replicas.every((r) => r.up) ? body : undefined;
    }, 60_000, 500);
    assert.equal(health.cluster, 'kch');
  } finally {
    assert.equal(await up.stop('SIGINT', 60_000), 0, up.output.slice(-3000));
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('kch migrate compares every server: an object one lacks is made there, one that differs there is named with the server', async () => {
  const [first, second] = cluster!.urls.map((url) => clickhouse(url));
  const secondHost = await scalar(first!, `SELECT port FROM system.clusters WHERE cluster = 'kch' AND replica_num = 2`);
  const secondName = `127.0.0.1:${secondHost}`;
  try {
    // A view the second server lost (a DDL that failed there, a server added later).
    await second!.command({ query: `DROP TABLE ${database}.sales_dead_letter_mv` });
    const dry = await runCli(['migrate', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^-- create on ${secondName.replace(/\./g, '\\.')}: ${database}\\.sales_dead_letter_mv$`, 'm'));
    assert.match(dry.stdout, /dry run: 1 to create, 0 differing/);
    const repaired = await runCli(['migrate'], env);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stderr, new RegExp(`created ${database}\\.sales_dead_letter_mv on ${secondName.replace(/\./g, '\\.')} \\(the other servers have it\\)`));
    assert.equal(await scalar(second!, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'sales_dead_letter_mv'`), 1);

    // A table made by hand on the second server only, with another engine: drift, named there.
    await second!.command({ query: `DROP TABLE ${database}.stock_movements` });
    await second!.command({ query: `CREATE TABLE ${database}.stock_movements AS ${database}.stock_movements_local ENGINE = Memory` });
    const drifted = await runCli(['migrate'], env);
    assert.equal(drifted.code, 0, drifted.stderr);
    assert.match(drifted.stderr, new RegExp(`${database}\\.stock_movements differs from its definition: on ${secondName.replace(/\./g, '\\.')}: engine is Memory, the definition wants Distributed`));
    assert.match(drifted.stdout, /differing 1/);
    await second!.command({ query: `DROP TABLE ${database}.stock_movements` });
    const again = await runCli(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`created ${database}\\.stock_movements on ${secondName.replace(/\./g, '\\.')}`));
    assert.match((await runCli(['migrate'], env)).stdout, /nothing to do/);
  } finally {
    await Promise.all([first!.close(), second!.close()]);
  }
});

test('kch migrate --apply-drift on the cluster: each step ON CLUSTER, a column added to the local table and the Distributed one made again with it; views made again on both servers', async () => {
  const [first, second] = cluster!.urls.map((url) => clickhouse(url));
  const dir = await mkdtemp(join(tmpdir(), 'kch-cluster-drift-'));
  try {
    // A column added by hand on every server: the deduplicated view, made before it, does not show it.
    // (18.16 takes ALTER … ON CLUSTER for the replicated table only: the Distributed one is altered on each.)
    await first!.command({ query: `ALTER TABLE ${database}.stock_movements_local ON CLUSTER kch ADD COLUMN note String DEFAULT ''` });
    for (const client of [first!, second!]) await client.command({ query: `ALTER TABLE ${database}.stock_movements ADD COLUMN note String DEFAULT ''` });
    const dry = await runCli(['migrate', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`DROP TABLE IF EXISTS ${database}\\.stock_movements_dedup ON CLUSTER kch`));
    const applied = await runCli(['migrate', '--apply-drift'], env, 180_000);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /evolved warehouse: views made again; consumption untouched/);
    for (const [name, client] of [['first', first!], ['second', second!]] as const) {
      assert.equal(await scalar(client, `SELECT count() FROM system.columns WHERE database = '${database}' AND table = 'stock_movements_dedup' AND name = 'note'`), 1, `the view shows the column on the ${name} server`);
    }
    assert.equal(await scalar(second!, `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'warehouse_kafka'`), 1, 'the Kafka table untouched');

    // A field added to the definition: the column goes to both tables on every server; 18.16
    // cannot pause the stream for it, so it is planned and refused as on one 18.16 server.
    const file = join(dir, 'kch.config.mjs');
    await writeFile(file, `import { defineConfig, defineStream, field, seedStreams } from 'kafka-clickhouse-pipeline';
const [sales, warehouse] = seedStreams;
export default defineConfig({ streams: [sales, defineStream({
  name: warehouse.name, topic: warehouse.topic, consumerGroup: warehouse.consumerGroup, kafkaTable: warehouse.kafkaTable,
  target: warehouse.target, view: warehouse.view, description: warehouse.description, orderBy: warehouse.orderBy, projections: warehouse.projections,
  fields: { ...warehouse.fields, shelf: field.text(16).withDefault('') },
})] });
`);
    const withField = { ...env, KCH_CONFIG: file };
    const planned = await runCli(['migrate', '--dry-run'], withField);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, new RegExp(`ALTER TABLE ${database}\\.stock_movements_local ON CLUSTER kch ADD COLUMN shelf String DEFAULT '' AFTER`));
    assert.match(planned.stdout, new RegExp(`DROP TABLE IF EXISTS ${database}\\.stock_movements ON CLUSTER kch`));
    // After the local table's ALTER: made AS it, it takes the new column.
    assert.match(planned.stdout, new RegExp(`shelf String DEFAULT '' AFTER responsible;\\n(.*\\n)*CREATE TABLE IF NOT EXISTS ${database}\\.stock_movements ON CLUSTER kch AS ${database}\\.stock_movements_local\\nENGINE = Distributed`));
    assert.match(planned.stdout, new RegExp(`DETACH TABLE IF EXISTS ${database}\\.warehouse_kafka ON CLUSTER kch`));
    const refused = await runCli(['migrate', '--apply-drift'], withField, 120_000);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.match(refused.stderr, /20\.5 or later/);
    assert.equal(await scalar(first!, `SELECT count() FROM system.columns WHERE database = '${database}' AND table = 'stock_movements_local' AND name = 'shelf'`), 0, 'nothing changed');
  } finally {
    await Promise.all([first!.close(), second!.close()]);
    await rm(dir, { recursive: true, force: true });
  }
});

const CHROMIUM = '/usr/bin/chromium';

test('kch dashboard --cluster: each server with what it holds, in the API, /metrics and the page; a stopped one shown down', async (t) => {
  const cli = new CliProcess(['dashboard', '--dashboard-port', '0'], { ...env, CLICKHOUSE_URL: cluster!.urls[0]! });
  const pipeline = async (url: string): Promise<PipelineHealth> => await (await fetch(new URL('/api/pipeline', url))).json() as PipelineHealth;
  try {
    const url = await pollUntil('the dashboard to be ready', async () => {
      if (cli.child.exitCode !== null) throw new Error(`kch dashboard exited:\n${cli.output}`);
      return /dashboard ready on (http:\S+)/.exec(cli.output)?.[1];
    }, 30_000);
    const health = await pipeline(url);
    // Every panel's query runs on 18.16 too (placeholders inlined, no IN over an array, no %i).
    for (const path of ['/api/sales', '/api/stock', '/api/recent_sales', '/api/overview', '/api/status']) {
      const reply = await fetch(new URL(path, url));
      assert.equal(reply.status, 200, `${path}: ${await reply.text()}`);
    }
    assert.equal(health.cluster, cluster!.name);
    assert.equal(health.replicas?.length, 2, JSON.stringify(health.replicas));
    const total = health.streams.find((s) => s.name === 'sales')!.clickhouse;
    assert.ok(total && total.exists && total.rows > 0);
    for (const replica of health.replicas) {
      assert.equal(replica.up, true, replica.error ?? '');
      // One shard of two replicas: each holds every row the Distributed table reads.
      // 18.16 cannot tell which partitions a replica consumes (system.kafka_consumers is 23.8+).
      assert.deepEqual(replica.streams.find((s) => s.name === 'sales'), { name: 'sales', rows: total.rows, dead_letters: 0, partitions: null, lag: null });
    }
    const metrics = await (await fetch(new URL('/metrics', url))).text();
    assert.equal([...metrics.matchAll(/^kch_replica_up\{cluster="kch",replica="127\.0\.0\.1:\d+",shard="1"\} 1$/gm)].length, 2, metrics);
    assert.match(metrics, new RegExp(`^kch_replica_rows\\{cluster="kch",replica="127\\.0\\.0\\.1:\\d+",shard="1",stream="sales"\\} ${total.rows}$`, 'm'));

    // The second server stops: the first still answers for the cluster and names it down.
    await cluster!.servers[1]!.stop();
    const down = await pollUntil('the stopped server shown down', async () => {
      const replicas = (await pipeline(url)).replicas ?? [];
      return replicas.filter((r) => !r.up).length === 1 ? replicas : undefined;
    }, 60_000, 500);
    assert.equal(down[0]!.up, true);
    assert.ok(down[1]!.error, 'says why');

    // With a server down, migrate starts no ON CLUSTER statement (each would wait 180 s for it).
    const first = clickhouse(cluster!.urls[0]!);
    try {
      await first.command({ query: `DROP TABLE ${database}.sales_dedup` });
    } finally {
      await first.close();
    }
    const started = performance.now();
    const refused = await runCli(['migrate'], env, 120_000);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`replica ${down[1]!.host.replace(/\./g, '\\.')} does not answer \\(.*\\): not running the 1 change\\(s\\) to make \\(${database}\\.sales_dedup\\).*Start it, then run kch migrate again`));
    assert.ok(performance.now() - started < 60_000, 'refused at once, not after the DDL timeout');
    // So does dlq replay, whose claim and marks run ON CLUSTER: nothing claimed, nothing sent.
    const again = clickhouse(cluster!.urls[0]!);
    try {
      await again.command({ query: `INSERT INTO ${database}.warehouse_dead_letter_local (raw, error, topic) VALUES ('{"broken": 4', 'test: server down', '${database}_warehouse')` });
      const replay = await runCli(['dlq', 'replay', 'warehouse', '--where', "error = 'test: server down'"], env, 120_000);
      assert.equal(replay.code, 1, replay.stderr);
      assert.match(replay.stderr, new RegExp(`replica ${down[1]!.host.replace(/\./g, '\\.')} does not answer \\(.*\\): not replaying warehouse's dead letters, which changes every server of cluster kch`));
      assert.equal(await scalar(again, `SELECT count() FROM ${database}.warehouse_dead_letter_local WHERE error = 'test: server down' AND replayed = 0`), 1, 'left waiting');
    } finally {
      await again.close();
    }

    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) assert.fail(`${CHROMIUM} is missing: CI must run the browser check (apt-get install chromium)`);
      t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
      return;
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      const card = page.locator('article.replicas');
      await card.waitFor({ timeout: 30_000 });
      assert.equal(await card.locator('.badge').textContent(), '1 down');
      await pollUntil('every panel loaded', async () => (await page.locator('section.card[data-state="loading"]').count()) === 0 || undefined, 30_000, 200);
      assert.equal(await page.locator('section.card[data-state="error"]').count(), 0, 'no panel fails on 18.16');
      assert.equal(await card.locator('tbody tr').count(), 2);
      assert.match(await card.locator('tbody tr').nth(1).textContent() ?? '', /down: /);
      assert.match(await card.locator('tbody tr').nth(0).textContent() ?? '', new RegExp(total.rows.toLocaleString('en-US')));
    } finally {
      await browser.close();
    }
  } finally {
    assert.equal(await cli.stop('SIGTERM', 20_000), 0, cli.output);
  }
});
