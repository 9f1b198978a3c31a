import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, type ClickHouseConnectionOptions } from '../../clickhouse/client.js';
import { connectClickHouse, type ClickHouseConnection } from '../../clickhouse/connect.js';
import { options, type OptionSpec } from '../../config/options.js';
import type { ResolvedOptions } from '../../config/resolve.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { kafkaTableSettings } from '../../kafka/security.js';
import { rows } from '../../clickhouse/query.js';
import type { ClusterTarget, PipelineTarget } from '../../pipeline/plan.js';
import type { Ingest } from '../../pipeline/stream.js';

/** Options every command that reaches ClickHouse takes. */
export const clickhouseOptions = [options.clickhouseUrl, options.clickhouseUser, options.clickhousePassword, options.clickhouseDatabase] as const;

/** Where and as whom the command reaches ClickHouse; `database` is the session's default database. */
export function connectionFrom(resolved: ResolvedOptions, database?: string): ClickHouseConnectionOptions {
  const caFile = resolved.orEnvironment(options.clickhouseCaFile).string(options.clickhouseCaFile) || undefined;
  return {
    url: resolved.requireString(options.clickhouseUrl),
    user: resolved.string(options.clickhouseUser) ?? 'default',
    password: resolved.string(options.clickhousePassword) ?? '',
    database: database ?? resolved.string(options.clickhouseDatabase) ?? 'default',
    ...(caFile ? { caFile } : {}),
  };
}

/** A client for a command that asks at once (kch query, status): a server that is down is said so, not waited for. */
export function clickhouseFrom(resolved: ResolvedOptions, database?: string): ClickHouseClient {
  return createClickHouse(connectionFrom(resolved, database));
}

/**
 * For a command that acts on the pipeline: the server waited for (up to `waitMs`) and its features
 * detected (src/clickhouse/connect.ts); the session's database `default` unless named.
 */
export function connectFrom(resolved: ResolvedOptions, wait: { readonly waitMs: number; readonly signal?: AbortSignal }, database = 'default'): Promise<ClickHouseConnection> {
  return connectClickHouse({ ...connectionFrom(resolved, database), ...wait });
}

export function pipelineTargetFrom(resolved: ResolvedOptions): PipelineTarget {
  const database = resolved.string(options.clickhouseDatabase) ?? 'default';
  const topicPrefix = resolved.string(options.topicPrefix) ?? '';
  const brokers = resolved.string(options.kafkaBrokersForClickhouse) || resolved.requireString(options.kafkaBrokers);
  const kafkaSettings = kafkaTableSettings();
  // Kafka-table settings: from the command line where the command takes them (migrate), else
  // from the environment, so that commands which only compare the plan (status, verify, …) see
  // the plan migrate applied.
  const flushIntervalMs = resolved.orEnvironment(options.flushInterval).bounded(options.flushInterval) ?? 500;
  const consumers = resolved.orEnvironment(options.consumers).bounded(options.consumers) ?? 1;
  const cluster = clusterFrom(resolved);
  const ingest = ingestFrom(resolved);
  return { database, brokers, topicPrefix, flushIntervalMs, consumers, ingest, ...(Object.keys(kafkaSettings).length ? { kafkaSettings } : {}), ...(cluster ? { cluster } : {}) };
}

/** The pipeline's transport: from the command line where it takes --ingest, else from KCH_INGEST. */
export function ingestFrom(resolved: ResolvedOptions): Ingest {
  return (resolved.orEnvironment(options.ingest).string(options.ingest) ?? 'engine') as Ingest;
}

/** The cluster every command plans for: from the command line where it takes --cluster, else from the environment. */
function clusterFrom(resolved: ResolvedOptions): ClusterTarget | undefined {
  const pick = (spec: OptionSpec): string | undefined => resolved.orEnvironment(spec).string(spec);
  const name = pick(options.clickhouseCluster);
  if (!name) return undefined;
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
