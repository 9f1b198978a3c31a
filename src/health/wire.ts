/**
 * The health JSON the dashboard sends (/api/pipeline, the source of /metrics), in the API's
 * snake_case: what src/health/json.ts writes and the page reads. Types only, and no import: the
 * browser page compiles this file too (tsconfig.page.json, the DOM's types, no Node's). The
 * dashboard's model (src/health/model.ts) is these types in camelCase.
 */

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
  readonly partitions: readonly PartitionLag[];
}

export interface StreamTable {
  readonly exists: true;
  readonly rows: number;
  readonly dead_letters: number | null;
  /** When the newest row landed (processing_time), ISO 8601 UTC; null while the table is empty. */
  readonly newest_row_at: string | null;
  /** now − when the newest row landed, seconds, by the server's clock; null while the table is empty. */
  readonly freshness_seconds: number | null;
  /** Rows that arrived (processing_time) over the last minute, per second. */
  readonly rows_per_second: number;
  /** Rows that arrived per minute, oldest first, the current (partial) minute last. */
  readonly ingest: { readonly minutes: readonly string[]; readonly rows: readonly number[] };
  /** What arrived over the last `window_seconds`: rows, dead letters and the newest one's error (null when none). */
  readonly recent: { readonly window_seconds: number; readonly rows: number; readonly dead_letters: number; readonly newest_error: string | null };
}

export interface StreamHealth {
  readonly name: string;
  readonly topic: string;
  readonly group: string;
  /** How its messages reach ClickHouse: the Kafka engine or `kch sink` (the lag is its group's either way). */
  readonly ingest: 'engine' | 'sink';
  /** The target table's name in the pipeline's database. */
  readonly table: string;
  readonly dead_letter_table: string;
  /** null when Kafka could not be asked. */
  readonly kafka: StreamKafka | null;
  /** null when ClickHouse could not be asked; `{ exists: false }` before `kch migrate`. */
  readonly clickhouse: StreamTable | { readonly exists: false } | null;
  /** What makes the stream unhealthy that one look tells, in `kch status`'s words. Empty when none. */
  readonly problems: readonly string[];
}

export interface ServiceState {
  readonly up: boolean;
  /** One line saying what failed, when it did. */
  readonly error: string | null;
  /** The KchError code of the failure, when it was one. */
  readonly code: string | null;
}

/** One server of a ClickHouse cluster. */
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

/** /api/pipeline: per stream, both ends. */
export interface PipelineHealth {
  readonly checked_at: string;
  readonly database: string;
  readonly topic_prefix: string;
  /** Minutes of per-minute ingest each stream's table reports. */
  readonly window_minutes: number;
  readonly services: { readonly clickhouse: ServiceState; readonly kafka: ServiceState };
  /**
   * Whether the pipeline's database exists; null when ClickHouse could not be asked. A server
   * that answers without it is up (`kch migrate` creates the database), not down.
   */
  readonly database_exists: boolean | null;
  readonly streams: readonly StreamHealth[];
  /** The ClickHouse cluster's name (`--cluster`), null on a single server. */
  readonly cluster: string | null;
  /** Each server of the cluster; null on a single server, or when ClickHouse did not answer. */
  readonly replicas: readonly ReplicaHealth[] | null;
}
