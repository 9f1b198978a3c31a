/**
 * A PostgreSQL column as a field of a change stream: the `field.…()` source `kch cdc add` writes
 * into kch.config.ts, and the kind of value `kch verify --against` compares. The values are the
 * ones the connectors kch makes send (connector.ts): NUMERIC as exact text
 * (decimal.handling.mode=string), times as ISO text (time.precision.mode=isostring; a
 * TIMESTAMPTZ in UTC), JSON and JSONB as their text, an array as a JSON array, an enum's label,
 * bytea as base64.
 */
import type { SourceColumn } from '../postgres/catalog.js';

/** What `kch verify --against` compares a column as (src/verify/canonical.ts). */
export type ValueKind = 'integer' | 'decimal' | 'float' | 'bool' | 'text' | 'uuid' | 'timestamp' | 'date' | 'json' | 'bytes';

export interface ColumnField {
  readonly column: string;
  /** The field as kch.config.ts writes it: `field.int('Int32').optional()`. */
  readonly source: string;
  readonly kind: ValueKind;
  readonly array: boolean;
  /** A comment for the line above the field, when its type says something worth knowing. */
  readonly note?: string;
}

export interface UnsupportedColumn {
  readonly column: string;
  readonly why: string;
}

/** Text without a declared length: what one Kafka message can carry at most, and then some. */
export const TEXT_MAX_BYTES = 16_777_216;

/** The target's own columns: a source column of that name would collide. */
const reservedColumns = new Set(['processing_time', 'kch_version', 'kch_deleted']);
const plainName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const integers: Readonly<Record<string, string>> = { int2: 'Int16', int4: 'Int32', int8: 'Int64' };
const texts = new Set(['text', 'varchar', 'bpchar', 'name', 'citext']);

/** numeric(p, s) from its type modifier (PostgreSQL 15 stores a scale that may be negative in 11 bits); undefined when unconstrained. */
export function numericOf(typmod: number): { readonly precision: number; readonly scale: number } | undefined {
  if (typmod < 4) return undefined;
  const bits = typmod - 4;
  return { precision: (bits >> 16) & 0xffff, scale: ((bits & 0x7ff) ^ 1024) - 1024 };
}

/** The largest value of numeric(p, s) as text: 999.99 for (5, 2). */
export function decimalMax(precision: number, scale: number): string {
  const whole = precision - scale;
  return `${whole > 0 ? '9'.repeat(whole) : '0'}${scale > 0 ? `.${'9'.repeat(scale)}` : ''}`;
}

/** 0, 3 or 6: the field's precision for a time column of precision `typmod` (-1: 6, PostgreSQL's default). */
function timePrecision(typmod: number): 0 | 3 | 6 {
  if (typmod < 0 || typmod > 3) return 6;
  return typmod === 0 ? 0 : 3;
}

/** The value's own field (not yet optional, not yet an array), or why there is none. */
function scalarField(column: SourceColumn): Omit<ColumnField, 'column' | 'array'> | string {
  const { type, typmod } = column;
  if (column.enumLabels) {
    return { source: 'field.text({ maxLength: 256, lowCardinality: true })', kind: 'text', note: `enum ${type}: ${column.enumLabels.join(', ')}` };
  }
  const integer = integers[type];
  if (integer) return { source: `field.int('${integer}')`, kind: 'integer' };
  switch (type) {
    case 'numeric': {
      const numeric = numericOf(typmod);
      if (numeric && numeric.scale >= 0 && numeric.scale <= numeric.precision && numeric.precision <= 76) {
        const max = decimalMax(numeric.precision, numeric.scale);
        return { source: `field.decimal({ precision: ${numeric.precision}, scale: ${numeric.scale}, min: '-${max}', max: '${max}' }).acceptStrings()`, kind: 'decimal' };
      }
      return { source: 'field.text({ maxLength: 131_072 })', kind: 'decimal', note: `${column.formatted}: no precision and scale a Decimal column could take, kept as its exact text` };
    }
    case 'float4':
    case 'float8':
      return { source: 'field.float()', kind: 'float' };
    case 'bool':
      return { source: 'field.bool()', kind: 'bool' };
    case 'uuid':
      return { source: 'field.uuid()', kind: 'uuid' };
    case 'timestamptz':
      return { source: `field.timestamp({ precision: ${timePrecision(typmod)} })`, kind: 'timestamp' };
    case 'timestamp':
      return { source: `field.timestamp({ precision: ${timePrecision(typmod)}, timeZone: 'UTC' })`, kind: 'timestamp', note: `${column.formatted}: its wall-clock time, kept as UTC` };
    case 'date':
      return { source: 'field.text({ maxLength: 16 })', kind: 'date', note: 'date: Debezium\'s ISO text (2026-12-07Z)' };
    case 'json':
    case 'jsonb':
      return { source: `field.text({ maxLength: ${TEXT_MAX_BYTES.toLocaleString('en-US').replaceAll(',', '_')}, allowEmpty: true })`, kind: 'json', note: `${type}: its JSON text` };
    case 'bytea':
      return { source: `field.text({ maxLength: ${TEXT_MAX_BYTES.toLocaleString('en-US').replaceAll(',', '_')}, allowEmpty: true })`, kind: 'bytes', note: 'bytea: base64 of the bytes' };
    default:
      break;
  }
  if (texts.has(type)) {
    // varchar(n), char(n): n characters, each at most 4 bytes of UTF-8.
    const length = typmod > 4 ? (typmod - 4) * 4 : TEXT_MAX_BYTES;
    return { source: `field.text({ maxLength: ${length.toLocaleString('en-US').replaceAll(',', '_')}, allowEmpty: true })`, kind: 'text' };
  }
  return `type ${column.formatted} has no field kind in kch yet`;
}

/** The column's field, or why it cannot have one (the connector then leaves it out: connector.ts). */
export function columnField(column: SourceColumn): ColumnField | UnsupportedColumn {
  if (!plainName.test(column.name)) return { column: column.name, why: 'its name is not a plain SQL name (letters, digits, _)' };
  if (reservedColumns.has(column.name)) return { column: column.name, why: `${column.name} is a column of kch's own in the target` };
  const scalar = scalarField(column);
  if (typeof scalar === 'string') return { column: column.name, why: scalar };
  if (column.array && (scalar.kind === 'json' || scalar.kind === 'bytes')) return { column: column.name, why: `arrays of ${column.type} have no field kind in kch yet` };
  const made = column.array ? `field.array(${scalar.source})` : scalar.source;
  return {
    column: column.name,
    source: column.notNull ? made : `${made}.optional()`,
    kind: scalar.kind,
    array: column.array,
    ...(scalar.note ? { note: column.array ? `${scalar.note} (each element)` : scalar.note } : {}),
  };
}

export function isUnsupported(mapped: ColumnField | UnsupportedColumn): mapped is UnsupportedColumn {
  return 'why' in mapped;
}
