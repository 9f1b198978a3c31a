/**
 * A pipeline of the dashboard tests' own — a database and topic prefix no other test uses,
 * migrated with the CLI and fed by `kch generate` — and a dashboard serving it in this process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadPipelineFile } from '../../../src/config/pipeline-file.js';
import { startDashboard, type Dashboard, type DashboardOptions } from '../../../src/dashboard/server.js';
import { createLogger } from '../../../src/output/log.js';
import type { StreamDefinition } from '../../../src/pipeline/stream.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { onCleanup } from '../../support/cleanup.js';
import { runCli } from '../../support/cli.js';
import { clickhouse, scalar, services, uniqueName } from '../../support/env.js';
import { pollUntil } from '../../support/wait.js';

export interface Pipeline {
  readonly database: string;
  readonly prefix: string;
  readonly kafka: string;
  readonly clickhouseUrl: string;
  readonly env: NodeJS.ProcessEnv;
  readonly client: ClickHouseClient;
  /** Events Kafka acknowledged so far, per topic. */
  readonly acked: Map<string, number>;
  /** `kch generate --count <count> --seed <seed> --rate max`, then waits until ClickHouse holds every event. */
  generate(count: number, seed: number): Promise<void>;
  /** A dashboard on a free port; stopped by `drop()`. Options override the pipeline's own. */
  serve(overrides?: Partial<DashboardOptions>): Promise<Dashboard>;
  drop(): Promise<void>;
}

export async function createPipeline(name: string): Promise<Pipeline> {
  const { kafka, clickhouseUrl } = services();
  const database = uniqueName(name);
  const prefix = `${database}_`;
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: prefix };
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const client = clickhouse(clickhouseUrl, database);
  const acked = new Map<string, number>();
  const dashboards: Dashboard[] = [];
  const log = createLogger('dashboard', (line) => { if (process.env.KCH_TEST_VERBOSE) process.stderr.write(line); });

  return {
    database, prefix, kafka, clickhouseUrl, env, client, acked,
    async generate(count, seed) {
      const result = await runCli(['generate', '--count', String(count), '--rate', 'max', '--seed', String(seed)], env);
      assert.equal(result.code, 0, result.stderr);
      const match = /generated (\d+) events acknowledged by Kafka \(([^)]*)\)/.exec(result.stdout);
      assert.ok(match, result.stdout);
      for (const part of match[2]!.split(', ')) {
        const [topic, n] = part.split(' ');
        acked.set(topic!, (acked.get(topic!) ?? 0) + Number(n));
      }
      const expected = [...acked.values()].reduce((a, b) => a + b, 0);
      await pollUntil('every event in ClickHouse', async () => {
        const n = await scalar(client, 'SELECT (SELECT count() FROM sales) + (SELECT count() FROM stock_movements)');
        return n >= expected ? n : undefined;
      }, 180_000);
    },
    async serve(overrides = {}) {
      const dashboard = await startDashboard({
        host: '127.0.0.1',
        port: 0,
        clickhouse: { url: clickhouseUrl, user: 'default', password: '', database },
        kafkaBrokers: kafka,
        topicPrefix: prefix,
        log,
        streams,
        ...overrides,
      });
      dashboards.push(dashboard);
      return dashboard;
    },
    async drop() {
      await Promise.all(dashboards.map((d) => d.stop()));
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
    },
  };
}

export interface OwnPipeline {
  readonly database: string;
  readonly client: ClickHouseClient;
  readonly streams: readonly StreamDefinition[];
  /** A dashboard of its streams on a free port, refreshing every second; stopped when the test ends. */
  readonly serve: () => Promise<Dashboard>;
}

/**
 * A pipeline of one's own for test `t`: the pipeline file `config` in a folder of its own, its
 * database and topic prefix named after `name`, migrated with the CLI and fed `count` events by
 * `kch generate` until `table` holds them; dropped when the test ends.
 */
export async function ownPipeline(t: TestContext, name: string, config: string, feed: { readonly count: number; readonly seed: number; readonly table: string }): Promise<OwnPipeline> {
  const { kafka, clickhouseUrl } = services();
  const database = uniqueName(name);
  const dir = await mkdtemp(join(tmpdir(), `kch-${name}-`));
  const file = join(dir, 'kch.config.ts');
  await writeFile(file, config);
  const env = { KAFKA_BROKERS: kafka, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, KCH_TOPIC_PREFIX: `${database}_`, KCH_CONFIG: file };
  const client = clickhouse(clickhouseUrl, database);
  onCleanup(t, async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });
  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const generated = await runCli(['generate', '--count', String(feed.count), '--rate', 'max', '--seed', String(feed.seed)], env);
  assert.equal(generated.code, 0, generated.stderr);
  await pollUntil(`${feed.count} rows in ${feed.table}`, async () => ((await scalar(client, `SELECT count() FROM ${feed.table}`)) >= feed.count ? true : undefined), 60_000);
  const log = createLogger('dashboard', () => undefined);
  const { streams: own } = await loadPipelineFile(file, log);
  return {
    database, client, streams: own,
    serve: async () => {
      const dashboard = await startDashboard({
        host: '127.0.0.1', port: 0, clickhouse: { url: clickhouseUrl, user: 'default', password: '', database },
        kafkaBrokers: kafka, topicPrefix: `${database}_`, log, streams: own, refreshMs: 1000,
      });
      onCleanup(t, () => dashboard.stop());
      return dashboard;
    },
  };
}

export interface Fetched<T = unknown> {
  readonly status: number;
  readonly type: string;
  readonly body: T;
}

export async function getJson<T = unknown>(base: string, path: string, init: RequestInit = {}): Promise<Fetched<T>> {
  const response = await fetch(new URL(path, base), init);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, body: (type.startsWith('application/json') ? JSON.parse(text) : text) as T };
}

/** Rows of a query with bound parameters. */
export async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
}

/**
 * Runs `compare` until it passes, at most three times: an hour or minute that turns between
 * the API's query and the test's own moves a row from one bucket to the next.
 */
export async function settled(compare: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await compare();
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}
