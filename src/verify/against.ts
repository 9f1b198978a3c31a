/**
 * `kch verify --against`: a change stream's live rows (`SELECT … FROM <target> FINAL`) compared
 * with its source table, row by row in key order. PostgreSQL's side is read in one REPEATABLE
 * READ snapshot; the source's log position at that snapshot is what the pipeline must have
 * caught up with (catch-up.ts) before ClickHouse's side is read. Both sides render each value in
 * a canonical text (canonical.ts); each row's canonical values are hashed, the hashes of each
 * side chained into one digest, and the first differing keys kept: missing (in the source only),
 * extra (in ClickHouse only), different (both, with the differing columns). A difference found
 * is looked at once more, a new snapshot after a new catch-up (a change may have been in flight),
 * before it is reported.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { columnField, isUnsupported } from '../cdc/fields.js';
import { streamRows } from '../clickhouse/query.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Logger } from '../output/log.js';
import type { ResolvedStream } from '../pipeline/resolve.js';
import { readTable, type SourceTable } from '../postgres/catalog.js';
import { connectSource, quotePg, type SourceClient } from '../postgres/client.js';
import { formatLsn, parseLsn } from '../postgres/lsn.js';
import type { SourceDatabase } from '../postgres/url.js';
import { canonical, chExpression, chOrder, compareKeyValue, keyable, pgExpression, pgOrder, type ComparedColumn } from './canonical.js';
import { waitForCatchUp, type CatchUp } from './catch-up.js';

export interface AgainstOptions {
  readonly source: SourceDatabase;
  readonly schema: string;
  readonly table: string;
  readonly objects: ResolvedStream;
  readonly client: ClickHouseClient;
  readonly bootstrap: string;
  /** The stream's connector's replication slot, when there is one to ask. */
  readonly slot: string | undefined;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Differences kept of each kind. @default 10 */
  readonly show?: number;
}

export interface Difference {
  readonly kind: 'missing' | 'extra' | 'different';
  /** The key's columns and canonical values. */
  readonly key: Readonly<Record<string, string | null>>;
  /** For `different`: each differing column, both values. */
  readonly columns?: readonly { readonly name: string; readonly source: string | null; readonly clickhouse: string | null }[];
}

export interface AgainstReport {
  readonly source: string;
  readonly table: string;
  readonly stream: string;
  readonly target: string;
  readonly columns: readonly string[];
  /** Source columns the stream has no field for, and stream fields the source lacks. */
  readonly notCompared: readonly string[];
  /** The source's log position at the snapshot compared. */
  readonly lsn: string;
  readonly catchUp: CatchUp;
  readonly rows: { readonly source: number; readonly clickhouse: number };
  readonly digest: { readonly source: string; readonly clickhouse: string };
  readonly differences: { readonly missing: number; readonly extra: number; readonly different: number; readonly first: readonly Difference[] };
  readonly equal: boolean;
  /** How many snapshots were compared (a second after a first that differed). */
  readonly looks: number;
}

/** Rows read from PostgreSQL's cursor at a time. */
const FETCH = 5_000;

interface Plan {
  readonly columns: readonly ComparedColumn[];
  /** Positions in `columns` of the key's columns, in the key's order. */
  readonly key: readonly number[];
  readonly notCompared: readonly string[];
}

/** Which columns are compared, as what; the key must be the stream's and sortable alike on both sides. */
export function comparisonPlan(table: SourceTable, objects: ResolvedStream): Plan {
  const stream = objects.stream;
  const changes = stream.changes;
  if (!changes) throw new KchError(ErrorCodes.USAGE, `stream ${stream.name} is no change stream (it has no key): kch verify --against compares an upsert stream's live rows with their source table`);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const columns: ComparedColumn[] = [];
  const notCompared: string[] = [];
  for (const name of Object.keys(stream.fields)) {
    const column = byName.get(name);
    if (!column) {
      notCompared.push(`${name} (not in ${table.schema}.${table.table})`);
      continue;
    }
    const mapped = columnField(column);
    if (isUnsupported(mapped)) {
      notCompared.push(`${name} (${mapped.why})`);
      continue;
    }
    columns.push({ name, kind: mapped.kind, array: mapped.array });
  }
  for (const column of table.columns) if (!(column.name in stream.fields)) notCompared.push(`${column.name} (no field of stream ${stream.name})`);
  const key = changes.key.map((name) => {
    const at = columns.findIndex((c) => c.name === name);
    if (at < 0) throw new KchError(ErrorCodes.USAGE, `key field ${name} of stream ${stream.name} is no column of ${table.schema}.${table.table} that can be compared`);
    if (!keyable(columns[at]!)) throw new KchError(ErrorCodes.USAGE, `key field ${name} of stream ${stream.name} is of a kind the two databases do not sort alike (${columns[at]!.kind}${columns[at]!.array ? ' array' : ''})`);
    return at;
  });
  return { columns, key, notCompared };
}

/** The source's rows through a cursor in the snapshot's transaction, each an array of texts. */
async function* sourceRows(snapshot: SourceClient, table: SourceTable, plan: Plan): AsyncGenerator<(string | null)[]> {
  const select = plan.columns.map((c, i) => `${pgExpression(c)} AS c${i}`).join(', ');
  const order = plan.key.map((i) => pgOrder(plan.columns[i]!)).join(', ');
  await snapshot.rows(`DECLARE kch_verify NO SCROLL CURSOR FOR SELECT ${select} FROM ${quotePg(table.schema)}.${quotePg(table.table)} ORDER BY ${order}`, [], 'reading the source table');
  for (;;) {
    const batch = await snapshot.rows<Record<string, string | null>>(`FETCH FORWARD ${FETCH} FROM kch_verify`, [], 'reading the source table');
    for (const row of batch) yield plan.columns.map((_, i) => row[`c${i}`] ?? null);
    if (batch.length < FETCH) return;
  }
}

function clickhouseRows(client: ClickHouseClient, objects: ResolvedStream, plan: Plan): AsyncGenerator<(string | null)[]> {
  const select = plan.columns.map((c) => chExpression(c)).join(', ');
  const order = plan.key.map((i) => chOrder(plan.columns[i]!)).join(', ');
  // FINAL: the newest version of each key, deleted ones left out (a stream that marks its deletes keeps them: left out here).
  const live = objects.stream.changes?.deletes === 'mark' ? ' WHERE kch_deleted = 0' : '';
  return streamRows<(string | null)[]>(client, `SELECT ${select} FROM ${objects.target.toSql()} FINAL${live} ORDER BY ${order}`, `reading ${objects.target.toSql()}`);
}

interface Side {
  rows: number;
  readonly digest: Hash;
}

function rowHash(values: readonly (string | null)[]): Buffer {
  return createHash('sha256').update(JSON.stringify(values)).digest();
}

/** Merges both sides in key order. */
async function compareRows(source: AsyncIterator<(string | null)[]>, clickhouse: AsyncIterator<(string | null)[]>, plan: Plan, show: number) {
  const sides: [Side, Side] = [{ rows: 0, digest: createHash('sha256') }, { rows: 0, digest: createHash('sha256') }];
  const counts = { missing: 0, extra: 0, different: 0 };
  const first: Difference[] = [];
  const keep = (d: Difference): void => {
    if (first.filter((f) => f.kind === d.kind).length < show) first.push(d);
  };
  const next = async (it: AsyncIterator<(string | null)[]>, side: Side): Promise<(string | null)[] | undefined> => {
    const step = await it.next();
    if (step.done) return undefined;
    const row = step.value.map((v, i) => canonical(plan.columns[i]!, v));
    side.rows += 1;
    side.digest.update(rowHash(row));
    return row;
  };
  const keyOf = (row: readonly (string | null)[]): Record<string, string | null> => Object.fromEntries(plan.key.map((i) => [plan.columns[i]!.name, row[i]!]));
  const compare = (a: readonly (string | null)[], b: readonly (string | null)[]): number => {
    for (const i of plan.key) {
      const c = compareKeyValue(plan.columns[i]!, a[i] ?? '', b[i] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  };
  let a = await next(source, sides[0]);
  let b = await next(clickhouse, sides[1]);
  while (a !== undefined || b !== undefined) {
    const order = a === undefined ? 1 : b === undefined ? -1 : compare(a, b);
    if (order < 0) {
      counts.missing += 1;
      keep({ kind: 'missing', key: keyOf(a!) });
      a = await next(source, sides[0]);
    } else if (order > 0) {
      counts.extra += 1;
      keep({ kind: 'extra', key: keyOf(b!) });
      b = await next(clickhouse, sides[1]);
    } else {
      const columns = plan.columns.flatMap((c, i) => (a![i] === b![i] ? [] : [{ name: c.name, source: a![i]!, clickhouse: b![i]! }]));
      if (columns.length > 0) {
        counts.different += 1;
        keep({ kind: 'different', key: keyOf(a!), columns });
      }
      a = await next(source, sides[0]);
      b = await next(clickhouse, sides[1]);
    }
  }
  return { sides, counts, first };
}

/** One look: a snapshot of the source, the wait for the pipeline to reach it, both sides compared. */
async function look(options: AgainstOptions, table: SourceTable, plan: Plan, deadline: number): Promise<Omit<AgainstReport, 'looks'>> {
  const { objects } = options;
  const snapshot = await connectSource(options.source);
  const watcher = await connectSource(options.source);
  try {
    await snapshot.rows("SET datestyle = 'ISO, YMD'", [], 'setting the date style');
    await snapshot.rows('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', [], 'starting the snapshot');
    // The snapshot is taken by this first statement: every commit it sees lies before this position.
    const [position] = await snapshot.rows<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn', [], 'reading the source\'s log position');
    const lsn = parseLsn(position!.lsn);
    const catchUp = await waitForCatchUp({
      source: watcher, slot: options.slot, lsn, bootstrap: options.bootstrap, topic: objects.topic, group: objects.group, deadline, log: options.log,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!catchUp.ok) options.log.warn(`not caught up: ${catchUp.why}; comparing anyway`);
    const { sides, counts, first } = await compareRows(sourceRows(snapshot, table, plan), clickhouseRows(options.client, objects, plan), plan, options.show ?? 10);
    await snapshot.rows('COMMIT', [], 'ending the snapshot');
    const digests = sides.map((s) => s.digest.digest('hex'));
    return {
      source: options.source.shown,
      table: `${table.schema}.${table.table}`,
      stream: objects.stream.name,
      target: objects.target.toSql(),
      columns: plan.columns.map((c) => c.name),
      notCompared: plan.notCompared,
      lsn: formatLsn(lsn),
      catchUp,
      rows: { source: sides[0].rows, clickhouse: sides[1].rows },
      digest: { source: digests[0]!, clickhouse: digests[1]! },
      differences: { ...counts, first },
      equal: counts.missing + counts.extra + counts.different === 0,
    };
  } finally {
    await Promise.all([snapshot.close(), watcher.close()]);
  }
}

export async function verifyAgainst(options: AgainstOptions): Promise<AgainstReport> {
  const deadline = performance.now() + options.timeoutMs;
  const catalogClient = await connectSource(options.source);
  let table: SourceTable;
  try {
    table = await readTable(catalogClient, options.schema, options.table);
  } finally {
    await catalogClient.close();
  }
  const plan = comparisonPlan(table, options.objects);
  const first = await look(options, table, plan, deadline);
  if (first.equal || performance.now() >= deadline) return { ...first, looks: 1 };
  options.log.info(`${first.differences.missing + first.differences.extra + first.differences.different} row(s) differ: looking again at a new snapshot, in case a change was on its way`);
  return { ...await look(options, table, plan, deadline), looks: 2 };
}

function keyText(key: Readonly<Record<string, string | null>>): string {
  return Object.entries(key).map(([k, v]) => `${k}=${v ?? 'NULL'}`).join(', ');
}

function clip(value: string | null): string {
  if (value === null) return 'NULL';
  return value.length > 60 ? `${value.slice(0, 59)}…` : value;
}

/** The report as text: what was compared, how the wait went, the counts, the first differences, the verdict. */
export function renderAgainst(report: AgainstReport): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const lines = [
    `source      ${report.source} table ${report.table}, snapshot at LSN ${report.lsn}`,
    `clickhouse  ${report.target} FINAL (stream ${report.stream})`,
    `caught up   ${report.catchUp.ok ? `yes, in ${(report.catchUp.ms / 1000).toFixed(1)} s: ${report.catchUp.how}` : `NO after ${(report.catchUp.ms / 1000).toFixed(1)} s: ${report.catchUp.why}`}`,
    `columns     ${report.columns.join(', ')}${report.notCompared.length ? `; not compared: ${report.notCompared.join(', ')}` : ''}`,
    `rows        source ${n(report.rows.source)}, clickhouse ${n(report.rows.clickhouse)}`,
    `digest      source ${report.digest.source.slice(0, 16)}, clickhouse ${report.digest.clickhouse.slice(0, 16)}`,
  ];
  const { missing, extra, different, first } = report.differences;
  if (!report.equal) {
    lines.push(`differences ${n(missing)} missing from ClickHouse, ${n(extra)} extra in ClickHouse, ${n(different)} different${report.looks > 1 ? ' (at a second look too)' : ''}`);
    for (const d of first) {
      const columns = d.columns ? `: ${d.columns.map((c) => `${c.name} (source ${clip(c.source)}, clickhouse ${clip(c.clickhouse)})`).join('; ')}` : '';
      lines.push(`  ${d.kind.padEnd(9)} ${keyText(d.key)}${columns}`);
    }
  }
  lines.push(report.equal ? 'EQUAL' : 'NOT EQUAL');
  return `${lines.join('\n')}\n`;
}
