import type { ClickHouseClient } from '@clickhouse/client';
import { rows } from '../clickhouse/query.js';
import { literal } from '../pipeline/quote.js';

/** The SELECT of a rendered `CREATE MATERIALIZED VIEW … AS\nSELECT …`. */
export function selectOf(createView: string): string {
  const at = createView.indexOf(' AS\n');
  return at < 0 ? createView : createView.slice(at + 4);
}

/**
 * Whether a view's stored query differs from the one its definition renders, or undefined when
 * the server cannot tell (system.tables.as_select and formatQuerySingleLine are 23.x+). The
 * server formats both, so spacing and parentheses do not count as a difference.
 */
export async function viewQueryDiffers(client: ClickHouseClient, database: string, view: string, createView: string): Promise<boolean | undefined> {
  try {
    const [row] = await rows<{ same: number | boolean }>(client,
      `SELECT formatQuerySingleLine(${literal(selectOf(createView))}) = as_select AS same FROM system.tables WHERE database = ${literal(database)} AND name = ${literal(view)}`);
    return row === undefined ? undefined : !Number(row.same);
  } catch {
    return undefined;
  }
}
