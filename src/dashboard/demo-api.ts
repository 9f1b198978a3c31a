/**
 * The original demo's API, kept for whoever reads it: /api/sales, /api/stock, /api/recent_sales
 * and /api/overview answer in the shapes they always had (src/dashboard/wire.ts), now from the
 * first panel of their kind that a configured stream declares (the seed's declare them, so the
 * default pipeline answers as before). The queries are the declared panels' own (queries.ts).
 */
import type { Reader } from '../clickhouse/query.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { Panel, PanelKind } from '../pipeline/panels.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { hourlyData, levelsData, money, newestData, num, rankedData, tilesData } from './queries.js';
import type { Overview, RecentSale, SalesByHour, StockMovementTop } from './wire.js';

/** The first panel of a kind any of `streams` declares, and its stream. */
export function firstPanel<K extends PanelKind>(streams: readonly StreamDefinition[], kind: K): { readonly stream: StreamDefinition; readonly panel: Extract<Panel, { kind: K }> } | undefined {
  for (const stream of streams) {
    const panel = stream.panels.find((p): p is Extract<Panel, { kind: K }> => p.kind === kind);
    if (panel) return { stream, panel };
  }
  return undefined;
}

function declared<K extends PanelKind>(streams: readonly StreamDefinition[], kind: K, path: string): { readonly stream: StreamDefinition; readonly panel: Extract<Panel, { kind: K }> } {
  const found = firstPanel(streams, kind);
  if (!found) throw new KchError(ErrorCodes.USAGE, `${path} answers the first ${kind} panel a stream declares, and no configured stream declares one; see /api/stream_fields`);
  return found;
}

/** /api/sales: the first hourly panel, its bars as `quantity`, its line as `revenue`, its rows as `sales`. */
export async function salesByHour(db: Reader, streams: readonly StreamDefinition[], hours: number): Promise<SalesByHour> {
  const { stream, panel } = declared(streams, 'hourly', '/api/sales');
  const data = await hourlyData(db, stream, panel, hours);
  return {
    labels: data.labels,
    quantity: data.bars.values,
    revenue: data.line.values.map(money),
    sales: data.counts,
    hours: data.hours,
    window_hours: hours,
  };
}

/** /api/stock: the first ranked panel, its labels as `products`, its keys as `product_ids`. */
export async function stockTop(db: Reader, streams: readonly StreamDefinition[], days: number, limit: number): Promise<StockMovementTop> {
  const { stream, panel } = declared(streams, 'ranked', '/api/stock');
  const data = await rankedData(db, streams, stream, panel, days, limit);
  return { products: data.labels, product_ids: data.keys.map(num), incoming: data.incoming, outgoing: data.outgoing, window_days: days };
}

/** /api/recent_sales: the first newest panel's rows, numbers sent as exact text made numbers again. */
export async function recentSales(db: Reader, streams: readonly StreamDefinition[], limit: number): Promise<RecentSale[]> {
  const { stream, panel } = declared(streams, 'newest', '/api/recent_sales');
  const data = await newestData(db, stream, panel, limit);
  const numeric = new Set(data.columns.filter((c) => ['integer', 'decimal', 'float'].includes(stream.fields[c]?.kind ?? '')));
  // The demo's rows carried numbers as numbers: its decimals are two places, which a double holds.
  return data.rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, numeric.has(column) && typeof value === 'string' ? money(value) : value])) as unknown as RecentSale);
}

/** /api/overview: the first tiles panel's first three figures as revenue, sales and units today, and the first levels panel as `warehouses`. */
export async function overview(db: Reader, streams: readonly StreamDefinition[]): Promise<Overview> {
  const tiles = declared(streams, 'tiles', '/api/overview');
  const levels = declared(streams, 'levels', '/api/overview');
  const [today, stock] = await Promise.all([tilesData(db, streams, tiles.stream, tiles.panel), levelsData(db, streams, levels.stream, levels.panel)]);
  const figure = (i: number): number => today.tiles[i]?.value ?? 0;
  return {
    today: today.today,
    revenue_today: money(figure(0)),
    sales_today: figure(1),
    units_today: figure(2),
    events_per_second: today.events_per_second,
    rate_window_seconds: today.rate_window_seconds,
    warehouses: stock.levels.map((l) => ({ warehouse: l.value, incoming: l.incoming, outgoing: l.outgoing, level: l.level })),
  };
}
