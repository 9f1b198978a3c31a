/**
 * Pipeline health per stream, from both ends: what Kafka holds (log-end offsets, and the
 * consumer group's committed offsets, asked of the broker itself) and what ClickHouse holds
 * (rows, dead letters, ingest rate, freshness). Either side may be down; the other side's facts
 * are still reported, with the failure beside them.
 */
import { deadLetterProblem, partitionsOf, type RecentArrivals } from '../ops/status.js';
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors.js';
import { committedOffsetsWith, endOffsetsWith, partitionCounts, SharedAdmin } from '../kafka/admin.js';
import { ingestOf } from '../pipeline/plan.js';
import { groupOf, resolveStream, topicOf } from '../pipeline/resolve.js';
import type { Ingest, StreamDefinition } from '../pipeline/stream.js';
import { describeGroupsWith } from '../ops/group.js';
import { replicaFacts, replicaLag, withGroupPartitions, type ReplicaStatus, type StreamGroup } from '../ops/replicas.js';
import { existingTables, isMissingDatabase, isMissingObject, streamTableStats, withRestartAdvice, type Reader, type StreamTableStats } from './queries.js';

export interface PartitionLag {
  readonly partition: number;
  /** Offset the next message will get: the number of messages ever written to the partition. */
  readonly end_offset: number;
  /** The group's committed offset; null when it never committed on this partition. */
  readonly committed: number | null;
  /** end_offset − committed (end_offset when nothing was committed yet), floored at 0. */
  readonly lag: number;
  /** committed > end_offset (a topic truncated or made again): the lag reads 0, not negative. */
  readonly committed_ahead: boolean;
}

export interface StreamKafka {
  /** Log-end offsets summed over partitions: events written to the topic. */
  readonly messages: number;
  readonly lag: number;
  readonly partitions: PartitionLag[];
}

export interface StreamTable extends StreamTableStats {
  readonly exists: true;
}

export interface StreamHealth {
  readonly name: string;
  readonly topic: string;
  readonly group: string;
  /** How its messages reach ClickHouse: the Kafka engine or `kch sink` (the lag is its group's either way). */
  readonly ingest: Ingest;
  readonly table: string;
  readonly dead_letter_table: string;
  /** null when Kafka could not be asked. */
  readonly kafka: StreamKafka | null;
  /** null when ClickHouse could not be asked; `{ exists: false }` before `kch migrate`. */
  readonly clickhouse: StreamTable | { readonly exists: false } | null;
  /**
   * What makes the stream unhealthy that one look tells, in `kch status`'s words (the same
   * judgement, src/ops/status.ts): most of its recent messages dead letters. Empty when none.
   */
  readonly problems: readonly string[];
}

export interface ServiceState {
  readonly up: boolean;
  /** One line saying what failed, when it did. */
  readonly error: string | null;
  readonly code: string | null;
}

/** One server of a ClickHouse cluster: the replicas' model of `kch status` (src/ops/replicas.ts), in the API's snake_case. */
export interface ReplicaHealth {
  /** `host:port` (native port) as system.clusters names it. */
  readonly host: string;
  readonly shard: number;
  readonly up: boolean;
  readonly error: string | null;
  /**
   * What this replica holds of each stream: rows of its local target and dead-letter tables, the
   * topic's partitions its Kafka table consumes (null where neither the server nor Kafka can tell)
   * and their lag, summed (null when the partitions or Kafka's offsets are not known).
   */
  readonly streams: readonly { readonly name: string; readonly rows: number; readonly dead_letters: number; readonly partitions: readonly number[] | null; readonly lag: number | null }[];
}

export interface PipelineHealth {
  readonly checked_at: string;
  readonly database: string;
  readonly topic_prefix: string;
  readonly window_minutes: number;
  readonly services: { readonly clickhouse: ServiceState; readonly kafka: ServiceState };
  /**
   * Whether the pipeline's database exists; null when ClickHouse could not be asked. A server
   * that answers without it is up (`kch migrate` creates the database), not down.
   */
  readonly database_exists: boolean | null;
  readonly streams: StreamHealth[];
  /** The ClickHouse cluster's name (`--cluster`), null on a single server. */
  readonly cluster: string | null;
  /** Each server of the cluster; null on a single server, or when ClickHouse did not answer. */
  readonly replicas: readonly ReplicaHealth[] | null;
}

export interface PipelineScope {
  readonly database: string;
  readonly topicPrefix: string;
  readonly streams: readonly StreamDefinition[];
  /** The pipeline's --ingest, for streams without their own. @default 'engine' */
  readonly ingest?: Ingest;
  /** A ClickHouse cluster's name (`--cluster`): each of its servers is reported too. */
  readonly cluster?: string;
}

/** Per-partition lag of one topic from its end offsets and the group's committed offsets. */
export function lagOf(end: ReadonlyMap<number, bigint>, committed: ReadonlyMap<number, bigint>): StreamKafka {
  // The one health model (src/ops/status.ts), in the API's snake_case.
  const partitions = partitionsOf(end, committed).map((p): PartitionLag => (
    { partition: p.partition, end_offset: p.end, committed: p.committed, lag: p.lag, committed_ahead: p.committedAhead }));
  return {
    messages: partitions.reduce((sum, p) => sum + p.end_offset, 0),
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    partitions,
  };
}

export interface StreamOffsets {
  readonly end: ReadonlyMap<number, bigint>;
  readonly committed: ReadonlyMap<number, bigint>;
}

export interface KafkaWatchOptions {
  /** Answers younger than this are served again: each refresh costs the broker a few requests. @default 1000 */
  readonly maxAgeMs?: number;
  /** A broker that does not answer in this long is reported down. @default 4000 */
  readonly timeoutMs?: number;
}

/**
 * The Kafka half, asked at most once per `maxAgeMs` however many pages and scrapers poll, with
 * one request in flight at a time: a slow broker is not asked again while it still thinks. It
 * keeps one admin client for its lifetime (replaced after a failure, see `SharedAdmin`) until
 * `close()`.
 */
export class KafkaWatch {
  private cached: { readonly at: number; readonly value: Map<string, StreamOffsets> } | undefined;
  private pending: Promise<Map<string, StreamOffsets>> | undefined;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;
  private readonly admin: SharedAdmin;

  constructor(private readonly bootstrap: string, private readonly scope: PipelineScope, options: KafkaWatchOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 4_000;
    this.admin = new SharedAdmin(bootstrap);
  }

  /** Closes the admin client, after the request in flight if any; offsets() fails from then on. */
  async close(): Promise<void> {
    await this.pending?.catch(() => undefined);
    await this.admin.close();
  }

  /** Offsets per stream name. */
  async offsets(): Promise<Map<string, StreamOffsets>> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.value;
    if (!this.pending) {
      const started = performance.now();
      const pending = this.fetch();
      this.pending = pending;
      pending.then(
        (value) => { this.cached = { at: started, value }; },
        () => { this.cached = undefined; },
      ).finally(() => { if (this.pending === pending) this.pending = undefined; });
    }
    return withTimeout(this.pending, this.timeoutMs, () => new KchError(ErrorCodes.KAFKA_UNREACHABLE,
      `Kafka at ${this.bootstrap} did not answer within ${(this.timeoutMs / 1000).toFixed(0)} s`, { retriable: true }))
      .catch((error: unknown) => { throw withRestartAdvice(error, 'kafka'); });
  }

  /**
   * Each stream's consumer group: who holds which partitions (asked only on a cluster whose
   * servers cannot say, see replicasOf).
   */
  async groups(): Promise<StreamGroup[]> {
    const { streams } = this.scope;
    const described = await withTimeout(this.admin.run('describe consumer groups', (admin) => describeGroupsWith(admin, streams.map((s) => groupOf(s, this.scope)))),
      this.timeoutMs, () => new KchError(ErrorCodes.KAFKA_UNREACHABLE, `Kafka at ${this.bootstrap} did not answer within ${(this.timeoutMs / 1000).toFixed(0)} s`, { retriable: true }));
    return streams.map((s) => ({ stream: s.name, topic: topicOf(s, this.scope), members: described.get(groupOf(s, this.scope))?.members ?? [] }));
  }

  private async fetch(): Promise<Map<string, StreamOffsets>> {
    const { streams } = this.scope;
    const topics = streams.map((s) => topicOf(s, this.scope));
    // Which topics exist is asked once; then the end offsets and each group's commits together.
    const [end, ...committed] = await this.admin.run('list offsets', async (admin) => {
      const present = await partitionCounts(admin, topics);
      return Promise.all([
        endOffsetsWith(admin, topics, present),
        ...streams.map((s) => committedOffsetsWith(admin, groupOf(s, this.scope), [topicOf(s, this.scope)], present)),
      ]);
    });
    return new Map(streams.map((s, i) => {
      const topic = topicOf(s, this.scope);
      return [s.name, { end: end.get(topic) ?? new Map(), committed: committed[i]!.get(topic) ?? new Map() }];
    }));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(error()), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const up: ServiceState = { up: true, error: null, code: null };

function down(error: unknown): ServiceState {
  return { up: false, error: messageOf(error), code: isKchError(error) ? error.code : null };
}

export interface HealthSources {
  readonly db: Reader;
  /** Asks a cluster's servers (pipeline scopes with a cluster only). */
  readonly replicas?: () => Promise<readonly ReplicaStatus[]>;
  readonly kafka: KafkaWatch;
  readonly scope: PipelineScope;
}

/** Both halves, asked at the same time; a failure of one leaves the other's facts in place. */
export async function pipelineHealth(sources: HealthSources, minutes: number): Promise<{ health: PipelineHealth; failures: unknown[] }> {
  const { scope } = sources;
  const [offsets, tables] = await Promise.allSettled([sources.kafka.offsets(), clickhouseSide(sources, minutes)]);
  // After the tables: a server that does not answer them is not asked about its cluster too.
  // Each stream's lag, worked out once for its row and for the replicas' share of it.
  const kafkaOf = new Map(offsets.status === 'fulfilled' ? [...offsets.value].map(([name, o]) => [name, lagOf(o.end, o.committed)] as const) : []);
  const replicas = tables.status === 'fulfilled' && sources.replicas ? (await sources.replicas()).map((r) => replicaHealth(r, kafkaOf)) : null;
  const failures = [offsets, tables].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  const health: PipelineHealth = {
    checked_at: new Date().toISOString(),
    database: scope.database,
    topic_prefix: scope.topicPrefix,
    window_minutes: minutes,
    services: {
      clickhouse: tables.status === 'fulfilled' ? up : down(tables.reason),
      kafka: offsets.status === 'fulfilled' ? up : down(offsets.reason),
    },
    database_exists: tables.status === 'fulfilled' ? tables.value.databaseExists : null,
    streams: scope.streams.map((stream): StreamHealth => {
      const table = tables.status === 'fulfilled' ? tables.value.tables.get(stream.name) ?? { exists: false as const } : null;
      const failing = deadLetterProblem(stream.name, recentArrivals(table));
      return {
        name: stream.name,
        topic: topicOf(stream, scope),
        group: groupOf(stream, scope),
        ingest: ingestOf(stream, scope),
        table: stream.target,
        dead_letter_table: stream.deadLetter,
        kafka: kafkaOf.get(stream.name) ?? null,
        clickhouse: table,
        problems: failing ? [failing] : [],
      };
    }),
    cluster: scope.cluster ?? null,
    replicas,
  };
  return { health, failures };
}

/** A table's recent arrivals in `deadLetterProblem`'s terms; null when it could not be read. */
export function recentArrivals(table: StreamHealth['clickhouse']): RecentArrivals | null {
  return table?.exists ? { rows: table.recent.rows, deadLetters: table.recent.dead_letters, newestError: table.recent.newest_error } : null;
}

function replicaHealth(r: ReplicaStatus, kafkaOf: ReadonlyMap<string, StreamKafka>): ReplicaHealth {
  return {
    host: r.host,
    shard: r.shard,
    up: r.reachable,
    error: r.reachable ? null : r.error ?? 'no answer',
    streams: Object.entries(r.streams).map(([name, held]) => ({
      name, rows: held.rows, dead_letters: held.deadLetters, partitions: r.consumes?.[name] ?? null, lag: replicaLag(r.consumes?.[name], kafkaOf.get(name)?.partitions),
    })),
  };
}

/**
 * A cluster's servers as the dashboard's client reaches them; the streams' tables named in their
 * database. Where the servers cannot say which partitions each consumes, `groups` (Kafka) may.
 */
export function replicasOf(client: Parameters<typeof replicaFacts>[0], scope: PipelineScope & { readonly cluster: string }, groups?: () => Promise<readonly StreamGroup[]>): () => Promise<readonly ReplicaStatus[]> {
  const tables = scope.streams.map((s) => resolveStream(s, { database: scope.database, topicPrefix: scope.topicPrefix, cluster: { name: scope.cluster } }));
  return async () => {
    const told = await replicaFacts(client, scope.cluster, tables);
    return groups ? withGroupPartitions(told, groups) : told;
  };
}

async function clickhouseSide(sources: HealthSources, minutes: number): Promise<{ tables: Map<string, StreamTable>; databaseExists: boolean }> {
  const { streams } = sources.scope;
  const statsOf = async (present: (table: string) => boolean): Promise<Map<string, StreamTable>> => new Map(await Promise.all(
    streams.filter((s) => present(s.target)).map(async (stream) => {
      const stats = await streamTableStats(sources.db, stream, minutes, present(stream.deadLetter));
      return [stream.name, { exists: true as const, ...stats }] as const;
    })));
  // Once migrated every table is there: ask straight away, one round trip per stream. Only when
  // a table or the database is missing, list which exist and ask about those.
  // A missing database is a server that answered: no tables, not an outage.
  try {
    return { tables: await statsOf(() => true), databaseExists: true };
  } catch (error) {
    if (isMissingDatabase(error)) return { tables: new Map(), databaseExists: false };
    if (!isMissingObject(error)) throw error;
  }
  const present = await existingTables(sources.db, streams.flatMap((s) => [s.target, s.deadLetter]));
  return { tables: await statsOf((table) => present.has(table)), databaseExists: true };
}
