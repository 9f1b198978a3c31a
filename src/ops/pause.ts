/**
 * Pausing and resuming a stream's consumption, by detaching and attaching its Kafka-engine table.
 *
 * DETACH stops the table's consumers after the block in flight has been written by the views and
 * its offsets committed (the embedded server does the same on every stop: Engine.stop() in
 * src/clickhouse/embedded/session.ts), so nothing is lost or read twice; ATTACH starts them again
 * from the committed offsets. PERMANENTLY (20.5+) makes the pause outlast a restart: the embedded
 * server detaches only attached Kafka tables on stop, and a server attaches on start only the
 * tables that were not detached permanently. Older servers have no PERMANENTLY: their pause lasts
 * until the server restarts (migrate says so).
 */
import { ErrorCodes, KchError } from '../errors.js';
import { detachRefusal, detachesPermanently } from '../migrate/detect.js';
import type { OpsContext, StreamObjects } from './context.js';
import { describeGroup } from './group.js';
import { literal, rows, run, scalar, serverNow } from './sql.js';
import { nap } from './wait.js';

/** consuming: the Kafka table is attached; paused: detached; missing: never created (run kch migrate). */
export type Consumption = 'consuming' | 'paused' | 'missing';

export async function hasSystemTable(ctx: Pick<OpsContext, 'client'>, name: string): Promise<boolean> {
  return (await scalar(ctx.client, `SELECT count() FROM system.tables WHERE database = 'system' AND name = ${literal(name)}`)) > 0;
}

export function split(qualified: string): { database: string; table: string } {
  const dot = qualified.indexOf('.');
  return { database: qualified.slice(0, dot), table: qualified.slice(dot + 1) };
}

export async function consumptionOf(ctx: Pick<OpsContext, 'client'>, objects: StreamObjects): Promise<Consumption> {
  const kafka = split(objects.kafkaTable);
  const view = split(objects.view);
  const present = new Set((await rows<{ name: string }>(ctx.client,
    `SELECT name FROM system.tables WHERE database = ${literal(kafka.database)} AND name IN (${literal(kafka.table)}, ${literal(view.table)})`,
    'reading the stream\'s tables')).map((r) => r.name));
  if (present.has(kafka.table)) return 'consuming';
  if (await hasSystemTable(ctx, 'detached_tables')) {
    const detached = await scalar(ctx.client, `SELECT count() FROM system.detached_tables WHERE database = ${literal(kafka.database)} AND table = ${literal(kafka.table)}`);
    return detached > 0 ? 'paused' : 'missing';
  }
  // No list of detached tables on this server: the views outlive a detached Kafka table only.
  return present.has(view.table) ? 'paused' : 'missing';
}

export interface PauseResult {
  /** The stream was paused already; nothing was done. */
  readonly already: boolean;
  /** DETACH … PERMANENTLY: the pause outlasts a restart of the server. */
  readonly permanent: boolean;
  /** How long the DETACH took (the consumers finishing their block and committing). */
  readonly ms: number;
  /** The server's clock (seconds) right after the DETACH: every row the stream wrote is older or as old. */
  readonly detachedAt: number;
}

export async function pauseStream(ctx: OpsContext, objects: StreamObjects): Promise<PauseResult> {
  const state = await consumptionOf(ctx, objects);
  if (state === 'missing') throw notMigrated(objects);
  const permanent = detachesPermanently(ctx.features);
  if (!permanent && state === 'consuming') {
    throw new KchError(ErrorCodes.CLICKHOUSE_UNSUPPORTED, `ClickHouse ${ctx.features.version} ${detachRefusal}: not pausing ${objects.stream.name}, which keeps consuming. Pausing (and kch replay, kch migrate --apply-drift) needs ClickHouse 20.5 or later.`);
  }
  if (state === 'paused') return { already: true, permanent, ms: 0, detachedAt: await serverNow(ctx.client) };
  const started = performance.now();
  await run(ctx.client, `DETACH TABLE ${objects.kafkaTable}${permanent ? ' PERMANENTLY' : ''}`, `pausing ${objects.stream.name}`);
  const ms = performance.now() - started;
  ctx.log.debug(`detached ${objects.kafkaTable}${permanent ? ' permanently' : ''} in ${Math.round(ms)} ms`);
  return { already: false, permanent, ms, detachedAt: await serverNow(ctx.client) };
}

export interface ResumeResult {
  readonly already: boolean;
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
export async function resumeStream(ctx: OpsContext, objects: StreamObjects, options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<ResumeResult> {
  const state = await consumptionOf(ctx, objects);
  if (state === 'missing') throw notMigrated(objects);
  if (state === 'consuming') return { already: true, ms: 0, consumingAfterMs: undefined };
  const before = await groupMembers(ctx, objects);
  const started = performance.now();
  await run(ctx.client, `ATTACH TABLE ${objects.kafkaTable}`, `resuming ${objects.stream.name}`);
  const ms = performance.now() - started;
  if (!options.waitMs) return { already: false, ms, consumingAfterMs: undefined };
  return { already: false, ms, consumingAfterMs: await waitForConsumer(ctx, objects, { ...options, waitMs: options.waitMs, before, started }) };
}

/** Ids of the group's members now (a consumer that appears later is a new one). */
export async function groupMembers(ctx: OpsContext, objects: StreamObjects): Promise<Set<string>> {
  return new Set((await describeGroup(ctx.bootstrap, objects.group)).members.map((m) => m.id));
}

/**
 * Waits until the Kafka table's consumer holds the topic's partitions: system.kafka_consumers
 * where the server has it, else a member not in `before` in a STABLE group. Returns the time
 * since `started` (performance.now()).
 */
export async function waitForConsumer(
  ctx: OpsContext,
  objects: StreamObjects,
  options: { waitMs: number; signal?: AbortSignal; before: ReadonlySet<string>; started: number },
): Promise<number> {
  const consumers = await hasSystemTable(ctx, 'kafka_consumers');
  const deadline = options.started + options.waitMs;
  for (;;) {
    if (await isConsuming(ctx, objects, consumers, options.before)) return performance.now() - options.started;
    if (performance.now() > deadline) {
      throw new KchError(ErrorCodes.TIMEOUT, `${objects.stream.name} is attached but its consumer did not get the partitions of ${objects.topic} within ${Math.round(options.waitMs / 1000)} s; see kch status ${objects.stream.name}`);
    }
    await nap(250, options.signal, `the consumer of ${objects.kafkaTable}`);
  }
}

async function isConsuming(ctx: OpsContext, objects: StreamObjects, consumersTable: boolean, before: ReadonlySet<string>): Promise<boolean> {
  if (consumersTable) {
    const kafka = split(objects.kafkaTable);
    return (await scalar(ctx.client,
      `SELECT count() FROM system.kafka_consumers WHERE database = ${literal(kafka.database)} AND table = ${literal(kafka.table)} AND length(assignments.partition_id) > 0`)) > 0;
  }
  const group = await describeGroup(ctx.bootstrap, objects.group);
  return group.state === 'STABLE' && group.members.some((m) => !before.has(m.id));
}

function notMigrated(objects: StreamObjects): KchError {
  return new KchError(ErrorCodes.USAGE, `${objects.stream.name} has no Kafka table ${objects.kafkaTable}: run kch migrate first`);
}
