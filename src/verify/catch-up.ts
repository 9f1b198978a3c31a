/**
 * Whether a change stream has caught up with its source up to a position of the source's log, as
 * `kch verify --against` waits for it before comparing. Three steps, each polled until the
 * deadline:
 *
 * 1. The connector holds every change before the position: its replication slot's connection
 *    has received the WAL up to it (pg_stat_replication.write_lsn), or confirmed beyond it. (Its
 *    confirmed position alone would not do: it moves only with a change of its own tables, so a
 *    quiet table would hold it below the server's position for ever.)
 * 2. It handed them to Kafka: the topic's end offsets stay still for QUIET_MS, well beyond the
 *    moment it takes Debezium to produce what it received.
 * 3. ClickHouse has them: the stream's consumer group committed up to those end offsets (the
 *    Kafka engine commits a block once it is written, kch sink once its insert is done).
 *
 * A step that cannot be looked at (no kch connector for the stream, or a user who may not read
 * pg_stat_replication) is skipped, and said. A verdict reached too early can only show a
 * difference that is not there, never hide one: the comparison itself decides equality.
 */
import type { Logger } from '../output/log.js';
import { ErrorCodes, KchError, isKchError } from '../errors/kch-error.js';
import { committedOffsets, listEndOffsets } from '../kafka/admin.js';
import { partitionLag } from '../kafka/lag.js';
import { formatLsn } from '../postgres/lsn.js';
import type { SourceClient } from '../postgres/client.js';
import { describeSlot, slotState, type SlotState } from '../cdc/slot.js';
import { poll } from '../time/poll.js';

/** How long the topic must stay still before what the connector received counts as produced. */
export const QUIET_MS = 2_000;

export interface CatchUpOptions {
  /** A connection of its own: not the one holding the comparison's snapshot. */
  readonly source: SourceClient;
  /** The connector's replication slot; undefined when there is no kch connector to ask. */
  readonly slot: string | undefined;
  readonly lsn: bigint;
  readonly bootstrap: string;
  readonly topic: string;
  readonly group: string;
  readonly deadline: number;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

export type CatchUp =
  | { readonly ok: true; readonly ms: number; readonly how: string }
  | { readonly ok: false; readonly ms: number; readonly why: string };

type Offsets = ReadonlyMap<number, bigint>;

const same = (a: Offsets, b: Offsets): boolean => a.size === b.size && [...a].every(([p, o]) => b.get(p) === o);

export async function waitForCatchUp(options: CatchUpOptions): Promise<CatchUp> {
  const started = performance.now();
  const left = (): number => Math.max(0, options.deadline - performance.now());
  const ms = (): number => Math.round(performance.now() - started);
  const steps: string[] = [];
  const pollOptions = (): { timeoutMs: number; pauseMs: number; maxPauseMs: number; signal?: AbortSignal } => ({ timeoutMs: left(), pauseMs: 100, maxPauseMs: 500, ...(options.signal ? { signal: options.signal } : {}) });

  if (options.slot !== undefined) {
    const slot = options.slot;
    let last: SlotState | undefined;
    const reached = await poll<string>(async () => {
      last = await slotState(options.source, slot);
      if (!last) throw new KchError(ErrorCodes.SOURCE_DATABASE, `${describeSlot(slot, last)}: is the connector running? (kch cdc list)`);
      if (last.confirmedFlush !== null && last.confirmedFlush >= options.lsn) return 'confirmed';
      if (last.received !== null && last.received >= options.lsn) return 'received';
      // Active, but the server does not show this user what the connection received: nothing to wait on here.
      if (last.active && last.received === null) return 'not shown';
      return undefined;
    }, pollOptions()).catch((error: unknown) => {
      if (isKchError(error)) return error;
      throw error;
    });
    if (reached instanceof KchError) return { ok: false, ms: ms(), why: reached.message };
    if (reached === undefined) return { ok: false, ms: ms(), why: `the connector did not reach the source's position ${formatLsn(options.lsn)} (${describeSlot(slot, last)}${last?.received == null ? '' : `, received to ${formatLsn(last.received)}`}); is it running? (kch cdc list)` };
    if (reached === 'not shown') {
      options.log.warn(`pg_stat_replication does not show this user what slot ${slot}'s connection received (a superuser or pg_read_all_stats sees it): waiting for a quiet topic only`);
      steps.push('the connector\'s position not shown to this user');
    } else {
      steps.push(`the connector ${reached} the source's log to ${formatLsn(options.lsn)} in ${(ms() / 1000).toFixed(1)} s`);
    }
  } else {
    steps.push('no kch connector to ask for its position');
  }

  let ends: Offsets = new Map();
  let stillSince = performance.now();
  let kafkaError: unknown;
  const quiet = await poll(async () => {
    let now: Offsets;
    try {
      now = (await listEndOffsets(options.bootstrap, [options.topic])).get(options.topic) ?? new Map();
    } catch (error) {
      if (!isKchError(error)) throw error;
      kafkaError = error;
      return undefined;
    }
    if (!same(now, ends)) {
      ends = now;
      stillSince = performance.now();
      return undefined;
    }
    return performance.now() - stillSince >= QUIET_MS ? now : undefined;
  }, { ...pollOptions(), pauseMs: 250, maxPauseMs: 250 });
  if (quiet === undefined) return { ok: false, ms: ms(), why: kafkaError && isKchError(kafkaError) ? `Kafka did not answer: ${kafkaError.message}` : `topic ${options.topic} kept growing (the connector still sends changes)` };
  steps.push(`topic ${options.topic} still for ${QUIET_MS / 1000} s`);

  let lag = Number.NaN;
  const done = await poll(async () => {
    try {
      const committed = (await committedOffsets(options.bootstrap, options.group, [options.topic])).get(options.topic);
      lag = [...quiet].reduce((sum, [p, end]) => sum + partitionLag(end, committed?.get(p)), 0);
      return lag === 0 ? true : undefined;
    } catch (error) {
      if (!isKchError(error)) throw error;
      kafkaError = error;
      return undefined;
    }
  }, pollOptions());
  if (done === undefined) return { ok: false, ms: ms(), why: Number.isNaN(lag) ? `Kafka did not answer: ${isKchError(kafkaError) ? kafkaError.message : 'no answer'}` : `consumer group ${options.group} is ${lag.toLocaleString('en-US')} message(s) behind topic ${options.topic} (is ClickHouse consuming? kch status)` };
  steps.push(`consumer group ${options.group} at the end`);
  return { ok: true, ms: ms(), how: steps.join('; ') };
}
