/**
 * Every SQL statement the dashboard runs for the panels the streams declare (src/pipeline/panels.ts),
 * and the shapes its answers take. Values from users (hours, limits …) arrive here already
 * validated and are still bound as `{name:Type}` query parameters, never spliced into the text;
 * table and column names come from the stream definitions, checked there and quoted here; the
 * SQL of a declared figure is the definition's own, as a projection's select is. Every window is
 * measured with the server's `now()`, so one clock decides what "the last 24 hours" means,
 * whatever the browser's or this process's.
 *
 * Cost at 10 M rows (BENCHMARKS.md, "Dashboard API", the seed's panels): every statement either
 * prunes by the sorting key (the time field first) or is written so that a projection the
 * stream declares can answer it — a window on the time field is spelled `toStartOfHour(time)`
 * where its bounds fall on whole hours, aggregates are grouped by columns a projection keeps.
 * Without the projections (servers before 23.8, tables made by an older `kch migrate`) the same
 * statements give the same answers by reading the table; where a wording for the projection
 * would read the table more slowly than the plain one, the plain one is used for tables without
 * it (a panel names its projection; see `projectionsIn`).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { readerOf, type Reader } from '../clickhouse/query.js';
import { ErrorCodes, KchError, isKchError } from '../errors/kch-error.js';
import { RATE_WINDOW_SECONDS, rowsPerSecond } from '../health/measure.js';
import { valuesOf, type Figure, type HourlyPanel, type LevelsPanel, type NewestPanel, type Panel, type RankedPanel, type TilesPanel } from '../pipeline/panels.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import type { FigureView, HourlyData, LevelsData, NewestData, PanelData, PanelHead, RankedData, TilesData } from './wire.js';

/** The dashboard's Reader: read-only (`readonly=2`: the server refuses anything that writes), failures with advice. */
export function readerFor(client: ClickHouseClient, url: string): Reader {
  const reader = readerOf(client, { url, settings: { readonly: '2' } });
  return {
    async rows<T>(query: string, params: Record<string, unknown>, action: string): Promise<T[]> {
      try {
        return await reader.rows<T>(query, params, action);
      } catch (error) {
        throw withRestartAdvice(error, 'clickhouse');
      }
    },
  };
}

/**
 * What the dashboard advises when a service does not answer. Under `kch up` (which says so with
 * KCH_SUPERVISED=1) the local services are restarted for the user, so "start it with kch
 * clickhouse" would be wrong; without it, the dashboard cannot tell who runs them, and the advice
 * must hold either way.
 */
export function restartAdvice(service: 'clickhouse' | 'kafka', env: NodeJS.ProcessEnv = process.env): string {
  const [name, command, flag] = service === 'clickhouse'
    ? ['ClickHouse', 'kch clickhouse', '--clickhouse-url'] : ['Kafka broker', 'kch kafka', '--kafka-brokers'];
  if (env.KCH_SUPERVISED === '1') return `kch up restarts the local ${name} by itself; one given with ${flag} is yours to restart`;
  return `under kch up the local ${name} is restarted by itself; if you run the services yourself, start it with \`${command}\`, or point ${flag} at a running one`;
}

/** The advice at the end of a "cannot reach" message, replaced by `restartAdvice` (the rest kept). */
const cliAdvice: Readonly<Record<'clickhouse' | 'kafka', RegExp>> = {
  clickhouse: /; start it with `kch clickhouse`.*$/s,
  kafka: /; start a local one with `kch kafka`.*$/s,
};

export function withRestartAdvice(error: unknown, service: 'clickhouse' | 'kafka', env: NodeJS.ProcessEnv = process.env): unknown {
  if (!isKchError(error) || error.code !== (service === 'clickhouse' ? ErrorCodes.CLICKHOUSE_UNREACHABLE : ErrorCodes.KAFKA_UNREACHABLE)) return error;
  const bare = error.message.replace(cliAdvice[service], '');
  return new KchError(error.code, `${bare}; ${restartAdvice(service, env)}`, { cause: error.cause, retriable: error.retriable, ...(error.details ? { details: error.details } : {}) });
}

/** How often the dashboard looks again which projections the tables have (a `kch migrate` may add them). */
const PROJECTION_CHECK_MS = 60_000;
const projectionChecks = new WeakMap<Reader, Map<string, { readonly at: number; readonly names: Promise<ReadonlySet<string>> }>>();

/**
 * The projections of `tables` (the targets whose declared panels name one), as `table.projection`:
 * asked of the server at most once a minute (one look at system.tables), so that queries can be
 * worded for what is there.
 */
export function projectionsIn(db: Reader, tables: readonly string[]): Promise<ReadonlySet<string>> {
  if (tables.length === 0) return Promise.resolve(new Set());
  const key = tables.join(',');
  const now = performance.now();
  let checks = projectionChecks.get(db);
  if (!checks) projectionChecks.set(db, checks = new Map<string, { readonly at: number; readonly names: Promise<ReadonlySet<string>> }>());
  const known = checks.get(key);
  if (known && now - known.at < PROJECTION_CHECK_MS) return known.names;
  const names = db.rows<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND has({names:Array(String)}, name)',
    { names: tables }, 'listing the tables\' projections',
  ).then((rows) => new Set<string>(rows.flatMap((r) => [...r.create_table_query.matchAll(/\bPROJECTION\s+`?(\w+)`?/g)].map((m) => `${r.name}.${m[1]}`))));
  checks.set(key, { at: now, names });
  names.catch(() => { if (checks.get(key)?.names === names) checks.delete(key); });
  return names;
}

/** Whether `stream`'s target has the projection a panel names (none named: no). */
async function answeredBy(db: Reader, streams: readonly StreamDefinition[], stream: StreamDefinition, projection: string | undefined): Promise<boolean> {
  if (projection === undefined) return false;
  return (await projectionsIn(db, projectionTables(streams))).has(`${stream.target}.${projection}`);
}

/** The targets of the streams with a declared panel that names a projection: what projectionsIn asks about. */
function projectionTables(streams: readonly StreamDefinition[]): string[] {
  return streams.filter((s) => s.panels.some((p) => 'projection' in p && p.projection !== undefined)).map((s) => s.target);
}

/** ClickHouse sends 64-bit integers as strings by default, and may send decimals either way. */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
export const money = (value: unknown): number => Math.round(num(value) * 100) / 100;
const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

const view = (figure: Figure): FigureView => ({ label: figure.label, unit: figure.unit ?? null, decimals: figure.decimals ?? 0 });
const head = (stream: StreamDefinition, panel: Panel): Omit<PanelHead, 'kind'> => ({ stream: stream.name, id: panel.id, title: panel.title, noun: panel.noun ?? 'events' });
/** The stream's time column, quoted: checked there by defineStream for the panels that use it. */
const timeOf = (stream: StreamDefinition): string => quoteIdentifier(stream.time!);

// ---------------------------------------------------------------------------------------------
// hourly: one bucket per hour, empty hours included (the seed's "sales per hour", /api/sales).

export async function hourlyData(db: Reader, stream: StreamDefinition, panel: HourlyPanel, hours: number): Promise<HourlyData> {
  const time = timeOf(stream);
  // The declared figures are aggregates a projection grouped by the hour may keep: the window is
  // spelled on whole hours, grouped by the hour, so that such a projection answers it.
  const rows = await db.rows<{ kch_ts: number; kch_label: string; kch_bars: unknown; kch_line: unknown; kch_rows: unknown }>(`
    SELECT toUnixTimestamp(series.h) AS kch_ts, formatDateTime(series.h, '%H:00') AS kch_label,
           agg.kch_bars AS kch_bars, agg.kch_line AS kch_line, agg.kch_rows AS kch_rows
    FROM (SELECT subtractHours(toStartOfHour(now()), number) AS h FROM numbers({hours:UInt32})) AS series
    LEFT JOIN (
      SELECT toStartOfHour(${time}) AS kch_hour, toString(${panel.bars.sql}) AS kch_bars, toString(${panel.line.sql}) AS kch_line, count() AS kch_rows
      FROM ${quoteIdentifier(stream.target)}
      WHERE toStartOfHour(${time}) >= subtractHours(toStartOfHour(now()), {hours:UInt32} - 1)
        AND toStartOfHour(${time}) <= toStartOfHour(now())
      GROUP BY kch_hour
    ) AS agg ON agg.kch_hour = series.h
    ORDER BY kch_ts`, { hours }, `reading ${stream.name}'s ${panel.id} panel`);
  return {
    kind: 'hourly',
    ...head(stream, panel),
    bars: { ...view(panel.bars), values: rows.map((r) => num(r.kch_bars)) },
    line: { ...view(panel.line), values: rows.map((r) => num(r.kch_line)) },
    counts: rows.map((r) => num(r.kch_rows)),
    labels: rows.map((r) => r.kch_label),
    hours: rows.map((r) => iso(num(r.kch_ts))),
    window_hours: hours,
  };
}

// ---------------------------------------------------------------------------------------------
// ranked: the values that moved most (the seed's "top stock movement", /api/stock).

export async function rankedData(db: Reader, streams: readonly StreamDefinition[], stream: StreamDefinition, panel: RankedPanel, days: number, limit: number): Promise<RankedData> {
  const q = quoteIdentifier;
  const [time, table, by, label, sum, split] = [timeOf(stream), q(stream.target), q(panel.by), q(panel.label ?? panel.by), q(panel.sum), q(panel.split.column)];
  const params = { days, limit, incoming: panel.split.incoming, outgoing: panel.split.outgoing };
  const rank = `
    GROUP BY ${by}
    ORDER BY kch_incoming + kch_outgoing DESC, ${by} ASC
    LIMIT {limit:UInt32}`;
  const action = `reading ${stream.name}'s ${panel.id} panel`;
  type Row = { kch_key: string | number; kch_label: unknown; kch_incoming: unknown; kch_outgoing: unknown };
  let rows: Row[];
  if (await answeredBy(db, streams, stream, panel.projection)) {
    // The window [now − days, now…) in two pieces that add up to it exactly: the whole hours
    // after the one it starts in (answered by the hourly projection), and the rest of that first
    // hour (read from the table, the sorting key narrowing it to that hour). Each piece keeps per
    // value and split the sum, the latest label and its time; the outer query merges them.
    const piece = (where: string): string => `
      SELECT ${by}, ${split}, sum(${sum}) AS kch_moved, argMax(${label}, ${time}) AS kch_name, max(${time}) AS kch_named_at
      FROM ${table}
      WHERE ${where}
      GROUP BY ${by}, ${split}`;
    rows = await db.rows<Row>(`
    SELECT ${by} AS kch_key,
           argMax(kch_name, kch_named_at) AS kch_label,
           sumIf(kch_moved, has({incoming:Array(String)}, ${split})) AS kch_incoming,
           sumIf(kch_moved, has({outgoing:Array(String)}, ${split})) AS kch_outgoing
    FROM (${piece(`toStartOfHour(${time}) > toStartOfHour(subtractDays(now(), {days:UInt32}))`)}
      UNION ALL${piece(`toStartOfHour(${time}) = toStartOfHour(subtractDays(now(), {days:UInt32})) AND ${time} >= subtractDays(now(), {days:UInt32})`)}
    )${rank}`, params, action);
  } else {
    rows = await db.rows<Row>(`
    SELECT ${by} AS kch_key,
           argMax(${label}, ${time}) AS kch_label,
           sumIf(${sum}, has({incoming:Array(String)}, ${split})) AS kch_incoming,
           sumIf(${sum}, has({outgoing:Array(String)}, ${split})) AS kch_outgoing
    FROM ${table}
    WHERE ${time} >= subtractDays(now(), {days:UInt32})${rank}`, params, action);
  }
  return {
    kind: 'ranked',
    ...head(stream, panel),
    by: panel.by,
    unit: panel.unit ?? null,
    split: { column: panel.split.column, incoming: [...panel.split.incoming], outgoing: [...panel.split.outgoing] },
    keys: rows.map((r) => r.kch_key),
    labels: rows.map((r) => String(r.kch_label)),
    incoming: rows.map((r) => num(r.kch_incoming)),
    outgoing: rows.map((r) => num(r.kch_outgoing)),
    window_days: days,
    limit,
  };
}

// ---------------------------------------------------------------------------------------------
// newest: the latest rows (the seed's "recent sales", /api/recent_sales).

const TIME_KINDS = new Set(['datetime', 'timestamp']);
const NUMBER_KINDS = new Set(['integer', 'decimal', 'float']);

export async function newestData(db: Reader, stream: StreamDefinition, panel: NewestPanel, limit: number): Promise<NewestData> {
  const kindOf = (column: string): string => (column === 'processing_time' && !(column in stream.fields) ? 'datetime' : stream.fields[column]!.kind);
  const isTime = (column: string): boolean => TIME_KINDS.has(kindOf(column));
  const select = panel.columns.map((column, i) => {
    const c = quoteIdentifier(column);
    const field = stream.fields[column];
    // A time as unix seconds (made ISO here: its text would be in the server's time zone); a UUID,
    // a 64-bit integer or a decimal as its exact text.
    const value = isTime(column) ? `toUnixTimestamp(${c})` : field && (field.kind === 'uuid' || field.exactAsText) ? `toString(${c})` : c;
    return `${value} AS kch_c${i}`;
  });
  // Newest first, in the sorting key's order (descending): the server reads the newest granules
  // of each part backwards and stops after `limit` rows instead of sorting the table.
  const newestFirst = stream.orderBy.map((column) => `${quoteIdentifier(column)} DESC`).join(', ');
  const rows = await db.rows<Record<string, unknown>>(`
    SELECT ${select.join(', ')}
    FROM ${quoteIdentifier(stream.target)}
    ORDER BY ${newestFirst}
    LIMIT {limit:UInt32}`, { limit }, `reading ${stream.name}'s ${panel.id} panel`);
  return {
    kind: 'newest',
    ...head(stream, panel),
    columns: [...panel.columns],
    show: [...(panel.show ?? panel.columns)],
    kinds: Object.fromEntries(panel.columns.map((column) => [column, isTime(column) ? 'time' : NUMBER_KINDS.has(kindOf(column)) ? 'number' : 'text'])),
    key: stream.id !== undefined && panel.columns.includes(stream.id) ? stream.id : null,
    rows: rows.map((r) => Object.fromEntries(panel.columns.map((column, i) => {
      const value = r[`kch_c${i}`];
      return [column, isTime(column) && value !== null && value !== undefined ? iso(num(value)) : value ?? null];
    }))),
    limit,
  };
}

// ---------------------------------------------------------------------------------------------
// tiles: today's figures (the seed's KPI tiles, /api/overview).

/** `streams`: the configured ones, whose arrivals make up events per second. */
export async function tilesData(db: Reader, streams: readonly StreamDefinition[], stream: StreamDefinition, panel: TilesPanel): Promise<TilesData> {
  const time = timeOf(stream);
  const arrivals = streams.map((s) => `(SELECT count() FROM ${quoteIdentifier(s.target)} WHERE processing_time > now() - {window:UInt32} AND processing_time <= now())`).join(' + ');
  const [row] = await db.rows<Record<string, unknown>>(`
      SELECT toString(today()) AS kch_today, ${panel.tiles.map((tile, i) => `toString(${tile.sql}) AS kch_tile${i}`).join(', ')},
             ${arrivals} AS kch_arrived
      FROM ${quoteIdentifier(stream.target)}
      WHERE toStartOfHour(${time}) >= toDateTime(today()) AND toStartOfHour(${time}) < toDateTime(today() + 1)`, { window: RATE_WINDOW_SECONDS }, `reading ${stream.name}'s ${panel.id} panel`);
  return {
    kind: 'tiles',
    ...head(stream, panel),
    today: typeof row?.kch_today === 'string' ? row.kch_today : '',
    tiles: panel.tiles.map((tile, i) => ({ id: tile.id, ...view(tile), value: num(row?.[`kch_tile${i}`]) })),
    events_per_second: rowsPerSecond(num(row?.kch_arrived)),
    rate_window_seconds: RATE_WINDOW_SECONDS,
  };
}

// ---------------------------------------------------------------------------------------------
// levels: in minus out per value (the seed's stock per warehouse, /api/overview).

export async function levelsData(db: Reader, streams: readonly StreamDefinition[], stream: StreamDefinition, panel: LevelsPanel): Promise<LevelsData> {
  const q = quoteIdentifier;
  const [table, by, sum, split] = [q(stream.target), q(panel.by), q(panel.sum), q(panel.split.column)];
  // Per value and split first where the projection keeps exactly that; on the table itself
  // grouping by two LowCardinality columns costs 3–4 times what the sumIf below does.
  const perSplit = await answeredBy(db, streams, stream, panel.projection)
    ? `(SELECT ${by}, ${split}, sum(${sum}) AS kch_moved FROM ${table} GROUP BY ${by}, ${split})`
    : `(SELECT ${by}, ${split}, ${sum} AS kch_moved FROM ${table})`;
  const rows = await db.rows<{ kch_value: unknown; kch_incoming: unknown; kch_outgoing: unknown }>(`
      SELECT ${by} AS kch_value,
             sumIf(kch_moved, has({incoming:Array(String)}, ${split})) AS kch_incoming,
             sumIf(kch_moved, has({outgoing:Array(String)}, ${split})) AS kch_outgoing
      FROM ${perSplit}
      GROUP BY ${by}
      ORDER BY ${by}`, { incoming: panel.split.incoming, outgoing: panel.split.outgoing }, `reading ${stream.name}'s ${panel.id} panel`);
  const byValue = new Map(rows.map((r) => [String(r.kch_value), r]));
  // The values always shown come first, with zeros until their first row.
  const always = panel.values ?? valuesOf(stream.fields[panel.by]) ?? [];
  const values = [...always, ...[...byValue.keys()].filter((v) => !always.includes(v))];
  return {
    kind: 'levels',
    ...head(stream, panel),
    by: panel.by,
    unit: panel.unit ?? null,
    split: { column: panel.split.column, incoming: [...panel.split.incoming], outgoing: [...panel.split.outgoing] },
    levels: values.map((value) => {
      const row = byValue.get(value);
      const incoming = num(row?.kch_incoming);
      const outgoing = num(row?.kch_outgoing);
      return { value, incoming, outgoing, level: incoming - outgoing };
    }),
  };
}

/** A declared panel's data, at its declared window. */
export function panelData(db: Reader, streams: readonly StreamDefinition[], stream: StreamDefinition, panel: Panel): Promise<PanelData> {
  switch (panel.kind) {
    case 'hourly': return hourlyData(db, stream, panel, panel.hours ?? 24);
    case 'ranked': return rankedData(db, streams, stream, panel, panel.days ?? 7, panel.limit ?? 5);
    case 'newest': return newestData(db, stream, panel, panel.limit ?? 10);
    case 'tiles': return tilesData(db, streams, stream, panel);
    case 'levels': return levelsData(db, streams, stream, panel);
  }
}

// ---------------------------------------------------------------------------------------------
// /api/status.

/** Row counts of tables known to exist, in one round trip. */
export async function rowCounts(db: Reader, tables: readonly string[]): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const rows = await db.rows<{ name: string; rows: unknown }>(
    tables.map((t, i) => `SELECT {t${i}:String} AS name, count() AS rows FROM ${quoteIdentifier(t)}`).join(' UNION ALL '),
    Object.fromEntries(tables.map((t, i) => [`t${i}`, t])), 'counting rows');
  return new Map(rows.map((r) => [r.name, num(r.rows)]));
}
