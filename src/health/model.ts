/**
 * The one health model of the pipeline, for `kch status` (text and --json) and the dashboard
 * (/api/pipeline and /metrics, through src/health/json.ts): what each stream's Kafka side and
 * ClickHouse side hold, and the judgement made of it. Lag per partition is floored at 0 (noting a
 * commit beyond the end); freshness and ingest rate come from processing_time, the ClickHouse
 * server's own clock, which no producer's clock can skew.
 */
import type { Ingest } from '../pipeline/stream.js';
import type { Consumption } from '../ops/pause.js';
import type { ReplicaStatus } from '../clickhouse/replicas.js';
import type * as Wire from './wire.js';

export type ServiceState = Wire.ServiceState;

export interface PartitionStatus {
  readonly partition: number;
  /** Null when the group never committed on this partition. */
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number;
  /** The group committed beyond the end (a topic truncated or made again): lag is 0, not negative. */
  readonly committedAhead: boolean;
}

/** What reached a stream's tables over the last DEAD_LETTER_WINDOW_SECONDS (src/health/judge.ts). */
export interface RecentArrivals {
  readonly rows: number;
  readonly deadLetters: number;
  /** The error of the newest dead letter in the window; null when there is none. */
  readonly newestError: string | null;
}

/** One look at a stream's target and dead-letter tables (src/health/gather.ts, `tableStats`). */
export interface TableStats {
  readonly rows: number;
  /** null when the dead-letter table does not exist. */
  readonly deadLetters: number | null;
  /** Dead letters not replayed yet; null when not asked or the table does not exist. */
  readonly deadLettersPending: number | null;
  /** When the newest row landed (processing_time), ISO 8601 UTC; null while the table is empty. */
  readonly newestRowAt: string | null;
  /** now − when the newest row landed, seconds, by the server's clock; null while the table is empty. */
  readonly freshnessSeconds: number | null;
  /** Rows that arrived over the last RATE_WINDOW_SECONDS, per second. */
  readonly rowsPerSecond: number;
  /** Rows that arrived per minute, oldest first, the current (partial) minute last. */
  readonly ingest: { readonly minutes: readonly string[]; readonly rows: readonly number[] };
  /** What arrived over the last `windowSeconds`, which `deadLetterProblem` judges. */
  readonly recent: RecentArrivals & { readonly windowSeconds: number };
}

/** One consumer of a Kafka table, from system.kafka_consumers (ClickHouse 23.8+). */
export interface ConsumerStatus {
  readonly id: string;
  readonly partitions: readonly number[];
  readonly lastPoll: string | null;
  readonly lastCommit: string | null;
  readonly messagesRead: number;
  /** The newest exception the engine kept for this consumer, however old (see `currentError`). */
  readonly lastException: string | null;
  readonly lastExceptionAt: string | null;
}

export type Health = 'ok' | 'paused' | 'unhealthy';

/** One stream as `kch status` sees it: two looks some seconds apart are judged (src/health/judge.ts). */
export interface StreamStatus {
  readonly name: string;
  readonly topic: string;
  readonly group: string;
  readonly kafkaTable: string;
  readonly target: string;
  readonly deadLetter: string;
  readonly consumption: Consumption | 'unknown';
  /** The stream's transport (its definition's, else the pipeline's --ingest): the Kafka engine or `kch sink`. */
  readonly ingest: Ingest;
  /** The broker's view of the consumer group: STABLE, EMPTY, PREPARING_REBALANCE, … */
  readonly groupState: string | null;
  readonly groupMembers: number | null;
  readonly partitions: readonly PartitionStatus[];
  /** Sum over partitions; null when Kafka did not answer. */
  readonly lag: number | null;
  readonly rows: number | null;
  /** Rows written in the last minute, per second. */
  readonly rowsPerSecond: number | null;
  /** Seconds since the newest row was written; null when the table is empty. */
  readonly freshnessSeconds: number | null;
  /** Active parts of the target table. */
  readonly parts: number | null;
  readonly deadLetters: number | null;
  /** Dead letters not replayed yet. */
  readonly deadLettersPending: number | null;
  /** Rows and dead letters of the last DEAD_LETTER_WINDOW_SECONDS; null when a table could not be read. */
  readonly recent: RecentArrivals | null;
  /** Null when the server has no system.kafka_consumers. */
  readonly consumers: readonly ConsumerStatus[] | null;
  /** The stream's materialized views that do not exist (the Kafka table reads nothing without them). */
  readonly missingViews: readonly string[];
  readonly health: Health;
  readonly problems: readonly string[];
}

export interface ServiceStatus {
  readonly reachable: boolean;
  readonly address: string;
  readonly version?: string;
  readonly detail?: string;
  readonly error?: string;
  /** Kafka's brokers: those answering, and those holding copies of the streams' partitions that do not. */
  readonly brokers?: readonly { readonly id: number; readonly address: string | null; readonly up: boolean }[];
  /** What is at risk though the service answers: partitions short of copies in sync. */
  readonly warnings?: readonly string[];
}

/** A connector `kch cdc` made, as its Kafka Connect worker reports it. */
export interface ConnectorHealth {
  readonly name: string;
  /** The stream it feeds and the table it captures (its config's kch.stream and kch.table). */
  readonly stream: string;
  readonly table: string;
  /** RUNNING, PAUSED, FAILED, …; GONE when it was deleted between the list and the look. */
  readonly state: string;
  readonly tasks: readonly { readonly id: number; readonly state: string }[];
  /** The first line of a FAILED connector's or task's trace; null otherwise. */
  readonly error: string | null;
}

/** The Kafka Connect worker `kch status` asks (--connect-url), and the connectors kch made there. */
export interface ConnectStatus extends ServiceStatus {
  readonly connectors: readonly ConnectorHealth[];
  /** What judge.ts found wrong: a FAILED connector or task, a worker that does not answer. Empty when none. */
  readonly problems: readonly string[];
}

/** `kch status`'s report; its --json is this object as it is. */
export interface StatusReport {
  readonly at: string;
  readonly healthy: boolean;
  readonly kafka: ServiceStatus;
  readonly clickhouse: ServiceStatus;
  /** A cluster's servers one by one (`--cluster`); absent on a single server. */
  readonly replicas?: readonly ReplicaStatus[];
  readonly streams: readonly StreamStatus[];
  /** Kafka Connect and kch's connectors: absent when no worker answers at a --connect-url nobody gave (the default one). */
  readonly connect?: ConnectStatus;
  /** Seconds between the two looks health was judged from (0: one look, no trend). */
  readonly windowSeconds: number;
}

/** The local broker `kch kafka` keeps in the data folder: its release is known. */
export interface LocalKafka {
  readonly clusterId: string;
  /** The Apache Kafka release it runs, e.g. `4.4.0`. */
  readonly version: string;
}

/** A topic's offsets against its consumer group's. */
export interface StreamKafka {
  /** Log-end offsets summed over partitions: events written to the topic. */
  readonly messages: number;
  readonly lag: number;
  readonly partitions: readonly PartitionStatus[];
}

export interface StreamTable extends TableStats {
  readonly exists: true;
}

/** A snake_case key in TypeScript's case: `dead_letter_table` → `deadLetterTable`. */
type CamelKey<K extends string> = K extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelKey<Tail>>}` : K;

/** A wire type with camelCase keys all the way down: the dashboard's model is declared once, as the browser reads it. */
type Camel<T> = T extends readonly (infer E)[] ? readonly Camel<E>[]
  : T extends object ? { readonly [K in keyof T as CamelKey<K & string>]: Camel<T[K]> }
  : T;

/**
 * One stream as the dashboard sees it (src/health/wire.ts, `StreamHealth`): one look at both
 * ends. Both ends are the looks `kch status` takes too (partitions with `end`, the table's
 * pending dead letters); src/health/json.ts writes them in the wire's words.
 */
export type StreamHealth = Omit<Camel<Wire.StreamHealth>, 'kafka' | 'clickhouse'> & {
  readonly kafka: StreamKafka | null;
  readonly clickhouse: StreamTable | { readonly exists: false } | null;
};

/** One server of a ClickHouse cluster, with its share of each stream's lag. */
export type ReplicaHealth = Camel<Wire.ReplicaHealth>;

/** The dashboard's look at the pipeline, for /api/pipeline and /metrics. */
export type PipelineHealth = Omit<Camel<Wire.PipelineHealth>, 'streams'> & { readonly streams: readonly StreamHealth[] };
