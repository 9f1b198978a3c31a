import type { ClickHouseClient } from '@clickhouse/client';
import type { Statement } from '../pipeline/plan.js';
import { rows, scalar } from '../clickhouse/query.js';
import { literal } from '../pipeline/quote.js';

/** What the server has for one planned object. */
export interface Existing {
  readonly engine: string;
  readonly columns: ReadonlyMap<string, string>;
  readonly createQuery: string;
}

export async function databaseExists(client: ClickHouseClient, database: string): Promise<boolean> {
  return await scalar(client, `SELECT count() AS n FROM system.databases WHERE name = ${literal(database)}`) > 0;
}

export async function existingTables(client: ClickHouseClient, database: string): Promise<Map<string, Existing>> {
  const tables = await rows<{ name: string; engine: string; create_table_query: string }>(client,
    `SELECT name, engine, create_table_query FROM system.tables WHERE database = ${literal(database)}`);
  const columns = await rows<{ table: string; name: string; type: string }>(client, `SELECT table, name, type FROM system.columns WHERE database = ${literal(database)}`);
  return tablesFrom(tables, columns);
}

/** Rows of system.tables and system.columns (one database) as the plan compares them. */
export function tablesFrom(
  tables: readonly { name: string; engine: string; create_table_query: string }[],
  columns: readonly { table: string; name: string; type: string }[],
): Map<string, Existing> {
  const byTable = new Map<string, Map<string, string>>();
  for (const c of columns) {
    let map = byTable.get(c.table);
    if (!map) byTable.set(c.table, (map = new Map<string, string>()));
    map.set(c.name, c.type);
  }
  return new Map(tables.map((t) => [t.name, { engine: t.engine, createQuery: t.create_table_query, columns: byTable.get(t.name) ?? new Map() }]));
}

/** Name of the table a statement makes inside its database, or undefined for a database. */
export function tableOf(statement: Statement): string | undefined {
  switch (statement.kind) {
    case 'create-database': return undefined;
    case 'create-merge-tree': return statement.table;
    case 'create-kafka-table': return statement.table;
    case 'create-null-table': return statement.table;
    case 'create-distributed': return statement.table;
    case 'create-materialized-view': return statement.view;
    case 'create-view': return statement.view;
  }
}
