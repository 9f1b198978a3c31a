/**
 * Every name a stream gives a Kafka or ClickHouse object, worked out here and nowhere else: the
 * defaults follow the stream's name (the view and `_dedup` follow the target, which is the
 * stream's name unless given), so two streams of one topic never meet. src/pipeline/resolve.ts
 * places them in a database, a topic prefix and a cluster.
 */

/** The names a definition may give (part of StreamSpec); the rest follow its name. */
export interface NamesSpec {
  /** Stream name used by the CLI (`kch status sales`). */
  readonly name: string;
  /** Kafka topic. @default name */
  readonly topic?: string;
  /** Consumer group of the Kafka-engine table. @default `clickhouse_${name}_consumer` */
  readonly consumerGroup?: string;
  /**
   * Kafka-engine table (with `ingest: 'sink'`, the Null table in its place). @default `${name}_kafka`:
   * named after the stream, not the topic, so that streams reading one topic have one each
   */
  readonly kafkaTable?: string;
  /** Target MergeTree table. @default name */
  readonly target?: string;
  /** Materialized view into the target. @default `${target}_mv` */
  readonly view?: string;
  /** Dead-letter table. @default `${name}_dead_letter` */
  readonly deadLetter?: string;
}

/** A stream's object names in its database, and its topic and consumer group before any prefix. */
export interface StreamNames {
  readonly topic: string;
  readonly consumerGroup: string;
  /** Kafka-engine table (with `ingest: 'sink'`, the Null table in its place). */
  readonly kafkaTable: string;
  readonly target: string;
  readonly view: string;
  readonly deadLetter: string;
  readonly deadLetterView: string;
  /** Null table the decoding view writes each message into, decoded and checked (servers with `decodeInViews`). */
  readonly decoded: string;
  /** Materialized view from the Kafka table into `decoded`. */
  readonly decodeView: string;
  /** Plain view of the target with each event once. */
  readonly dedupView: string;
  /** The offset range `kch sink` is inserting for each partition. */
  readonly sinkRanges: string;
}

export function streamNames(spec: NamesSpec): StreamNames {
  const target = spec.target ?? spec.name;
  const deadLetter = spec.deadLetter ?? `${spec.name}_dead_letter`;
  return {
    topic: spec.topic ?? spec.name,
    consumerGroup: spec.consumerGroup ?? `clickhouse_${spec.name}_consumer`,
    kafkaTable: spec.kafkaTable ?? `${spec.name}_kafka`,
    target,
    view: spec.view ?? `${target}_mv`,
    deadLetter,
    deadLetterView: `${deadLetter}_mv`,
    decoded: `${spec.name}_decoded`,
    decodeView: `${spec.name}_decode_mv`,
    dedupView: `${target}_dedup`,
    sinkRanges: `${spec.name}_sink_ranges`,
  };
}

/** What each object is, in messages about names (two streams claiming one). */
export const objectRoles: Readonly<Record<Exclude<keyof StreamNames, 'topic' | 'consumerGroup'>, string>> = {
  kafkaTable: 'Kafka table',
  target: 'target table',
  view: 'view',
  deadLetter: 'dead-letter table',
  deadLetterView: 'dead-letter view',
  decoded: 'decoded table',
  decodeView: 'decoding view',
  dedupView: 'dedup view',
  sinkRanges: 'sink ranges table',
};

/** The local table behind a cluster's Distributed table of this name. */
export function localTableName(table: string): string {
  return `${table}_local`;
}
