/**
 * Every SQL statement the dashboard runs, and the shapes its answers take. Values from users
 * (hours, limits …) arrive here already validated and are still bound as `{name:Type}` query
 * parameters, never spliced into the text; table names come from the stream definitions, which
 * accept plain identifiers only. Every window is measured with the server's `now()`, so one
 * clock decides what "the last 24 hours" means, whatever the browser's or this process's.
 *
 * Cost at 10 M rows (BENCHMARKS.md, "Dashboard API"): every statement either prunes by the
 * sorting key (event_time first) or is written so that the target tables' projections
 * (declared by the seed's streams, src/pipeline/streams/) can answer it — a window on `event_time` is spelled
 * `toStartOfHour(event_time)` where its bounds fall on whole hours, aggregates are grouped by
 * columns a projection keeps. Without the projections (servers before 23.8, tables made by an
 * older `kch migrate`) the same statements give the same answers by reading the table; where a
 * wording for the projection would read the table more slowly than the plain one, the plain one
 * is used for tables without it (see `projectionsIn`).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { readerOf, type Reader } from '../clickhouse/query.js';
import { ErrorCodes, KchError, isKchError } from '../errors/kch-error.js';
import { movementTypes, warehouses as knownWarehouses } from '../pipeline/streams/catalog.js';
import { sales, warehouse } from '../pipeline/streams/index.js';
import { RATE_WINDOW_SECONDS, rowsPerSecond } from '../health/measure.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import { movementsPerHour, movementsPerWarehouse } from '../pipeline/streams/warehouse.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import type { Overview, RecentSale, SalesByHour, StockMovementTop } from './wire.js';

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

/** Seed semantics: what arrives is supplied, what leaves is relocated or written off. */
export const incomingTypes: readonly string[] = movementTypes.filter((t) => t === 'supply');
export const outgoingTypes: readonly string[] = movementTypes.filter((t) => t !== 'supply');

/** How often the dashboard looks again which projections the tables have (a `kch migrate` may add them). */
const PROJECTION_CHECK_MS = 60_000;
const projectionChecks = new WeakMap<Reader, { readonly at: number; readonly names: Promise<ReadonlySet<string>> }>();

/**
 * The projections of the pipeline's target tables, as `table.projection`: asked of the server at
 * most once a minute (one look at system.tables), so that queries can be worded for what is there.
 */
export function projectionsIn(db: Reader): Promise<ReadonlySet<string>> {
  const now = performance.now();
  const known = projectionChecks.get(db);
  if (known && now - known.at < PROJECTION_CHECK_MS) return known.names;
  const names = db.rows<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND has({names:Array(String)}, name)',
    { names: [sales.target, warehouse.target] }, 'listing the tables\' projections',
  ).then((rows) => new Set<string>(rows.flatMap((r) => [...r.create_table_query.matchAll(/\bPROJECTION\s+`?(\w+)`?/g)].map((m) => `${r.name}.${m[1]}`))));
  projectionChecks.set(db, { at: now, names });
  names.catch(() => { if (projectionChecks.get(db)?.names === names) projectionChecks.delete(db); });
  return names;
}

const hasProjection = async (db: Reader, table: string, projection: string): Promise<boolean> => (await projectionsIn(db)).has(`${table}.${projection}`);
/** ClickHouse sends 64-bit integers as strings by default, and may send decimals either way. */
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const money = (value: unknown): number => Math.round(num(value) * 100) / 100;
const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

// ---------------------------------------------------------------------------------------------
// /api/sales — the seed's "sales per hour": one bucket per hour, empty hours included.

export async function salesByHour(db: Reader, hours: number): Promise<SalesByHour> {
  const rows = await db.rows<{ ts: number; label: string; quantity: unknown; revenue: unknown; sales: unknown }>(`
    SELECT toUnixTimestamp(series.h) AS ts, formatDateTime(series.h, '%H:00') AS label,
           agg.quantity AS quantity, agg.revenue AS revenue, agg.sales AS sales
    FROM (SELECT subtractHours(toStartOfHour(now()), number) AS h FROM numbers({hours:UInt32})) AS series
    LEFT JOIN (
      SELECT toStartOfHour(event_time) AS h, sum(quantity) AS quantity, toString(sum(total)) AS revenue, count() AS sales
      FROM ${quoteIdentifier(sales.target)}
      WHERE toStartOfHour(event_time) >= subtractHours(toStartOfHour(now()), {hours:UInt32} - 1)
        AND toStartOfHour(event_time) <= toStartOfHour(now())
      GROUP BY h
    ) AS agg ON agg.h = series.h
    ORDER BY ts`, { hours }, 'reading sales by hour');
  return {
    labels: rows.map((r) => r.label),
    quantity: rows.map((r) => num(r.quantity)),
    revenue: rows.map((r) => money(r.revenue)),
    sales: rows.map((r) => num(r.sales)),
    hours: rows.map((r) => iso(num(r.ts))),
    window_hours: hours,
  };
}

// ---------------------------------------------------------------------------------------------
// /api/stock — the seed's "top stock movements", by product name.

export async function stockTop(db: Reader, days: number, limit: number): Promise<StockMovementTop> {
  const params = { days, limit, incoming: incomingTypes, outgoing: outgoingTypes };
  const rank = `
    GROUP BY product_id
    ORDER BY incoming + outgoing DESC, product_id ASC
    LIMIT {limit:UInt32}`;
  type Row = { product_id: unknown; product_name: string; incoming: unknown; outgoing: unknown };
  let rows: Row[];
  if (await hasProjection(db, warehouse.target, movementsPerHour.name)) {
    // The window [now − days, now…) in two pieces that add up to it exactly: the whole hours
    // after the one it starts in (answered by the hourly projection), and the rest of that first
    // hour (read from the table, the sorting key narrowing it to that hour). Each piece keeps per
    // product and movement type the sum, the latest name and its time; the outer query merges them.
    const piece = (where: string): string => `
      SELECT product_id, movement_type, sum(quantity) AS moved, argMax(product_name, event_time) AS name, max(event_time) AS named_at
      FROM ${quoteIdentifier(warehouse.target)}
      WHERE ${where}
      GROUP BY product_id, movement_type`;
    rows = await db.rows<Row>(`
    SELECT product_id,
           argMax(name, named_at) AS product_name,
           sumIf(moved, has({incoming:Array(String)}, movement_type)) AS incoming,
           sumIf(moved, has({outgoing:Array(String)}, movement_type)) AS outgoing
    FROM (${piece('toStartOfHour(event_time) > toStartOfHour(subtractDays(now(), {days:UInt32}))')}
      UNION ALL${piece('toStartOfHour(event_time) = toStartOfHour(subtractDays(now(), {days:UInt32})) AND event_time >= subtractDays(now(), {days:UInt32})')}
    )${rank}`, params, 'reading stock movements');
  } else {
    rows = await db.rows<Row>(`
    SELECT product_id,
           argMax(product_name, event_time) AS product_name,
           sumIf(quantity, has({incoming:Array(String)}, movement_type)) AS incoming,
           sumIf(quantity, has({outgoing:Array(String)}, movement_type)) AS outgoing
    FROM ${quoteIdentifier(warehouse.target)}
    WHERE event_time >= subtractDays(now(), {days:UInt32})${rank}`, params, 'reading stock movements');
  }
  return {
    products: rows.map((r) => r.product_name),
    product_ids: rows.map((r) => num(r.product_id)),
    incoming: rows.map((r) => num(r.incoming)),
    outgoing: rows.map((r) => num(r.outgoing)),
    window_days: days,
  };
}

// ---------------------------------------------------------------------------------------------
// /api/recent_sales — the seed's table of the latest sales.

/**
 * Newest first, in the sales table's sorting key order (event_time, then product_id, both
 * descending): the server reads the newest granules of each part backwards and stops after
 * `limit` rows instead of sorting the table. Sales of the same product in the same second come in
 * no particular order.
 */
const newestFirst = sales.orderBy.map((column) => `${quoteIdentifier(column)} DESC`).join(', ');

export async function recentSales(db: Reader, limit: number): Promise<RecentSale[]> {
  const rows = await db.rows<Record<string, unknown>>(`
    SELECT toString(event_id) AS event_id, toUnixTimestamp(event_time) AS ts, product_id, product_name, category,
           quantity, toString(price) AS price, toString(discount) AS discount, toString(total) AS total, store_id
    FROM ${quoteIdentifier(sales.target)}
    ORDER BY ${newestFirst}
    LIMIT {limit:UInt32}`, { limit }, 'reading recent sales');
  return rows.map((r) => ({
    event_id: String(r.event_id),
    event_time: iso(num(r.ts)),
    product_id: num(r.product_id),
    product_name: String(r.product_name),
    category: String(r.category),
    quantity: num(r.quantity),
    price: money(r.price),
    discount: money(r.discount),
    total: money(r.total),
    store_id: num(r.store_id),
  }));
}

// ---------------------------------------------------------------------------------------------
// /api/overview — the KPI tiles and the stock level per warehouse.

/** `streams`: the configured ones, whose arrivals make up events per second. */
export async function overview(db: Reader, streams: readonly StreamDefinition[]): Promise<Overview> {
  // Per warehouse and movement type first where the projection keeps exactly that; on the table
  // itself grouping by two LowCardinality columns costs 3–4 times what the sumIf below does.
  const perWarehouse = await hasProjection(db, warehouse.target, movementsPerWarehouse.name)
    ? `(SELECT warehouse, movement_type, sum(quantity) AS moved FROM ${quoteIdentifier(warehouse.target)} GROUP BY warehouse, movement_type)`
    : `(SELECT warehouse, movement_type, quantity AS moved FROM ${quoteIdentifier(warehouse.target)})`;
  const arrivals = streams.map((s) => `(SELECT count() FROM ${quoteIdentifier(s.target)} WHERE processing_time > now() - {window:UInt32} AND processing_time <= now())`).join(' + ');
  const [kpiRows, stockRows] = await Promise.all([
    db.rows<{ today: string; revenue: unknown; sales: unknown; units: unknown; arrived: unknown }>(`
      SELECT toString(today()) AS today, toString(sum(total)) AS revenue, count() AS sales, sum(quantity) AS units,
             ${arrivals} AS arrived
      FROM ${quoteIdentifier(sales.target)}
      WHERE toStartOfHour(event_time) >= toDateTime(today()) AND toStartOfHour(event_time) < toDateTime(today() + 1)`, { window: RATE_WINDOW_SECONDS }, 'reading today\'s sales'),
    db.rows<{ warehouse: string; incoming: unknown; outgoing: unknown }>(`
      SELECT warehouse,
             sumIf(moved, has({incoming:Array(String)}, movement_type)) AS incoming,
             sumIf(moved, has({outgoing:Array(String)}, movement_type)) AS outgoing
      FROM ${perWarehouse}
      GROUP BY warehouse
      ORDER BY warehouse`, { incoming: incomingTypes, outgoing: outgoingTypes }, 'reading stock per warehouse'),
  ]);
  const kpi = kpiRows[0];
  const byName = new Map(stockRows.map((r) => [r.warehouse, r]));
  // The catalog's warehouses always show, with zeros until their first movement.
  const names = [...knownWarehouses, ...stockRows.map((r) => r.warehouse).filter((w) => !(knownWarehouses as readonly string[]).includes(w))];
  return {
    today: kpi?.today ?? '',
    revenue_today: money(kpi?.revenue),
    sales_today: num(kpi?.sales),
    units_today: num(kpi?.units),
    events_per_second: rowsPerSecond(num(kpi?.arrived)),
    rate_window_seconds: RATE_WINDOW_SECONDS,
    warehouses: names.map((name) => {
      const row = byName.get(name);
      const incoming = num(row?.incoming);
      const outgoing = num(row?.outgoing);
      return { warehouse: name, incoming, outgoing, level: incoming - outgoing };
    }),
  };
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
