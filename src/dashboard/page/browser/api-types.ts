/**
 * The JSON the page reads from the dashboard's API: the fields it draws, as the page sees them.
 * Plain types with neither the DOM's nor Node's, so that the Node-side unit test can check at
 * compile time that the server's own types still fit these (test/unit/dashboard/page.test.ts):
 * a field renamed on the server then breaks the build instead of the page. The pipeline's health
 * is the server's own type (src/health/wire.ts), imported as a type: nothing of it is loaded.
 */
import type { PipelineHealth } from '../../../health/wire.js';

/** /api/sales: one bucket per hour, oldest first. */
export interface Sales {
  readonly quantity: readonly number[];
  readonly revenue: readonly number[];
  readonly sales: readonly number[];
  /** Start of each hour, ISO 8601 UTC. */
  readonly hours: readonly string[];
  readonly window_hours: number;
}

/** /api/stock: the products with the most stock movement. */
export interface Stock {
  readonly products: readonly string[];
  readonly product_ids: readonly number[];
  readonly incoming: readonly number[];
  readonly outgoing: readonly number[];
}

/** /api/recent_sales: newest first. */
export interface RecentSale {
  readonly event_id: string;
  readonly event_time: string;
  readonly product_id: number;
  readonly product_name: string;
  readonly category: string;
  readonly quantity: number;
  readonly price: number;
  readonly total: number;
  readonly store_id: number;
}

export interface WarehouseStock {
  readonly warehouse: string;
  readonly incoming: number;
  readonly outgoing: number;
  readonly level: number;
}

/** /api/overview: the KPI tiles and the stock per warehouse. */
export interface Overview {
  readonly today: string;
  readonly revenue_today: number;
  readonly sales_today: number;
  readonly units_today: number;
  readonly events_per_second: number;
  readonly rate_window_seconds: number;
  readonly warehouses: readonly WarehouseStock[];
}

export interface TableStatus {
  readonly role: 'target' | 'dead-letter';
  readonly exists: boolean;
  readonly rows: number | null;
}

/** /api/status: which tables exist and hold rows. */
export interface Status {
  readonly status: 'ready' | 'waiting_for_data';
  readonly database: string;
  readonly tables: Readonly<Record<string, TableStatus>>;
}

/** /api/streams: a card's data per stream of one's own. */
export interface StreamPanels {
  readonly stream: string;
  readonly time: string;
  /** The events chart's window, unix seconds: its first bucket and the one now falls in. */
  readonly window_start: number;
  readonly window_end: number;
  /** [unix seconds, count] per bucket of `bucket_seconds`, oldest first; empty buckets left out. */
  readonly events: readonly (readonly [number, number])[];
  readonly bucket_seconds: number;
  readonly top: Readonly<Record<string, readonly { readonly value: string; readonly count: number }[]>>;
  /** Exact text for 64-bit integers and decimals. */
  readonly sums: Readonly<Record<string, number | string>>;
  readonly rows_in_window: number;
  readonly newest: readonly Readonly<Record<string, unknown>>[];
  readonly columns: readonly string[];
}

export type Service = 'clickhouse' | 'kafka';

/** Any refusal: one line, the service that could not answer (a 503), and from /api/pipeline what the other side said. */
export interface ErrorBody {
  readonly error: string;
  readonly service?: Service;
  readonly partial?: PipelineHealth;
}
