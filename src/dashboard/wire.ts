/**
 * The JSON the dashboard's API sends besides the pipeline's health (src/health/wire.ts): what
 * src/dashboard/queries.ts, demo-api.ts, routes.ts and panels.ts answer and the page reads. Types only, and
 * nothing imported but the health's wire types: the browser page compiles this file too
 * (tsconfig.page.json, the DOM's types, no Node's) and imports it as types, which the compiler
 * erases, so the page and the server cannot tell the shapes differently.
 */
import type { PipelineHealth } from '../health/wire.js';

/** How a figure of a declared panel reads (src/pipeline/panels.ts, Figure), without its SQL. */
export interface FigureView {
  readonly label: string;
  /** Written after the number; null: none. */
  readonly unit: string | null;
  /** Decimals shown in detail. */
  readonly decimals: number;
}

/** What every declared panel's answer (/api/panel) begins with. */
export interface PanelHead {
  readonly stream: string;
  readonly id: string;
  readonly title: string;
  /** What the stream's rows are called, in the plural ("sales"; "events" when not declared). */
  readonly noun: string;
}

/** The values of a text column that count a row in and those that count it out. */
export interface SplitView {
  readonly column: string;
  readonly incoming: string[];
  readonly outgoing: string[];
}

/** An hourly panel: one bucket per hour up to the current one, empty hours included. */
export interface HourlyData extends PanelHead {
  readonly kind: 'hourly';
  /** The figure drawn as bars and the one drawn as a line, and their values per hour. */
  readonly bars: FigureView & { readonly values: number[] };
  readonly line: FigureView & { readonly values: number[] };
  /** Rows per hour. */
  readonly counts: number[];
  /** Start of each hour, ISO 8601 UTC: the page labels hours in the viewer's time zone. */
  readonly hours: string[];
  /** The same as the server's clock shows them, `HH:MM`. */
  readonly labels: string[];
  readonly window_hours: number;
}

/** A ranked panel: the values of `by` that moved most, most first. */
export interface RankedData extends PanelHead {
  readonly kind: 'ranked';
  readonly by: string;
  /** What the summed column counts; null: not declared. */
  readonly unit: string | null;
  readonly split: SplitView;
  /** The values of `by` (a number or text, as the column holds them). */
  readonly keys: (number | string)[];
  /** What is shown for each: the label column's latest value (the key itself when none is declared). */
  readonly labels: string[];
  readonly incoming: number[];
  /** As a positive number. */
  readonly outgoing: number[];
  readonly window_days: number;
  readonly limit: number;
}

/** A newest panel: the latest rows, newest first. */
export interface NewestData extends PanelHead {
  readonly kind: 'newest';
  /** Every column each row carries, and those the page's table shows. */
  readonly columns: string[];
  readonly show: string[];
  /** How each column's values read: a time (ISO text), a number (a number, or its exact text), or anything else. */
  readonly kinds: Readonly<Record<string, 'time' | 'number' | 'text'>>;
  /** The column naming each row once (the stream's id), when it is among the columns; else null. */
  readonly key: string | null;
  /** Times as ISO 8601 UTC (to the second); UUIDs, 64-bit integers and decimals as their exact text. */
  readonly rows: Readonly<Record<string, unknown>>[];
  readonly limit: number;
}

/** A tiles panel: today's figures, and the rows per second every stream takes in now. */
export interface TilesData extends PanelHead {
  readonly kind: 'tiles';
  /** The server's date, `YYYY-MM-DD`: what "today" means. */
  readonly today: string;
  readonly tiles: (FigureView & { readonly id: string; readonly value: number })[];
  /** Rows of every stream that reached their tables over the last `rate_window_seconds`, per second. */
  readonly events_per_second: number;
  readonly rate_window_seconds: number;
}

/** A levels panel: per value of `by`, in minus out over every row. */
export interface LevelsData extends PanelHead {
  readonly kind: 'levels';
  readonly by: string;
  readonly unit: string | null;
  readonly split: SplitView;
  /** The values always shown first (zeros until their first row), then any other, in order. */
  readonly levels: { readonly value: string; readonly incoming: number; readonly outgoing: number; readonly level: number }[];
}

/** /api/panel: a declared panel's data. */
export type PanelData = HourlyData | RankedData | NewestData | TilesData | LevelsData;

// The original demo's API (demo-api.ts), answered from the first declared panel of each kind in
// the shapes it always had: the seed's names for the fields.

/** /api/sales: the seed's "sales per hour", one bucket per hour, empty hours included. */
export interface SalesByHour {
  /** Hour labels as the server's clock shows them, `HH:MM` (the seed's field). */
  readonly labels: string[];
  /** Items sold per hour (the seed's field). */
  readonly quantity: number[];
  /** Sum of `total` (price × quantity × (1 − discount)) per hour, 2 decimals (the seed's field). */
  readonly revenue: number[];
  /** Number of sales per hour. */
  readonly sales: number[];
  /** Start of each hour, ISO 8601 UTC: the page labels hours in the viewer's time zone. */
  readonly hours: string[];
  readonly window_hours: number;
}

/** /api/stock: the seed's "top stock movements", by product name. */
export interface StockMovementTop {
  /** Product names (the seed showed "Product <id>"). */
  readonly products: string[];
  readonly product_ids: number[];
  /** Units supplied. */
  readonly incoming: number[];
  /** Units relocated or written off, as a positive number. */
  readonly outgoing: number[];
  readonly window_days: number;
}

/** /api/recent_sales: the seed's table of the latest sales, newest first. */
export interface RecentSale {
  readonly event_id: string;
  /** ISO 8601 UTC. */
  readonly event_time: string;
  readonly product_id: number;
  readonly product_name: string;
  readonly category: string;
  readonly quantity: number;
  readonly price: number;
  readonly discount: number;
  readonly total: number;
  readonly store_id: number;
}

/** /api/overview: the KPI tiles and the stock level per warehouse. */
export interface WarehouseStock {
  readonly warehouse: string;
  readonly incoming: number;
  readonly outgoing: number;
  /** incoming − outgoing over all recorded movements: may be negative in generated data. */
  readonly level: number;
}

export interface Overview {
  /** The server's date, `YYYY-MM-DD`: what "today" means below. */
  readonly today: string;
  readonly revenue_today: number;
  readonly sales_today: number;
  readonly units_today: number;
  /** Rows of every stream that reached their tables over the last `rate_window_seconds`, per second. */
  readonly events_per_second: number;
  readonly rate_window_seconds: number;
  readonly warehouses: WarehouseStock[];
}

export type Service = 'clickhouse' | 'kafka';

/** /api/status: which tables exist, their row counts, and ready / waiting_for_data. */
export type TableRole = 'target' | 'dead-letter';

export interface TableStatus {
  readonly stream: string;
  readonly role: TableRole;
  readonly exists: boolean;
  /** null when the table does not exist. */
  readonly rows: number | null;
}

export interface Status {
  /** `ready` once every stream's table exists and holds rows; `waiting_for_data` before. */
  readonly status: 'ready' | 'waiting_for_data';
  readonly database: string;
  readonly tables: Readonly<Record<string, TableStatus>>;
  readonly checked_at: string;
}

/** Any refusal: one line, the service that could not answer (a 503). */
export interface ErrorBody {
  /** One line: what is wrong and, where it helps, what to do. */
  readonly error: string;
  /** The KchError code, e.g. KCH_USAGE or KCH_CLICKHOUSE_UNREACHABLE; absent for a bug. */
  readonly code?: string;
  /** The service that could not answer, for a 503. */
  readonly service?: Service;
  /** From /api/pipeline: what the side that answered said. */
  readonly partial?: PipelineHealth;
}

/** /api/stream and /api/streams: a stream's panels. */
export interface StreamPanels {
  readonly stream: string;
  readonly table: string;
  readonly time: string;
  /** How far back the panels look at most (the `hours` asked). */
  readonly window_hours: number;
  /**
   * The events chart's window, unix seconds by the server's clock: from the first bucket with
   * the window's first row (or `window_hours` back when there is none) to the bucket of now.
   */
  readonly window_start: number;
  readonly window_end: number;
  /** Events per bucket of `bucket_seconds`, oldest first: [unix seconds, count]; empty buckets left out. */
  readonly events: readonly (readonly [number, number])[];
  readonly bucket_seconds: number;
  readonly top: Readonly<Record<string, readonly { readonly value: string; readonly count: number }[]>>;
  /** A measure's sum; as exact text for a 64-bit integer or a decimal (no JavaScript number holds every sum of those). */
  readonly sums: Readonly<Record<string, number | string>>;
  readonly rows_in_window: number;
  readonly newest: readonly Readonly<Record<string, unknown>>[];
  readonly columns: readonly string[];
}
