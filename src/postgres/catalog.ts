/**
 * What PostgreSQL's catalog says of one table: its columns (type, modifier, nullability, an
 * enum's labels, an array's element type), its primary key and its replica identity, which
 * decides what a delete's change carries.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { SourceClient } from './client.js';

export interface SourceColumn {
  readonly name: string;
  /** The type's name in pg_type (`int4`, `numeric`, `timestamptz`, an enum's own name); an array's element type for an array. A domain is its base type. */
  readonly type: string;
  /** As `format_type` writes it: `numeric(12,2)`, `character varying(20)[]`. */
  readonly formatted: string;
  readonly array: boolean;
  /** The type modifier (numeric precision and scale, varchar length, time precision); -1 when none. */
  readonly typmod: number;
  readonly notNull: boolean;
  /** An enum's labels in order; undefined for any other type. */
  readonly enumLabels?: readonly string[];
}

export type ReplicaIdentity = 'default' | 'full' | 'index' | 'nothing';

export interface SourceTable {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly SourceColumn[];
  /** Column names in the key's order; empty without a primary key. */
  readonly primaryKey: readonly string[];
  readonly replicaIdentity: ReplicaIdentity;
}

const identities: Readonly<Record<string, ReplicaIdentity>> = { d: 'default', f: 'full', i: 'index', n: 'nothing' };

interface ColumnRow {
  name: string;
  formatted: string;
  typname: string;
  typtype: string;
  elem: string | null;
  elemtype: string | null;
  typmod: number;
  not_null: boolean;
  labels: string[] | null;
}

/** The table's catalog; a missing table is an error that names the tables of its schema. */
export async function readTable(client: SourceClient, schema: string, table: string): Promise<SourceTable> {
  const [found] = await client.rows<{ oid: number; relkind: string; relreplident: string }>(
    `SELECT c.oid::int AS oid, c.relkind::text AS relkind, c.relreplident::text AS relreplident
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`, [schema, table], `reading table ${schema}.${table}`);
  if (!found || !['r', 'p'].includes(found.relkind)) {
    const others = await client.rows<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1 LIMIT 11`, [schema], 'listing the tables');
    const listed = others.length === 0 ? `schema ${schema} has no tables` : `${schema} has ${others.slice(0, 10).map((o) => o.name).join(', ')}${others.length > 10 ? ', …' : ''}`;
    throw new KchError(ErrorCodes.SOURCE_DATABASE, `no table ${schema}.${table} in ${client.database.shown}${found ? ` (it is no plain table: relkind ${found.relkind})` : ''}; ${listed}`);
  }
  // A domain is read as its base type (one level); an array's element type and an enum's labels come along.
  const columns = await client.rows<ColumnRow>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS formatted,
            b.typname::text AS typname, b.typtype::text AS typtype,
            e.typname::text AS elem, e.typtype::text AS elemtype,
            CASE WHEN t.typtype = 'd' AND a.atttypmod = -1 THEN t.typtypmod ELSE a.atttypmod END AS typmod,
            a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS not_null,
            (SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum
              WHERE enumtypid = CASE WHEN e.oid IS NULL THEN b.oid ELSE e.oid END) AS labels
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`, [found.oid], `reading the columns of ${schema}.${table}`);
  const key = await client.rows<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`, [found.oid], `reading the primary key of ${schema}.${table}`);
  return {
    schema,
    table,
    columns: columns.map((c): SourceColumn => {
      const array = c.elem !== null;
      const labels = c.labels ?? undefined;
      return {
        name: c.name,
        type: array ? c.elem! : c.typname,
        formatted: c.formatted,
        array,
        typmod: Number(c.typmod),
        notNull: c.not_null,
        ...((array ? c.elemtype : c.typtype) === 'e' && labels ? { enumLabels: labels } : {}),
      };
    }),
    primaryKey: key.map((k) => k.name),
    replicaIdentity: identities[found.relreplident] ?? 'default',
  };
}

/** What logical decoding needs of the server and the user, checked before a connector is made: one line per lack. */
export async function captureProblems(client: SourceClient): Promise<string[]> {
  const [row] = await client.rows<{ wal_level: string; replication: boolean }>(
    `SELECT current_setting('wal_level') AS wal_level,
            (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS replication`, [], 'reading wal_level and the user\'s attributes');
  const problems: string[] = [];
  if (row?.wal_level !== 'logical') problems.push(`wal_level is ${row?.wal_level ?? 'unknown'}, not logical: set wal_level = logical in postgresql.conf and restart PostgreSQL`);
  if (row?.replication !== true) problems.push(`user ${client.database.user} may not replicate: ALTER ROLE ${client.database.user} REPLICATION (or use a superuser)`);
  return problems;
}
