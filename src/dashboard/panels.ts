/**
 * The panels of a stream of one's own, derived from its fields, so that a new stream needs no
 * page code: events over its time field (arrival time when it has none), the top values of each
 * low-cardinality field, the sums of its numeric fields, and its newest rows. Every query is
 * bounded: by the time field where there is one (the sorting key's first column as init and the
 * seed define them), LIMITs everywhere.
 */
import { currentServer } from '../pipeline/features.js';
import type { Field } from '../pipeline/field.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { isSeedStream } from '../pipeline/streams/index.js';
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
  /** Where it sits in the message when nested (`zone.pickup`); null at the top level. */
  readonly path: string | null;
  readonly role: FieldRole;
}

export interface StreamDescription {
  readonly name: string;
  readonly table: string;
  readonly description: string;
  /** Whether this is one of the seed's retail streams (the page adds its retail charts). */
  readonly seed: boolean;
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
      seed: isSeedStream(stream),
      id: stream.id ?? null,
      time: stream.time ?? null,
      fields: Object.entries(stream.fields).map(([name, f]): FieldDescription => ({
        name,
        kind: f.kind,
        type: f.targetType(currentServer),
        optional: f.isOptional,
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
    // Within the window too: at millions of rows a sort over the whole table is what the window spares.
    db.rows<Record<string, unknown>>(`SELECT ${spec.columns.map(quoteIdentifier).join(', ')} FROM ${table} WHERE ${window} ORDER BY ${time} DESC LIMIT 10`, params, action),
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
    newest: newest.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, clipCell(v)]))),
    columns: spec.columns,
  };
}
