/**
 * The panels of a stream that declares none (StreamSpec.panels), derived from its fields, so that
 * a new stream needs no page code: events over its time field (arrival time when it has none), over a window that fits
 * the data, the top values of each low-cardinality field, the sums of its measures (the fields
 * marked `measure()`: a sum of latitudes or ids means nothing), and its newest rows. Every query
 * is bounded: by the time field where there is one (the sorting key's first column as init and
 * the seed define them), LIMITs everywhere.
 */
import { currentServer } from '../pipeline/features.js';
import type { Field } from '../pipeline/field.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import type { Reader } from '../clickhouse/query.js';
import type { StreamPanels } from './wire.js';

export interface PanelSpec {
  readonly stream: string;
  readonly table: string;
  /** The column events are charted over. */
  readonly time: string;
  /** Fields with few distinct values: one-of, LowCardinality text, booleans. */
  readonly top: readonly string[];
  /** Measures to sum (fields marked `measure()`): none, no sum panel. */
  readonly sums: readonly string[];
  /** Columns whose values a JavaScript number cannot hold (64-bit integers, decimals): read as text, shown exactly. */
  readonly texts: readonly string[];
  /** Every column, in order, for the newest rows. */
  readonly columns: readonly string[];
}

const TIME_KINDS = new Set(['datetime', 'timestamp']);
const NUMERIC_KINDS = new Set(['integer', 'decimal', 'float']);

/** One-of, booleans, and whatever the target keeps as LowCardinality (text declared so, optional or not). */
function fewValues(field: Field): boolean {
  // A literal has one value: its top would be one bar.
  if (field.kind === 'array' || field.kind === 'literal') return false;
  if (field.kind === 'one-of' || field.kind === 'bool') return true;
  return /^LowCardinality\(/.test(field.targetType(currentServer));
}

/** The panel a field feeds, if any, besides the newest rows every column shows in. */
export type FieldRole = 'time' | 'top' | 'sum' | 'id' | null;

export interface FieldDescription {
  readonly name: string;
  readonly kind: string;
  /** Its target column's type on a current server, e.g. LowCardinality(String), Nullable(Float64). */
  readonly type: string;
  readonly optional: boolean;
  /** Marked `measure()`: its sum means something, and is shown. */
  readonly measure: boolean;
  /** Where it sits in the message when nested (`zone.pickup`); null at the top level. */
  readonly path: string | null;
  readonly role: FieldRole;
}

export interface StreamDescription {
  readonly name: string;
  readonly table: string;
  readonly description: string;
  /** The panels it declares (src/pipeline/panels.ts), each at /api/panel?stream=…&panel=<id>; empty: the panels below are drawn. */
  readonly declared: readonly { readonly kind: string; readonly id: string; readonly title: string }[];
  readonly id: string | null;
  /** The stream's time field, or null (events are then charted over processing_time). */
  readonly time: string | null;
  readonly fields: readonly FieldDescription[];
  /** The panels derived from the fields: what /api/stream?stream=… answers. */
  readonly panels: { readonly events_over: string; readonly top: readonly string[]; readonly sums: readonly string[]; readonly columns: readonly string[] };
}

export function describeStreams(streams: readonly StreamDefinition[]): StreamDescription[] {
  return streams.map((stream) => {
    const spec = panelsOf(stream);
    return {
      name: stream.name,
      table: stream.target,
      description: stream.description,
      declared: stream.panels.map((p) => ({ kind: p.kind, id: p.id, title: p.title })),
      id: stream.id ?? null,
      time: stream.time ?? null,
      fields: Object.entries(stream.fields).map(([name, f]): FieldDescription => ({
        name,
        kind: f.kind,
        type: f.targetType(currentServer),
        optional: f.isOptional,
        measure: f.isMeasure,
        path: f.jsonPath ? f.jsonPath.join('.') : null,
        role: name === spec.time ? 'time' : spec.top.includes(name) ? 'top' : spec.sums.includes(name) ? 'sum' : name === stream.id ? 'id' : null,
      })),
      panels: { events_over: spec.time, top: spec.top, sums: spec.sums, columns: spec.columns },
    };
  });
}

/** Newest rows are for reading at a glance: long text and long arrays are cut. */
const CELL_CHARS = 120;
const CELL_ITEMS = 10;

export function clipCell(value: unknown): unknown {
  if (typeof value === 'string') return value.length > CELL_CHARS ? `${value.slice(0, CELL_CHARS)}…` : value;
  if (Array.isArray(value)) {
    const head = value.slice(0, CELL_ITEMS).map(clipCell);
    return value.length > CELL_ITEMS ? [...head, `… ${value.length - CELL_ITEMS} more`] : head;
  }
  return value;
}

export function panelsOf(stream: StreamDefinition): PanelSpec {
  const fields = Object.entries(stream.fields);
  const time = stream.time !== undefined && TIME_KINDS.has(stream.fields[stream.time]!.kind) ? stream.time : 'processing_time';
  return {
    stream: stream.name,
    table: stream.target,
    time,
    top: fields.filter(([, f]) => fewValues(f)).map(([name]) => name).slice(0, 4),
    sums: fields.filter(([, f]) => f.isMeasure && NUMERIC_KINDS.has(f.kind)).map(([name]) => name).slice(0, 6),
    columns: [...fields.map(([name]) => name), 'processing_time'],
    texts: fields.filter(([, f]) => f.exactAsText).map(([name]) => name),
  };
}

/** Bucket sizes a reader takes in at a glance, each at most twice the one before. */
const BUCKETS = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
/** At most this many buckets: a bar each still a few pixels wide on a phone. */
export const MAX_BUCKETS = 120;
/** A window never shorter: a stream's first seconds are a minute of 1-second bars, not 3 fat ones. */
const MIN_SPAN_SECONDS = 60;

export interface EventWindow {
  /** Unix seconds of the first bucket and of the last (the one now falls in). */
  readonly start: number;
  readonly end: number;
  readonly bucket: number;
  /** How many buckets from start to end, both included. */
  readonly buckets: number;
}

/**
 * The events chart's window: from the first row's time (`first`, null when the window holds none)
 * to now, at least a minute and at most `hours`, in the smallest bucket of `BUCKETS` that needs
 * no more than MAX_BUCKETS points, so 60–120 of them (buckets aligned on whole multiples of their
 * size since the epoch, as the query groups them).
 */
export function eventWindow(first: number | null, now: number, hours: number): EventWindow {
  const earliest = now - hours * 3600;
  const from = Math.min(now - MIN_SPAN_SECONDS, Math.max(earliest, first ?? earliest));
  const count = (bucket: number): number => Math.floor(now / bucket) - Math.floor(from / bucket) + 1;
  const bucket = BUCKETS.find((b) => count(b) <= MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1]!;
  return { start: Math.floor(from / bucket) * bucket, end: Math.floor(now / bucket) * bucket, bucket, buckets: count(bucket) };
}

export async function streamPanels(db: Reader, database: string, spec: PanelSpec, hours: number): Promise<StreamPanels> {
  const table = `${quoteIdentifier(database)}.${quoteIdentifier(spec.table)}`;
  const time = quoteIdentifier(spec.time);
  const window = `${time} >= now() - toIntervalHour({hours:UInt32})`;
  const params = { hours };
  const action = `reading the panels of ${spec.stream}`;
  // The window's first row decides the chart's buckets: asked with the sums, then the events.
  const totalsQuery = db.rows<Record<string, string>>(
    `SELECT count() AS kch_rows, toUnixTimestamp(min(${time})) AS kch_first, toUnixTimestamp(now()) AS kch_now${spec.sums.map((s) => `, ${spec.texts.includes(s) ? 'toString' : 'toFloat64'}(sum(${quoteIdentifier(s)})) AS ${quoteIdentifier(s)}`).join('')} FROM ${table} WHERE ${window}`, params, action);
  const eventsQuery = totalsQuery.then(([totals]) => {
    const rows = Number(totals?.kch_rows ?? 0);
    const span = eventWindow(rows > 0 ? Number(totals?.kch_first) : null, Number(totals?.kch_now ?? 0), hours);
    // Bucketed on the epoch (not toStartOfInterval, whose larger units follow the server's time zone).
    return db.rows<{ t: string; n: string }>(
      `SELECT intDiv(toUnixTimestamp(${time}), {bucket:UInt32}) * {bucket:UInt32} AS t, count() AS n FROM ${table} WHERE ${window} AND ${time} >= toDateTime({start:UInt32}) GROUP BY t ORDER BY t`,
      { ...params, bucket: span.bucket, start: span.start }, action).then((events) => ({ span, events }));
  });
  const [[totals], { span, events }, newest, ...tops] = await Promise.all([
    totalsQuery,
    eventsQuery,
    // Within the window too: at millions of rows a sort over the whole table is what the window spares.
    db.rows<Record<string, unknown>>(`SELECT ${spec.columns.map((c) => (spec.texts.includes(c) ? `toString(${quoteIdentifier(c)}) AS ${quoteIdentifier(c)}` : quoteIdentifier(c))).join(', ')} FROM ${table} WHERE ${window} ORDER BY ${time} DESC LIMIT 10`, params, action),
    ...spec.top.map((name) => db.rows<{ value: string; n: string }>(
      `SELECT toString(${quoteIdentifier(name)}) AS value, count() AS n FROM ${table} WHERE ${window} GROUP BY value ORDER BY n DESC, value LIMIT 5`, params, action)),
  ]);
  return {
    stream: spec.stream,
    table: spec.table,
    time: spec.time,
    window_hours: hours,
    window_start: span.start,
    window_end: span.end,
    bucket_seconds: span.bucket,
    events: events.map((r) => [Number(r.t), Number(r.n)] as const),
    top: Object.fromEntries(spec.top.map((name, i) => [name, (tops[i] ?? []).map((r) => ({ value: r.value, count: Number(r.n) }))])),
    sums: Object.fromEntries(spec.sums.map((name) => [name, spec.texts.includes(name) ? String(totals?.[name] ?? '0') : Number(totals?.[name] ?? 0)])),
    rows_in_window: Number(totals?.kch_rows ?? 0),
    newest: newest.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, clipCell(v)]))),
    columns: spec.columns,
  };
}
