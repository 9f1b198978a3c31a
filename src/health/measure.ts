/**
 * The health model's measures, worked out once for `kch status` and the dashboard alike: lag per
 * partition, freshness and ingest rate. Pure, so that both read the same numbers from the same facts.
 */
import { partitionLag } from '../kafka/lag.js';
import type { PartitionStatus, StreamKafka } from './model.js';

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

/** A topic against its group: messages written (log-end offsets summed), lag summed, and per partition. */
export function lagOf(end: ReadonlyMap<number, bigint>, committed: ReadonlyMap<number, bigint>): StreamKafka {
  const partitions = partitionsOf(end, committed);
  return {
    messages: partitions.reduce((sum, p) => sum + p.end, 0),
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    partitions,
  };
}

/** Seconds since the newest row landed (processing_time), floored at 0; null while the table is empty. */
export function freshnessSeconds(rows: number, nowSeconds: number, newestSeconds: number): number | null {
  return rows > 0 ? Math.max(0, nowSeconds - newestSeconds) : null;
}

/** Rows that arrived over the last RATE_WINDOW_SECONDS, per second, to 2 decimals. */
export function rowsPerSecond(arrived: number): number {
  return Math.round((arrived / RATE_WINDOW_SECONDS) * 100) / 100;
}
