/**
 * What ClickHouse's Kafka engine says about its consumers (system.kafka_consumers, 23.8+): how
 * many a Kafka table has and whether they hold partitions, and their history of exceptions turned
 * into what a person needs: one line when a Kafka table starts failing to write what it reads,
 * with the reason and what to do, and one line when it writes again. Without this, a full disk or
 * an unwritable data folder stalls the pipeline in silence: the engine keeps the offsets where
 * they are and re-reads the same block every few seconds, and only this table knows why.
 */

import type { ClickHouseClient } from '@clickhouse/client';
import { literal } from '../pipeline/quote.js';
import { rows, scalar, type QueryOptions } from './query.js';

/** One row per consumer; times as Unix seconds. */
const KAFKA_CONSUMERS_QUERY =
  'SELECT database, table, num_commits, arrayMap(t -> toUnixTimestamp(t), exceptions.time) AS times, exceptions.text AS texts FROM system.kafka_consumers';

/** The consumers of the Kafka tables of `database`, with their commits and exceptions (what `ConsumerWatch` reads). */
export function consumerRows(client: ClickHouseClient, database: string, options?: QueryOptions): Promise<ConsumerRow[]> {
  return rows<ConsumerRow>(client, `${KAFKA_CONSUMERS_QUERY} WHERE database = ${literal(database)}`, options);
}

/**
 * How many consumers the Kafka table `database`.`table` has; with `holdingPartitions`, only those
 * the group gave partitions to (a consumer waiting for a rebalance holds none).
 */
export async function consumerCount(client: ClickHouseClient, kafkaTable: { readonly database: string; readonly table: string }, holdingPartitions = false): Promise<number> {
  return scalar(client,
    `SELECT count() FROM system.kafka_consumers WHERE database = ${literal(kafkaTable.database)} AND table = ${literal(kafkaTable.table)}${holdingPartitions ? ' AND length(assignments.partition_id) > 0' : ''}`);
}

export interface ConsumerRow {
  readonly database: string;
  readonly table: string;
  readonly num_commits: number | string;
  readonly times: readonly (number | string)[];
  readonly texts: readonly string[];
}

export type ConsumerEvent =
  | { readonly kind: 'failing'; readonly table: string; readonly reason: string }
  | { readonly kind: 'still-failing'; readonly table: string; readonly reason: string; readonly forMs: number }
  | { readonly kind: 'resumed'; readonly table: string; readonly afterMs: number };

/** The first line of a ClickHouse exception without its code prefix, stack trace and version. */
export function exceptionReason(text: string): string {
  let line = (text.split('\n')[0] ?? text).trim();
  line = line.replace(/, Stack trace \(when copying.*$/s, '').replace(/\s*\(version [\d.]+[^)]*\)\s*$/, '');
  const what = /e\.what\(\) = (.*)$/.exec(line);
  if (what) line = what[1]!;
  line = line.replace(/^Code: \d+\. DB::Exception: /, '');
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** What to do about a write failure, when the reason says (disk full, folder not writable). */
export function remedyFor(reason: string, dataDir?: string): string | undefined {
  const where = dataDir ? ` ${dataDir}` : ' the data folder';
  if (/NOT_ENOUGH_SPACE|not enough space|No space left/i.test(reason)) return `the disk holding${where} is full: free space and consumption resumes by itself`;
  if (/Read-only file system|Operation not permitted|Permission denied|EROFS|EACCES|EPERM/i.test(reason)) return `ClickHouse cannot write${where}: make it writable again and consumption resumes by itself`;
  return undefined;
}

interface TableState {
  commits: number;
  lastExceptionAt: number;
  failingSince: number | undefined;
  reason: string;
  lastReportAt: number;
}

/**
 * Turns successive snapshots of system.kafka_consumers into events. A table is failing from its
 * first new exception until its commit count moves again (the engine commits only after a block
 * is written to every view).
 */
export class ConsumerWatch {
  private readonly tables = new Map<string, TableState>();

  constructor(private readonly repeatEveryMs = 60_000) {}

  update(rows: readonly ConsumerRow[], now: number): ConsumerEvent[] {
    const byTable = new Map<string, { commits: number; newest: number; reason: string }>();
    for (const row of rows) {
      const name = `${row.database}.${row.table}`;
      const entry = byTable.get(name) ?? { commits: 0, newest: 0, reason: '' };
      entry.commits += Number(row.num_commits);
      row.times.forEach((time, i) => {
        const at = Number(time) * 1000;
        if (at >= entry.newest) {
          entry.newest = at;
          entry.reason = exceptionReason(row.texts[i] ?? '');
        }
      });
      byTable.set(name, entry);
    }
    const events: ConsumerEvent[] = [];
    for (const [table, seen] of byTable) {
      const state = this.tables.get(table);
      if (!state) {
        // First sight: the past is history, not news (a restart would repeat old errors).
        this.tables.set(table, { commits: seen.commits, lastExceptionAt: seen.newest, failingSince: undefined, reason: '', lastReportAt: 0 });
        continue;
      }
      const fresh = seen.newest > state.lastExceptionAt;
      if (fresh) state.lastExceptionAt = seen.newest;
      if (state.failingSince !== undefined && seen.commits > state.commits) {
        events.push({ kind: 'resumed', table, afterMs: now - state.failingSince });
        state.failingSince = undefined;
      } else if (fresh && state.failingSince === undefined) {
        state.failingSince = now;
        state.reason = seen.reason;
        state.lastReportAt = now;
        events.push({ kind: 'failing', table, reason: seen.reason });
      } else if (fresh && now - state.lastReportAt >= this.repeatEveryMs) {
        state.lastReportAt = now;
        state.reason = seen.reason;
        events.push({ kind: 'still-failing', table, reason: seen.reason, forMs: now - state.failingSince! });
      }
      state.commits = seen.commits;
    }
    return events;
  }
}

/** The log line for an event. */
export function describeConsumerEvent(event: ConsumerEvent, dataDir?: string): string {
  switch (event.kind) {
    case 'failing': {
      const remedy = remedyFor(event.reason, dataDir);
      return `Kafka table ${event.table} cannot write what it reads: ${event.reason}. Consumption is paused at the last committed offset (nothing is committed for rows not written) and retried every few seconds${remedy ? `; ${remedy}` : ''}`;
    }
    case 'still-failing':
      return `Kafka table ${event.table} still cannot write, for ${Math.round(event.forMs / 1000)} s: ${event.reason}`;
    case 'resumed':
      return `Kafka table ${event.table} writes again after ${(event.afterMs / 1000).toFixed(1)} s; consumption resumed from the last committed offset`;
  }
}
