/**
 * `kch replay`: consume a stream again from a point in its topic.
 *
 * The consumer group's committed offsets are moved back with an OffsetCommit, which the broker
 * accepts only while the group has no member: the stream is paused (its Kafka table detached),
 * the group is waited for until empty (ClickHouse 26 does not leave it; its member times out),
 * the offsets are committed, and the stream resumes if it was consuming. Everything between the
 * new offsets and the old ones is read again.
 *
 * `--dedupe` then removes the copies: once the consumer has committed past the old offsets again,
 * a mutation deletes every target row written after the pause (processing_time at or after a cut
 * taken on the server's clock past the last row written before it) whose id was already
 * there before it; dead letters read again are removed the same way by topic, partition and
 * offset, so a dead letter is never replayed twice. Chosen over a ReplacingMergeTree target because
 * it is exact when the command returns, needs no FINAL in every query and no change of engine;
 * the mutation rewrites only the parts holding re-read rows.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { committedOffsets, listEndOffsets } from '../kafka/admin.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import type { OpsContext } from './context.js';
import type { ResolvedStream } from '../pipeline/resolve.js';
import { commitGroupOffsets, offsetsForTime, startOffsets, waitForEmptyGroup } from './group.js';
import { consumptionOf, pauseStream, resumeStream } from './pause.js';
import { scalar } from '../clickhouse/query.js';
import { mutate } from './mutation.js';
import { serverNow } from '../clickhouse/system.js';
import { pollFor } from './wait.js';

/** Where to read again from: an offset (on every partition, or per partition) or a time. */
export type ReplayFrom =
  | { readonly kind: 'offset'; readonly offsets: ReadonlyMap<number, bigint> | bigint }
  | { readonly kind: 'time'; readonly at: Date };

/** `2026-01-31T10:00:00Z` (any ISO time Date.parse reads), `1200` (every partition), `0:1200,1:900`. */
export function parseReplayFrom(text: string): ReplayFrom {
  const value = text.trim();
  if (/^\d+$/.test(value)) return { kind: 'offset', offsets: BigInt(value) };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(value)) {
    return { kind: 'offset', offsets: new Map(value.split(',').map((pair) => { const [p, o] = pair.split(':'); return [Number(p), BigInt(o!)] as const; })) };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return { kind: 'time', at: new Date(Date.parse(value)) };
  throw new KchError(ErrorCodes.USAGE, `--from must be an ISO time (2026-01-31T10:00:00Z), an offset (1200) or offsets per partition (0:1200,1:900), got "${text}"`);
}

export interface PartitionReplay {
  readonly partition: number;
  /** Committed before the replay (the offset consumption would have gone on from). */
  readonly committed: bigint;
  /** Where consumption goes on from now. */
  readonly from: bigint;
  /** Messages read again on this partition. */
  readonly reread: bigint;
}

export interface ReplayResult {
  readonly partitions: readonly PartitionReplay[];
  /** Messages read again, over all partitions. */
  readonly reread: bigint;
  /** The stream was paused before and stays paused. */
  readonly stayedPaused: boolean;
  /** How long the group took to become empty after the pause. */
  readonly waitedForGroupMs: number;
  /** With dedupe: rows removed from the target and dead letters removed. */
  readonly removed?: { readonly rows: number; readonly deadLetters: number };
}

export interface ReplayOptions {
  readonly from: ReplayFrom;
  readonly dedupe: boolean;
  /** For the group to empty, and (dedupe) for the consumer to catch up. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called with the plan once offsets are known, before they are moved. */
  readonly onPlan?: (partitions: readonly PartitionReplay[]) => void;
}

export async function replayStream(ctx: OpsContext, objects: ResolvedStream, options: ReplayOptions): Promise<ReplayResult> {
  const state = await consumptionOf(ctx, objects);
  if (state === 'missing') throw new KchError(ErrorCodes.USAGE, `${objects.stream.name} has no Kafka table: run kch migrate first`);
  if (options.dedupe && objects.stream.id === undefined) {
    throw new KchError(ErrorCodes.USAGE, `${objects.stream.name} has no id field, so --dedupe cannot tell a copy from an event: name one with id: '<field>' in its definition, or replay without --dedupe`);
  }
  if (options.dedupe && ctx.target.cluster) {
    // Telling a copy from its event reads the table being changed, in the mutation itself, which a
    // replicated table refuses (each server would apply it to its own view of the rows).
    throw new KchError(ErrorCodes.USAGE, `--dedupe is not built for a cluster: replay without it, and read ${objects.stream.name}'s events once each through ${objects.dedupView.toSql()}`);
  }
  if (state === 'paused' && options.dedupe) {
    throw new KchError(ErrorCodes.USAGE, `${objects.stream.name} is paused: --dedupe needs it to consume the replayed range; kch resume it first, or replay without --dedupe`);
  }
  const pause = await pauseStream(ctx, objects);
  let resumed = state === 'paused';
  try {
    const waitedForGroupMs = await waitForEmptyGroup(ctx.bootstrap, objects.group, { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    const plan = await planOffsets(ctx, objects, options.from);
    options.onPlan?.(plan);
    const skipping = plan.filter((p) => p.from > p.committed);
    if (skipping.length > 0) {
      throw new KchError(ErrorCodes.USAGE, `--from is past what ${objects.stream.name} consumed on partition(s) ${skipping.map((p) => `${p.partition} (committed ${p.committed}, asked ${p.from})`).join(', ')}: that would skip messages, not replay them`);
    }
    // Every row written before the pause has processing_time <= detachedAt; rows of the replay
    // are written after the cut, which the server's clock must pass before consumption resumes.
    const cut = pause.detachedAt + 1;
    await commitGroupOffsets(ctx.bootstrap, objects.group, objects.topic, new Map(plan.map((p) => [p.partition, p.from])));
    const reread = plan.reduce((sum, p) => sum + p.reread, 0n);
    if (state === 'paused') return { partitions: plan, reread, stayedPaused: true, waitedForGroupMs };
    // No deadline: the server's clock passes the cut within a second.
    await pollFor('the server clock to pass the cut', async () => ((await serverNow(ctx.client)) >= cut ? true : undefined),
      { timeoutMs: Number.POSITIVE_INFINITY, pauseMs: 100, ...(options.signal ? { signal: options.signal } : {}) });
    await resumeStream(ctx, objects, { waitMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    resumed = true;
    if (!options.dedupe) return { partitions: plan, reread, stayedPaused: false, waitedForGroupMs };
    await waitForCommitted(ctx, objects, plan, options);
    const removed = await removeCopies(ctx, objects, cut);
    return { partitions: plan, reread, stayedPaused: false, waitedForGroupMs, removed };
  } finally {
    // A failure before the offsets moved leaves the stream as it was found.
    if (!resumed) await resumeStream(ctx, objects).catch((error: unknown) => ctx.log.warn(`could not resume ${objects.stream.name}: ${String(error)}; run kch resume ${objects.stream.name}`));
  }
}

async function planOffsets(ctx: OpsContext, objects: ResolvedStream, from: ReplayFrom): Promise<PartitionReplay[]> {
  const ends = (await listEndOffsets(ctx.bootstrap, [objects.topic])).get(objects.topic) ?? new Map<number, bigint>();
  const partitions = [...ends.keys()].sort((a, b) => a - b);
  if (partitions.length === 0) throw new KchError(ErrorCodes.USAGE, `topic ${objects.topic} does not exist: nothing to replay`);
  const committed = (await committedOffsets(ctx.bootstrap, objects.group, [objects.topic])).get(objects.topic) ?? new Map<number, bigint>();
  const starts = await startOffsets(ctx.bootstrap, objects.topic, partitions);
  let wanted: Map<number, bigint>;
  if (from.kind === 'time') {
    wanted = await offsetsForTime(ctx.bootstrap, objects.topic, partitions, from.at);
  } else if (typeof from.offsets === 'bigint') {
    const offset = from.offsets;
    wanted = new Map(partitions.map((p) => [p, offset]));
  } else {
    const unknown = [...from.offsets.keys()].filter((p) => !ends.has(p));
    if (unknown.length > 0) throw new KchError(ErrorCodes.USAGE, `${objects.topic} has no partition ${unknown.join(', ')} (it has ${partitions.join(', ')})`);
    wanted = new Map(from.offsets);
  }
  return partitions.map((partition): PartitionReplay => {
    const end = ends.get(partition) ?? 0n;
    const start = starts.get(partition) ?? 0n;
    // A group that never committed would start from the earliest offset.
    const done = committed.get(partition) ?? start;
    const asked = wanted.get(partition) ?? done;
    const at = asked < start ? start : asked > end ? end : asked;
    return { partition, committed: done, from: at, reread: at < done ? done - at : 0n };
  });
}

async function waitForCommitted(ctx: OpsContext, objects: ResolvedStream, plan: readonly PartitionReplay[], options: ReplayOptions): Promise<void> {
  const reread = await pollFor(`${objects.stream.name} to read the range again`, async () => {
    const now = (await committedOffsets(ctx.bootstrap, objects.group, [objects.topic])).get(objects.topic) ?? new Map<number, bigint>();
    return plan.every((p) => (now.get(p.partition) ?? -1n) >= p.committed) ? true : undefined;
  }, { timeoutMs: options.timeoutMs, pauseMs: 250, ...(options.signal ? { signal: options.signal } : {}) });
  if (!reread) {
    throw new KchError(ErrorCodes.TIMEOUT, `${objects.stream.name} did not read the replayed range again within ${Math.round(options.timeoutMs / 1000)} s; copies were not removed (run kch replay again with --dedupe later, or see kch status)`);
  }
}

/** Deletes the rows and dead letters written since `cut` that were there before it. */
async function removeCopies(ctx: OpsContext, objects: ResolvedStream, cut: number): Promise<{ rows: number; deadLetters: number }> {
  const after = `processing_time >= toDateTime(${cut})`;
  const before = `processing_time < toDateTime(${cut})`;
  const id = quoteIdentifier(objects.stream.id!);
  const rowsCondition = `${after} AND ${id} IN (SELECT ${id} FROM ${objects.target.toSql()} WHERE ${before} AND ${id} IN (SELECT ${id} FROM ${objects.target.toSql()} WHERE ${after}))`;
  const rows = await scalar(ctx.client, `SELECT count() FROM ${objects.target.toSql()} WHERE ${rowsCondition}`, 'counting replayed copies');
  if (rows > 0) await mutate(ctx, objects.stored.target, `DELETE WHERE ${rowsCondition}`, { action: 'removing replayed copies' });
  let deadLetters = 0;
  // Without _partition/_offset (18.x) dead letters cannot be told apart: they are left as they are.
  if (ctx.features.kafkaVirtualColumns) {
    const seenAfter = `seen_at >= toDateTime(${cut})`;
    const lettersCondition = `${seenAfter} AND (topic, partition, offset) IN (SELECT topic, partition, offset FROM ${objects.deadLetter.toSql()} WHERE seen_at < toDateTime(${cut}))`;
    deadLetters = await scalar(ctx.client, `SELECT count() FROM ${objects.deadLetter.toSql()} WHERE ${lettersCondition}`, 'counting replayed dead letters');
    if (deadLetters > 0) await mutate(ctx, objects.stored.deadLetter, `DELETE WHERE ${lettersCondition}`, { action: 'removing replayed dead letters' });
  }
  return { rows, deadLetters };
}
