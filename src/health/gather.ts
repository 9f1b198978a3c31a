/**
 * The health model's facts, asked of Kafka and ClickHouse: one query per fact, for `kch status`
 * (`snapshot`, two looks apart) and the dashboard (`pipelineHealth`, one look at both ends)
 * alike. Either side may be down; the other side's facts are still reported, with the failure
 * beside them. Judging them is judge.ts's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ConsumerRow } from '../clickhouse/kafka-consumers.js';
import { readerOf, rows, type Reader } from '../clickhouse/query.js';
import { isKchError, messageOf } from '../errors/kch-error.js';
import { committedOffsets, listEndOffsets, probeKafka, versionFromApis } from '../kafka/admin.js';
import { formatBroker } from '../kafka/brokers.js';
import { defaultPomPath, kafkaVersionOf } from '../kafka/runtime.js';
import { describeGroups, type GroupMember } from '../ops/group.js';
import { consumptionOf, type Consumption } from '../ops/pause.js';
import { hasSystemTable } from '../clickhouse/system.js';
import { replicaFacts, replicaLag, withGroupPartitions, type ReplicaStatus, type StreamGroup } from '../clickhouse/replicas.js';
import { ingestOf, type PipelineTarget } from '../pipeline/plan.js';
import { groupOf, resolveStream, topicOf, type ResolvedStream } from '../pipeline/resolve.js';
import { literal, quoteIdentifier } from '../pipeline/quote.js';
import type { Ingest, StreamDefinition } from '../pipeline/stream.js';
import { DEAD_LETTER_WINDOW_SECONDS, deadLetterProblem } from './judge.js';
import { freshnessSeconds, lagOf, partitionsOf, RATE_WINDOW_SECONDS, rowsPerSecond } from './measure.js';
import { kchConnectors } from '../cdc/connector.js';
import { ConnectClient } from '../connect/rest.js';
import type {
  ConnectorHealth, ConnectStatus, ConsumerStatus, LocalKafka, PartitionStatus, PipelineHealth, ReplicaHealth, ServiceState, ServiceStatus, StatusReport, StreamHealth,
  StreamKafka, StreamStatus, StreamTable, TableStats,
} from './model.js';
import { formatSeconds } from './text.js';

// ---------------------------------------------------------------------------------------------
// A stream's tables: rows, dead letters, freshness, ingest rate, what arrived lately.

/** A stream's target and dead-letter tables, as SQL names (qualified or not, quoted where needed). */
export interface StreamTableNames {
  readonly stream: string;
  readonly target: string;
  readonly deadLetter: string;
  /** An upsert stream's target: its rows are the live ones (FINAL: each key's newest version, deleted ones left out). */
  readonly live?: boolean;
}

export interface TableStatsOptions {
  /** Minutes of per-minute arrivals to return, the current one included. @default 1 */
  readonly minutes?: number;
  /** Whether the dead-letter table exists: without it, no dead letters are counted. @default true */
  readonly deadLetterExists?: boolean;
  /** Count the dead letters not replayed yet (reads a column; `kch status` shows it). @default false */
  readonly pending?: boolean;
}

/** ClickHouse sends 64-bit integers as strings by default. */
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

/** The one look at a stream's tables, in one round trip. */
export async function tableStats(db: Reader, tables: StreamTableNames, options: TableStatsOptions = {}): Promise<TableStats> {
  const minutes = options.minutes ?? 1;
  const deadLetterExists = options.deadLetterExists ?? true;
  const pending = deadLetterExists && options.pending === true;
  const deadLetters = deadLetterExists ? `(SELECT count() FROM ${tables.deadLetter})` : 'toUInt64(0)';
  // The error is read only where seen_at falls in the window, the newest by seen_at then offset (many share a second).
  const recentLetters = deadLetterExists
    ? `(SELECT (count(), argMax(error, (seen_at, offset))) FROM ${tables.deadLetter} WHERE seen_at > now() - {recent:UInt32})`
    : `(toUInt64(0), '')`;
  // One round trip, every function as 18.16 has it (least() of two). count() comes from the
  // parts' metadata. Rows per second of arrival (what the arrivals projection keeps, where the
  // table has it) give both the last minute's arrivals and the rows per minute; with a one-minute
  // series the arrivals window reaches into the minute before, which the mapping below leaves out.
  const [stats] = await db.rows<{ rows: unknown; newest: unknown; now: unknown; dead_letters: unknown; pending?: unknown; recent_letters: unknown; arrivals: unknown }>(`
      SELECT ${tables.live ? `(SELECT count() FROM ${tables.target} FINAL)` : 'count()'} AS rows, toUnixTimestamp(max(processing_time)) AS newest, toUnixTimestamp(now()) AS now,
             ${deadLetters} AS dead_letters,${pending ? ` (SELECT countIf(replayed = 0) FROM ${tables.deadLetter}) AS pending,` : ''} ${recentLetters} AS recent_letters,
             (SELECT (sum(arrived), groupArray((minute, rows)), sum(lately)) FROM (
                SELECT toUnixTimestamp(toStartOfMinute(second)) AS minute, sum(n) AS rows,
                       sumIf(n, second > now() - {window:UInt32} AND second <= now()) AS arrived,
                       sumIf(n, second > now() - {recent:UInt32}) AS lately
                FROM (
                  SELECT processing_time AS second, count() AS n
                  FROM ${tables.target}
                  WHERE processing_time >= least(least(now() - {window:UInt32}, now() - {recent:UInt32}), subtractMinutes(toStartOfMinute(now()), {minutes:UInt32} - 1))
                  GROUP BY second)
                GROUP BY minute)) AS arrivals
      FROM ${tables.target}`, { window: RATE_WINDOW_SECONDS, recent: DEAD_LETTER_WINDOW_SECONDS, minutes }, `reading the ${tables.stream} stream's table`);
  // A tuple comes as an array, or as an object where the server names tuple elements.
  const tuple = (value: unknown): unknown[] => (value === null || typeof value !== 'object' ? [] : Object.values(value));
  const arrivals = tuple(stats?.arrivals);
  const [recentDead, newestError] = tuple(stats?.recent_letters);
  const perMinute = new Map(((arrivals[1] ?? []) as unknown[]).map((pair) => {
    const [minute, rows] = Object.values(pair as object) as [unknown, unknown];
    return [num(minute), num(rows)] as const;
  }));
  const rows = num(stats?.rows);
  const now = num(stats?.now);
  const newest = num(stats?.newest);
  const lastMinute = Math.floor(now / 60) * 60;
  const starts = Array.from({ length: minutes }, (_, i) => lastMinute - (minutes - 1 - i) * 60);
  return {
    rows,
    deadLetters: deadLetterExists ? num(stats?.dead_letters) : null,
    deadLettersPending: pending ? num(stats?.pending) : null,
    newestRowAt: rows > 0 ? iso(newest) : null,
    freshnessSeconds: freshnessSeconds(rows, now, newest),
    rowsPerSecond: rowsPerSecond(num(arrivals[0])),
    ingest: { minutes: starts.map(iso), rows: starts.map((s) => perMinute.get(s) ?? 0) },
    recent: {
      windowSeconds: DEAD_LETTER_WINDOW_SECONDS,
      rows: num(arrivals[2]),
      deadLetters: num(recentDead),
      newestError: num(recentDead) > 0 && typeof newestError === 'string' ? newestError : null,
    },
  };
}

/** UNKNOWN_TABLE or UNKNOWN_DATABASE: the pipeline is not (fully) migrated. */
export function isMissingObject(error: unknown): boolean {
  const code = isKchError(error) ? error.details?.code : undefined;
  return code === '60' || code === '81';
}

/** UNKNOWN_DATABASE: the client's database does not exist (every query on it fails so). */
export function isMissingDatabase(error: unknown): boolean {
  return isKchError(error) && error.details?.code === '81';
}

/** Which of the given tables exist in the client's database: none when the database itself does not. */
export async function existingTables(db: Reader, names: readonly string[]): Promise<Set<string>> {
  try {
    const found = await db.rows<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = currentDatabase() AND has({names:Array(String)}, name)',
      { names }, 'listing the pipeline\'s tables');
    return new Set(found.map((r) => r.name));
  } catch (error) {
    if (isMissingDatabase(error)) return new Set();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// `kch status`: everything about each stream, and whether the broker and ClickHouse answer.

export interface StatusSources {
  readonly client: ClickHouseClient;
  readonly clickhouseUrl: string;
  readonly bootstrap: string;
  readonly target: PipelineTarget;
  readonly streams: readonly StreamDefinition[];
  /** The broker `kch kafka` keeps in the data folder, when there is one: its release is known. */
  readonly localKafka?: readonly LocalKafka[];
  /** The Kafka Connect worker to ask for kch's connectors; `required`: one that does not answer is reported (a URL the user gave). */
  readonly connect?: { readonly url: string; readonly required: boolean };
}

/** How long `kch status` waits for Kafka's first answer, connection and version included. */
export const KAFKA_PROBE_MS = 3_000;

/**
 * The local broker of `<dataDir>/kafka`, if `kch kafka` ever formatted one there: its cluster id
 * (a broker answering with the same id is that one) and its release — read from the running
 * JVM's class path (`…/kafka-4.4.0/jars/…`) where /proc shows it, else the release kch kafka
 * starts (kafka/pom.xml).
 */
export async function localKafkaOf(dataDir: string): Promise<LocalKafka[]> {
  // A folder may hold both a single broker and a cluster (kch kafka --nodes 3, its id beside its
  // nodes): whichever answers is told by its cluster id.
  const found = await Promise.all([
    localKafkaIn(join(dataDir, 'kafka'), join(dataDir, 'kafka')),
    localKafkaIn(join(dataDir, 'kafka-cluster'), join(dataDir, 'kafka-cluster', 'node-1')),
  ]);
  return found.filter((k): k is LocalKafka => k !== undefined);
}

async function localKafkaIn(idDir: string, kafkaDir: string): Promise<LocalKafka | undefined> {
  const clusterId = (await readFile(join(idDir, 'cluster-id'), 'utf8').catch(() => '')).trim();
  if (!clusterId) return undefined;
  const jvm = Number((await readFile(join(kafkaDir, 'broker.pid'), 'utf8').catch(() => '')).trim().split(/\s+/)[0]);
  const running = Number.isSafeInteger(jvm) && jvm > 0
    ? /kafka-(\d+\.\d+\.\d+[\w.-]*?)[/\\]jars/.exec((await readFile(`/proc/${jvm}/cmdline`, 'utf8').catch(() => '')))?.[1]
    : undefined;
  const version = running ?? kafkaVersionOf(await readFile(defaultPomPath(), 'utf8').catch(() => ''));
  return version ? { clusterId, version } : undefined;
}

/** One look at everything, without judging it (see judge.ts). */
export async function snapshot(sources: StatusSources): Promise<StatusReport> {
  const objects = sources.streams.map((s) => resolveStream(s, sources.target));
  const [kafka, clickhouse, connect] = await Promise.all([
    kafkaStatus(sources.bootstrap, sources.localKafka, objects.map((o) => o.topic)),
    clickhouseStatus(sources.client, sources.clickhouseUrl),
    sources.connect ? connectStatus(sources.connect.url, sources.connect.required) : undefined,
  ]);
  const fromKafka = kafka.reachable ? await kafkaFacts(sources.bootstrap, objects).catch((error: unknown) => errorOf(error)) : undefined;
  const fromClickHouse = clickhouse.reachable ? await clickhouseFacts(sources.client, sources.clickhouseUrl, sources.target.database, objects) : undefined;
  const cluster = sources.target.cluster;
  const told = cluster && clickhouse.reachable
    ? await replicaFacts(sources.client, cluster.name, objects)
    : undefined;
  const kafkaFailed = typeof fromKafka === 'string';
  // Servers before 23.8 cannot say which partitions each consumes; the group's members can.
  const replicas = told && fromKafka && !kafkaFailed
    ? await withGroupPartitions(told, () => Promise.resolve(objects.map((o) => ({ stream: o.stream.name, topic: o.topic, members: fromKafka.get(o.stream.name)?.members ?? [] }))))
    : told;
  const streams = objects.map((o): StreamStatus => {
    const k = fromKafka && !kafkaFailed ? fromKafka.get(o.stream.name) : undefined;
    const c = fromClickHouse?.get(o.stream.name);
    return {
      name: o.stream.name,
      topic: o.topic,
      group: o.group,
      kafkaTable: o.kafkaTable.toSql(),
      target: o.target.toSql(),
      deadLetter: o.deadLetter.toSql(),
      consumption: c?.consumption ?? 'unknown',
      ingest: c?.ingest ?? ingestOf(o.stream, sources.target),
      groupState: k?.groupState ?? null,
      groupMembers: k?.groupMembers ?? null,
      partitions: k?.partitions ?? [],
      lag: k ? k.partitions.reduce((sum, p) => sum + p.lag, 0) : null,
      rows: c?.rows ?? null,
      rowsPerSecond: c?.rowsPerSecond ?? null,
      freshnessSeconds: c?.freshnessSeconds ?? null,
      parts: c?.parts ?? null,
      deadLetters: c?.deadLetters ?? null,
      deadLettersPending: c?.deadLettersPending ?? null,
      recent: c?.recent ?? null,
      consumers: c?.consumers ?? null,
      missingViews: c?.missingViews ?? [],
      health: 'ok',
      problems: [],
    };
  });
  return {
    at: new Date().toISOString(),
    healthy: true,
    kafka: kafkaFailed ? { ...kafka, error: fromKafka } : kafka,
    clickhouse,
    ...(replicas ? { replicas } : {}),
    streams,
    ...(connect ? { connect } : {}),
    windowSeconds: 0,
  };
}

/** The worker and kch's connectors on it; undefined when it does not answer and nobody asked for it. */
async function connectStatus(url: string, required: boolean): Promise<ConnectStatus | undefined> {
  const client = new ConnectClient(url, { requestTimeoutMs: KAFKA_PROBE_MS, conflictTimeoutMs: KAFKA_PROBE_MS });
  try {
    const info = await client.info();
    const connectors = (await kchConnectors(client)).map((c): ConnectorHealth => {
      const failing = c.status ? [c.status.connector, ...c.status.tasks].find((s) => s.state === 'FAILED') : undefined;
      return {
        name: c.name,
        stream: c.stream,
        table: c.table,
        state: c.status?.connector.state ?? 'GONE',
        tasks: (c.status?.tasks ?? []).map((t) => ({ id: t.id, state: t.state })),
        error: failing ? failing.trace?.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'no trace' : null,
      };
    });
    return { reachable: true, address: client.url, version: info.version, detail: `${connectors.length} connector(s) of kch cdc`, connectors, problems: [] };
  } catch (error) {
    return required ? { reachable: false, address: client.url, error: errorOf(error), connectors: [], problems: [] } : undefined;
  }
}

function errorOf(error: unknown): string {
  return isKchError(error) ? error.message : messageOf(error);
}

/**
 * Whether Kafka answers, within `KAFKA_PROBE_MS` all told, and its release: exact for the local
 * broker (same cluster id), else the oldest release its API versions allow (`≥ 4.0 (from its API
 * versions)`), since Kafka does not send its version over the wire.
 */
async function kafkaStatus(bootstrap: string, local: readonly LocalKafka[] | undefined, topics: readonly string[]): Promise<ServiceStatus> {
  try {
    const probe = await probeKafka(bootstrap, { timeoutMs: KAFKA_PROBE_MS, topics });
    const { missingBrokers, underReplicated } = probe.replication;
    const brokers = [
      ...probe.brokers.map((b) => ({ id: b.id, address: formatBroker(b), up: true })),
      ...missingBrokers.map((id) => ({ id, address: null, up: false })),
    ].sort((a, b) => a.id - b.id);
    const down = missingBrokers.length > 0 ? `, DOWN: broker ${missingBrokers.join(', ')}` : '';
    return {
      reachable: true,
      address: bootstrap,
      version: kafkaVersionText(probe.clusterId, probe.apis, local),
      detail: `cluster ${probe.clusterId}, ${probe.brokers.length} broker(s) up${down}`,
      brokers,
      warnings: underReplicated.map((p) => `${p.topic} partition ${p.partition}: ${p.inSync} of ${p.replicas} copies in sync (under-replicated)`),
    };
  } catch (error) {
    return { reachable: false, address: bootstrap, error: errorOf(error) };
  }
}

async function clickhouseStatus(client: ClickHouseClient, url: string): Promise<ServiceStatus> {
  try {
    const [row] = await rows<{ version: string; uptime: number | string }>(client, 'SELECT version() AS version, uptime() AS uptime');
    return { reachable: true, address: url, version: row?.version ?? 'unknown', detail: `up ${formatSeconds(Number(row?.uptime ?? 0))}` };
  } catch (error) {
    return { reachable: false, address: url, error: errorOf(error) };
  }
}

/** `4.4.0` for the local broker, else what its API versions say: `≥ 4.0 (from its API versions)`. */
export function kafkaVersionText(clusterId: string, apis: Parameters<typeof versionFromApis>[0], local: readonly LocalKafka[] = []): string {
  const ours = local.find((k) => k.clusterId === clusterId);
  if (ours) return ours.version;
  const least = versionFromApis(apis);
  return least ? `≥ ${least} (from its API versions)` : 'older than 2.8 (from its API versions)';
}

interface KafkaFacts {
  readonly groupState: string;
  readonly groupMembers: number;
  /** The group's members: where each connects from and what it holds (for replicas that cannot tell). */
  readonly members: readonly GroupMember[];
  readonly partitions: PartitionStatus[];
}

async function kafkaFacts(bootstrap: string, objects: readonly ResolvedStream[]): Promise<Map<string, KafkaFacts>> {
  const topics = objects.map((o) => o.topic);
  const [ends, groups, committed] = await Promise.all([
    listEndOffsets(bootstrap, topics),
    describeGroups(bootstrap, objects.map((o) => o.group)),
    Promise.all(objects.map((o) => committedOffsets(bootstrap, o.group, [o.topic]))),
  ]);
  const out = new Map<string, KafkaFacts>();
  objects.forEach((o, i) => {
    const end = ends.get(o.topic) ?? new Map<number, bigint>();
    const done = committed[i]?.get(o.topic) ?? new Map<number, bigint>();
    // A group that never committed starts from the earliest offset (the table's default): all is lag.
    const partitions = partitionsOf(end, done);
    const group = groups.get(o.group);
    out.set(o.stream.name, { groupState: group?.state ?? 'DEAD', groupMembers: group?.members.length ?? 0, members: group?.members ?? [], partitions });
  });
  return out;
}

/** What ClickHouse tells of a stream (Kafka tells the rest). */
interface ClickHouseFacts extends Pick<StreamStatus, 'rows' | 'rowsPerSecond' | 'freshnessSeconds' | 'parts' | 'deadLetters' | 'deadLettersPending' | 'recent' | 'consumers' | 'missingViews'> {
  readonly consumption: Consumption;
  /** The transport the server's input table is made for, when it has one. */
  readonly ingest?: Ingest;
}

async function clickhouseFacts(client: ClickHouseClient, url: string, database: string, objects: readonly ResolvedStream[]): Promise<Map<string, ClickHouseFacts>> {
  const ctx = { client };
  const db = readerOf(client, { url });
  const parts = new Map((await rows<{ table: string; parts: string | number }>(client,
    `SELECT table, count() AS parts FROM system.parts WHERE database = ${literal(database)} AND active GROUP BY table`).catch(() => []))
    .map((r) => [r.table, Number(r.parts)]));
  const consumersTable = await hasSystemTable(ctx, 'kafka_consumers').catch(() => false);
  const listed = await rows<{ name: string; engine: string }>(client, `SELECT name, engine FROM system.tables WHERE database = ${literal(database)}`).catch(() => undefined);
  const engines = new Map((listed ?? []).map((r) => [r.name, r.engine]));
  const present = new Set(engines.keys());
  // Where the tables could not be listed, each is asked for all the same.
  const exists = (ref: { readonly table: string }): boolean => listed === undefined || present.has(ref.table);
  const consumers = consumersTable ? await kafkaConsumers(client, database).catch(() => undefined) : undefined;
  const out = new Map<string, ClickHouseFacts>();
  for (const o of objects) {
    const consumption = await consumptionOf(ctx, o).catch(() => 'missing' as const);
    const deadLetterExists = exists(o.deadLetter);
    const stats = exists(o.target)
      ? await tableStats(db, { stream: o.stream.name, target: o.target.toSql(), deadLetter: o.deadLetter.toSql(), live: o.stream.changes !== undefined }, { deadLetterExists, pending: true }).catch(() => undefined)
      : undefined;
    out.set(o.stream.name, {
      consumption,
      rows: stats ? stats.rows : null,
      rowsPerSecond: stats ? stats.rowsPerSecond : null,
      freshnessSeconds: stats ? stats.freshnessSeconds : null,
      // On a cluster the parts are the local table's, on the server asked (src/pipeline/cluster.ts).
      parts: parts.get(o.target.table) ?? parts.get(o.stored.target.table) ?? (stats ? 0 : null),
      deadLetters: stats ? stats.deadLetters : null,
      deadLettersPending: stats ? stats.deadLettersPending : null,
      recent: stats && deadLetterExists ? { rows: stats.recent.rows, deadLetters: stats.recent.deadLetters, newestError: stats.recent.newestError } : null,
      consumers: consumers ? (consumers.get(o.kafkaTable.table) ?? []) : null,
      // A stream paused on an Overlay database has no decoding view by design (src/ops/pause.ts).
      // What the server has decides, not this process's --ingest: a Null input is the sink's.
      ...(engines.has(o.kafkaTable.table) ? { ingest: engines.get(o.kafkaTable.table) === 'Null' ? 'sink' as const : 'engine' as const } : {}),
      missingViews: consumption === 'missing' ? [] : [o.view, o.deadLetterView, ...(present.has(o.decoded.table) && consumption !== 'paused' ? [o.decodeView] : [])].filter((v) => !present.has(v.table)).map((v) => v.toSql()),
    });
  }
  return out;
}

/** system.kafka_consumers' rows (src/clickhouse/kafka-consumers.ts), with what each consumer holds and did last. */
const CONSUMER_STATUS_QUERY =
  'SELECT database, table, num_commits, arrayMap(t -> toUnixTimestamp(t), exceptions.time) AS times, exceptions.text AS texts, '
  + 'consumer_id AS id, assignments.partition_id AS partitions, toUnixTimestamp(last_poll_time) AS poll, '
  + 'toUnixTimestamp(last_commit_time) AS commit, num_messages_read AS read FROM system.kafka_consumers';

interface ConsumerStatusRow extends ConsumerRow {
  readonly id: string;
  readonly partitions: readonly (number | string)[];
  readonly poll: string | number;
  readonly commit: string | number;
  readonly read: string | number;
}

async function kafkaConsumers(client: ClickHouseClient, database: string): Promise<Map<string, ConsumerStatus[]>> {
  const found = await rows<ConsumerStatusRow>(client, `${CONSUMER_STATUS_QUERY} WHERE database = ${literal(database)}`);
  const out = new Map<string, ConsumerStatus[]>();
  const when = (seconds: string | number | undefined): string | null => (Number(seconds) > 0 ? new Date(Number(seconds) * 1000).toISOString() : null);
  for (const r of found) {
    const list = out.get(r.table) ?? [];
    // The engine keeps its newest exceptions, oldest first.
    const error = r.texts[r.texts.length - 1] ?? '';
    list.push({
      id: r.id, partitions: r.partitions.map(Number), lastPoll: when(r.poll), lastCommit: when(r.commit), messagesRead: Number(r.read),
      lastException: error || null, lastExceptionAt: error ? when(r.times[r.times.length - 1]) : null,
    });
    out.set(r.table, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The dashboard: one look at both ends, Kafka's through a cache (src/dashboard/kafka-watch.ts).

export interface PipelineScope {
  readonly database: string;
  readonly topicPrefix: string;
  readonly streams: readonly StreamDefinition[];
  /** The pipeline's --ingest, for streams without their own. @default 'engine' */
  readonly ingest?: Ingest;
  /** A ClickHouse cluster's name (`--cluster`): each of its servers is reported too. */
  readonly cluster?: string;
}

export interface StreamOffsets {
  readonly end: ReadonlyMap<number, bigint>;
  readonly committed: ReadonlyMap<number, bigint>;
}

/** Where each stream's topic and group offsets come from. */
export interface OffsetsSource {
  /** Offsets per stream name. */
  offsets(): Promise<Map<string, StreamOffsets>>;
}

export interface HealthSources {
  /** Reads the pipeline's database (the client's current one). */
  readonly db: Reader;
  /** Asks a cluster's servers (pipeline scopes with a cluster only). */
  readonly replicas?: () => Promise<readonly ReplicaStatus[]>;
  readonly kafka: OffsetsSource;
  readonly scope: PipelineScope;
}

const up: ServiceState = { up: true, error: null, code: null };

function down(error: unknown): ServiceState {
  return { up: false, error: messageOf(error), code: isKchError(error) ? error.code : null };
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
    checkedAt: new Date().toISOString(),
    database: scope.database,
    topicPrefix: scope.topicPrefix,
    windowMinutes: minutes,
    services: {
      clickhouse: tables.status === 'fulfilled' ? up : down(tables.reason),
      kafka: offsets.status === 'fulfilled' ? up : down(offsets.reason),
    },
    databaseExists: tables.status === 'fulfilled' ? tables.value.databaseExists : null,
    streams: scope.streams.map((stream): StreamHealth => {
      const table = tables.status === 'fulfilled' ? tables.value.tables.get(stream.name) ?? { exists: false as const } : null;
      const failing = deadLetterProblem(stream.name, table?.exists ? table.recent : null);
      return {
        name: stream.name,
        topic: topicOf(stream, scope),
        group: groupOf(stream, scope),
        ingest: ingestOf(stream, scope),
        table: stream.target,
        deadLetterTable: stream.deadLetter,
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

function replicaHealth(r: ReplicaStatus, kafkaOf: ReadonlyMap<string, StreamKafka>): ReplicaHealth {
  return {
    host: r.host,
    shard: r.shard,
    up: r.reachable,
    error: r.reachable ? null : r.error ?? 'no answer',
    streams: Object.entries(r.streams).map(([name, held]) => ({
      name, rows: held.rows, deadLetters: held.deadLetters, partitions: r.consumes?.[name] ?? null, lag: replicaLag(r.consumes?.[name], kafkaOf.get(name)?.partitions),
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
      const stats = await tableStats(sources.db, { stream: stream.name, target: quoteIdentifier(stream.target), deadLetter: quoteIdentifier(stream.deadLetter), live: stream.changes !== undefined }, { minutes, deadLetterExists: present(stream.deadLetter) });
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
