/**
 * The panels of a stream of one's own, derived from its fields, so that a new stream needs no
 * page code: events over its time field (arrival time when it has none), the top values of each
 * low-cardinality field, the sums of its numeric fields, and its newest rows. Every query is
 * bounded: by the time field where there is one (the sorting key's first column as init and the
 * seed define them), LIMITs everywhere.
 */
import type { Field } from '../pipeline/field.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import type { Reader } from './queries.js';

export interface PanelSpec {
  readonly stream: string;
  readonly table: string;
  /** The column events are charted over. */
  readonly time: string;
  /** Fields with few distinct values: one-of, LowCardinality text, booleans. */
  readonly top: readonly string[];
  /** Numeric fields to sum (the id aside). */
  readonly sums: readonly string[];
  /** Every column, in order, for the newest rows. */
  readonly columns: readonly string[];
}

const TIME_KINDS = new Set(['datetime', 'timestamp']);
const NUMERIC_KINDS = new Set(['integer', 'decimal', 'float']);

function fewValues(field: Field): boolean {
  if (field.kind === 'one-of' || field.kind === 'bool') return true;
  return field.kind === 'text' && (field as Field & { lowCardinality?: boolean }).lowCardinality === true;
}

export function panelsOf(stream: StreamDefinition): PanelSpec {
  const fields = Object.entries(stream.fields);
  const time = stream.time !== undefined && TIME_KINDS.has(stream.fields[stream.time]!.kind) ? stream.time : 'processing_time';
  return {
    stream: stream.name,
    table: stream.target,
    time,
    top: fields.filter(([, f]) => fewValues(f)).map(([name]) => name).slice(0, 4),
    sums: fields.filter(([name, f]) => NUMERIC_KINDS.has(f.kind) && name !== stream.id).map(([name]) => name).slice(0, 6),
    columns: [...fields.map(([name]) => name), 'processing_time'],
  };
}

export interface StreamPanels {
  readonly stream: string;
  readonly table: string;
  readonly time: string;
  readonly window_hours: number;
  /** Events per bucket of `bucket_seconds`, oldest first: [unix seconds, count]. */
  readonly events: readonly (readonly [number, number])[];
  readonly bucket_seconds: number;
  readonly top: Readonly<Record<string, readonly { readonly value: string; readonly count: number }[]>>;
  readonly sums: Readonly<Record<string, number>>;
  readonly rows_in_window: number;
  readonly newest: readonly Readonly<Record<string, unknown>>[];
  readonly columns: readonly string[];
}

/** Buckets for a window: minutes up to 6 hours, hours above. */
export function bucketSeconds(hours: number): number {
  return hours <= 6 ? 60 : 3600;
}

export async function streamPanels(db: Reader, database: string, spec: PanelSpec, hours: number): Promise<StreamPanels> {
  const table = `${quoteIdentifier(database)}.${quoteIdentifier(spec.table)}`;
  const time = quoteIdentifier(spec.time);
  const bucket = bucketSeconds(hours);
  const window = `${time} >= now() - toIntervalHour({hours:UInt32})`;
  const params = { hours };
  const action = `reading the panels of ${spec.stream}`;
  const [events, sums, newest, ...tops] = await Promise.all([
    db.rows<{ t: string; n: string }>(
      `SELECT toUnixTimestamp(toStartOfInterval(${time}, toIntervalSecond(${bucket}))) AS t, count() AS n FROM ${table} WHERE ${window} GROUP BY t ORDER BY t`, params, action),
    db.rows<Record<string, string>>(
      `SELECT count() AS kch_rows${spec.sums.map((s) => `, toFloat64(sum(${quoteIdentifier(s)})) AS ${quoteIdentifier(s)}`).join('')} FROM ${table} WHERE ${window}`, params, action),
    db.rows<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${time} DESC LIMIT 10`, {}, action),
    ...spec.top.map((name) => db.rows<{ value: string; n: string }>(
      `SELECT toString(${quoteIdentifier(name)}) AS value, count() AS n FROM ${table} WHERE ${window} GROUP BY value ORDER BY n DESC, value LIMIT 5`, params, action)),
  ]);
  const totals = sums[0] ?? {};
  return {
    stream: spec.stream,
    table: spec.table,
    time: spec.time,
    window_hours: hours,
    bucket_seconds: bucket,
    events: events.map((r) => [Number(r.t), Number(r.n)] as const),
    top: Object.fromEntries(spec.top.map((name, i) => [name, (tops[i] ?? []).map((r) => ({ value: r.value, count: Number(r.n) }))])),
    sums: Object.fromEntries(spec.sums.map((name) => [name, Number(totals[name] ?? 0)])),
    rows_in_window: Number(totals.kch_rows ?? 0),
    newest,
    columns: spec.columns,
  };
}
