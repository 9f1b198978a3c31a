/**
 * The local stack the benchmark measures: `kch kafka` and `kch clickhouse` started as users start
 * them (child processes, free ports, a temporary data folder), and the pipeline's tables created
 * from the same plan `kch migrate` applies, with optional Kafka-table setting overrides for tuning.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ensureTopics } from '../kafka/admin.js';
import { planPipeline, type Statement } from '../pipeline/plan.js';
import { literal } from '../pipeline/quote.js';
import { topicOf } from '../pipeline/resolve.js';
import { render } from '../pipeline/render.js';
import { streams as seedStreams } from '../pipeline/streams/index.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import type { ServerFeatures } from '../pipeline/features.js';
import { connectClickHouse } from '../clickhouse/connect.js';
import { Child, cli, freePort } from './child.js';

export interface Stack {
  readonly dir: string;
  readonly bootstrap: string;
  readonly clickhouseUrl: string;
  readonly kafka: Child;
  readonly clickhouse: Child;
  /** Seconds each service took to answer. */
  readonly readySeconds: { readonly kafka: number; readonly clickhouse: number };
  stop(): Promise<void>;
}

export async function startStack(log: (line: string) => void, env: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-bench-'));
  const [kafkaPort, controllerPort, clickhousePort] = [await freePort(), await freePort(), await freePort()];
  const common = { KCH_DATA_DIR: join(dir, 'data'), KCH_HOST: '127.0.0.1', ...env };
  const t0 = performance.now();
  const kafka = cli(['kafka', '--kafka-port', String(kafkaPort), '--kafka-controller-port', String(controllerPort)], common);
  // As `kch up` starts it: 16 libuv threads, so that polls are not queued behind inserts.
  const clickhouse = cli(['clickhouse', '--clickhouse-port', String(clickhousePort)], { UV_THREADPOOL_SIZE: '16', ...common });
  const stop = async (): Promise<void> => {
    await clickhouse.stop();
    await kafka.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ready = { kafka: 0, clickhouse: 0 };
    await Promise.all([
      kafka.waitFor(/kafka ready/i, 240_000, 'kafka ready').then(() => { ready.kafka = (performance.now() - t0) / 1000; }),
      clickhouse.waitFor(/clickhouse ready/i, 120_000, 'clickhouse ready').then(() => { ready.clickhouse = (performance.now() - t0) / 1000; }),
    ]);
    log(`stack: kafka 127.0.0.1:${kafkaPort} (pid ${kafka.pid}), clickhouse 127.0.0.1:${clickhousePort} (pid ${clickhouse.pid}), data ${dir}`);
    return { dir, bootstrap: `127.0.0.1:${kafkaPort}`, clickhouseUrl: `http://127.0.0.1:${clickhousePort}`, kafka, clickhouse, readySeconds: ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs SQL over HTTP and returns the body; throws ClickHouse's error text. */
export async function query(url: string, sql: string, body?: string | Buffer | Uint8Array, settings: Record<string, string> = {}): Promise<string> {
  const target = new URL(url);
  if (body !== undefined) target.searchParams.set('query', sql);
  for (const [k, v] of Object.entries(settings)) target.searchParams.set(k, v);
  const response = await fetch(target, { method: 'POST', body: body ?? sql });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/** First column of the first row, as a number. */
export async function scalar(url: string, sql: string): Promise<number> {
  return Number((await query(url, `${sql} FORMAT TabSeparated`)).trim().split('\t')[0] ?? 'NaN');
}

/** A pipeline of its own inside the stack: a database and a topic prefix. */
export interface Pipeline {
  readonly database: string;
  readonly topicPrefix: string;
  readonly topics: readonly string[];
  /** Target and dead-letter tables, database-qualified. */
  readonly tables: readonly string[];
  /** The pipeline's streams: the seed's unless a pipeline file's. */
  readonly streams: readonly StreamDefinition[];
  /** The pipeline file the streams come from, passed to the generator and the dashboard. */
  readonly configFile?: string;
}

export function pipelineNamed(name: string, own?: { readonly streams: readonly StreamDefinition[]; readonly configFile: string }): Pipeline {
  const topicPrefix = `${name}.`;
  const streams = own?.streams ?? seedStreams;
  return {
    database: name,
    topicPrefix,
    streams,
    ...(own ? { configFile: own.configFile } : {}),
    topics: streams.map((s) => topicOf(s, { topicPrefix })),
    tables: streams.flatMap((s) => [`${name}.${s.target}`, `${name}.${s.deadLetter}`]),
  };
}

let features: ServerFeatures | undefined;

export interface PipelineSettings {
  /** Overrides of Kafka-table settings (kafka_num_consumers, kafka_max_block_size …). */
  readonly kafka?: Readonly<Record<string, string | number>>;
  /** Partitions of the topics. @default 1 */
  readonly partitions?: number;
  /** The transport: `sink` plans the sink's input tables (then `kch sink` must run). @default 'engine' */
  readonly ingest?: 'engine' | 'sink';
}

/** The plan `kch migrate` applies for this pipeline, with the overrides. */
export async function planFor(stack: Stack, pipeline: Pipeline, settings: PipelineSettings = {}): Promise<Statement[]> {
  if (!features) {
    const connection = await connectClickHouse({ url: stack.clickhouseUrl, user: 'default', password: '', database: 'default', waitMs: 30_000 });
    features = connection.features;
    await connection.client.close();
  }
  // Tuning: KCH_BENCH_DECODE=engine measures the Kafka engine's own JSONEachRow where the server could decode in the views.
  const used = process.env.KCH_BENCH_DECODE === 'engine' ? { ...features, decodeInViews: false } : features;
  const plan = planPipeline(pipeline.streams, { database: pipeline.database, brokers: stack.bootstrap, topicPrefix: pipeline.topicPrefix, ingest: settings.ingest ?? 'engine' }, used);
  return plan.map((s) => s.kind === 'create-kafka-table' ? { ...s, settings: { ...s.settings, ...settings.kafka } } : s);
}

export async function createTopics(stack: Stack, pipeline: Pipeline, partitions = 1): Promise<void> {
  await ensureTopics(stack.bootstrap, pipeline.topics.map((name) => ({ name, partitions })));
}

/**
 * Creates the pipeline's objects. With `only: 'tables'` just the MergeTree tables (for direct
 * inserts); otherwise all of them, and resolves with the time (performance.now()) just before
 * the first view was created, which is when consumption starts.
 */
export async function createPipeline(stack: Stack, pipeline: Pipeline, settings: PipelineSettings = {}, only?: 'tables'): Promise<number> {
  const plan = await planFor(stack, pipeline, settings);
  let consumingFrom = 0;
  for (const statement of plan) {
    if (only === 'tables' && statement.kind !== 'create-merge-tree' && statement.kind !== 'create-database') continue;
    if (statement.kind === 'create-materialized-view' && consumingFrom === 0) consumingFrom = performance.now();
    await query(stack.clickhouseUrl, render(statement));
  }
  if (!plan.some((s) => s.kind === 'create-database')) await query(stack.clickhouseUrl, `CREATE DATABASE IF NOT EXISTS ${pipeline.database}`);
  return consumingFrom || performance.now();
}

/** Drops the Kafka tables first (stops their consumers), then the database. */
export async function dropPipeline(stack: Stack, pipeline: Pipeline): Promise<void> {
  for (const s of pipeline.streams) await query(stack.clickhouseUrl, `DROP TABLE IF EXISTS ${pipeline.database}.${s.kafkaTable} SYNC`).catch(() => undefined);
  await query(stack.clickhouseUrl, `DROP DATABASE IF EXISTS ${pipeline.database} SYNC`).catch(() => undefined);
}

/** Rows in the target and dead-letter tables, per table. */
export async function rowCounts(stack: Stack, pipeline: Pipeline): Promise<number[]> {
  const sql = pipeline.tables.map((t) => `(SELECT count() FROM ${t})`).join(', ');
  const text = await query(stack.clickhouseUrl, `SELECT ${sql} FORMAT TabSeparated`);
  return text.trim().split('\t').map(Number);
}

/** Inserts (parts written) into each target table so far: max block number of its parts. */
export async function insertsSoFar(stack: Stack, pipeline: Pipeline): Promise<number> {
  return scalar(stack.clickhouseUrl, `SELECT sum(m) FROM (SELECT table, max(max_block_number) AS m FROM system.parts WHERE database = ${literal(pipeline.database)} GROUP BY table)`);
}

/** Polls until every one of `expected` events is in a table, or the time is up. */
export async function waitForRows(stack: Stack, pipeline: Pipeline, expected: number, timeoutMs: number, onPoll?: (rows: number, at: number) => void, intervalMs = 200): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const rows = (await rowCounts(stack, pipeline)).reduce((a, b) => a + b, 0);
    const at = performance.now();
    onPoll?.(rows, at);
    if (rows >= expected) return at;
    if (at > deadline) return undefined;
    await delay(intervalMs);
  }
}
