import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, type ClickHouseConnectionOptions } from '../clickhouse/client.js';
import { connectClickHouse, type ClickHouseConnection } from '../clickhouse/connect.js';
import { options, type OptionSpec } from '../config/options.js';
import { resolveOptions, type ResolvedOptions } from '../config/resolve.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { kafkaTableSettings } from '../kafka/security.js';
import { rows } from '../clickhouse/query.js';
import type { ClusterTarget, PipelineTarget } from '../pipeline/plan.js';
import { ingestModes, type Ingest } from '../pipeline/stream.js';

/** Options every command that reaches ClickHouse takes. */
export const clickhouseOptions = [options.clickhouseUrl, options.clickhouseUser, options.clickhousePassword, options.clickhouseDatabase] as const;

/** Where and as whom the command reaches ClickHouse; `database` is the session's default database. */
function connectionFrom(resolved: ResolvedOptions, database?: string): ClickHouseConnectionOptions {
  return {
    url: resolved.requireString(options.clickhouseUrl),
    user: resolved.string(options.clickhouseUser) ?? 'default',
    password: resolved.string(options.clickhousePassword) ?? '',
    database: database ?? resolved.string(options.clickhouseDatabase) ?? 'default',
  };
}

/** A client for a command that asks at once (kch query, status): a server that is down is said so, not waited for. */
export function clickhouseFrom(resolved: ResolvedOptions, database?: string): ClickHouseClient {
  return createClickHouse(connectionFrom(resolved, database));
}

/** For a command that acts on the pipeline: the server waited for (up to `waitMs`) and its features detected (src/clickhouse/connect.ts). */
export function connectFrom(resolved: ResolvedOptions, wait: { readonly waitMs: number; readonly signal?: AbortSignal }): Promise<ClickHouseConnection> {
  return connectClickHouse({ ...connectionFrom(resolved, 'default'), ...wait });
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function pipelineTargetFrom(resolved: ResolvedOptions): PipelineTarget {
  const database = resolved.string(options.clickhouseDatabase) ?? 'default';
  if (!identifier.test(database)) throw new KchError(ErrorCodes.USAGE, `--database must be a plain identifier (letters, digits, _), got ${JSON.stringify(database)}`);
  const topicPrefix = resolved.string(options.topicPrefix) ?? '';
  if (topicPrefix && !/^[A-Za-z0-9._-]+$/.test(topicPrefix)) throw new KchError(ErrorCodes.USAGE, `--topic-prefix may hold letters, digits, ".", "_" and "-" only, got ${JSON.stringify(topicPrefix)}`);
  const brokers = resolved.string(options.kafkaBrokersForClickhouse) || resolved.requireString(options.kafkaBrokers);
  const kafkaSettings = kafkaTableSettings();
  const flushIntervalMs = kafkaTableNumber(resolved, options.flushInterval, 500, 1, 600_000);
  const consumers = kafkaTableNumber(resolved, options.consumers, 1, 1, 64);
  const cluster = clusterFrom(resolved);
  const ingest = ingestFrom(resolved);
  return { database, brokers, topicPrefix, flushIntervalMs, consumers, ingest, ...(Object.keys(kafkaSettings).length ? { kafkaSettings } : {}), ...(cluster ? { cluster } : {}) };
}

/** The pipeline's transport: from the command line where it takes --ingest, else from KCH_INGEST. */
export function ingestFrom(resolved: ResolvedOptions): Ingest {
  const source = resolved.declares(options.ingest) ? resolved : resolveOptions([options.ingest], [], process.env, false);
  const value = source.string(options.ingest) ?? 'engine';
  if (!ingestModes.includes(value as Ingest)) throw new KchError(ErrorCodes.USAGE, `--ingest must be ${ingestModes.join(' or ')} (KCH_INGEST), got ${JSON.stringify(value)}`);
  return value as Ingest;
}

/** The cluster every command plans for: from the command line where it takes --cluster, else from the environment. */
function clusterFrom(resolved: ResolvedOptions): ClusterTarget | undefined {
  const fromEnv = resolveOptions([options.clickhouseCluster, options.clusterPath, options.clusterReplica], [], process.env, false);
  const pick = (spec: OptionSpec): string | undefined => (resolved.declares(spec) ? resolved : fromEnv).string(spec);
  const name = pick(options.clickhouseCluster);
  if (!name) return undefined;
  if (!identifier.test(name)) throw new KchError(ErrorCodes.USAGE, `--cluster must be a cluster's name as in system.clusters (letters, digits, _), got ${JSON.stringify(name)}`);
  return { name, path: pick(options.clusterPath) ?? '/clickhouse/tables/{shard}/{database}/{table}', replica: pick(options.clusterReplica) ?? '{replica}' };
}

/**
 * Before any DDL: the server must know the cluster (a mistyped name would otherwise fail half-way,
 * or on another server's cluster of that name). Names the clusters it does know.
 */
export async function checkCluster(client: ClickHouseClient, cluster: ClusterTarget): Promise<number> {
  const known = await rows<{ cluster: string; replicas: string | number }>(client, 'SELECT cluster, count() AS replicas FROM system.clusters GROUP BY cluster ORDER BY cluster', 'listing the clusters');
  const found = known.find((k) => k.cluster === cluster.name);
  if (!found) {
    throw new KchError(ErrorCodes.CONFIG, `ClickHouse knows no cluster ${cluster.name} (--cluster, CLICKHOUSE_CLUSTER): ${known.length ? `system.clusters has ${known.map((k) => k.cluster).join(', ')}` : 'system.clusters is empty (a plain server: leave --cluster out)'}`);
  }
  return Number(found.replicas);
}

/**
 * A Kafka-table setting: from the command line where the command takes it (migrate), else from
 * the environment, so that commands which only compare the plan (status, verify, …) see the
 * plan migrate applied.
 */
function kafkaTableNumber(resolved: ResolvedOptions, spec: OptionSpec, fallback: number, min: number, max: number): number {
  const source = resolved.declares(spec) ? resolved : resolveOptions([spec], [], process.env, false);
  const value = source.integer(spec) ?? fallback;
  if (value < min || value > max) throw new KchError(ErrorCodes.USAGE, `--${spec.flag} must be between ${min} and ${max} (${spec.env}), got ${value}`);
  return value;
}
