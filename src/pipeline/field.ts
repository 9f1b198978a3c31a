import { ErrorCodes, KchError } from '../errors.js';
import type { ServerFeatures } from './features.js';
import { literal as quote } from './quote.js';

/**
 * One field of an event stream. A field knows every form it takes: its TypeScript type (for
 * the producer), its type in the Kafka-engine table (how ClickHouse parses the JSON), its type
 * in the target table, the SQL that converts one into the other, the SQL that says whether a
 * parsed value is acceptable, and the same check in TypeScript for events we produce.
 */
export abstract class Field<T = unknown> {
  /** Phantom member carrying the TypeScript type; never set. */
  declare readonly _type: T;
  abstract readonly kind: string;
  /** Human description for docs and `--help`. */
  abstract describe(): string;
  /** Column type in the Kafka-engine table: as loose as needed to parse, as strict as it can be. */
  abstract inputType(features: ServerFeatures): string;
  /** Column type in the target MergeTree table. */
  abstract targetType(features: ServerFeatures): string;
  /** SQL turning the input column into the target value (only evaluated on valid rows). */
  abstract toTarget(column: string, features: ServerFeatures): string;
  /** SQL predicate: true when the parsed value is acceptable. */
  abstract check(column: string, features: ServerFeatures): string;
  /** The type a well-formed value of the field has inside a `Dynamic` decoded from JSON. */
  protected get jsonType(): 'String' | 'Int64' { return 'String'; }
  /**
   * SQL predicate over `value`, a `Dynamic` holding the field's JSON value as the server parsed it
   * (NULL when absent or null): true when acceptable. The JSON type counts: "5" is not a number.
   * By default `check` over the value of `jsonType`, which is NULL for any other type.
   */
  jsonCheck(value: string, features: ServerFeatures): string {
    return `ifNull(${this.check(dynamicElement(value, this.jsonType), features)}, 0)`;
  }
  /** SQL turning that `Dynamic` into the target value. Evaluated on every row: it must never throw. */
  jsonToTarget(value: string, features: ServerFeatures): string {
    return this.toTarget(`ifNull(${dynamicElement(value, this.jsonType)}, ${this.jsonType === 'String' ? "''" : '0'})`, features);
  }
  /** Returns why a value is not acceptable, or undefined when it is. */
  abstract problem(value: unknown): string | undefined;
  /** Whether a message may leave the field out (it then takes `defaultSql`). */
  get optional(): boolean { return false; }
  /** SQL literal an absent optional field takes; also the target column's DEFAULT, which rows older than the field get. */
  get defaultSql(): string | undefined { return undefined; }
  /**
   * The same field, optional: absent or null, it takes `value`. A field added to a stream that
   * already carries events needs one, or every message from a producer that does not send it yet
   * is rejected.
   */
  withDefault(value: T): Field<T> {
    return new DefaultedField(this, value);
  }
}

/** What a `Dynamic` holds if it is of `type` (String: a JSON string; Int64: a JSON whole number), or NULL. */
const dynamicElement = (value: string, type: 'String' | 'Int64' | 'Float64'): string => `dynamicElement(${value}, '${type}')`;

class UuidField extends Field<string> {
  readonly kind = 'uuid';
  describe(): string { return 'UUID as text'; }
  inputType(): string { return 'String'; }
  targetType(): string { return 'UUID'; }
  toTarget(column: string, f: ServerFeatures): string {
    // Old servers have no non-throwing conversion: only a well-formed id reaches toUUID.
    return f.orNullConversions ? `toUUIDOrZero(${column})` : `toUUID(if(${this.shape(column)}, ${column}, '00000000-0000-0000-0000-000000000000'))`;
  }
  check(column: string, f: ServerFeatures): string {
    return f.orNullConversions ? `isNotNull(toUUIDOrNull(${column}))` : this.shape(column);
  }
  // The same parse as the check's, so that the view parses each id once.
  override jsonToTarget(value: string): string { return `assumeNotNull(toUUIDOrNull(${dynamicElement(value, 'String')}))`; }
  private shape(column: string): string {
    return `match(${column}, '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')`;
  }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'must be a string';
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? undefined : 'must be a UUID';
  }
}

class LiteralField<const V extends string> extends Field<V> {
  readonly kind = 'literal';
  constructor(readonly value: V) { super(); }
  describe(): string { return `always "${this.value}"`; }
  inputType(): string { return 'String'; }
  targetType(f: ServerFeatures): string { return f.lowCardinality ? 'LowCardinality(String)' : 'String'; }
  toTarget(column: string): string { return column; }
  check(column: string): string { return `${column} = ${quote(this.value)}`; }
  problem(value: unknown): string | undefined {
    return value === this.value ? undefined : `must be "${this.value}"`;
  }
}

/** `YYYY-MM-DD HH:MM:SS` in the producer's local time, as the seed's generator wrote it. */
class DateTimeTextField extends Field<string> {
  readonly kind = 'datetime';
  describe(): string { return 'local time "YYYY-MM-DD HH:MM:SS" (any form parseDateTimeBestEffort reads)'; }
  inputType(): string { return 'String'; }
  targetType(): string { return 'DateTime'; }
  toTarget(column: string): string {
    return `ifNull(parseDateTimeBestEffortOrNull(${column}), toDateTime(0))`;
  }
  check(column: string): string {
    // Reject what would land as 1970 or overflow DateTime, not only what fails to parse.
    return `ifNull(parseDateTimeBestEffortOrNull(${column}) > toDateTime(86400), 0)`;
  }
  // The text as the check has it (NULL included: toTarget turns that into 1970), so that the view
  // parses the date once for both.
  override jsonToTarget(value: string): string { return this.toTarget(dynamicElement(value, 'String')); }
  /** The last text found valid: a generator's events share the second they were made in. */
  private lastValid = '';
  problem(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'must be a string';
    if (value === this.lastValid) return undefined;
    const verdict = this.verdict(value);
    if (verdict === undefined) this.lastValid = value;
    return verdict;
  }
  private verdict(value: string): string | undefined {
    const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
    if (!match) return 'must look like YYYY-MM-DD HH:MM:SS';
    // The same verdict as the SQL check (found by fuzzing: the shape alone let 2024-02-30 25:61:61
    // and 1970-01-01 through): a real date and time, after 1970-01-02 and within DateTime.
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
      return 'must be a real date and time';
    }
    // A day of margin on each side: the server reads the text in its own time zone.
    return year >= 1970 && value >= '1970-01-03' && value < '2106-02-06' ? undefined : 'must be between 1970-01-03 and 2106-02-05';
  }
}

type IntegerType = 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int32' | 'Int64';

class IntegerField extends Field<number> {
  readonly kind = 'integer';
  constructor(readonly min: number, readonly max: number, readonly type: IntegerType) { super(); }
  describe(): string { return `whole number ${this.min}..${this.max}`; }
  // Parsed wide and signed so that -1 or 2^32+1 reach the check instead of wrapping around.
  inputType(): string { return 'Int64'; }
  targetType(): string { return this.type; }
  toTarget(column: string): string { return `to${this.type}(${column})`; }
  check(column: string): string { return `${column} BETWEEN ${this.min} AND ${this.max}`; }
  protected override get jsonType(): 'Int64' { return 'Int64'; }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be a whole number';
    return value >= this.min && value <= this.max ? undefined : `must be between ${this.min} and ${this.max}`;
  }
}

class DecimalField extends Field<number> {
  readonly kind = 'decimal';
  constructor(readonly precision: number, readonly scale: number, readonly min: number, readonly max: number) { super(); }
  describe(): string { return `number ${this.min}..${this.max} with ${this.scale} decimals`; }
  // Parsed as Decimal straight from the JSON text: Float64 then toDecimal truncates 0.29 to 0.28.
  inputType(): string { return `Decimal(18, ${this.scale})`; }
  targetType(): string { return `Decimal(${this.precision}, ${this.scale})`; }
  toTarget(column: string): string {
    const width = this.precision <= 9 ? 32 : this.precision <= 18 ? 64 : 128;
    return `toDecimal${width}(${column}, ${this.scale})`;
  }
  check(column: string): string { return `${column} >= ${this.min} AND ${column} <= ${this.max}`; }
  /** A JSON number, whole or not, as Float64 (exact for the 15 digits a Decimal(18, s) holds). */
  private jsonNumber(value: string): string {
    return `ifNull(${dynamicElement(value, 'Float64')}, toFloat64(${dynamicElement(value, 'Int64')}))`;
  }
  override jsonCheck(value: string): string {
    // The same test as `problem`: in range, and within 1e-6 of a whole number of cents.
    const x = this.jsonNumber(value);
    const scaled = `${x} * ${10 ** this.scale}`;
    return `ifNull(${x} BETWEEN ${this.min} AND ${this.max} AND abs(${scaled} - round(${scaled})) < 1e-6, 0)`;
  }
  override jsonToTarget(value: string): string {
    // Through the shortest text of the rounded Float64: toDecimal of the Float64 itself truncates 0.29 to 0.28.
    const width = this.precision <= 9 ? 32 : this.precision <= 18 ? 64 : 128;
    return `toDecimal${width}OrZero(toString(round(ifNull(${this.jsonNumber(value)}, 0), ${this.scale})), ${this.scale})`;
  }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
    if (value < this.min || value > this.max) return `must be between ${this.min} and ${this.max}`;
    const scaled = value * 10 ** this.scale;
    return Math.abs(scaled - Math.round(scaled)) < 1e-6 ? undefined : `must have at most ${this.scale} decimals`;
  }
}

class TextField extends Field<string> {
  readonly kind = 'text';
  constructor(readonly maxLength: number) { super(); }
  describe(): string { return `non-empty UTF-8 text, at most ${this.maxLength} bytes`; }
  inputType(): string { return 'String'; }
  targetType(): string { return 'String'; }
  toTarget(column: string): string { return column; }
  check(column: string, f: ServerFeatures): string {
    return `length(${column}) BETWEEN 1 AND ${this.maxLength}${f.validUtf8 ? ` AND isValidUTF8(${column})` : ''}`;
  }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'string' || value.length === 0) return 'must be non-empty text';
    // A UTF-16 unit is at most 3 UTF-8 bytes: short text needs no byte count.
    return value.length * 3 <= this.maxLength || Buffer.byteLength(value) <= this.maxLength ? undefined : `must be at most ${this.maxLength} bytes`;
  }
}

class OneOfField<const V extends string> extends Field<V> {
  readonly kind = 'one-of';
  constructor(readonly values: readonly V[]) { super(); }
  describe(): string { return `one of ${this.values.join(', ')}`; }
  inputType(): string { return 'String'; }
  targetType(f: ServerFeatures): string { return f.lowCardinality ? 'LowCardinality(String)' : 'String'; }
  toTarget(column: string): string { return column; }
  check(column: string): string { return `${column} IN (${this.values.map(quote).join(', ')})`; }
  problem(value: unknown): string | undefined {
    return typeof value === 'string' && (this.values as readonly string[]).includes(value)
      ? undefined
      : `must be one of ${this.values.join(', ')}`;
  }
}

/**
 * An optional field. On a server with strict JSON input its Kafka column is Nullable, so that an
 * absent or null value is told apart from a real one and replaced by the default in the view; on
 * older servers an absent value is the type's default (0, '') and must pass the field's check.
 */
class DefaultedField<T> extends Field<T> {
  readonly kind: string;
  constructor(readonly inner: Field<T>, readonly fallback: T) {
    super();
    this.kind = inner.kind;
  }
  override get optional(): boolean { return true; }
  override get defaultSql(): string {
    if (typeof this.fallback === 'number') return String(this.fallback);
    if (typeof this.fallback === 'string') return quote(this.fallback);
    throw new KchError(ErrorCodes.DEFINITION, `a field default must be a number or a string, got ${JSON.stringify(this.fallback)}`);
  }
  describe(): string { return `${this.inner.describe()}; ${JSON.stringify(this.fallback)} when absent`; }
  inputType(f: ServerFeatures): string { return f.strictJsonInput ? `Nullable(${this.inner.inputType(f)})` : this.inner.inputType(f); }
  targetType(f: ServerFeatures): string { return this.inner.targetType(f); }
  toTarget(column: string, f: ServerFeatures): string {
    return this.inner.toTarget(f.strictJsonInput ? `ifNull(${column}, ${this.defaultSql})` : column, f);
  }
  check(column: string, f: ServerFeatures): string {
    return f.strictJsonInput ? `isNull(${column}) OR (${this.inner.check(column, f)})` : this.inner.check(column, f);
  }
  override jsonCheck(value: string, f: ServerFeatures): string { return `isNull(${value}) OR (${this.inner.jsonCheck(value, f)})`; }
  override jsonToTarget(value: string, f: ServerFeatures): string { return `if(isNull(${value}), ${this.defaultSql}, ${this.inner.jsonToTarget(value, f)})`; }
  problem(value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : this.inner.problem(value);
  }
}

/** The field constructors a stream definition uses. */
export const field = {
  uuid: (): Field<string> => new UuidField(),
  literal: <const V extends string>(value: V): Field<V> => new LiteralField(value),
  dateTimeText: (): Field<string> => new DateTimeTextField(),
  integer: (min: number, max: number, type: IntegerType = 'UInt32'): Field<number> => new IntegerField(min, max, type),
  decimal: (options: { precision: number; scale: number; min: number; max: number }): Field<number> =>
    new DecimalField(options.precision, options.scale, options.min, options.max),
  text: (maxLength = 1024): Field<string> => new TextField(maxLength),
  oneOf: <const V extends string>(values: readonly V[]): Field<V> => new OneOfField(values),
};

export { quote as sqlString };
