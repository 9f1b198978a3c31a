/**
 * `kch status`: where each stream stands — consuming or paused, its consumer group, per-partition
 * committed offset, end offset and lag, rows, ingest rate, freshness, parts and dead letters — and
 * whether the broker and ClickHouse answer. Health needs two looks some seconds apart: a lag alone
 * says nothing, a lag with no offset committed in between says the consumer stopped.
 */
import { partitionLag } from '../kafka/lag.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { isKchError, messageOf } from '../errors.js';
import { committedOffsets, listEndOffsets, probeKafka, versionFromApis } from '../kafka/admin.js';
import { formatBroker } from '../kafka/brokers.js';
import { defaultPomPath, kafkaVersionOf } from '../kafka/runtime.js';
import { replicaFacts, replicaLag, withGroupPartitions, type ReplicaStatus } from './replicas.js';
import { ingestOf, type PipelineTarget } from '../pipeline/plan.js';
import type { Ingest, StreamDefinition } from '../pipeline/stream.js';
import { resolveStream, type ResolvedStream } from '../pipeline/resolve.js';
import { describeGroups, type GroupMember } from './group.js';
import { consumptionOf, hasSystemTable, type Consumption } from './pause.js';
import { rows } from '../clickhouse/query.js';
import { literal } from '../pipeline/quote.js';

export interface PartitionStatus {
  readonly partition: number;
  /** Null when the group never committed on this partition. */
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number;
  /** The group committed beyond the end (a topic truncated or made again): lag is 0, not negative. */
  readonly committedAhead: boolean;
}

// ---------------------------------------------------------------------------------------------
// The health model, one for `kch status` and the dashboard (its /api/pipeline and /metrics):
// lag per partition floored at 0 (noting a commit beyond the end), freshness and ingest rate
// from processing_time, the ClickHouse server's own clock, which no producer's clock can skew.

/** Seconds over which the ingest rate is counted (rows whose processing_time is in the last minute). */
export const RATE_WINDOW_SECONDS = 60;

/** One partition's lag: end − committed, everything when the group never committed, 0 (noted) when committed > end. */
export function partitionStatus(partition: number, end: bigint, committed: bigint | undefined): PartitionStatus {
  return {
    partition,
    committed: committed === undefined ? null : Number(committed),
    end: Number(end),
    lag: partitionLag(end, committed),
    committedAhead: committed !== undefined && committed > end,
  };
}

/** Every partition of a topic, in order, from its end offsets and the group's committed offsets. */
export function partitionsOf(end: ReadonlyMap<number, bigint>, committed: ReadonlyMap<number, bigint>): PartitionStatus[] {
  return [...end].sort(([a], [b]) => a - b).map(([partition, e]) => partitionStatus(partition, e, committed.get(partition)));
}

/** Seconds since the newest row landed (processing_time), floored at 0; null while the table is empty. */
export function freshnessSeconds(rows: number, nowSeconds: number, newestSeconds: number): number | null {
  return rows > 0 ? Math.max(0, nowSeconds - newestSeconds) : null;
}

/** Rows that arrived over the last RATE_WINDOW_SECONDS, per second, to 2 decimals. */
export function rowsPerSecond(arrived: number): number {
  return Math.round((arrived / RATE_WINDOW_SECONDS) * 100) / 100;
}

/**
 * Over how long a stream's recent messages are judged for dead letters: those that arrived (rows
 * by processing_time, dead letters by seen_at, both the server's clock) in the last 5 minutes.
 * Long enough to hold more than a handful of messages at a modest pace, short enough that the
 * dead letters of a producer fixed since (or of yesterday) stop counting within minutes.
 */
export const DEAD_LETTER_WINDOW_SECONDS = 300;
/** More than this share of the window's messages dead letters: the stream is unhealthy… */
export const DEAD_LETTER_SHARE = 0.5;
/** …provided there are at least this many of them: three bad messages of a quiet stream are no verdict. */
export const DEAD_LETTER_MIN = 10;

/** What reached a stream's tables over the last DEAD_LETTER_WINDOW_SECONDS. */
export interface RecentArrivals {
  readonly rows: number;
  readonly deadLetters: number;
  /** The error of the newest dead letter in the window; null when there is none. */
  readonly newestError: string | null;
}

/**
 * The one judgement of dead letters, for `kch status`, the dashboard and /metrics alike: the
 * stream's problem when most of its recent messages (see the constants above) became dead
 * letters, naming the share and the newest error; null otherwise, or when it is not known.
 */
export function deadLetterProblem(stream: string, recent: RecentArrivals | null): string | null {
  if (!recent) return null;
  const total = recent.rows + recent.deadLetters;
  if (recent.deadLetters < DEAD_LETTER_MIN || recent.deadLetters <= total * DEAD_LETTER_SHARE) return null;
  const share = Number(((100 * recent.deadLetters) / total).toFixed(1));
  const n = (value: number): string => value.toLocaleString('en-US');
  const error = recent.newestError?.split('\n')[0]?.trim();
  const clipped = error && error.length > 200 ? `${error.slice(0, 200)}…` : error;
  return `mostly dead letters: ${n(recent.deadLetters)} of ${n(total)} messages in the last ${DEAD_LETTER_WINDOW_SECONDS / 60} min (${share} %) failed`
    + `${clipped ? `; newest error: ${clipped}` : ''} (kch dlq list ${stream})`;
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

/**
 * How long a consumer holding no partitions must poll without a new error before its last one is
 * history. An unreachable broker repeats its error at least every 10 s (librdkafka's
 * reconnect.backoff.max.ms), so 30 s without one means the connection is back.
 */
const QUIET_MS = 30_000;

/**
 * The consumer's last exception if it still stands, else null. It stands unless something worked
 * after it: an offset committed later, or, for a consumer holding partitions, a poll later (the
 * engine polls, then writes, so a write that fails leaves its error newer than the poll), or, for
 * one holding none (it lost them, or never got them, while the broker was away), polling on for
 * `QUIET_MS` with no new error. Times are whole seconds: an error in the same second as a commit
 * or poll stands. Used for the status screen and for the "consumer stopped" reason alike.
 */
export function currentError(consumer: ConsumerStatus): string | null {
  if (!consumer.lastException) return null;
  if (consumer.lastExceptionAt === null) return consumer.lastException;
  const at = Date.parse(consumer.lastExceptionAt);
  const after = (time: string | null): number => (time === null ? Number.NEGATIVE_INFINITY : Date.parse(time) - at);
  if (after(consumer.lastCommit) > 0) return null;
  if (consumer.partitions.length > 0 ? after(consumer.lastPoll) > 0 : after(consumer.lastPoll) >= QUIET_MS) return null;
  return consumer.lastException;
}

/** The first standing error among a stream's consumers (see `currentError`). */
export function streamError(s: Pick<StreamStatus, 'consumers'>): string | null {
  for (const consumer of s.consumers ?? []) {
    const error = currentError(consumer);
    if (error !== null) return error;
  }
  return null;
}

export type Health = 'ok' | 'paused' | 'unhealthy';

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

export interface StatusReport {
  readonly at: string;
  readonly healthy: boolean;
  readonly kafka: ServiceStatus;
  readonly clickhouse: ServiceStatus;
  /** A cluster's servers one by one (`--cluster`); absent on a single server. */
  readonly replicas?: readonly ReplicaStatus[];
  readonly streams: readonly StreamStatus[];
  /** Seconds between the two looks health was judged from (0: one look, no trend). */
  readonly windowSeconds: number;
}

export interface StatusSources {
  readonly client: ClickHouseClient;
  readonly clickhouseUrl: string;
  readonly bootstrap: string;
  readonly target: PipelineTarget;
  readonly streams: readonly StreamDefinition[];
  /** The broker `kch kafka` keeps in the data folder, when there is one: its release is known. */
  readonly localKafka?: readonly LocalKafka[];
}

/** How long `kch status` waits for Kafka's first answer, connection and version included. */
export const KAFKA_PROBE_MS = 3_000;

export interface LocalKafka {
  readonly clusterId: string;
  /** The Apache Kafka release it runs, e.g. `4.4.0`. */
  readonly version: string;
}

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

/** One look at everything, without judging it (see `judge`). */
export async function snapshot(sources: StatusSources): Promise<StatusReport> {
  const objects = sources.streams.map((s) => resolveStream(s, sources.target));
  const [kafka, clickhouse] = await Promise.all([kafkaStatus(sources.bootstrap, sources.localKafka, objects.map((o) => o.topic)), clickhouseStatus(sources.client, sources.clickhouseUrl)]);
  const fromKafka = kafka.reachable ? await kafkaFacts(sources.bootstrap, objects).catch((error: unknown) => errorOf(error)) : undefined;
  const fromClickHouse = clickhouse.reachable ? await clickhouseFacts(sources.client, sources.target.database, objects) : undefined;
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
    windowSeconds: 0,
  };
}

/**
 * Judges `current`, comparing it with `previous` (an earlier look) when there is one:
 * - a service that does not answer, or a stream without its Kafka table, is unhealthy;
 * - a paused stream is not (someone paused it), whatever its lag;
 * - a consuming stream is unhealthy when its lag is above 0 at both looks and no offset was
 *   committed in between (its consumer stopped), or when its lag grew by more than what was
 *   produced in between (it falls behind), or when most of its recent messages are dead letters
 *   (`deadLetterProblem`: one look is enough).
 */
export function judge(current: StatusReport, previous?: StatusReport): StatusReport {
  const windowSeconds = previous ? Math.max(0, (Date.parse(current.at) - Date.parse(previous.at)) / 1000) : 0;
  const streams = current.streams.map((s): StreamStatus => {
    const problems: string[] = [];
    const before = previous?.streams.find((p) => p.name === s.name);
    if (!current.kafka.reachable || !current.clickhouse.reachable || current.kafka.error) {
      problems.push(`cannot tell: ${!current.clickhouse.reachable ? 'ClickHouse' : 'Kafka'} does not answer`);
    } else if (s.consumption === 'missing') {
      problems.push(`no Kafka table ${s.kafkaTable}: run kch migrate`);
    } else {
      if (s.rows === null) problems.push(`no target table ${s.target}`);
      if (s.missingViews.length > 0) problems.push(`${s.missingViews.join(' and ')} missing: the Kafka table feeds nothing without them (kch migrate makes them again)`);
      // Paused or not, as the dashboard judges it (it does not know): a paused stream's window empties in minutes.
      const failing = deadLetterProblem(s.name, s.recent);
      if (failing) problems.push(failing);
      if (s.consumption === 'consuming' && s.lag !== null && s.lag > 0 && before && before.lag !== null && before.lag > 0) {
        // Reading on without committing is no progress when reads keep failing (a target it cannot write).
        if (committedSum(s) === committedSum(before) && (!readingOn(s, before) || failedSince(s, previous!.at))) {
          const why = streamError(s);
          const group = s.groupState && s.groupState !== 'STABLE' ? `, group ${s.groupState}` : '';
          problems.push(`consumer stopped: lag ${s.lag} and no offset committed in ${windowSeconds.toFixed(0)} s${group}${why ? `; last error: ${why.split('\n')[0]}` : ''}`);
        } else {
          const produced = endSum(s) - endSum(before);
          if (s.lag > before.lag && s.lag > produced) problems.push(`falling behind: lag grew from ${before.lag} to ${s.lag} in ${windowSeconds.toFixed(0)} s`);
        }
      }
    }
    if (s.consumption === 'consuming' && s.ingest === 'engine') {
      problems.push(...idleReplicas(s, current, previous), ...stalledReplicas(s, current, previous, windowSeconds));
    }
    const health: Health = problems.length > 0 ? 'unhealthy' : s.consumption === 'paused' ? 'paused' : 'ok';
    return { ...s, health, problems };
  });
  const healthy = current.kafka.reachable && !current.kafka.error && current.clickhouse.reachable && streams.every((s) => s.health !== 'unhealthy');
  return { ...current, streams, healthy, windowSeconds };
}

/**
 * Servers of a cluster whose Kafka table holds no partition of the stream although the topic has
 * one for each of them: stopped, or left out of the group. Named only when it is so at both looks
 * (a rebalance empties every member for a moment), and only where the server can tell (23.8+).
 */
function idleReplicas(s: StreamStatus, current: StatusReport, previous: StatusReport | undefined): string[] {
  const told = (current.replicas ?? []).filter((r) => r.reachable && r.consumes);
  if (told.length === 0 || s.partitions.length < told.length) return [];
  const idle = (report: StatusReport | undefined, host: string): boolean => {
    const r = report?.replicas?.find((x) => x.host === host);
    return r?.consumes !== undefined && (r.consumes[s.name] ?? []).length === 0;
  };
  return told.filter((r) => idle(current, r.host) && (!previous || idle(previous, r.host)))
    .map((r) => `replica ${r.host} consumes no partition of ${s.topic} (${s.partitions.length} partitions for ${told.length} servers): its Kafka table stopped or was left out of the group`);
}

/**
 * Servers of a cluster that hold the same partitions of the stream at both looks, with a lag on
 * them both times, and committed none of them in between: stopped while the group still counts
 * them in (so nothing moves their partitions to a server that works). Where it is known which
 * partitions each holds (23.8+, or Kafka's group).
 */
function stalledReplicas(s: StreamStatus, current: StatusReport, previous: StatusReport | undefined, windowSeconds: number): string[] {
  const before = previous?.streams.find((x) => x.name === s.name);
  // Only while the others commit: when none does, the stream's "consumer stopped" says it once.
  if (!before || committedSum(s) === committedSum(before)) return [];
  const out: string[] = [];
  for (const r of (current.replicas ?? []).filter((x) => x.reachable)) {
    const held = r.consumes?.[s.name] ?? [];
    const heldBefore = previous?.replicas?.find((x) => x.host === r.host)?.consumes?.[s.name];
    if (held.length === 0 || heldBefore?.join() !== held.join()) continue;
    const mine = (x: StreamStatus): PartitionStatus[] => x.partitions.filter((p) => held.includes(p.partition));
    const lag = (x: StreamStatus): number => mine(x).reduce((sum, p) => sum + p.lag, 0);
    const committed = (x: StreamStatus): number => mine(x).reduce((sum, p) => sum + (p.committed ?? 0), 0);
    if (lag(s) > 0 && lag(before) > 0 && committed(s) === committed(before)) {
      out.push(`replica ${r.host} holds partition${held.length > 1 ? 's' : ''} ${held.join(', ')} of ${s.topic} and committed none in ${windowSeconds.toFixed(0)} s (lag ${lag(s)}): its Kafka table stopped reading`);
    }
  }
  return out;
}

/**
 * Whether the table's consumer read messages between the looks although it committed nothing (it
 * commits after each block it wrote). Holding partitions and polling is not enough: a Kafka table
 * whose views are gone holds its partitions and reads nothing. Needs system.kafka_consumers.
 */
function readingOn(s: StreamStatus, before: StreamStatus): boolean {
  if (!s.consumers || !before.consumers) return false;
  const read = (x: StreamStatus): number => (x.consumers ?? []).reduce((sum, c) => sum + c.messagesRead, 0);
  return read(s) > read(before);
}

/** Whether a consumer of the stream reported an error at or after `since` (an ISO time). */
function failedSince(s: StreamStatus, since: string): boolean {
  const from = Date.parse(since) - 1000;
  return (s.consumers ?? []).some((c) => c.lastExceptionAt !== null && Date.parse(c.lastExceptionAt) >= from);
}

function committedSum(s: StreamStatus): number {
  return s.partitions.reduce((sum, p) => sum + (p.committed ?? 0), 0);
}

function endSum(s: StreamStatus): number {
  return s.partitions.reduce((sum, p) => sum + p.end, 0);
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

interface ClickHouseFacts {
  readonly consumption: Consumption;
  readonly rows: number | null;
  readonly rowsPerSecond: number | null;
  readonly freshnessSeconds: number | null;
  readonly parts: number | null;
  readonly deadLetters: number | null;
  readonly deadLettersPending: number | null;
  readonly recent: RecentArrivals | null;
  readonly consumers: ConsumerStatus[] | null;
  readonly missingViews: string[];
  /** The transport the server's input table is made for, when it has one. */
  readonly ingest?: Ingest;
}

async function clickhouseFacts(client: ClickHouseClient, database: string, objects: readonly ResolvedStream[]): Promise<Map<string, ClickHouseFacts>> {
  const ctx = { client };
  const parts = new Map((await rows<{ table: string; parts: string | number }>(client,
    `SELECT table, count() AS parts FROM system.parts WHERE database = ${literal(database)} AND active GROUP BY table`).catch(() => []))
    .map((r) => [r.table, Number(r.parts)]));
  const consumersTable = await hasSystemTable(ctx, 'kafka_consumers').catch(() => false);
  const engines = new Map((await rows<{ name: string; engine: string }>(client, `SELECT name, engine FROM system.tables WHERE database = ${literal(database)}`).catch(() => [])).map((r) => [r.name, r.engine]));
  const present = new Set(engines.keys());
  const consumers = consumersTable ? await kafkaConsumers(client, database).catch(() => undefined) : undefined;
  const out = new Map<string, ClickHouseFacts>();
  for (const o of objects) {
    const consumption = await consumptionOf(ctx, o).catch(() => 'missing' as const);
    const [target] = await rows<{ rows: string | number; recent: string | number; lately: string | number; now: string | number; newest: string | number }>(client,
      `SELECT count() AS rows, countIf(processing_time > now() - ${RATE_WINDOW_SECONDS} AND processing_time <= now()) AS recent,
              countIf(processing_time > now() - ${DEAD_LETTER_WINDOW_SECONDS}) AS lately, toInt64(now()) AS now, toInt64(max(processing_time)) AS newest FROM ${o.target.toSql()}`).catch(() => []);
    const [letters] = await rows<{ total: string | number; pending: string | number }>(client,
      `SELECT count() AS total, countIf(replayed = 0) AS pending FROM ${o.deadLetter.toSql()}`).catch(() => []);
    // Apart, so that an old server refusing it costs only this; the error is read only where
    // seen_at matches, the newest by seen_at then offset (many share a second), as the dashboard's.
    const [lately] = letters ? await rows<{ n: string | number; error: string }>(client,
      `SELECT count() AS n, argMax(error, (seen_at, offset)) AS error FROM ${o.deadLetter.toSql()} WHERE seen_at > now() - ${DEAD_LETTER_WINDOW_SECONDS}`).catch(() => []) : [];
    out.set(o.stream.name, {
      consumption,
      rows: target ? Number(target.rows) : null,
      rowsPerSecond: target ? rowsPerSecond(Number(target.recent)) : null,
      freshnessSeconds: target ? freshnessSeconds(Number(target.rows), Number(target.now), Number(target.newest)) : null,
      // On a cluster the parts are the local table's, on the server asked (src/pipeline/cluster.ts).
      parts: parts.get(o.target.table) ?? parts.get(o.stored.target.table) ?? (target ? 0 : null),
      deadLetters: letters ? Number(letters.total) : null,
      deadLettersPending: letters ? Number(letters.pending) : null,
      recent: target && lately ? { rows: Number(target.lately), deadLetters: Number(lately.n), newestError: Number(lately.n) > 0 ? lately.error : null } : null,
      consumers: consumers ? (consumers.get(o.kafkaTable.table) ?? []) : null,
      // A stream paused on an Overlay database has no decoding view by design (src/ops/pause.ts).
      // What the server has decides, not this process's --ingest: a Null input is the sink's.
      ...(engines.has(o.kafkaTable.table) ? { ingest: engines.get(o.kafkaTable.table) === 'Null' ? 'sink' as const : 'engine' as const } : {}),
      missingViews: consumption === 'missing' ? [] : [o.view, o.deadLetterView, ...(present.has(o.decoded.table) && consumption !== 'paused' ? [o.decodeView] : [])].filter((v) => !present.has(v.table)).map((v) => v.toSql()),
    });
  }
  return out;
}

async function kafkaConsumers(client: ClickHouseClient, database: string): Promise<Map<string, ConsumerStatus[]>> {
  const found = await rows<{ table: string; id: string; partitions: number[]; poll: string | number; commit: string | number; read: string | number; error: string; errorAt: string | number }>(client,
    `SELECT table, consumer_id AS id, assignments.partition_id AS partitions, toUnixTimestamp(last_poll_time) AS poll, toUnixTimestamp(last_commit_time) AS commit,
            num_messages_read AS read, exceptions.text[-1] AS error, toUnixTimestamp(exceptions.time[-1]) AS errorAt
     FROM system.kafka_consumers WHERE database = ${literal(database)}`);
  const out = new Map<string, ConsumerStatus[]>();
  const when = (seconds: string | number): string | null => (Number(seconds) > 0 ? new Date(Number(seconds) * 1000).toISOString() : null);
  for (const r of found) {
    const list = out.get(r.table) ?? [];
    list.push({ id: r.id, partitions: r.partitions.map(Number), lastPoll: when(r.poll), lastCommit: when(r.commit), messagesRead: Number(r.read), lastException: r.error || null, lastExceptionAt: r.error ? when(r.errorAt) : null });
    out.set(r.table, list);
  }
  return out;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** The report as a screen of text: services, one line per stream, partitions, problems. */
export function renderStatus(report: StatusReport): string {
  const lines: string[] = [];
  const service = (name: string, s: ServiceStatus): string =>
    `${name.padEnd(11)}${s.reachable && !s.error ? 'up  ' : 'DOWN'}  ${s.address}${s.version ? `  ${name === 'kafka' ? 'Kafka ' : 'ClickHouse '}${s.version}` : ''}${s.detail ? `  (${s.detail})` : ''}${s.error ? `\n           ${s.error}` : ''}`;
  lines.push(service('kafka', report.kafka));
  const brokers = report.kafka.brokers ?? [];
  if (brokers.length > 1 || brokers.some((b) => !b.up)) lines.push(`           brokers: ${brokers.map((b) => `${b.id} ${b.up ? b.address ?? 'up' : 'DOWN'}`).join(', ')}`);
  for (const warning of report.kafka.warnings ?? []) lines.push(`           ${warning}`);
  lines.push(service('clickhouse', report.clickhouse));
  for (const r of report.replicas ?? []) {
    const partitions = (name: string): string => {
      const held = r.consumes?.[name];
      if (!held) return '';
      const stream = report.streams.find((s) => s.name === name);
      const lag = replicaLag(held, stream?.lag === null ? undefined : stream?.partitions);
      return (held.length ? `, partition${held.length > 1 ? 's' : ''} ${held.join(', ')}` : ', no partition') + (held.length && lag !== null ? `, lag ${lag.toLocaleString('en-US')}` : '');
    };
    const held = Object.entries(r.streams).map(([name, n]) => `${name} ${n.rows.toLocaleString('en-US')} rows, ${n.deadLetters.toLocaleString('en-US')} dead letters${partitions(name)}`).join('; ');
    lines.push(`           replica ${r.host} (shard ${r.shard}) ${r.reachable ? `up: ${held || 'no tables yet'}` : `DOWN: ${r.error ?? 'no answer'}`}`);
  }
  if (report.replicas?.some((r) => r.reachable) && !report.replicas.some((r) => r.consumes)) {
    lines.push('           which partitions each replica consumes: not told by this server (system.kafka_consumers, ClickHouse 23.8+), nor by Kafka (its group members cannot be told apart by address)');
  }
  lines.push('');
  const n = (value: number | null): string => (value === null ? '?' : value.toLocaleString('en-US'));
  const header = ['STREAM', 'STATE', 'HEALTH', 'GROUP', 'LAG', 'ROWS', 'ROWS/S', 'NEWEST', 'PARTS', 'DEAD LETTERS'];
  const table = report.streams.map((s) => [
    s.name,
    s.ingest === 'sink' && s.consumption === 'consuming' ? 'consuming (sink)' : s.consumption,
    s.health,
    s.groupState === null ? '?' : `${s.groupState.toLowerCase()} (${s.groupMembers})`,
    n(s.lag),
    n(s.rows),
    s.rowsPerSecond === null ? '?' : String(s.rowsPerSecond),
    s.freshnessSeconds === null ? '-' : `${formatSeconds(s.freshnessSeconds)} ago`,
    n(s.parts),
    s.deadLetters === null ? '?' : `${n(s.deadLetters)} (${n(s.deadLettersPending)} pending)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(line(header), ...table.map(line), '');
  for (const s of report.streams) {
    if (s.partitions.length > 0) {
      lines.push(`${s.name}: ${s.partitions.map((p) => `p${p.partition} ${p.committed ?? '-'}/${p.end} lag ${p.lag}${p.committedAhead ? ' (committed beyond the end: topic truncated or made again?)' : ''}`).join(', ')}  (committed/end, group ${s.group})`);
    }
    const error = streamError(s);
    if (error) lines.push(`${s.name}: consumer error: ${error.split('\n')[0]}`);
    for (const problem of s.problems) lines.push(`${s.name}: ${problem}`);
  }
  lines.push(report.healthy ? 'healthy' : 'UNHEALTHY');
  return `${lines.join('\n')}\n`;
}
