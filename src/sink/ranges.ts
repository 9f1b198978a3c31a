/**
 * `<stream>_sink_ranges`: the offset range of each batch the sink inserts, written before the
 * insert. After any crash, the next owner of the partition finds there the ranges that may be in
 * ClickHouse already and forms exactly those batches again, so that their deduplication tokens
 * match and ClickHouse drops the copies (docs/guarantees.md).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { rows, run } from '../clickhouse/query.js';
import { literal } from '../pipeline/quote.js';

export interface Range {
  readonly first: bigint;
  readonly last: bigint;
}

export class SinkRanges {
  constructor(private readonly client: ClickHouseClient, private readonly table: string, private readonly group: string) {}

  /**
   * The ranges recorded for the partition from offset `from` on, first → last (the newest record
   * of a first offset wins). Only the batches in flight when a sink stopped can be uncommitted, so
   * the first few hundred are all that can matter.
   */
  async from(partition: number, from: bigint): Promise<Map<bigint, bigint>> {
    const found = await rows<{ first: string; last: string }>(this.client,
      `SELECT first, argMax(last, recorded) AS last FROM ${this.table} WHERE group = ${literal(this.group)} AND partition = ${partition} AND first >= ${from} GROUP BY first ORDER BY first LIMIT 1000`,
      `reading ${this.table}`);
    return new Map(found.map((r) => [BigInt(r.first), BigInt(r.last)]));
  }

  async record(partition: number, range: Range): Promise<void> {
    await run(this.client,
      // SELECT, not VALUES: the embedded server's VALUES take literals only (confinement.ts).
      `INSERT INTO ${this.table} (group, partition, first, last, recorded) SELECT ${literal(this.group)}, ${partition}, ${range.first}, ${range.last}, now64(6)`,
      `recording a range in ${this.table}`);
  }
}
