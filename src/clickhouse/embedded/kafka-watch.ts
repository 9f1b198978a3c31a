/**
 * Watches the embedded engine's Kafka consumers and says in the service's log when a Kafka table
 * cannot write what it reads (a full disk, a data folder that became read-only: an error, at
 * once) and when it writes again. See ../kafka-consumers.ts.
 *
 * A broker that cannot be reached is another matter: `kch up` starts ClickHouse before Kafka, so
 * every start sees "1/1 brokers are down" for a few seconds, and the consumer reconnects by
 * itself. Those errors are told apart (`isBrokerUnreachable`) and reported only once they last
 * (`BrokerOutageWatch`), at warn level, with a line when Kafka answers again.
 */
import { messageOf } from '../../errors/kch-error.js';
import type { Logger } from '../../output/log.js';
import { ConsumerWatch, describeConsumerEvent, exceptionReason, remedyFor, type ConsumerRow } from '../kafka-consumers.js';
import type { Engine } from './session.js';

export interface KafkaWatch {
  stop(): Promise<void>;
}

/** system.kafka_consumers, one row per consumer, with what tells a connected consumer. */
export const KAFKA_WATCH_QUERY =
  'SELECT database, table, num_commits, arrayMap(t -> toUnixTimestamp(t), exceptions.time) AS times, exceptions.text AS texts, '
  + 'length(assignments.partition_id) AS assigned FROM system.kafka_consumers';

export interface WatchedConsumerRow extends ConsumerRow {
  /** Partitions the consumer holds: only a consumer that reached the broker holds any. */
  readonly assigned: number | string;
}

/**
 * librdkafka's words for "the broker is not there (yet)": refused or failed connections, all
 * brokers down, a name that does not resolve, a dropped connection, and a broker still starting
 * (no group coordinator or partition leader yet). A write failure never reads like this, and one
 * that names a full disk or an unwritable folder is never taken for it.
 */
const unreachablePatterns: readonly RegExp[] = [
  /\b\d+\/\d+ brokers are down\b/,
  /\bAll broker connections are down\b/i,
  /\bConnect to \S+ failed\b/,
  /\bConnection refused\b/i,
  /\bBroker transport failure\b/i,
  /\bFailed to resolve\b/i,
  /\bDisconnected\b/,
  /\bBroker: (Coordinator not available|Coordinator load in progress|Not coordinator|Leader not available)\b/i,
];

export function isBrokerUnreachable(reason: string): boolean {
  return remedyFor(reason) === undefined && unreachablePatterns.some((pattern) => pattern.test(reason));
}

/** Before a table ever held partitions, Kafka may simply be starting: this long is not news. */
export const STARTUP_GRACE_MS = 30_000;
/** A table that was consuming and lost the broker: reported after this long (a dropped connection is re-made at once). */
export const OUTAGE_GRACE_MS = 20_000;
/**
 * Holding partitions and no new "unreachable" error for this long is recovery: while the broker is
 * away librdkafka repeats its error at least every 10 s (reconnect.backoff.max.ms). Shorter than
 * `OUTAGE_GRACE_MS`, so a lone dropped connection is over before it could be reported.
 */
const QUIET_MS = 14_000;
const REPEAT_MS = 300_000;

export type OutageEvent =
  | { readonly kind: 'unreachable'; readonly table: string; readonly reason: string; readonly forMs: number; readonly consumedBefore: boolean }
  | { readonly kind: 'still-unreachable'; readonly table: string; readonly reason: string; readonly forMs: number }
  | { readonly kind: 'reachable'; readonly table: string; readonly afterMs: number };

interface OutageState {
  /** Newest "unreachable" exception seen, Unix ms (whole seconds). */
  newest: number;
  commits: number;
  /** Held partitions (or committed) at some point while watched: it had reached the broker. */
  consumed: boolean;
  since: number | undefined;
  reason: string;
  /** Held no partitions at some point during this outage. */
  lostPartitions: boolean;
  reportedAt: number | undefined;
}

/**
 * Turns snapshots of system.kafka_consumers into outage events, per table: `unreachable` once a
 * table has had only "broker unreachable" news for `STARTUP_GRACE_MS` (`OUTAGE_GRACE_MS` when it
 * had been consuming), `reachable` when it holds partitions again after that (only for an outage
 * that was reported). Other errors are not its business (see `ConsumerWatch`).
 */
export class BrokerOutageWatch {
  private readonly tables = new Map<string, OutageState>();

  update(rows: readonly WatchedConsumerRow[], now: number): OutageEvent[] {
    const byTable = new Map<string, { newest: number; reason: string; commits: number; assigned: number }>();
    for (const row of rows) {
      const name = `${row.database}.${row.table}`;
      const entry = byTable.get(name) ?? { newest: 0, reason: '', commits: 0, assigned: 0 };
      entry.commits += Number(row.num_commits);
      entry.assigned += Number(row.assigned);
      row.times.forEach((time, i) => {
        const at = Number(time) * 1000;
        const reason = exceptionReason(row.texts[i] ?? '');
        if (at >= entry.newest && isBrokerUnreachable(reason)) {
          entry.newest = at;
          entry.reason = reason;
        }
      });
      byTable.set(name, entry);
    }
    const events: OutageEvent[] = [];
    for (const [table, seen] of byTable) {
      let state = this.tables.get(table);
      if (!state) {
        // First sight: errors older than a few seconds are history (a restart would repeat them).
        const ongoing = seen.assigned === 0 && seen.newest > 0 && now - seen.newest < QUIET_MS;
        state = {
          newest: seen.newest, commits: seen.commits, consumed: seen.assigned > 0 || seen.commits > 0,
          since: ongoing ? Math.min(now, seen.newest) : undefined, reason: seen.reason, lostPartitions: ongoing, reportedAt: undefined,
        };
        this.tables.set(table, state);
      }
      const fresh = seen.newest > state.newest;
      if (fresh) {
        state.newest = seen.newest;
        state.reason = seen.reason;
      }
      const committed = seen.commits > state.commits;
      state.commits = seen.commits;
      if (state.since === undefined) {
        if (fresh) {
          // Times of exceptions and of looks come from the same clock: the embedded engine's host.
          state.since = Math.min(now, seen.newest);
          state.lostPartitions = seen.assigned === 0;
        } else if (seen.assigned > 0 || committed) {
          state.consumed = true;
        }
      } else {
        if (seen.assigned === 0) state.lostPartitions = true;
        const back = seen.assigned > 0 && !fresh && (state.lostPartitions || committed || now - state.newest >= QUIET_MS);
        if (back) {
          if (state.reportedAt !== undefined) events.push({ kind: 'reachable', table, afterMs: now - state.since });
          state.since = undefined;
          state.reportedAt = undefined;
          state.consumed = true;
          continue;
        }
      }
      if (state.since === undefined) continue;
      const lasted = now - state.since;
      if (state.reportedAt === undefined) {
        if (lasted >= (state.consumed ? OUTAGE_GRACE_MS : STARTUP_GRACE_MS)) {
          state.reportedAt = now;
          events.push({ kind: 'unreachable', table, reason: state.reason, forMs: lasted, consumedBefore: state.consumed });
        }
      } else if (now - state.reportedAt >= REPEAT_MS) {
        state.reportedAt = now;
        events.push({ kind: 'still-unreachable', table, reason: state.reason, forMs: lasted });
      }
    }
    return events;
  }
}

export function describeOutageEvent(event: OutageEvent): string {
  const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
  switch (event.kind) {
    case 'unreachable':
      return `Kafka table ${event.table} has not reached Kafka for ${seconds(event.forMs)}${event.consumedBefore ? '' : ' since it started'}: ${event.reason}. `
        + 'It keeps trying and reads on from the last committed offset once the broker answers; check that Kafka runs and that the table\'s broker list reaches it';
    case 'still-unreachable':
      return `Kafka table ${event.table} still has not reached Kafka, for ${seconds(event.forMs)}: ${event.reason}`;
    case 'reachable':
      return `Kafka table ${event.table} reaches Kafka again after ${seconds(event.afterMs)}; consuming from the last committed offset`;
  }
}

/** The rows without their "broker unreachable" exceptions: what `ConsumerWatch` judges as write failures. */
export function withoutUnreachable<R extends ConsumerRow>(rows: readonly R[]): R[] {
  return rows.map((row) => {
    const keep = row.texts.map((text) => !isBrokerUnreachable(exceptionReason(text)));
    return { ...row, times: row.times.filter((_, i) => keep[i]), texts: row.texts.filter((_, i) => keep[i]) };
  });
}

/** Both watches on one snapshot: the log lines to write, with their level. */
export class KafkaTableWatch {
  private readonly writes = new ConsumerWatch();
  private readonly outages = new BrokerOutageWatch();

  constructor(private readonly dataDir?: string) {}

  update(rows: readonly WatchedConsumerRow[], now: number): { readonly level: 'info' | 'warn' | 'error'; readonly line: string }[] {
    const lines: { level: 'info' | 'warn' | 'error'; line: string }[] = [];
    for (const event of this.writes.update(withoutUnreachable(rows), now)) {
      lines.push({ level: event.kind === 'resumed' ? 'info' : 'error', line: describeConsumerEvent(event, this.dataDir) });
    }
    for (const event of this.outages.update(rows, now)) {
      lines.push({ level: event.kind === 'reachable' ? 'info' : 'warn', line: describeOutageEvent(event) });
    }
    return lines;
  }
}

export function startKafkaWatch(engine: Engine, log: Logger, dataDir: string, intervalMs = 3_000): KafkaWatch {
  const watch = new KafkaTableWatch(dataDir);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let broken = false;

  const tick = async (): Promise<void> => {
    let lease;
    try {
      lease = await engine.lease('readonly');
      const result = await lease.session.queryAsync(KAFKA_WATCH_QUERY, { format: 'JSONEachRow' });
      const rows = result.text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as WatchedConsumerRow);
      for (const { level, line } of watch.update(rows, Date.now())) log[level](line);
      broken = false;
    } catch (error) {
      if (!broken && !stopped) log.debug(`cannot read system.kafka_consumers: ${messageOf(error)}`);
      broken = true;
    } finally {
      lease?.release();
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
