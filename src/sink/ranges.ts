/**
 * `<stream>_sink_ranges`: for each partition, the offset range the sink inserts or last
 * inserted, written before the insert. After any crash, the next owner of the partition finds
 * there the range that may be in ClickHouse already and forms exactly that batch again, so that
 * its deduplication token matches and ClickHouse drops the copy (docs/guarantees.md).
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

  /** The newest range recorded for the partition, if any. */
  async latest(partition: number): Promise<Range | undefined> {
    const [row] = await rows<{ first: string; last: string }>(this.client,
      `SELECT argMax(first, recorded) AS first, argMax(last, recorded) AS last FROM ${this.table} WHERE group = ${literal(this.group)} AND partition = ${partition} GROUP BY partition`,
      `reading ${this.table}`);
    return row ? { first: BigInt(row.first), last: BigInt(row.last) } : undefined;
  }

  async record(partition: number, range: Range): Promise<void> {
    await run(this.client,
      `INSERT INTO ${this.table} (group, partition, first, last, recorded) VALUES (${literal(this.group)}, ${partition}, ${range.first}, ${range.last}, now64(6))`,
      `recording a range in ${this.table}`);
  }
}
