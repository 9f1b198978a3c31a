/**
 * What the server says about itself in its system tables, one typed reader each: which system
 * tables it has, its databases and their engines, a database's tables and columns as the plan
 * compares them, the tables it holds detached, and its clock.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Statement } from '../pipeline/plan.js';
import { rows, scalar } from './query.js';
import { literal } from '../pipeline/quote.js';

/** Whether the server has `system.<name>` (many are newer than the oldest server kch supports). */
export async function hasSystemTable(on: { readonly client: ClickHouseClient }, name: string): Promise<boolean> {
  return (await scalar(on.client, `SELECT count() FROM system.tables WHERE database = 'system' AND name = ${literal(name)}`)) > 0;
}

/** The engine of a database (`Atomic`, `Ordinary`, chdb's `Overlay` …), undefined when there is none of that name. */
export async function databaseEngine(client: ClickHouseClient, database: string, action?: string): Promise<string | undefined> {
  const [row] = await rows<{ engine: string }>(client, `SELECT engine FROM system.databases WHERE name = ${literal(database)}`, action);
  return row?.engine;
}

/** What the server has for one planned object. */
export interface Existing {
  readonly engine: string;
  readonly columns: ReadonlyMap<string, string>;
  readonly createQuery: string;
}

export async function databaseExists(client: ClickHouseClient, database: string): Promise<boolean> {
  return await scalar(client, `SELECT count() AS n FROM system.databases WHERE name = ${literal(database)}`) > 0;
}

/** Which of `names` are tables (attached) of `database`. */
export async function presentTables(client: ClickHouseClient, database: string, names: readonly string[], action?: string): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const found = await rows<{ name: string }>(client, `SELECT name FROM system.tables WHERE database = ${literal(database)} AND name IN (${names.map(literal).join(', ')})`, action);
  return new Set(found.map((r) => r.name));
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

/**
 * Tables detached (by kch pause) in a database, or undefined where the server cannot list them
 * (system.detached_tables is 24.x+; an Overlay database has none).
 */
export async function detachedTables(client: ClickHouseClient, database: string): Promise<Set<string> | undefined> {
  try {
    // An Overlay database (the embedded server's default) cannot list them, and would say so in the server's log.
    if (await databaseEngine(client, database) === 'Overlay') return undefined;
    // Asked first: an older server would log the failed query as an error.
    if (!(await hasSystemTable({ client }, 'detached_tables'))) return undefined;
    return new Set((await rows<{ table: string }>(client, `SELECT table FROM system.detached_tables WHERE database = ${literal(database)}`)).map((r) => r.table));
  } catch {
    return undefined;
  }
}

/** The server's clock, as seconds since the epoch (what now() in a view writes). */
export async function serverNow(client: ClickHouseClient): Promise<number> {
  return scalar(client, 'SELECT toUnixTimestamp(now()) AS now');
}
