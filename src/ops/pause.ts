/**
 * Pausing and resuming a stream's consumption, by detaching and attaching its Kafka-engine table.
 *
 * Where the database has no DETACH … PERMANENTLY — the embedded server's `default` database, an
 * Overlay of an Atomic database and the file system (chdb's clickhouse-local) — the pause is kept
 * by the decoding view instead: the Kafka table is detached (its consumers finish the block in
 * flight, commit and leave the group), then its decoding view, the only thing reading it, is
 * dropped. A Kafka table without views reads nothing, attached or not, so the pause outlasts a
 * restart (which attaches the table again) exactly as PERMANENTLY does; resuming makes the view
 * again from the plan.
 *
 * DETACH stops the table's consumers after the block in flight has been written by the views and
 * its offsets committed (the embedded server does the same on every stop: Engine.stop() in
 * src/clickhouse/embedded/session.ts), so nothing is lost or read twice; ATTACH starts them again
 * from the committed offsets. PERMANENTLY (20.5+) makes the pause outlast a restart: the embedded
 * server detaches only attached Kafka tables on stop, and a server attaches on start only the
 * tables that were not detached permanently. Older servers have no PERMANENTLY: their pause lasts
 * until the server restarts (migrate says so).
 */
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { detachRefusal, detachesPermanently } from '../clickhouse/detect-features.js';
import { consumerCount } from '../clickhouse/kafka-consumers.js';
import { run } from '../clickhouse/query.js';
import { countOnEachReplica, refuseWithReplicaDown } from '../clickhouse/replicas.js';
import { databaseEngine, detachedTables, hasSystemTable, presentTables, serverNow } from '../clickhouse/system.js';
import { planStream } from '../pipeline/plan.js';
import { literal } from '../pipeline/quote.js';
import { on, render } from '../pipeline/render.js';
import type { OpsContext } from './context.js';
import type { ResolvedStream } from '../pipeline/resolve.js';
import { describeGroup } from './group.js';
import { pollFor } from './wait.js';

/** consuming: the Kafka table is attached; paused: detached; missing: never created (run kch migrate). */
export type Consumption = 'consuming' | 'paused' | 'missing';

/**
 * How a pause is kept: `detach-permanently` (20.5 and later), `drop-decode-view` (a database
 * without DETACH … PERMANENTLY, see above), `detach` (before 20.5: until the server restarts).
 */
export type PauseMethod = 'detach-permanently' | 'drop-decode-view' | 'detach';

/** Whether the stream's database is an Overlay (chdb's `default`), which has no DETACH … PERMANENTLY. */
async function inOverlay(ctx: Pick<OpsContext, 'client'>, objects: ResolvedStream): Promise<boolean> {
  const { database } = objects.kafkaTable;
  return (await databaseEngine(ctx.client, database, 'reading the database\'s engine')) === 'Overlay';
}

export async function pauseMethodOf(ctx: Pick<OpsContext, 'client' | 'features'>, objects: ResolvedStream): Promise<PauseMethod> {
  if (!detachesPermanently(ctx.features)) return 'detach';
  if (!(await inOverlay(ctx, objects))) return 'detach-permanently';
  const { database } = objects.kafkaTable;
  if (!ctx.features.decodeInViews) {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `${database} is an Overlay database, which cannot detach a table permanently, on a server that does not decode in views: pausing needs another database (--database)`);
  }
  return 'drop-decode-view';
}

export async function consumptionOf(ctx: Pick<OpsContext, 'client'> & Partial<Pick<OpsContext, 'target'>>, objects: ResolvedStream): Promise<Consumption> {
  const kafka = objects.kafkaTable;
  if (ctx.target?.cluster) return consumptionOnCluster(ctx, ctx.target.cluster.name, objects);
  const view = objects.view;
  const decodeView = objects.decodeView;
  const present = await presentTables(ctx.client, kafka.database, [kafka.table, view.table, decodeView.table], 'reading the stream\'s tables');
  if (await inOverlay(ctx, objects)) {
    if (present.has(kafka.table) && present.has(decodeView.table)) return 'consuming';
    // Without its decoding view the Kafka table reads nothing: paused, if the rest is there.
    return present.has(view.table) ? 'paused' : 'missing';
  }
  if (present.has(kafka.table)) return 'consuming';
  const detached = await detachedTables(ctx.client, kafka.database);
  if (detached) return detached.has(kafka.table) ? 'paused' : 'missing';
  // No list of detached tables on this server: the views outlive a detached Kafka table only.
  return present.has(view.table) ? 'paused' : 'missing';
}

/**
 * On a cluster: consuming while any server's Kafka table is attached (a pause half done, one
 * server paused and another not, is paused again by `kch pause`, which detaches the rest), paused
 * when none is but the views are there.
 */
async function consumptionOnCluster(ctx: Pick<OpsContext, 'client'>, cluster: string, objects: ResolvedStream): Promise<Consumption> {
  const kafka = objects.kafkaTable;
  const view = objects.view;
  const named = (table: string): string => `database = ${literal(kafka.database)} AND name = ${literal(table)}`;
  const [attached, views] = await Promise.all([
    countOnEachReplica(ctx.client, cluster, 'system.tables', named(kafka.table)),
    countOnEachReplica(ctx.client, cluster, 'system.tables', named(view.table)),
  ]);
  if (attached.some((r) => (r.n ?? 0) > 0)) return 'consuming';
  return views.some((r) => (r.n ?? 0) > 0) ? 'paused' : 'missing';
}

/**
 * The DETACH that pauses a stream. On a cluster it detaches every server's Kafka table in one
 * statement, IF EXISTS: a server where it is detached already is left so (a pause half done is
 * finished).
 */
export function pauseSql(objects: Pick<ResolvedStream, 'kafkaTable'>, method: PauseMethod, cluster: string | undefined): string {
  return `DETACH TABLE ${cluster ? 'IF EXISTS ' : ''}${objects.kafkaTable.toSql()}${on(cluster)}${method === 'detach-permanently' ? ' PERMANENTLY' : ''}`;
}

/** The ATTACH that resumes it; on a cluster IF NOT EXISTS, so a server still consuming is left so. */
export function resumeSql(objects: Pick<ResolvedStream, 'kafkaTable'>, cluster: string | undefined): string {
  return `ATTACH TABLE ${cluster ? 'IF NOT EXISTS ' : ''}${objects.kafkaTable.toSql()}${on(cluster)}`;
}

export interface PauseResult {
  /** The stream was paused already; nothing was done. */
  readonly already: boolean;
  /** The pause outlasts a restart of the server. */
  readonly permanent: boolean;
  readonly method: PauseMethod;
  /** How long the DETACH took (the consumers finishing their block and committing). */
  readonly ms: number;
  /** The server's clock (seconds) right after the DETACH: every row the stream wrote is older or as old. */
  readonly detachedAt: number;
}

export async function pauseStream(ctx: OpsContext, objects: ResolvedStream): Promise<PauseResult> {
  const state = await consumptionOf(ctx, objects);
  if (state === 'missing') throw notMigrated(objects);
  const method = await pauseMethodOf(ctx, objects);
  const permanent = method !== 'detach';
  if (!permanent && state === 'consuming') {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `ClickHouse ${ctx.features.version} ${detachRefusal}: not pausing ${objects.stream.name}, which keeps consuming. Pausing (and kch replay, kch migrate --apply-drift) needs ClickHouse 20.5 or later.`);
  }
  if (state === 'paused') return { already: true, permanent, method, ms: 0, detachedAt: await serverNow(ctx.client) };
  const started = performance.now();
  const cluster = ctx.target.cluster?.name;
  if (cluster) await refuseWithReplicaDown(ctx.client, cluster, `pausing ${objects.stream.name}`);
  await run(ctx.client, pauseSql(objects, method, cluster), `pausing ${objects.stream.name}`);
  if (method === 'drop-decode-view') {
    try {
      await run(ctx.client, `DROP TABLE IF EXISTS ${objects.decodeView.toSql()}`, `pausing ${objects.stream.name}`);
    } catch (error) {
      // Left detached, the table would consume again at the next restart: put it back as it was.
      await run(ctx.client, `ATTACH TABLE IF NOT EXISTS ${objects.kafkaTable.toSql()}`).catch(() => undefined);
      throw new KchError(ErrorCodes.CLICKHOUSE_QUERY, `could not pause ${objects.stream.name} (dropping ${objects.decodeView.toSql()} failed: ${messageOf(error)}); ${objects.kafkaTable.toSql()} was attached again, so it goes on consuming`, { cause: error });
    }
  }
  const ms = performance.now() - started;
  ctx.log.debug(`paused ${objects.stream.name} (${method}) in ${Math.round(ms)} ms`);
  return { already: false, permanent, method, ms, detachedAt: await serverNow(ctx.client) };
}

/** The decoding view's statement, as `kch migrate` makes it (`drop-decode-view` pauses drop it). */
function decodeViewSql(ctx: OpsContext, objects: ResolvedStream): string {
  const statement = planStream(objects.stream, ctx.target, ctx.features).find((s) => s.kind === 'create-materialized-view' && s.role === 'decode');
  if (!statement) throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `${objects.stream.name} has no decoding view on this server`);
  return render(statement);
}

export interface ResumeResult {
  /** The stream was consuming: nothing was done. */
  readonly already: boolean;
  /** The Kafka table was attached but had no consumer (stopped by a failed operation): detached and attached again. */
  readonly restarted?: boolean;
  /** How long the ATTACH took. */
  readonly ms: number;
  /** From the ATTACH until a consumer of the table held the topic's partitions (undefined: not waited for). */
  readonly consumingAfterMs: number | undefined;
}

/**
 * Attaches the Kafka table again; with `waitMs`, also waits until its consumer holds the topic's
 * partitions (after a pause shorter than the session timeout the broker first waits for the old,
 * silent member to time out).
 */
export async function resumeStream(ctx: OpsContext, objects: ResolvedStream, options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<ResumeResult> {
  const state = await consumptionOf(ctx, objects);
  if (state === 'missing') throw notMigrated(objects);
  if (state === 'consuming') {
    if (!(await consumerStopped(ctx, objects))) return { already: true, ms: 0, consumingAfterMs: undefined };
    const before = await groupMembers(ctx, objects);
    const started = performance.now();
    // The server kch reaches only: system.kafka_consumers (consumerStopped) speaks of that one.
    await run(ctx.client, `DETACH TABLE ${objects.kafkaTable.toSql()}`, `restarting the consumer of ${objects.stream.name}`);
    await run(ctx.client, `ATTACH TABLE ${objects.kafkaTable.toSql()}`, `restarting the consumer of ${objects.stream.name} (it is detached now: kch resume ${objects.stream.name} again)`);
    const ms = performance.now() - started;
    const consumingAfterMs = options.waitMs ? await waitForConsumer(ctx, objects, { ...options, waitMs: options.waitMs, before, started }) : undefined;
    return { already: false, restarted: true, ms, consumingAfterMs };
  }
  const before = await groupMembers(ctx, objects);
  const started = performance.now();
  if (await pauseMethodOf(ctx, objects) === 'drop-decode-view') {
    await run(ctx.client, `ATTACH TABLE IF NOT EXISTS ${objects.kafkaTable.toSql()}`, `resuming ${objects.stream.name}`);
    await run(ctx.client, decodeViewSql(ctx, objects), `resuming ${objects.stream.name} (it stays paused: ${objects.kafkaTable.toSql()} has no view reading it)`);
  } else {
    const cluster = ctx.target.cluster?.name;
    if (cluster) await refuseWithReplicaDown(ctx.client, cluster, `resuming ${objects.stream.name}`);
    await run(ctx.client, resumeSql(objects, cluster), `resuming ${objects.stream.name}`);
  }
  const ms = performance.now() - started;
  if (!options.waitMs) return { already: false, ms, consumingAfterMs: undefined };
  return { already: false, ms, consumingAfterMs: await waitForConsumer(ctx, objects, { ...options, waitMs: options.waitMs, before, started }) };
}

/**
 * An attached Kafka table whose consumers are gone (system.kafka_consumers lists none), e.g. after
 * a DETACH that failed half-way. Servers without that table cannot tell: taken as running.
 */
async function consumerStopped(ctx: OpsContext, objects: ResolvedStream): Promise<boolean> {
  if (!(await hasSystemTable(ctx, 'kafka_consumers'))) return false;
  return (await consumerCount(ctx.client, objects.kafkaTable)) === 0;
}

/** Ids of the group's members now (a consumer that appears later is a new one). */
export async function groupMembers(ctx: OpsContext, objects: ResolvedStream): Promise<Set<string>> {
  return new Set((await describeGroup(ctx.bootstrap, objects.group)).members.map((m) => m.id));
}

/**
 * Waits until the Kafka table's consumer holds the topic's partitions: system.kafka_consumers
 * where the server has it, else a member not in `before` in a STABLE group. Returns the time
 * since `started` (performance.now()).
 */
export async function waitForConsumer(
  ctx: OpsContext,
  objects: ResolvedStream,
  options: { waitMs: number; signal?: AbortSignal; before: ReadonlySet<string>; started: number },
): Promise<number> {
  const consumers = await hasSystemTable(ctx, 'kafka_consumers');
  const waitedMs = await pollFor(`the consumer of ${objects.kafkaTable.toSql()}`,
    async () => ((await isConsuming(ctx, objects, consumers, options.before)) ? performance.now() - options.started : undefined),
    // The deadline counts from `started`, not from now.
    { timeoutMs: Math.max(0, options.started + options.waitMs - performance.now()), pauseMs: 250, ...(options.signal ? { signal: options.signal } : {}) });
  if (waitedMs === undefined) {
    throw new KchError(ErrorCodes.TIMEOUT, `${objects.stream.name} is attached but its consumer did not get the partitions of ${objects.topic} within ${Math.round(options.waitMs / 1000)} s; see kch status ${objects.stream.name}`);
  }
  return waitedMs;
}

async function isConsuming(ctx: OpsContext, objects: ResolvedStream, consumersTable: boolean, before: ReadonlySet<string>): Promise<boolean> {
  if (consumersTable) {
    return (await consumerCount(ctx.client, objects.kafkaTable, true)) > 0;
  }
  const group = await describeGroup(ctx.bootstrap, objects.group);
  return group.state === 'STABLE' && group.members.some((m) => !before.has(m.id));
}

function notMigrated(objects: ResolvedStream): KchError {
  return new KchError(ErrorCodes.USAGE, `${objects.stream.name} has no Kafka table ${objects.kafkaTable.toSql()}: run kch migrate first`);
}
