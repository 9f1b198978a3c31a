import type { ClickHouseClient } from '@clickhouse/client';
import { rows, scalar } from '../clickhouse/query.js';
import type { CreateMergeTree } from '../pipeline/plan.js';
import type { Projection } from '../pipeline/stream.js';
import type { Existing } from '../clickhouse/system.js';
import { literal } from '../pipeline/quote.js';

/**
 * The projections of an existing target table compared with the plan's. A missing projection is
 * added by `kch migrate` (ALTER TABLE … ADD PROJECTION, then MATERIALIZE PROJECTION for the rows
 * already there, a background mutation); one that exists with another query is drift, reported
 * and left as it is. Servers without projections plan none, and nothing here asks them anything.
 */
export interface ProjectionDiff {
  /** In the plan, not on the table: to add. */
  readonly missing: readonly Projection[];
  /** Differences reported as drift (another query, one the plan does not have, …). */
  readonly drift: readonly string[];
}

const none: ProjectionDiff = { missing: [], drift: [] };

/** Index of the quote that closes the one at `start` ('…', `…`, "…"; backslash or doubled quote escapes). */
function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) {
      if (text[i + 1] === quote) i += 1;
      else return i;
    }
  }
  return text.length;
}

/** Index of the parenthesis that closes the one at `start`, quotes skipped. */
function closingParen(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '`' || c === '"') i = closingQuote(text, i);
    else if (c === '(') depth += 1;
    else if (c === ')' && --depth === 0) return i;
  }
  return text.length;
}

/**
 * The projections a `CREATE TABLE` statement (system.tables.create_table_query) declares, name →
 * query: the `PROJECTION <name> (<query>)` items of its column list.
 */
export function projectionsInCreateQuery(createQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = createQuery.indexOf('(');
  if (i < 0) return out;
  const end = closingParen(createQuery, i);
  const item = /PROJECTION\s+(`(?:[^`\\]|\\.)+`|[A-Za-z_][A-Za-z0-9_]*)\s*\(/y;
  for (i += 1; i < end; i++) {
    const c = createQuery[i]!;
    if (c === "'" || c === '`' || c === '"') { i = closingQuote(createQuery, i); continue; }
    if (c === '(') { i = closingParen(createQuery, i); continue; }
    if (c !== 'P' || /\w/.test(createQuery[i - 1] ?? '')) continue;
    item.lastIndex = i;
    const match = item.exec(createQuery);
    if (!match) continue;
    const open = item.lastIndex - 1;
    const close = closingParen(createQuery, open);
    out.set(match[1]!.replace(/^`|`$/g, ''), createQuery.slice(open + 1, close).trim());
    i = close;
  }
  return out;
}

/** Spacing and identifier quotes do not count as a difference. */
function normalize(query: string): string {
  return query.replace(/`/g, '').replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
}

/**
 * Whether two projection queries differ as the server reads them, or undefined when it cannot tell
 * (formatQuerySingleLine is 23.10+).
 */
async function queriesDiffer(client: ClickHouseClient, a: string, b: string): Promise<boolean | undefined> {
  try {
    const [row] = await rows<{ same: number | boolean }>(client, `SELECT formatQuerySingleLine(${literal(a)}) = formatQuerySingleLine(${literal(b)}) AS same`);
    return row === undefined ? undefined : !Number(row.same);
  } catch {
    return undefined;
  }
}

/** Compares a table's projections with the plan's; asks the server nothing when the plan has none. */
export async function projectionDiff(client: ClickHouseClient, statement: CreateMergeTree, existing: Existing): Promise<ProjectionDiff> {
  const wanted = statement.projections ?? [];
  if (wanted.length === 0) return none;
  const table = `${statement.database}.${statement.table}`;
  const present = projectionsInCreateQuery(existing.createQuery);
  const missing: Projection[] = [];
  const drift: string[] = [];
  for (const projection of wanted) {
    const query = present.get(projection.name);
    if (query === undefined) { missing.push(projection); continue; }
    if (normalize(query) === normalize(projection.select)) continue;
    if ((await queriesDiffer(client, query, projection.select)) === false) continue;
    drift.push(`projection ${projection.name} is (${query}), the definition wants (${projection.select}): kept; ALTER TABLE ${table} DROP PROJECTION ${projection.name}, then kch migrate adds it as defined`);
  }
  const names = new Set(wanted.map((p) => p.name));
  for (const name of present.keys()) if (!names.has(name)) drift.push(`projection ${name} is not in the definition`);
  // A projection over a column the table lacks cannot be added until --apply-drift adds the column.
  const lacking = statement.columns.filter((c) => !existing.columns.has(c.name)).map((c) => c.name);
  if (lacking.length && missing.length) {
    drift.push(`projection${missing.length > 1 ? 's' : ''} ${missing.map((p) => p.name).join(', ')} will be added once it has ${lacking.join(', ')} (kch migrate --apply-drift)`);
    return { missing: [], drift };
  }
  return { missing, drift };
}

export function addProjectionSql(statement: CreateMergeTree, projection: Projection): string {
  return `ALTER TABLE ${statement.database}.${statement.table} ADD PROJECTION ${projection.name} (${projection.select})`;
}

/** One mutation building every named projection for the parts already there. */
export function materializeProjectionsSql(statement: CreateMergeTree, names: readonly string[]): string {
  return `ALTER TABLE ${statement.database}.${statement.table} ${names.map((name) => `MATERIALIZE PROJECTION ${name}`).join(', ')}`;
}

/** Rows in the table's active parts (system.parts: no scan). */
export async function activeRows(client: ClickHouseClient, statement: CreateMergeTree): Promise<number> {
  return scalar(client, `SELECT sum(rows) AS n FROM system.parts WHERE database = ${literal(statement.database)} AND table = ${literal(statement.table)} AND active`);
}
