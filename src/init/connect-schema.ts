/**
 * The types a Debezium message declares: Kafka Connect's JSON converter with schemas enabled
 * writes `{"schema": …, "payload": …}`, the schema a struct whose `after` (and `before`) struct
 * lists the row's fields, each a Connect type (int16, int32, int64, float64, boolean, string,
 * bytes, array, struct) and optionally a logical `name` (Decimal, io.debezium.time.*, …). A field
 * the schema types is typed by it rather than by the sample's values; what the schema leaves
 * open (how long a text is) still comes from the sample.
 */
import { MAX_DECIMAL_PRECISION, type IntegerType } from '../pipeline/field.js';
import { exactOf } from '../pipeline/number-text.js';
import { bound, type DeclaredField, type InferredType, type SampledTypes } from './infer.js';

/** One schema of the Connect JSON converter (a struct's field carries its name in `field`). */
interface ConnectSchema {
  readonly type?: unknown;
  readonly optional?: unknown;
  readonly field?: unknown;
  readonly name?: unknown;
  readonly parameters?: unknown;
  readonly fields?: unknown;
  readonly items?: unknown;
}

const connectIntegers: Readonly<Record<string, IntegerType>> = { int8: 'Int8', int16: 'Int16', int32: 'Int32', int64: 'Int64' };

function isSchema(value: unknown): value is ConnectSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldsOf(schema: ConnectSchema): readonly ConnectSchema[] {
  return Array.isArray(schema.fields) ? schema.fields.filter(isSchema) : [];
}

function parameter(schema: ConnectSchema, name: string): string | undefined {
  const parameters = schema.parameters;
  if (!isSchema(parameters)) return undefined;
  const value = (parameters as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The struct of a row in an envelope's schema: `after`'s, else `before`'s; undefined when the schema is no envelope's. */
export function rowSchema(envelope: unknown): ConnectSchema | undefined {
  if (!isSchema(envelope) || envelope.type !== 'struct') return undefined;
  const fields = fieldsOf(envelope);
  const row = fields.find((f) => f.field === 'after') ?? fields.find((f) => f.field === 'before');
  return row !== undefined && row.type === 'struct' ? row : undefined;
}

/** A key's field names in its schema's order, when `schema` is a key's struct; else undefined. */
export function structFieldNames(schema: unknown): readonly string[] | undefined {
  if (!isSchema(schema) || schema.type !== 'struct') return undefined;
  const names = fieldsOf(schema).map((f) => f.field);
  return names.every((n): n is string => typeof n === 'string') && names.length > 0 ? names : undefined;
}

/** The row's fields as the struct declares them, by name; whether each may be null with them. */
export function declaredFields(row: ConnectSchema): ReadonlyMap<string, DeclaredField> {
  const declared = new Map<string, DeclaredField>();
  for (const schema of fieldsOf(row)) {
    if (typeof schema.field !== 'string') continue;
    const typed = typeOf(schema);
    declared.set(schema.field, {
      optional: schema.optional === true,
      type: typed?.type ?? (() => undefined),
      ...(typed?.note === undefined ? {} : { note: typed.note }),
    });
  }
  return declared;
}

interface Typed {
  readonly type: (sampled: SampledTypes) => InferredType | undefined;
  readonly note?: string;
}

const exactly = (type: InferredType): Typed['type'] => () => type;
const asText = (sampled: SampledTypes): InferredType => sampled.text;
/** Text that encodes a value (JSON, base64): never an enumeration, however few values the sample held. */
const asEncoding = (sampled: SampledTypes): InferredType => ({ ...sampled.text, lowCardinality: false });
/** Bytes as base64: no bytes is "". */
const asBase64 = (sampled: SampledTypes): InferredType => ({ ...sampled.text, lowCardinality: false, allowEmpty: true });

/** A Decimal's precision when the schema does not say it (`connect.decimal.precision`): a Decimal128's. */
const UNSAID_PRECISION = 38;

/**
 * A value's type from its schema, read as it is sent (Debezium's defaults: decimals as base64,
 * times as whole numbers since 1970, dates as days), with a note where the column is not what
 * the source's was.
 */
function typeOf(schema: ConnectSchema): Typed | undefined {
  const name = typeof schema.name === 'string' ? schema.name : undefined;
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  switch (name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return decimalOf(schema);
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return { type: exactly({ kind: 'date' }) };
    // A time without a zone (PostgreSQL's timestamp): the number is its wall-clock time as if in UTC.
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return epoch(3, 'millis');
    case 'io.debezium.time.MicroTimestamp':
      return epoch(6, 'micros');
    case 'io.debezium.time.NanoTimestamp':
      return epoch(9, 'nanos');
    case 'io.debezium.time.ZonedTimestamp':
      // ISO-8601 text in UTC, as many decimals as the column keeps (PostgreSQL's: 6).
      return { type: (sampled) => (sampled.type.kind === 'timestamp' ? sampled.type : { kind: 'timestamp', precision: 6, timeZone: 'UTC' }) };
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return { type: exactly({ kind: 'int', type: 'Int32' }), note: 'a time of day, sent as milliseconds since midnight: kept as that number' };
    case 'io.debezium.time.MicroTime':
      return { type: exactly({ kind: 'int', type: 'Int64' }), note: 'a time of day, sent as microseconds since midnight: kept as that number' };
    case 'io.debezium.time.NanoTime':
      return { type: exactly({ kind: 'int', type: 'Int64' }), note: 'a time of day, sent as nanoseconds since midnight: kept as that number' };
    case 'io.debezium.time.MicroDuration':
      return { type: exactly({ kind: 'int', type: 'Int64' }), note: 'a duration, sent as microseconds' };
    case 'io.debezium.data.Json':
      return { type: exactly({ kind: 'json' }) };
    case 'io.debezium.data.Uuid':
      return { type: exactly({ kind: 'uuid' }) };
    case 'io.debezium.data.Enum': {
      const allowed = parameter(schema, 'allowed');
      if (allowed === undefined) return { type: (sampled) => ({ ...sampled.text, lowCardinality: true }) };
      return { type: exactly({ kind: 'oneOf', values: allowed.split(',') }), note: 'the enum\'s labels: one added to it later is a dead letter until it is added here' };
    }
    case 'io.debezium.data.Bits':
      return { type: asBase64, note: 'bits, sent as base64 of their bytes' };
    default:
      break;
  }
  switch (type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return { type: exactly({ kind: 'int', type: connectIntegers[type]! }) };
    case 'float32':
    case 'float64':
      return { type: exactly({ kind: 'float' }) };
    case 'boolean':
      return { type: exactly({ kind: 'bool' }) };
    case 'string':
      return { type: asText };
    case 'bytes':
      return { type: asBase64, note: 'bytes, sent as base64' };
    case 'array': {
      const items = isSchema(schema.items) ? typeOf(schema.items) : undefined;
      if (items === undefined) return undefined;
      // The elements' own type where the schema fixes it; the sample's where it leaves it open.
      return {
        type: (sampled) => {
          const of = sampled.type.kind === 'array' ? sampled.type.of : undefined;
          const inner = items.type({ type: of ?? sampled.text, text: of?.kind === 'text' ? of : sampled.text });
          return inner === undefined || inner.kind === 'array' || inner.kind === 'object' ? undefined : { kind: 'array', of: inner };
        },
        ...(items.note === undefined ? {} : { note: `each element: ${items.note}` }),
      };
    }
    default:
      // A struct or a map: its values are columns of their own, typed by the sample.
      return undefined;
  }
}

function epoch(precision: 3 | 6 | 9, encoding: 'millis' | 'micros' | 'nanos'): Typed {
  return { type: exactly({ kind: 'timestamp', precision, timeZone: 'UTC', encoding }), note: 'a time without a zone: its wall-clock time, shown in UTC' };
}

/** NUMERIC(p, s) as Debezium sends it by default: base64 of the unscaled value, bounded by the column's precision. */
function decimalOf(schema: ConnectSchema): Typed {
  const scale = Number(parameter(schema, 'scale'));
  const said = parameter(schema, 'connect.decimal.precision');
  const precision = said === undefined ? Math.max(UNSAID_PRECISION, scale) : Number(said);
  if (!Number.isInteger(scale) || !Number.isInteger(precision) || scale < 0 || scale > precision || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
    return { type: asEncoding, note: `a decimal of precision ${said ?? '?'} and scale ${parameter(schema, 'scale') ?? '?'}, which no Decimal column holds: kept as the base64 of its unscaled bytes` };
  }
  const whole = precision - scale;
  const largest = `${whole > 0 ? '9'.repeat(whole) : '0'}${scale > 0 ? `.${'9'.repeat(scale)}` : ''}`;
  return {
    type: exactly({ kind: 'decimal', precision, scale, min: bound(exactOf(`-${largest}`)!), max: bound(exactOf(largest)!), encoding: 'base64' }),
    ...(said === undefined ? { note: `the schema gives no precision: ${precision} digits taken` } : {}),
  };
}
