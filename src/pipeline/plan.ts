import { decodeSettings, strictJsonSettings, type ServerFeatures } from './features.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { requiredMember, shapeOf, sharedKeyFields, tombstonesDelete, type Ingest, type Member, type Projection, type StreamDefinition } from './stream.js';
import { replicaPath } from './cluster.js';
import { resolvePipeline, resolveStream, type ResolvedStream } from './resolve.js';
import { literal } from './quote.js';
import { OUT_OF_RANGE_CANDIDATE, unreadable } from './json.js';
import { numberTextSql, type NumberSite } from './number-sql.js';
import { envelopeSql } from './envelope.js';
import type { Field } from './field.js';

/**
 * The statements that make a pipeline, as data. The renderer turns each into SQL; `migrate`
 * compares them with what the server has; tests compare both.
 */
export interface Column {
  readonly name: string;
  readonly type: string;
  /** SQL default expression. */
  readonly default?: string;
}

export interface CreateDatabase {
  readonly kind: 'create-database';
  readonly database: string;
  /** `ON CLUSTER`: made on every server of the cluster (`onCluster` below). */
  readonly onCluster?: string;
}

export interface CreateMergeTree {
  readonly kind: 'create-merge-tree';
  readonly database: string;
  readonly table: string;
  readonly columns: readonly Column[];
  /** Absent (or empty) on servers without `features.projections`. */
  readonly projections?: readonly Projection[];
  readonly partitionBy: string | undefined;
  readonly orderBy: readonly string[];
  /** What the table is for, in `migrate`'s output. `sink-ranges`: what `kch sink` is inserting (src/sink/ranges.ts). */
  readonly role: 'target' | 'dead-letter' | 'sink-ranges';
  readonly stream: string;
  readonly onCluster?: string;
  /** ReplicatedMergeTree: its path in ZooKeeper/Keeper and its replica's name (macros allowed). */
  readonly replicated?: { readonly path: string; readonly replica: string };
  /** ReplacingMergeTree over this version column: merges keep the newest row of each key. */
  readonly replacing?: string;
  /** With `replacing`: the UInt8 column that marks a key's row deleted, which FINAL leaves out (servers from 23.2). */
  readonly isDeleted?: string;
  /** Rows expire: `TTL <ttl>`. */
  readonly ttl?: string;
  /** Table SETTINGS. */
  readonly settings?: Readonly<Record<string, number>>;
}

/**
 * A Distributed table over a cluster's local tables: what users, `kch query`, the dashboard,
 * `status` and `verify` read, under the name a single server gives the table itself.
 */
export interface CreateDistributed {
  readonly kind: 'create-distributed';
  readonly database: string;
  readonly table: string;
  /** The local table on every server, whose columns it takes. */
  readonly local: string;
  readonly cluster: string;
  readonly role: CreateMergeTree['role'];
  readonly stream: string;
}

export interface CreateKafkaTable {
  readonly kind: 'create-kafka-table';
  readonly database: string;
  readonly table: string;
  readonly columns: readonly Column[];
  readonly settings: Readonly<Record<string, string | number>>;
  readonly stream: string;
  readonly onCluster?: string;
}

export interface SelectItem {
  readonly expression: string;
  readonly alias: string;
}

/**
 * `SELECT <select> FROM (SELECT <inner> FROM <from> WHERE <where>)`. The checks run in the inner
 * query over the raw parsed columns; the outer one converts. Kept apart because an outer alias
 * such as `toUUID(event_id) AS event_id` would otherwise shadow the column inside WHERE.
 */
export interface CreateMaterializedView {
  readonly kind: 'create-materialized-view';
  readonly database: string;
  readonly view: string;
  readonly to: string;
  readonly from: string;
  readonly select: readonly SelectItem[];
  readonly inner: readonly SelectItem[];
  /**
   * Columns worked out from the inner ones, in levels between the two: `SELECT <select> FROM
   * (SELECT *, <level 2> FROM (SELECT *, <level 1> FROM (SELECT <inner> …)))`, each level reading
   * the ones below, so that <select> names them instead of repeating them, and they are worked out
   * only for the rows past the inner WHERE. @default none
   */
  readonly middle?: readonly (readonly SelectItem[])[];
  /** Empty: no WHERE. */
  readonly where: string;
  /** `decode`: from the Kafka table into the stream's Null table, which the other two read. */
  readonly role: 'target' | 'dead-letter' | 'decode';
  readonly stream: string;
  /** SETTINGS of the view's query, applied when it runs. */
  readonly settings?: Readonly<Record<string, number | string>>;
  readonly onCluster?: string;
}

/**
 * A Null-engine table: it keeps nothing, but the views reading it see every block inserted. The
 * decoding view writes each message into it once, decoded and checked; the target and the
 * dead-letter views read it (`decoded`). With `kch sink`, the stream's input is one too
 * (`sink-input`): it takes the Kafka table's name and columns, so the decoding view is the same.
 */
export interface CreateNullTable {
  readonly kind: 'create-null-table';
  readonly database: string;
  readonly table: string;
  readonly columns: readonly Column[];
  readonly role: 'decoded' | 'sink-input';
  readonly stream: string;
  readonly onCluster?: string;
}

/**
 * A plain view (no storage, computed at query time). Used for `<target>_dedup`: the target with
 * one row per `distinctBy` value, so that queries count each event once even when at-least-once
 * delivery (a crash between a write and its offset commit, a replay) wrote it twice.
 */
export interface CreateView {
  readonly kind: 'create-view';
  readonly database: string;
  readonly view: string;
  readonly from: string;
  readonly distinctBy: string;
  readonly role: 'dedup';
  readonly stream: string;
  readonly onCluster?: string;
}

export type Statement = CreateDatabase | CreateMergeTree | CreateDistributed | CreateKafkaTable | CreateNullTable | CreateMaterializedView | CreateView;

export interface PipelineTarget {
  /** Database holding every object. */
  readonly database: string;
  /** Broker list as ClickHouse reaches it. */
  readonly brokers: string;
  /** Prefix for topics and consumer groups (tests and side-by-side pipelines). */
  readonly topicPrefix: string;
  /** Consumers per Kafka table. @default 1 */
  readonly consumers?: number;
  /** More Kafka-engine settings: how to reach a secured Kafka (kafka_security_protocol, …). */
  readonly kafkaSettings?: Readonly<Record<string, string>>;
  /**
   * kafka_flush_interval_ms: the longest a Kafka table collects messages before it writes a
   * block, so the longest an event waits before it is queryable. Lower is fresher but writes more
   * parts (BENCHMARKS.md, 5,000 events/s: 1000 gave p95 1.09 s and 1.85 parts/s, 500 gives
   * p95 0.60–0.65 s and 3.5 parts/s, bulk ingest the same within noise). Below 500 nothing is
   * gained unless kafka_poll_timeout_ms (500 by default) is lowered too. @default 500
   */
  readonly flushIntervalMs?: number;
  /** A ClickHouse cluster (`--cluster`): every object on each of its servers (`onCluster` below). */
  readonly cluster?: ClusterTarget;
  /** The transport of streams without one of their own (`--ingest`). @default 'engine' */
  readonly ingest?: Ingest;
}

/** A stream's transport: its own, else the pipeline's, else the Kafka engine (the seed's design). */
export function ingestOf(stream: StreamDefinition, target: Pick<PipelineTarget, 'ingest'>): Ingest {
  // The Kafka engine skips a message without a value unseen (ClickHouse issue 68460): a stream
  // whose deletes are tombstones goes through the sink, which sees them.
  return stream.ingest ?? (tombstonesDelete(stream) ? 'sink' : target.ingest ?? 'engine');
}

/**
 * How many recent blocks each table remembers to drop a repeat: the sink's token names a
 * partition's offset range, and only a partition's last range can come again, so a few per
 * partition would do; 1000 is the replicated tables' own default.
 */
export const deduplicationWindow = 1000;

export interface ClusterTarget {
  /** As in system.clusters and `<remote_servers>`. */
  readonly name: string;
  /** Each replicated table's path in ZooKeeper/Keeper; `{database}` and `{table}` are filled in by kch, other macros by the server. */
  readonly path: string;
  /** The replica's name: a macro each server defines. */
  readonly replica: string;
}

export function planStream(stream: StreamDefinition, target: PipelineTarget, features: ServerFeatures): Statement[] {
  return planResolved(resolveStream(stream, target), target, features);
}

function planResolved(names: ResolvedStream, target: PipelineTarget, features: ServerFeatures): Statement[] {
  const { stream } = names;
  const fields = Object.entries(stream.fields);

  const changes = stream.changes;
  if (changes !== undefined && !features.decodeInViews) {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `stream ${stream.name}: an upsert stream's changes are decoded in views, which need ClickHouse 25.8 or later (this server is ${features.version}); upgrade it, or keep every change as a row of its own (an append stream, no key)`);
  }
  const targetTable: CreateMergeTree = {
    kind: 'create-merge-tree',
    database: target.database,
    table: names.target.table,
    columns: [
      ...fields.map(([name, field]) => ({ name, type: field.targetType(features), ...(field.defaultSql === undefined ? {} : { default: field.defaultSql }) })),
      { name: 'processing_time', type: 'DateTime', default: 'now()' },
      ...(changes === undefined ? [] : CHANGE_COLUMNS),
    ],
    // Not on the dead-letter table: written rarely and read whole. Not on an upsert stream's
    // target: a projection would count the versions a merge replaces.
    projections: features.projections && changes === undefined ? names.projections : [],
    partitionBy: stream.partitionBy,
    orderBy: stream.orderBy,
    role: 'target',
    stream: stream.name,
    // The newest version of each key, a deleted one left out of FINAL reads (docs/guarantees.md).
    ...(changes === undefined ? {} : { replacing: 'kch_version', ...(changes.deletes === 'remove' ? { isDeleted: 'kch_deleted' } : {}) }),
  };

  const deadLetterTable: CreateMergeTree = {
    kind: 'create-merge-tree',
    database: target.database,
    table: names.deadLetter.table,
    columns: deadLetterColumns(features),
    partitionBy: 'toYYYYMM(seen_at)',
    orderBy: ['topic', 'partition', 'offset'],
    role: 'dead-letter',
    stream: stream.name,
  };

  // Each event once, for queries: a plain view, so it costs nothing until it is read.
  const dedup: CreateView[] = stream.id !== undefined && changes === undefined
    ? [{ kind: 'create-view', database: target.database, view: names.dedupView.table, from: names.target.table, distinctBy: stream.id, role: 'dedup', stream: stream.name }]
    : [];
  if (ingestOf(stream, target) === 'sink') return planSink(names, target, features, targetTable, deadLetterTable, dedup);
  if (features.decodeInViews) return [targetTable, deadLetterTable, ...planDecoding(names, target, features), ...dedup];
  for (const [name, field] of fields) {
    const needs = field.needsDecoding();
    if (needs !== undefined) {
      throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `stream ${stream.name}: field ${name} is ${needs}, which only ClickHouse 25.8 or later can check (this server is ${features.version}); upgrade it, or define the field otherwise`);
    }
  }

  const settings: Record<string, string | number> = {
    ...kafkaConsumerSettings(names, target, 'JSONEachRow'),
    ...target.kafkaSettings,
  };
  if (features.kafkaErrorStream) {
    settings.kafka_handle_error_mode = 'stream';
  } else if (features.kafkaSkipBroken) {
    // Without the error stream an unparsable message would stop the consumer for good;
    // skipping it keeps the pipeline alive (the server log names it).
    settings.kafka_skip_broken_messages = 1_000_000;
  }
  if (features.kafkaFlushInterval) settings.kafka_flush_interval_ms = target.flushIntervalMs ?? 500;
  // Without these, ClickHouse turns a missing field or a null into 0 or '', a number into text and
  // drops unknown fields: messages that cannot become the row they claim to be would pass.
  if (features.strictJsonInput) Object.assign(settings, strictJsonSettings);

  const kafkaTable: CreateKafkaTable = {
    kind: 'create-kafka-table',
    database: target.database,
    table: names.kafkaTable.table,
    columns: fields.map(([name, field]) => ({ name, type: field.inputType(features) })),
    settings,
    stream: stream.name,
  };

  const checks = fields.map(([name, field]) => ({ name, sql: field.check(name, features), why: field.describe() }));
  const valid = checks.map((c) => `(${c.sql})`).join(' AND ');
  const parsed = features.kafkaErrorStream ? 'length(_error) = 0' : undefined;
  const plain = fields.map(([name]) => ({ expression: name, alias: name }));

  const targetView: CreateMaterializedView = {
    kind: 'create-materialized-view',
    database: target.database,
    view: names.view.table,
    to: names.target.table,
    from: names.kafkaTable.table,
    // Defaults spelled out: 18.x views must name every column of the table they write to.
    select: [...fields.map(([name, field]) => ({ expression: field.toTarget(name, features), alias: name })), { expression: 'now()', alias: 'processing_time' }],
    inner: plain,
    where: parsed ? `${parsed} AND ${valid}` : valid,
    role: 'target',
    stream: stream.name,
  };

  // Inner names carry a kch_ prefix so that no field of a stream can collide with them.
  const reasons = `arrayStringConcat(arrayFilter(x -> x != '', [${checks
    .map((c) => `if(${c.sql}, '', ${literal(`${c.name}: expected ${c.why}`)})`)
    .join(', ')}]), '; ')`;
  const rowCopy = features.formatRow
    ? `formatRow('JSONEachRow', ${fields.map(([name]) => name).join(', ')})`
    // A Nullable value's text is Nullable too, which arrayStringConcat refuses (found on 18.16).
    : `arrayStringConcat([${fields.map(([name, field]) => (field.inputType(features).startsWith('Nullable(') ? `ifNull(toString(${name}), 'null')` : `toString(${name})`)).join(', ')}], '\\t')`;
  const inner: SelectItem[] = [
    { expression: parsed ? `if(${parsed}, ${rowCopy}, _raw_message)` : rowCopy, alias: 'kch_raw' },
    { expression: parsed ? `if(${parsed}, ${reasons}, _error)` : reasons, alias: 'kch_error' },
    features.kafkaVirtualColumns
      ? { expression: '_topic', alias: 'kch_topic' }
      : { expression: literal(names.topic), alias: 'kch_topic' },
    { expression: features.kafkaVirtualColumns ? 'toUInt32(_partition)' : 'toUInt32(0)', alias: 'kch_partition' },
    { expression: features.kafkaVirtualColumns ? 'toUInt64(_offset)' : 'toUInt64(0)', alias: 'kch_offset' },
    { expression: features.kafkaTimestamp ? 'CAST(_timestamp AS Nullable(DateTime))' : 'CAST(NULL AS Nullable(DateTime))', alias: 'kch_timestamp' },
  ];
  const deadLetterView: CreateMaterializedView = {
    kind: 'create-materialized-view',
    database: target.database,
    view: names.deadLetterView.table,
    to: names.deadLetter.table,
    from: names.kafkaTable.table,
    select: deadLetterSelect('kch_error'),
    inner,
    where: parsed ? `NOT (${parsed}) OR NOT (${valid})` : `NOT (${valid})`,
    role: 'dead-letter',
    stream: stream.name,
  };

  if (!features.viewSubquery) {
    // Old servers: views cannot read through a subquery, and a WHERE would see the converting
    // aliases instead of the columns. The target view converts without filtering (conversions
    // that cannot throw); the dead-letter view, whose aliases collide with nothing, filters.
    return [targetTable, deadLetterTable, kafkaTable,
      { ...targetView, where: '', inner: [] },
      { ...deadLetterView, select: deadLetterView.select.map((item, i) => ({ expression: inner[i]?.expression ?? item.expression, alias: item.alias })), inner: [] },
      ...dedup];
  }

  // The Kafka table starts consuming once a view is attached. The target's view goes first so
  // that in the milliseconds before the second view exists no valid row can be missed.
  return [targetTable, deadLetterTable, kafkaTable, targetView, deadLetterView, ...dedup];
}

/** An upsert stream's own columns in its target: what orders a key's versions, and whether the newest deletes it. */
export const CHANGE_COLUMNS: readonly Column[] = [
  { name: 'kch_version', type: 'UInt64' },
  { name: 'kch_deleted', type: 'UInt8' },
];

/**
 * Where a message came from: its column in the views (`kch_…`), the dead-letter table's column
 * that keeps it, and their type. In this order in every table and view that carries them.
 */
const ORIGIN: readonly { readonly view: string; readonly stored: string; readonly type: (features: ServerFeatures) => string }[] = [
  { view: 'kch_topic', stored: 'topic', type: lowCardinalityString },
  { view: 'kch_partition', stored: 'partition', type: () => 'UInt32' },
  { view: 'kch_offset', stored: 'offset', type: () => 'UInt64' },
  { view: 'kch_timestamp', stored: 'kafka_timestamp', type: () => 'Nullable(DateTime)' },
];

/** The dead-letter table's columns: the message as it came, why it was refused, where it came from. */
function deadLetterColumns(features: ServerFeatures): Column[] {
  return [
    { name: 'raw', type: 'String' },
    { name: 'error', type: 'String' },
    ...ORIGIN.map((o) => ({ name: o.stored, type: o.type(features) })),
    { name: 'seen_at', type: 'DateTime', default: 'now()' },
    { name: 'replayed', type: 'UInt8', default: '0' },
  ];
}

/** Every column of the dead-letter table, from the view's kch_ columns and `error`, why the message was refused. */
function deadLetterSelect(error: string): SelectItem[] {
  return [
    { expression: 'kch_raw', alias: 'raw' },
    { expression: error, alias: 'error' },
    ...ORIGIN.map((o) => ({ expression: o.view, alias: o.stored })),
    { expression: 'now()', alias: 'seen_at' },
    { expression: 'toUInt8(0)', alias: 'replayed' },
  ];
}

function kafkaConsumerSettings(names: ResolvedStream, target: PipelineTarget, format: string): Record<string, string | number> {
  return {
    kafka_broker_list: target.brokers,
    kafka_topic_list: names.topic,
    kafka_group_name: names.group,
    kafka_format: format,
    kafka_num_consumers: target.consumers ?? 1,
  };
}

/**
 * The Kafka table, the Null table and the three views of a server with `decodeInViews`:
 *
 *   <kafkaTable> (RawBLOB: each message as bytes)
 *     └─ <decodeView>: JSONExtract once into a Tuple of Dynamic, every check, every conversion
 *        └─ <decoded> (Null)
 *           ├─ <view> WHERE kch_valid       → <target>
 *           └─ <deadLetterView> WHERE NOT   → <deadLetter>, the message byte for byte and why
 *
 * The Kafka table is made after both views over the Null table, and consumes once the decoding
 * view exists: from the first block on, every message reaches exactly one of the two tables.
 */
function planDecoding(names: ResolvedStream, target: PipelineTarget, features: ServerFeatures): Statement[] {
  const { stream } = names;
  const fields = Object.entries(stream.fields);
  const database = target.database;
  const shape = shapeOf(stream);
  // A nested field's value is reached through the tuples and maps of its objects.
  const valueOf = (name: string): string => memberPath(shape.members, stream.fields[name]!.jsonPath ?? [name]);
  // Where each message came from, carried through the Null table into the dead letters.
  const origin = ORIGIN.map((o) => o.view);
  const same = (names: readonly string[]): SelectItem[] => names.map((name) => ({ expression: name, alias: name }));

  const kafkaTable: CreateKafkaTable = {
    kind: 'create-kafka-table',
    database,
    table: names.kafkaTable.table,
    columns: [{ name: 'raw', type: 'String' }],
    settings: {
      ...kafkaConsumerSettings(names, target, 'RawBLOB'),
      ...target.kafkaSettings,
      ...(features.kafkaFlushInterval ? { kafka_flush_interval_ms: target.flushIntervalMs ?? 500 } : {}),
    },
    stream: stream.name,
  };

  // An upsert stream's message is an envelope around the row (src/pipeline/envelope.ts): the
  // row's JSON (`kch_doc`) is what the fields are read from and checked; for an append stream it
  // is the message itself.
  const changes = stream.changes;
  const envelope = changes === undefined ? undefined : envelopeSql(stream, changes);
  const doc = envelope === undefined ? 'kch_raw' : 'kch_doc';
  const keyFields = new Set(changes?.key ?? []);
  const carried = envelope === undefined ? [] : ['kch_doc', 'kch_problem', 'kch_deleted', 'kch_skip'];
  const meta: Column[] = [
    { name: 'kch_valid', type: 'UInt8' },
    { name: 'kch_raw', type: 'String' },
    ...ORIGIN.map((o) => ({ name: o.view, type: o.type(features) })),
    ...(envelope === undefined ? [] : [
      { name: 'kch_version', type: 'UInt64' },
      { name: 'kch_doc', type: 'String' },
      { name: 'kch_problem', type: 'String' },
      { name: 'kch_deleted', type: 'UInt8' },
      { name: 'kch_skip', type: 'UInt8' },
    ]),
  ];
  const decoded: CreateNullTable = {
    kind: 'create-null-table',
    database,
    table: names.decoded.table,
    columns: [...fields.map(([name, field]) => ({ name, type: field.targetType(features) })), ...meta],
    role: 'decoded',
    stream: stream.name,
  };

  const known = `[${[...shape.members.keys()].map(literal).join(', ')}]`;
  // JSONExtractKeys gives keys only for an object that parses whole (invalid JSON and invalid
  // UTF-8 give none), so with a required field, any key at all means a JSON object: the document
  // is not parsed a third time to ask. Without optional fields, all known and as many as the fields
  // means no key twice (JSON.parse would keep the last, ClickHouse the first): no hashing per row.
  const required = fields.some(([, field]) => !field.isOptional);
  const object = required ? 'notEmpty(kch_keys)' : `isValidJSON(${doc}) AND JSONType(${doc}) = 'Object'`;
  const members = [...shape.members.values()];
  const once = members.every(requiredMember) ? `length(kch_keys) = ${members.length}` : 'arrayUniq(kch_keys) = length(kch_keys)';
  // A deleted row may name its key's fields only (a tombstone's key, a delete's `before`).
  const onlyKnown = envelope === undefined ? `hasAll(${known}, kch_keys) AND ${once}` : `hasAll(${known}, kch_keys) AND (kch_deleted OR ${once})`;
  // Each value once by a short name (`kch_v_<field>`, its place in the parsed message), then the
  // pieces a numeric one is checked and converted from (src/pipeline/number-sql.ts): a middle level
  // of columns that the checks name, so that the views' SQL stays short (the server analyses it
  // for every block it inserts), worked out after the dead-letter view's WHERE (only the rejected
  // rows pay for them there).
  const shared = sharedKeyFields(stream);
  const sites = new Map<string, NumberSite>();
  const levels: SelectItem[][] = [[
    ...fields.map(([name]) => ({ expression: valueOf(name), alias: `kch_v_${name}` })),
    ...(envelope === undefined ? [] : [
      { expression: envelope.deleted, alias: 'kch_deleted' },
      { expression: envelope.skip, alias: 'kch_skip' },
      { expression: envelope.problem, alias: 'kch_problem' },
    ]),
  ], []];
  for (const [name, field] of fields) {
    if (field.jsonTupleType !== 'Dynamic') continue;
    const spec = field.numberText;
    const value = field.numberValue(`kch_v_${name}`, spec === undefined ? undefined : `kch_t_${name}`);
    if (value === undefined) continue;
    // Level 1: the value's text, when it needs one; the next: its exact value, read by the check and the conversion.
    if (spec !== undefined) {
      const key = shared.has(name) ? undefined : (field.jsonPath ?? [name]).at(-1)!;
      levels[1]!.push({ expression: numberTextSql(`kch_v_${name}`, spec, key), alias: `kch_t_${name}` });
    }
    (levels[spec === undefined ? 1 : 2] ??= []).push({ expression: value, alias: `kch_x_${name}` });
    sites.set(name, { value: `kch_x_${name}` });
  }
  const checks: { name: string; sql: string; why: string; found?: string }[] = [
    ...structureChecks(shape.members, doc).map((c) => (envelope === undefined || keyFields.has(c.name) ? c : { ...c, sql: `kch_deleted OR ${c.sql}` })),
    ...fields.map(([name, field]) => ({
      name,
      // A deleted row is named by its key: the other fields may be absent or null.
      sql: envelope === undefined || keyFields.has(name)
        ? field.jsonCheck(`kch_v_${name}`, features, sites.get(name))
        : `kch_deleted OR ${field.jsonCheck(`kch_v_${name}`, features, sites.get(name))}`,
      why: field.describe(),
      ...(field.jsonTupleType === 'Dynamic' ? { found: foundSql(`kch_v_${name}`) } : {}),
    })),
  ];
  // Every reason an element of one array, each check the first argument of its `if` (or of an
  // OR): the server evaluates those on every row, so that JSONExtract runs once on the whole
  // block. In a branch it may run again on a part of the rows, and JSONExtract into Dynamic types
  // a block's numbers together (a whole number beside a float becomes a Float64): a check and its
  // reason would then see one value two ways. (A view's SETTINGS cannot turn the lazy evaluation
  // off: only the insert's do.)
  // A column of the dead-letter view's own (a name in each reason, not the expression again).
  const readable = 'kch_readable';
  const reasons = `arrayStringConcat(arrayFilter(x -> x != '', [${[
    ...(envelope === undefined ? [] : ['kch_problem']),
    `if(isValidUTF8(kch_raw), '', ${literal(unreadable.utf8)})`,
    `if(NOT isValidUTF8(kch_raw)${envelope === undefined ? '' : " OR kch_problem != ''"} OR (isValidJSON(${doc}) AND JSONType(${doc}) = 'Object'), '', ${unreadableSql('kch_candidate')})`,
    `if(hasAll(${known}, kch_keys) OR NOT ${readable}, '', concat('unknown field: ', arrayStringConcat(arrayFilter(k -> NOT has(${known}, k), kch_keys), ', ')))`,
    `if(arrayUniq(kch_keys) = length(kch_keys) OR NOT ${readable}, '', 'a field appears more than once')`,
    ...checks.map((c) => `if(${c.sql} OR NOT ${readable}, '', ${c.found === undefined ? literal(`${c.name}: expected ${c.why}`) : `concat(${literal(`${c.name}: expected ${c.why}, got `)}, ${c.found})`})`),
  ].join(', ')}]), '; ')`;
  const json = (column: string): string => `JSONExtract(${column}, ${literal(tupleType(shape.members))})`;
  const fromKafka: SelectItem[] = [
    { expression: '_topic', alias: 'kch_topic' },
    { expression: 'toUInt32(_partition)', alias: 'kch_partition' },
    { expression: 'toUInt64(_offset)', alias: 'kch_offset' },
    { expression: 'CAST(_timestamp AS Nullable(DateTime))', alias: 'kch_timestamp' },
  ];
  const decodeView: CreateMaterializedView = {
    kind: 'create-materialized-view',
    database,
    view: names.decodeView.table,
    to: names.decoded.table,
    from: names.kafkaTable.table,
    select: [
      ...fields.map(([name, field]) => ({ expression: field.jsonToTarget(`kch_v_${name}`, features, sites.get(name)), alias: name })),
      { expression: [...(envelope === undefined ? [] : ["kch_problem = ''", 'NOT kch_skip']), object, onlyKnown, ...checks.map((c) => `(${c.sql})`)].join(' AND '), alias: 'kch_valid' },
      ...same(['kch_raw', ...origin]),
      ...(envelope === undefined ? [] : [{ expression: envelope.version((name) => name), alias: 'kch_version' }, ...same(carried)]),
    ],
    // An append stream's exactly as before change streams (a server's views are compared with it).
    inner: envelope === undefined ? [
      { expression: 'raw', alias: 'kch_raw' },
      { expression: json('raw'), alias: 'kch_json' },
      { expression: 'JSONExtractKeys(raw)', alias: 'kch_keys' },
      ...fromKafka,
    ] : [
      { expression: 'raw', alias: 'kch_raw' },
      ...(envelope.readsKey ? [{ expression: '_key', alias: 'kch_key' }] : []),
      ...fromKafka,
      ...(envelope.parse === undefined ? [] : [{ expression: envelope.parse, alias: 'kch_change' }]),
      { expression: envelope.doc, alias: 'kch_doc' },
      { expression: json(doc), alias: 'kch_json' },
      { expression: keysOf(doc, envelope.metaKeys), alias: 'kch_keys' },
    ],
    where: '',
    middle: levels.filter((level) => level.length > 0),
    role: 'decode',
    stream: stream.name,
    settings: decodeSettings,
  };

  const targetView: CreateMaterializedView = {
    kind: 'create-materialized-view',
    database,
    view: names.view.table,
    to: names.target.table,
    from: names.decoded.table,
    select: [...same(fields.map(([name]) => name)), { expression: 'now()', alias: 'processing_time' }, ...(envelope === undefined ? [] : same(['kch_version', 'kch_deleted']))],
    inner: [],
    where: 'kch_valid',
    role: 'target',
    stream: stream.name,
  };
  const deadLetterView: CreateMaterializedView = {
    kind: 'create-materialized-view',
    database,
    view: names.deadLetterView.table,
    to: names.deadLetter.table,
    from: names.decoded.table,
    // Why, worked out here, for the rejected rows only: their JSON is decoded a second time.
    select: deadLetterSelect(reasons),
    inner: [
      { expression: 'kch_raw', alias: 'kch_raw' },
      ...same(carried),
      { expression: json(doc), alias: 'kch_json' },
      { expression: keysOf(doc, envelope?.metaKeys ?? false), alias: 'kch_keys' },
      ...same(origin),
    ],
    // A Debezium tombstone is no change: nothing to keep, nothing to refuse.
    where: envelope === undefined ? 'NOT kch_valid' : 'NOT kch_valid AND NOT kch_skip',
    middle: [[
      ...levels[0]!.filter((item) => !carried.includes(item.alias)),
      { expression: `isValidUTF8(kch_raw)${envelope === undefined ? '' : " AND kch_problem = ''"} AND isValidJSON(${doc}) AND JSONType(${doc}) = 'Object'`, alias: readable },
      // The first numeral outside strings that may be out of range: what an unreadable message's reason names.
      { expression: `extract(kch_raw, ${literal(OUT_OF_RANGE_CANDIDATE)})`, alias: 'kch_candidate' },
    ], ...levels.slice(1)].filter((level) => level.length > 0),
    role: 'dead-letter',
    stream: stream.name,
    settings: decodeSettings,
  };
  return [decoded, targetView, deadLetterView, kafkaTable, decodeView];
}

/**
 * A stream that `kch sink` moves (docs/guarantees.md): the same decoding, checks and dead letters,
 * fed by a Null table the sink inserts into instead of a Kafka table. The target and dead-letter
 * tables remember their recent blocks, so that ClickHouse drops a block inserted again under the
 * same token; `<stream>_sink_ranges` keeps the range each partition's insert covers.
 */
function planSink(names: ResolvedStream, target: PipelineTarget, features: ServerFeatures, targetTable: CreateMergeTree, deadLetterTable: CreateMergeTree, dedup: readonly Statement[]): Statement[] {
  const { stream } = names;
  if (!features.decodeInViews) {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `stream ${stream.name}: ingest 'sink' needs ClickHouse 25.8 or later (decoding in views, deduplication tokens through views); this server is ${features.version}: use --ingest engine`);
  }
  if (target.cluster) {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `stream ${stream.name}: ingest 'sink' on a cluster is not built yet: use --ingest engine with --cluster`);
  }
  const settings = { non_replicated_deduplication_window: deduplicationWindow };
  const decoding = planDecoding(names, target, features).map((s): Statement => {
    if (s.kind !== 'create-kafka-table') return s;
    return { kind: 'create-null-table', database: s.database, table: s.table, columns: sinkInputColumns(features, stream), role: 'sink-input', stream: stream.name };
  });
  const ranges: CreateMergeTree = {
    kind: 'create-merge-tree',
    database: target.database,
    table: names.sinkRanges.table,
    columns: [
      { name: 'group', type: 'String' },
      { name: 'partition', type: 'UInt32' },
      { name: 'first', type: 'UInt64' },
      { name: 'last', type: 'UInt64' },
      { name: 'recorded', type: 'DateTime64(6)' },
    ],
    partitionBy: undefined,
    orderBy: ['group', 'partition', 'first'],
    replacing: 'recorded',
    // A range matters until its batch is committed, seconds later; a month covers a sink left stopped.
    ttl: 'toDateTime(recorded) + INTERVAL 30 DAY',
    role: 'sink-ranges',
    stream: stream.name,
  };
  return [{ ...targetTable, settings }, { ...deadLetterTable, settings }, ranges, ...decoding, ...dedup];
}

/** A String column of few values (a topic's name), dictionary-encoded where the server can. */
function lowCardinalityString(features: ServerFeatures): string {
  return features.lowCardinality ? 'LowCardinality(String)' : 'String';
}

/** The sink's input: the message, and what the Kafka table gives as virtual columns (the key only to a stream that reads it). */
export function sinkInputColumns(features: ServerFeatures, stream: StreamDefinition): Column[] {
  return [
    { name: 'raw', type: 'String' },
    { name: '_topic', type: lowCardinalityString(features) },
    { name: '_partition', type: 'UInt64' },
    { name: '_offset', type: 'UInt64' },
    { name: '_timestamp', type: 'Nullable(DateTime)' },
    ...(tombstonesDelete(stream) ? [{ name: '_key', type: 'String' }] : []),
  ];
}

/**
 * A nested object whose members are all single values: extracted as a Map, which gives its keys
 * and values from the one parse of the message. Its keys asked of the message apart
 * (`JSONExtractKeys(raw, 'ship')`) parse the message again: measured on chdb 26.7 (one thread,
 * 500,000 orders of the own-streams benchmark, one such object), the decoding took 900 ms with
 * that and 650 ms with the Map, against 630 ms for as many seed sales. Objects holding objects or
 * arrays stay tuples: a Map's Dynamic values would infer the arrays' element types themselves.
 */
function isFlat(member: Member): boolean {
  return member.kind === 'object' && [...member.members.values()].every((m) => m.kind === 'field' && m.field.jsonTupleType === 'Dynamic');
}

/**
 * The JSONExtract type of a message's (or a nested object's) members: a named Tuple, nested as the
 * objects are, so that the message is parsed once whatever its depth. Measured on chdb 26 (one
 * thread, 1 M messages with five values, two of them one and two levels deep): ~560 ms to extract
 * them into nested tuples, ~940 ms with a JSONExtract per path.
 */
function tupleType(members: ReadonlyMap<string, Member>): string {
  const typeOf = (m: Member): string => m.kind === 'field' ? m.field.jsonTupleType : isFlat(m) ? 'Map(String, Dynamic)' : tupleType(m.members);
  return `Tuple(${[...members].map(([key, m]) => `${key} ${typeOf(m)}`).join(', ')})`;
}

/** The extracted value at `path`: a tuple's element, or a flat object's map value (NULL when absent). */
function memberPath(members: ReadonlyMap<string, Member>, path: readonly string[]): string {
  let at = 'kch_json';
  let level: ReadonlyMap<string, Member> | undefined = members;
  let inMap = false;
  for (const key of path) {
    at = inMap ? `${at}[${literal(key)}]` : `tupleElement(${at}, ${literal(key)})`;
    const member: Member | undefined = level?.get(key);
    inMap = member !== undefined && isFlat(member);
    level = member?.kind === 'object' ? member.members : undefined;
  }
  return at;
}

/**
 * What the tuple cannot tell: that a nested object is one (a string there extracts as a tuple of
 * NULLs, or an empty map) with no unknown or repeated keys, and that an array is one (anything
 * else extracts as []). Only streams with nested objects or arrays pay for it; a flat object's
 * keys come from its map, the others' from the message, asked again.
 */
function structureChecks(members: ReadonlyMap<string, Member>, raw: string, root: ReadonlyMap<string, Member> = members): { name: string; sql: string; why: string }[] {
  const out: { name: string; sql: string; why: string }[] = [];
  for (const member of members.values()) {
    if (member.kind === 'field') {
      if (member.field.jsonTupleType.startsWith('Array')) {
        const path = member.field.jsonPath ?? [member.name];
        const at = path.map(literal).join(', ');
        const type = `JSONType(${raw}, ${at})`;
        const elements = elementShapeCheck(member.field, `JSONExtractArrayRaw(${raw}, ${at})`);
        const array = member.field.isOptional ? `${type} IN ('Array', 'Null')` : `${type} = 'Array'`;
        out.push({ name: member.name, sql: elements === undefined ? array : `${array} AND ${elements}`, why: elements === undefined ? 'an array' : `an array of ${describeElements(member.field)}` });
      }
      continue;
    }
    const at = member.path.map(literal).join(', ');
    const keys = isFlat(member) ? `mapKeys(${memberPath(root, member.path)})` : `JSONExtractKeys(${raw}, ${at})`;
    const type = `JSONType(${raw}, ${at})`;
    // Only an object has keys: with a member required, some key must be there, and the keys tell
    // it is an object without asking the message a second time (a parse per message saved).
    out.push({
      name: member.path.join('.'),
      sql: `${member.required ? `notEmpty(${keys})` : `${type} IN ('Object', 'Null')`} AND hasAll([${[...member.members.keys()].map(literal).join(', ')}], ${keys}) AND arrayUniq(${keys}) = length(${keys})`,
      why: `an object with only the fields ${[...member.members.keys()].join(', ')}, each once`,
    });
    out.push(...structureChecks(member.members, raw, root));
  }
  return out;
}

/**
 * What the tuples cannot tell of an array's elements that are objects: that each is one, with no
 * unknown key and none twice (a Tuple extracts only the members it names), and so on inside them.
 * Undefined for an array of plain values.
 */
function elementShapeCheck(field: Field, rawArray: string): string | undefined {
  const array = unwrap(field) as Field & { of?: Field; depth?: number };
  if (array.of === undefined) return undefined;
  const e = `e${array.depth === 1 ? '' : String(array.depth)}`;
  const element = shapeCheck(array.of, e, []);
  return element === undefined ? undefined : `arrayAll(${e} -> ${element}, ${rawArray})`;
}

/** SQL: the JSON text `raw`, at `path`, holds what the field's shape needs (see elementShapeCheck); undefined for a plain value. */
function shapeCheck(field: Field, raw: string, path: readonly string[]): string | undefined {
  const at = path.map((k) => `, ${literal(k)}`).join('');
  const type = `JSONType(${raw}${at})`;
  const plain = unwrap(field) as Field & { members?: Readonly<Record<string, Field>>; of?: Field };
  let own: string | undefined;
  let kind: string;
  if (plain.members !== undefined) {
    kind = 'Object';
    const keys = `JSONExtractKeys(${raw}${at})`;
    const known = `[${Object.keys(plain.members).map(literal).join(', ')}]`;
    const inner = Object.entries(plain.members).map(([key, member]) => shapeCheck(member, raw, [...path, key])).filter((c): c is string => c !== undefined);
    own = [`hasAll(${known}, ${keys})`, `arrayUniq(${keys}) = length(${keys})`, ...inner.map((c) => `(${c})`)].join(' AND ');
  } else if (plain.of !== undefined) {
    kind = 'Array';
    own = elementShapeCheck(plain, `JSONExtractArrayRaw(${raw}${at})`);
    if (own === undefined) return undefined;
  } else {
    return undefined;
  }
  return field.isOptional ? `${type} = 'Null' OR (${type} = ${literal(kind)} AND ${own})` : `${type} = ${literal(kind)} AND ${own}`;
}

/** A field without its optional or defaulted wrapper. */
function unwrap(field: Field): Field {
  const inner = (field as Field & { inner?: Field }).inner;
  return inner === undefined ? field : unwrap(inner);
}

function describeElements(field: Field): string {
  const array = unwrap(field) as Field & { of?: Field };
  return array.of === undefined ? 'values' : `objects with only ${Object.keys((unwrap(array.of) as Field & { members?: object }).members ?? {}).join(', ')}, each once`;
}

/** The keys of the row's object; with `meta`, without the envelope's own (`__deleted`, `__op`, … of Debezium's flat form). */
function keysOf(doc: string, meta: boolean): string {
  return meta ? `arrayFilter(k -> NOT startsWith(k, '__'), JSONExtractKeys(${doc}))` : `JSONExtractKeys(${doc})`;
}

/** The dead-letter reason of a message that does not parse: a number out of range (named), or not a JSON object. */
function unreadableSql(candidate: string): string {
  const outOfRange = `if(match(${candidate}, '^-?[0-9]+$'), isNull(toInt64OrNull(${candidate})) AND isNull(toUInt64OrNull(${candidate})), NOT isFinite(ifNull(toFloat64OrNull(${candidate}), inf)))`;
  return `if(${candidate} != '' AND ${outOfRange}, concat(${literal(unreadable.number)}, ${candidate}, ${literal(unreadable.numberWhy)}), ${literal(unreadable.object)})`;
}

/** What a field's value was, for a dead letter's reason: `the string "1"`, `the number 1.5`, `null or nothing`. */
function foundSql(value: string): string {
  const json = `leftUTF8(toJSONString(${value}), 60)`;
  return `multiIf(isNull(${value}), 'null or nothing', dynamicType(${value}) = 'String', concat('the string ', ${json}), dynamicType(${value}) IN ('Int64', 'UInt64', 'Float64'), concat('the number ', ${json}), startsWith(dynamicType(${value}), 'Array'), 'an array', dynamicType(${value}) = 'Bool', ${json}, 'an object')`;
}

export function planPipeline(streams: readonly StreamDefinition[], target: PipelineTarget, features: ServerFeatures): Statement[] {
  const pipeline = resolvePipeline({ target, streams });
  const statements: Statement[] = [];
  if (target.database !== 'default') statements.push({ kind: 'create-database', database: target.database });
  for (const names of pipeline.streams) statements.push(...planResolved(names, target, features));
  return target.cluster ? onCluster(statements, target.cluster, pipeline.streams) : statements;
}

/**
 * The same pipeline on a ClickHouse cluster, with the server's own distribution and nothing of
 * ours: every object made `ON CLUSTER`, so it exists on each server; the tables that keep rows
 * replicated (ReplicatedMergeTree, under `<name>_local`) and read through a Distributed table
 * that keeps the name a single server gives them (`sales`), so that users' SQL, the dashboard,
 * `status` and `verify` see every row under the name they know. Each server's Kafka table joins
 * the stream's one consumer group, so the topic's partitions spread over the servers; its views
 * write into that server's local table, never through the Distributed one (which would send each
 * block on and, on a retry, write it twice: ClickHouse issue 6661).
 * `streams`: the planned streams, whose resolved names give each table's local one (`stored`).
 */
export function onCluster(statements: readonly Statement[], cluster: ClusterTarget, streams: readonly ResolvedStream[]): Statement[] {
  const local = new Map<string, string>();
  for (const s of streams) {
    for (const role of ['target', 'deadLetter', 'sinkRanges'] as const) local.set(`${s[role].database}\0${s[role].table}`, s.stored[role].table);
  }
  const localOf = (database: string, table: string): string | undefined => local.get(`${database}\0${table}`);
  const out: Statement[] = [];
  for (const s of statements) {
    switch (s.kind) {
      case 'create-merge-tree': {
        const table = localOf(s.database, s.table);
        if (table === undefined) throw new KchError(ErrorCodes.DEFINITION, `no local table resolved for ${s.database}.${s.table}`);
        const replicated: CreateMergeTree = { ...s, table, onCluster: cluster.name, replicated: { path: replicaPath(cluster.path, s.database, table), replica: cluster.replica } };
        const distributed: CreateDistributed = { kind: 'create-distributed', database: s.database, table: s.table, local: table, cluster: cluster.name, role: s.role, stream: s.stream };
        out.push(replicated, distributed);
        break;
      }
      case 'create-materialized-view':
        out.push({ ...s, to: localOf(s.database, s.to) ?? s.to, onCluster: cluster.name });
        break;
      case 'create-distributed':
        out.push(s);
        break;
      default:
        out.push({ ...s, onCluster: cluster.name });
    }
  }
  return out;
}
