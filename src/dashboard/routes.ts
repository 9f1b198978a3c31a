/**
 * The dashboard's HTTP API: one table of routes, each with its parameters declared (validated
 * before any query runs) and its work. Everything is read-only. Failures map to status codes
 * in one place: a bad parameter is 400, a service that cannot answer (down, not migrated yet,
 * overloaded) is 503 naming the service, anything else is 500.
 */
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';
import { existingTables, isMissingObject, pipelineHealth, type HealthSources } from '../health/gather.js';
import { pipelineJson } from '../health/json.js';
import type { PipelineHealth } from '../health/model.js';
import type * as Wire from '../health/wire.js';
import { renderMetrics } from './metrics.js';
import { overview, recentSales, salesByHour, stockTop } from './demo-api.js';
import { describeStreams, panelsOf, streamPanels, type StreamDescription } from './panels.js';
import { parseParams, type ParamSpecs, type ParamValues } from './params.js';
import { panelData, rowCounts } from './queries.js';
import type { ErrorBody, Overview, PanelData, RecentSale, SalesByHour, Service, Status, StockMovementTop, StreamPanels, TableStatus } from './wire.js';

export interface ApiContext extends HealthSources {
  /** Told whether each call reached a service, so that the server logs when one goes down or comes back. */
  readonly observe?: (service: Service, error: unknown) => void;
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

interface Route<S extends ParamSpecs = ParamSpecs> {
  readonly path: string;
  readonly summary: string;
  readonly params: S;
  readonly run: (context: ApiContext, values: ParamValues<S>) => Promise<Reply>;
}

function route<const S extends ParamSpecs>(r: Route<S>): Route {
  return r as unknown as Route;
}

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(status: number, value: unknown): Reply {
  return { status, headers: jsonHeaders, body: `${JSON.stringify(value)}\n` };
}

// ---------------------------------------------------------------------------------------------

export async function status(context: ApiContext): Promise<Status> {
  const { streams, database } = context.scope;
  const wanted = streams.flatMap((s) => [
    { name: s.target, stream: s.name, role: 'target' as const },
    { name: s.deadLetter, stream: s.name, role: 'dead-letter' as const },
  ]);
  // Once migrated every table is there: count straight away (one round trip, from the parts'
  // metadata). Only when one is missing, list which exist and count those.
  let present: Set<string>;
  let counts: Map<string, number>;
  try {
    counts = await rowCounts(context.db, wanted.map((w) => w.name));
    present = new Set(wanted.map((w) => w.name));
  } catch (error) {
    if (!isMissingObject(error)) throw error;
    const found = await tablesPresent(context, wanted.map((w) => w.name));
    present = found;
    counts = await rowCounts(context.db, wanted.filter((w) => found.has(w.name)).map((w) => w.name));
  }
  const tables: Record<string, TableStatus> = {};
  for (const w of wanted) {
    tables[w.name] = { stream: w.stream, role: w.role, exists: present.has(w.name), rows: present.has(w.name) ? counts.get(w.name) ?? 0 : null };
  }
  const ready = wanted.filter((w) => w.role === 'target').every((w) => (tables[w.name]?.rows ?? 0) > 0);
  return { status: ready ? 'ready' : 'waiting_for_data', database, tables, checked_at: new Date().toISOString() };
}

/** A database that does not exist yet holds no tables (rather than being an error). */
async function tablesPresent(context: ApiContext, names: readonly string[]): Promise<Set<string>> {
  try {
    return await existingTables(context.db, names);
  } catch (error) {
    if (clickhouseCode(error) === '81') return new Set();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

export const routes: readonly Route[] = [
  route({
    path: '/api/panel',
    summary: 'A panel a stream declares (hourly, ranked, newest, tiles, levels; see /api/stream_fields), at its declared window. The page draws from this.',
    params: {
      stream: { kind: 'stream', description: 'a configured stream\'s name' },
      panel: { kind: 'panel', description: 'the id of a panel the stream declares' },
    },
    run: async (context, { stream, panel }) => {
      const definition = context.scope.streams.find((s) => s.name === stream)!;
      const declared = definition.panels.find((p) => p.id === panel);
      if (!declared) {
        throw new KchError(ErrorCodes.USAGE, `parameter "panel" must name a panel stream ${stream} declares (${definition.panels.map((p) => p.id).join(', ') || 'it declares none'}), got "${panel}"`);
      }
      return json(200, await clickhouse(context, panelData(context.db, context.scope.streams, definition, declared)) satisfies PanelData);
    },
  }),
  // The original demo's endpoints, answered from the first declared panel of their kind (demo-api.ts).
  route({
    path: '/api/sales',
    summary: 'The first hourly panel in the original demo\'s shape: sales per hour (items and revenue), one bucket per hour up to the current one.',
    params: { hours: { min: 1, max: 168, default: 24, description: 'hours to show, the current one included' } },
    run: async (context, { hours }) => json(200, await clickhouse(context, salesByHour(context.db, context.scope.streams, hours)) satisfies SalesByHour),
  }),
  route({
    path: '/api/stock',
    summary: 'The first ranked panel in the original demo\'s shape: products with the most stock movement (incoming = supply, outgoing = relocation + write_off).',
    params: {
      days: { min: 1, max: 366, default: 7, description: 'days to look back' },
      limit: { min: 1, max: 50, default: 5, description: 'products to list' },
    },
    run: async (context, { days, limit }) => json(200, await clickhouse(context, stockTop(context.db, context.scope.streams, days, limit)) satisfies StockMovementTop),
  }),
  route({
    path: '/api/recent_sales',
    summary: 'The first newest panel in the original demo\'s shape: the latest sales, newest first.',
    params: { limit: { min: 1, max: 100, default: 10, description: 'sales to list' } },
    run: async (context, { limit }) => json(200, await clickhouse(context, recentSales(context.db, context.scope.streams, limit)) satisfies RecentSale[]),
  }),
  route({
    path: '/api/overview',
    summary: 'The first tiles and levels panels in the original demo\'s shape: revenue, sales and items sold today; events per second now; stock level per warehouse.',
    params: {},
    run: async (context) => json(200, await clickhouse(context, overview(context.db, context.scope.streams)) satisfies Overview),
  }),
  route({
    path: '/api/streams',
    summary: 'Per stream that declares no panels: events over its time field (from the window\'s first row to now, 60–120 buckets), top values of its low-cardinality fields, sums of its measures, its newest rows.',
    params: { hours: { min: 1, max: 168, default: 6, description: 'hours to look back' } },
    run: async (context, { hours }) => {
      const derived = context.scope.streams.filter((s) => s.panels.length === 0);
      return json(200, await clickhouse(context, Promise.all(derived.map((s) => streamPanels(context.db, context.scope.database, panelsOf(s), hours)))) satisfies StreamPanels[]);
    },
  }),
  route({
    path: '/api/stream_fields',
    summary: 'What the dashboard knows of each configured stream: its fields (kind, ClickHouse type, optional), time and id fields, the panels it declares, and the panels derived from its fields.',
    params: {},
    run: (context) => Promise.resolve(json(200, describeStreams(context.scope.streams) satisfies StreamDescription[])),
  }),
  route({
    path: '/api/stream',
    summary: 'The panels of one configured stream: events over its time field, top values, sums of its measures, newest rows.',
    params: {
      stream: { kind: 'stream', description: 'a configured stream\'s name' },
      hours: { min: 1, max: 168, default: 6, description: 'hours to look back' },
    },
    run: async (context, { stream, hours }) => {
      const definition = context.scope.streams.find((s) => s.name === stream)!;
      return json(200, await clickhouse(context, streamPanels(context.db, context.scope.database, panelsOf(definition), hours)) satisfies StreamPanels);
    },
  }),
  route({
    path: '/api/status',
    summary: 'Which tables exist, their row counts, and ready / waiting_for_data.',
    params: {},
    run: async (context) => json(200, await clickhouse(context, status(context)) satisfies Status),
  }),
  route({
    path: '/api/pipeline',
    summary: 'Per stream: messages in Kafka, consumer lag per partition, rows, dead letters, ingest rate, freshness, what arrived over the last 5 min and the problems that makes (most of it dead letters).',
    params: { minutes: { min: 1, max: 180, default: 15, description: 'minutes of ingest rate to return' } },
    run: async (context, { minutes }) => {
      const { health, failures } = await pipelineHealth(context, minutes);
      observeHealth(context, health);
      if (failures.length > 0) {
        // The facts from the side that answered ride along, so a page can still show them.
        const { status: code, body } = describeError(failures[0]);
        return json(code, { ...body, partial: pipelineJson(health) });
      }
      return json(200, pipelineJson(health) satisfies Wire.PipelineHealth);
    },
  }),
  route({
    path: '/metrics',
    summary: 'Prometheus text format: the same health per stream, with HELP and TYPE lines.',
    params: {},
    run: async (context) => {
      // Exporter convention: always 200, with kch_service_up 0 for a service that did not
      // answer, so that a scrape still carries what is known (a 503 would drop everything).
      const { health } = await pipelineHealth(context, 1);
      observeHealth(context, health);
      return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }, body: renderMetrics(pipelineJson(health)) };
    },
  }),
];

export const apiIndex = {
  endpoints: routes.map((r) => ({
    path: r.path,
    summary: r.summary,
    parameters: Object.fromEntries(Object.entries(r.params).map(([name, p]) => [name, 'kind' in p
      ? { type: p.kind, required: true, description: p.description }
      : { type: 'integer', min: p.min, max: p.max, default: p.default, description: p.description }])),
  })),
};

export function findRoute(path: string): Route | undefined {
  return routes.find((r) => r.path === path);
}

/** Validates the query string against the route's parameters, then runs it; never throws. */
export async function handleApi(r: Route, search: URLSearchParams, context: ApiContext): Promise<Reply> {
  try {
    const values = parseParams(search, r.params, context.scope.streams.map((s) => s.name));
    return await r.run(context, values);
  } catch (error) {
    return errorReply(error);
  }
}

async function clickhouse<T>(context: ApiContext, work: Promise<T>): Promise<T> {
  try {
    const value = await work;
    context.observe?.('clickhouse', undefined);
    return value;
  } catch (error) {
    if (serviceOf(error) === 'clickhouse') context.observe?.('clickhouse', error);
    throw error;
  }
}

function observeHealth(context: ApiContext, health: PipelineHealth): void {
  context.observe?.('clickhouse', health.services.clickhouse.up ? undefined : health.services.clickhouse.error);
  context.observe?.('kafka', health.services.kafka.up ? undefined : health.services.kafka.error);
}

// ---------------------------------------------------------------------------------------------

/** ClickHouse codes that mean "not now" rather than "wrong": overload, memory, time limits. */
const busyCodes = new Set(['159', '202', '241', '394']);
/** UNKNOWN_TABLE, UNKNOWN_DATABASE: the pipeline is not migrated (yet). */
const missingCodes = new Set(['60', '81']);

function clickhouseCode(error: unknown): string | undefined {
  if (!isKchError(error)) return undefined;
  const code = error.details?.code;
  return typeof code === 'string' ? code : undefined;
}

function serviceOf(error: unknown): Service | undefined {
  if (!isKchError(error)) return undefined;
  if (error.code.startsWith('KCH_CLICKHOUSE_')) return 'clickhouse';
  if (error.code.startsWith('KCH_KAFKA_')) return 'kafka';
  return undefined;
}

export function errorReply(error: unknown): Reply {
  const { status: code, body } = describeError(error);
  return json(code, body);
}

/** The status code and body for any failure. */
export function describeError(error: unknown): { status: number; body: ErrorBody } {
  if (!isKchError(error)) return { status: 500, body: { error: `internal error: ${messageOf(error)}` } };
  if (error.code === ErrorCodes.USAGE) return { status: 400, body: { error: error.message, code: error.code } };
  const service = serviceOf(error);
  const code = clickhouseCode(error);
  if (error.code === ErrorCodes.CLICKHOUSE_QUERY && code !== undefined && missingCodes.has(code)) {
    return { status: 503, body: { error: `the pipeline's tables are not there yet (${error.message}); run \`kch migrate\``, code: error.code, service: 'clickhouse' } };
  }
  if (error.code === ErrorCodes.CLICKHOUSE_QUERY && !(code !== undefined && busyCodes.has(code))) {
    return { status: 500, body: { error: error.message, code: error.code, service: 'clickhouse' } };
  }
  if (service !== undefined || error.retriable) {
    return { status: 503, body: { error: error.message, code: error.code, ...(service ? { service } : {}) } };
  }
  return { status: 500, body: { error: error.message, code: error.code } };
}
