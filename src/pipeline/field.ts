import { ErrorCodes, KchError } from '../errors.js';
import type { ServerFeatures } from './features.js';
import { literal as quote } from './quote.js';

/**
 * One field of an event stream. A field knows every form it takes: its TypeScript type (for
 * the producer), its type in the Kafka-engine table (how ClickHouse parses the JSON), its type
 * in the target table, the SQL that converts one into the other, the SQL that says whether a
 * parsed value is acceptable, and the same check in TypeScript for events we produce.
 */
/** A source of uniform numbers in [0, 1): what `example` draws from (the generator's SeededRandom is one). */
export interface Draw {
  next(): number;
  /** A version 4 UUID, where the source has a faster way than four `next()`s (the generator's has). */
  uuid?(): string;
}

export abstract class Field<T = unknown> {
  /** Phantom member carrying the TypeScript type; never set. */
  declare readonly _type: T;
  abstract readonly kind: string;
  /**
   * Where the value sits in the message when it is inside nested objects (`at('zone.pickup')`):
   * each nested value gets a column of its own, named by the field, so that it can be sorted on,
   * filtered and charted like any other (a JSON column would be neither typed nor checked). A
   * top-level field is found under its name: undefined.
   */
  jsonPath: readonly string[] | undefined = undefined;
  /**
   * Whether a sum of the field means something (an amount, a duration, a count: `measure()`), so
   * that the dashboard sums it; a latitude, an id or a sequence number is not one.
   */
  isMeasure = false;
  /** A valid value, drawn from `random`: what `kch generate` sends. Undefined: leave the field out. */
  abstract example(random: Draw): T | undefined;
  /**
   * The same draw as JSON text (undefined: leave the field out). The generator's way: kinds whose
   * text needs no JSON.stringify (numbers with decimals, known words, UUIDs) override it.
   */
  exampleJson(random: Draw): string | undefined {
    const value = this.example(random);
    return value === undefined ? undefined : JSON.stringify(value);
  }
  /** The field's type inside the decoding view's JSONExtract tuple. */
  get jsonTupleType(): string { return 'Dynamic'; }
  /**
   * Only the views that decode JSON themselves (ClickHouse 25.8+) can check this field; the
   * reason, for older servers, or undefined.
   */
  needsDecoding(): string | undefined { return this.jsonPath ? 'a nested value' : undefined; }
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
  get isOptional(): boolean { return false; }
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
  /**
   * The same field, optional without a default: absent or null, it is NULL in a Nullable target
   * column (an empty array, for arrays: ClickHouse has no Nullable arrays).
   */
  optional(): Field<T | null> {
    return new OptionalField<T>(this);
  }
  /** The same field, read from inside nested objects: `at('zone.pickup')` reads `{"zone":{"pickup":…}}`. */
  at(path: string): Field<T> {
    const segments = path.split('.');
    if (segments.length < 2 || !segments.every((segment) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment))) {
      throw new KchError(ErrorCodes.DEFINITION, `at('${path}'): a path is two or more plain names joined by dots, e.g. 'zone.pickup'`);
    }
    const copy = Object.create(Object.getPrototypeOf(this) as object) as Field<T>;
    Object.assign(copy, this, { jsonPath: segments });
    return copy;
  }
  /** The same field, marked as a measure: the dashboard charts its sum (see `isMeasure`). Numbers only. */
  measure(): Field<T> {
    if (!['integer', 'decimal', 'float'].includes(this.kind)) {
      throw new KchError(ErrorCodes.DEFINITION, `measure(): only a number can be summed (an integer, decimal or float field), not ${this.kind}`);
    }
    const copy = Object.create(Object.getPrototypeOf(this) as object) as Field<T>;
    Object.assign(copy, this, { isMeasure: true });
    return copy;
  }
}

/** What a `Dynamic` holds if it is of `type` (String: a JSON string; Int64: a JSON whole number), or NULL. */
const dynamicElement = (value: string, type: 'String' | 'Int64' | 'Float64' | 'Bool'): string => `dynamicElement(${value}, '${type}')`;

/**
 * Whether ClickHouse's JSON parser cannot take this number as JavaScript writes it: a whole
 * number below 10²¹ is written as an integer literal, and one outside Int64 makes the message
 * unreadable (or a UInt64 no numeric field takes). Found by fuzzing: -2⁶³ is written
 * -9223372036854776000.
 */
const beyondJsonInt64 = (value: number): boolean => Number.isInteger(value) && Math.abs(value) < 1e21 && Math.abs(value) >= 2 ** 63;

/** A whole number in [lo, hi] (both safe integers). */
const drawInt = (random: Draw, lo: number, hi: number): number => lo + Math.floor(random.next() * (hi - lo + 1));

/** The modest part of a range that examples come from: near zero, at most 100,000 wide. */
function exampleRange(min: number, max: number): [number, number] {
  const lo = Math.max(min, Math.min(max, min < 0 ? -1000 : min));
  return [lo, Math.min(max, lo + 100_000)];
}

const words = ['north', 'amber', 'river', 'delta', 'quartz', 'maple', 'orbit', 'cedar', 'pixel', 'harbor', 'lumen', 'sierra', 'tango', 'willow', 'zephyr', 'atlas'] as const;
const hex = '0123456789abcdef';

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
  /** A version 4 UUID from four draws of 32 bits. */
  override exampleJson(random: Draw): string { return `"${this.example(random)}"`; }
  example(random: Draw): string {
    if (random.uuid) return random.uuid();
    const word = (): string => Math.floor(random.next() * 4_294_967_296).toString(16).padStart(8, '0');
    const [a, b, c, d] = [word(), word(), word(), word()];
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${hex[8 + (parseInt(c[0]!, 16) & 3)]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
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
  example(): V { return this.value; }
  override exampleJson(): string { return JSON.stringify(this.value); }
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
  private exampleSecond = -1;
  private exampleText = '';
  /** Now, in local time, as the seed's generator wrote it (made once a second: the generator asks ~10⁵ times). */
  example(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.exampleSecond) {
      const date = new Date(second * 1000);
      const p = (n: number): string => String(n).padStart(2, '0');
      this.exampleSecond = second;
      this.exampleText = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
    }
    return this.exampleText;
  }
  override exampleJson(): string { return `"${this.example()}"`; }
}

export type IntegerType = 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int8' | 'Int16' | 'Int32' | 'Int64';

/**
 * Each integer type's range. 64-bit ones stop at ±(2^53 − 1): past that a JSON number is not held
 * exactly by JavaScript (nor by the Float64 ClickHouse compares it through), so neither side
 * could check it.
 */
const integerRanges: Readonly<Record<IntegerType, readonly [number, number]>> = {
  UInt8: [0, 255], UInt16: [0, 65_535], UInt32: [0, 4_294_967_295], UInt64: [0, Number.MAX_SAFE_INTEGER],
  Int8: [-128, 127], Int16: [-32_768, 32_767], Int32: [-2_147_483_648, 2_147_483_647], Int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

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
  example(random: Draw): number {
    const [lo, hi] = exampleRange(this.min, this.max);
    return drawInt(random, lo, hi);
  }
  override exampleJson(random: Draw): string { return String(this.example(random)); }
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
    if (beyondJsonInt64(value)) return 'must be a whole number within 64 bits';
    const scaled = value * 10 ** this.scale;
    return Math.abs(scaled - Math.round(scaled)) < 1e-6 ? undefined : `must have at most ${this.scale} decimals`;
  }
  example(random: Draw): number {
    const unit = 10 ** this.scale;
    const [lo, hi] = exampleRange(Math.ceil(this.min * unit), Math.floor(Math.min(this.max, this.min + 10_000) * unit));
    return drawInt(random, lo, hi) / unit;
  }
  /** The same draw written from its whole number of units: no float formatting. */
  override exampleJson(random: Draw): string {
    const unit = 10 ** this.scale;
    const [lo, hi] = exampleRange(Math.ceil(this.min * unit), Math.floor(Math.min(this.max, this.min + 10_000) * unit));
    const units = drawInt(random, lo, hi);
    if (this.scale === 0) return String(units);
    const magnitude = Math.abs(units);
    const whole = Math.floor(magnitude / unit);
    return `${units < 0 ? '-' : ''}${whole}.${String(magnitude - whole * unit).padStart(this.scale, '0')}`;
  }
}

export interface TextOptions {
  /** @default 1024 */
  readonly maxLength?: number;
  /** A LowCardinality(String) column: for text with few distinct values (a country, a status). */
  readonly lowCardinality?: boolean;
  /** Whether "" is acceptable. @default false */
  readonly allowEmpty?: boolean;
}

class TextField extends Field<string> {
  readonly kind = 'text';
  readonly maxLength: number;
  readonly lowCardinality: boolean;
  readonly allowEmpty: boolean;
  constructor(options: TextOptions) {
    super();
    this.maxLength = options.maxLength ?? 1024;
    this.lowCardinality = options.lowCardinality ?? false;
    this.allowEmpty = options.allowEmpty ?? false;
  }
  describe(): string { return `${this.allowEmpty ? '' : 'non-empty '}UTF-8 text, at most ${this.maxLength} bytes`; }
  inputType(): string { return 'String'; }
  targetType(f: ServerFeatures): string { return this.lowCardinality && f.lowCardinality ? 'LowCardinality(String)' : 'String'; }
  toTarget(column: string): string { return column; }
  check(column: string, f: ServerFeatures): string {
    return `length(${column}) ${this.allowEmpty ? `<= ${this.maxLength}` : `BETWEEN 1 AND ${this.maxLength}`}${f.validUtf8 ? ` AND isValidUTF8(${column})` : ''}`;
  }
  example(random: Draw): string {
    const count = this.lowCardinality ? 1 : 1 + Math.floor(random.next() * 3);
    let out = words[Math.floor(random.next() * (this.lowCardinality ? 6 : words.length))]!;
    for (let i = 1; i < count; i++) out += ` ${words[Math.floor(random.next() * words.length)]!}`;
    return out.length <= this.maxLength ? out : out.slice(0, Math.max(1, this.maxLength));
  }
  /** The words are plain ASCII: no escaping. */
  override exampleJson(random: Draw): string { return `"${this.example(random)}"`; }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'string') return this.allowEmpty ? 'must be text' : 'must be non-empty text';
    if (value.length === 0) return this.allowEmpty ? undefined : 'must be non-empty text';
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
  example(random: Draw): V { return this.values[Math.floor(random.next() * this.values.length)]!; }
  private quoted: readonly string[] | undefined;
  override exampleJson(random: Draw): string {
    this.quoted ??= this.values.map((v) => JSON.stringify(v));
    return this.quoted[Math.floor(random.next() * this.quoted.length)]!;
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
    this.jsonPath = inner.jsonPath;
    this.isMeasure = inner.isMeasure;
  }
  override get isOptional(): boolean { return true; }
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
  /** Left out one time in ten, as producers that do not send it yet would. */
  example(random: Draw): T | undefined { return random.next() < 0.1 ? undefined : this.inner.example(random); }
  override exampleJson(random: Draw): string | undefined { return random.next() < 0.1 ? undefined : this.inner.exampleJson(random); }
  override needsDecoding(): string | undefined { return super.needsDecoding() ?? this.inner.needsDecoding(); }
}

/** Any finite JSON number, whole or not, as Float64. */
class FloatField extends Field<number> {
  readonly kind = 'float';
  describe(): string { return 'a number (Float64)'; }
  inputType(): string { return 'Float64'; }
  targetType(): string { return 'Float64'; }
  toTarget(column: string): string { return column; }
  check(column: string): string { return `isFinite(${column})`; }
  /** A JSON number, whole or not ("5" and true are not). */
  private jsonNumber(value: string): string {
    return `ifNull(${dynamicElement(value, 'Float64')}, toFloat64(${dynamicElement(value, 'Int64')}))`;
  }
  override jsonCheck(value: string): string { return `ifNull(isFinite(${this.jsonNumber(value)}), 0)`; }
  override jsonToTarget(value: string): string { return `ifNull(${this.jsonNumber(value)}, 0)`; }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
    return beyondJsonInt64(value) ? 'must be a whole number within 64 bits, or have a fraction or an exponent' : undefined;
  }
  example(random: Draw): number { return Math.round(random.next() * 1_000_000) / 1000; }
  override exampleJson(random: Draw): string {
    const thousandths = Math.round(random.next() * 1_000_000);
    const whole = Math.floor(thousandths / 1000);
    return `${whole}.${String(thousandths - whole * 1000).padStart(3, '0')}`;
  }
}

/** JSON true or false. */
class BoolField extends Field<boolean> {
  readonly kind = 'bool';
  describe(): string { return 'true or false'; }
  inputType(f: ServerFeatures): string { return f.boolType ? 'Bool' : 'UInt8'; }
  targetType(f: ServerFeatures): string { return f.boolType ? 'Bool' : 'UInt8'; }
  toTarget(column: string): string { return column; }
  check(column: string): string { return `isNotNull(${column})`; }
  override jsonCheck(value: string): string { return `isNotNull(${dynamicElement(value, 'Bool')})`; }
  override jsonToTarget(value: string): string { return `ifNull(${dynamicElement(value, 'Bool')}, false)`; }
  override needsDecoding(): string { return 'a Bool column'; }
  problem(value: unknown): string | undefined { return typeof value === 'boolean' ? undefined : 'must be true or false'; }
  example(random: Draw): boolean { return random.next() < 0.5; }
  override exampleJson(random: Draw): string { return random.next() < 0.5 ? 'true' : 'false'; }
}

export type TimestampPrecision = 0 | 3 | 6 | 9;

/**
 * ISO-8601 text (`2026-12-05T01:02:03.456Z`, `…+02:00`, or with a space for the T) as
 * DateTime64. The shape is checked by one regular expression on both sides, strict about each
 * part's range (ClickHouse's parser would read hour 25 as the next day), and the date must exist:
 * years 1970 to 2261 (within DateTime64 at every precision), 1 to 9 decimals, an offset of at
 * most ±14:59, or none (then the column's time zone applies).
 */
const isoPattern = '^(19[7-9][0-9]|2[01][0-9][0-9]|22[0-5][0-9]|226[01])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$';
const isoRegExp = new RegExp(isoPattern);

class TimestampField extends Field<string> {
  readonly kind = 'timestamp';
  constructor(readonly precision: TimestampPrecision, readonly timeZone: string | undefined) { super(); }
  describe(): string { return `ISO-8601 time, e.g. 2026-12-05T01:02:03${this.precision ? `.${'1'.repeat(this.precision)}` : ''}Z`; }
  inputType(): string { return 'String'; }
  targetType(f: ServerFeatures): string {
    if (!f.dateTime64) return `DateTime${this.timeZone === undefined ? '' : `(${quote(this.timeZone)})`}`;
    return `DateTime64(${this.precision}${this.timeZone === undefined ? '' : `, ${quote(this.timeZone)}`})`;
  }
  private parse(column: string): string {
    return `parseDateTime64BestEffortOrNull(${column}, ${this.precision}${this.timeZone === undefined ? '' : `, ${quote(this.timeZone)}`})`;
  }
  toTarget(column: string): string {
    return `ifNull(${this.parse(column)}, toDateTime64(0, ${this.precision}${this.timeZone === undefined ? '' : `, ${quote(this.timeZone)}`}))`;
  }
  check(column: string): string { return `match(${column}, ${quote(isoPattern)}) AND isNotNull(${this.parse(column)})`; }
  // The same parse as the check's (NULL included: toTarget turns that into 1970), so that the view
  // parses the time once for both.
  override jsonToTarget(value: string): string { return this.toTarget(dynamicElement(value, 'String')); }
  override needsDecoding(): string { return 'a DateTime64 column'; }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'must be a string';
    if (!isoRegExp.test(value)) return 'must be ISO-8601 time, e.g. 2026-12-05T01:02:03Z';
    const [year, month, day] = [Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))];
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? undefined : 'must be a real date';
  }
  private exampleMs = -1;
  private exampleText = '';
  /** Now, in UTC, with the field's precision (made once a millisecond). */
  example(): string {
    const ms = Date.now();
    if (ms !== this.exampleMs) {
      const text = new Date(ms).toISOString();
      this.exampleMs = ms;
      this.exampleText = this.precision === 0 ? `${text.slice(0, 19)}Z` : `${text.slice(0, 23)}${'0'.repeat(this.precision - 3)}Z`;
    }
    return this.exampleText;
  }
  override exampleJson(): string { return `"${this.example()}"`; }
}

/** A JSON array whose every element is a value of `of` (no nulls in it); Array(T). */
class ArrayField<E> extends Field<E[]> {
  readonly kind = 'array';
  constructor(readonly of: Field<E>) {
    super();
    if (of.kind === 'array' || of.isOptional || of.jsonPath) throw new KchError(ErrorCodes.DEFINITION, 'array(of): the elements must be a plain, required field (no arrays of arrays)');
  }
  describe(): string { return `an array of ${this.of.describe()}`; }
  inputType(f: ServerFeatures): string { return `Array(${this.of.inputType(f)})`; }
  targetType(f: ServerFeatures): string { return `Array(${this.of.targetType(f)})`; }
  toTarget(column: string, f: ServerFeatures): string { return `arrayMap(x -> ${this.of.toTarget('x', f)}, ${column})`; }
  check(column: string, f: ServerFeatures): string { return `arrayAll(x -> ${this.of.check('x', f)}, ${column})`; }
  // Each element a Dynamic of its JSON type, as a scalar field's value is; that the value is an
  // array at all is checked over the message (plan.ts), since a non-array extracts as [].
  override get jsonTupleType(): string { return 'Array(Dynamic)'; }
  override jsonCheck(value: string, f: ServerFeatures): string { return `arrayAll(x -> ${this.of.jsonCheck('x', f)}, ${value})`; }
  override jsonToTarget(value: string, f: ServerFeatures): string { return `arrayMap(x -> ${this.of.jsonToTarget('x', f)}, ${value})`; }
  override needsDecoding(): string { return 'an array'; }
  problem(value: unknown): string | undefined {
    if (!Array.isArray(value)) return 'must be an array';
    for (let i = 0; i < value.length; i++) {
      const problem = this.of.problem(value[i]);
      if (problem) return `element ${i} ${problem}`;
    }
    return undefined;
  }
  example(random: Draw): E[] {
    const out: E[] = [];
    for (let n = Math.floor(random.next() * 5); n > 0; n--) out.push(this.of.example(random)!);
    return out;
  }
  override exampleJson(random: Draw): string {
    let text = '[';
    for (let n = Math.floor(random.next() * 5); n > 0; n--) text += `${text === '[' ? '' : ','}${this.of.exampleJson(random)!}`;
    return `${text}]`;
  }
}

/** Optional without a default: absent or null is NULL (see Field.optional). */
class OptionalField<T> extends Field<T | null> {
  readonly kind: string;
  constructor(readonly inner: Field<T>) {
    super();
    this.kind = inner.kind;
    this.jsonPath = inner.jsonPath;
    this.isMeasure = inner.isMeasure;
    if (inner.isOptional) throw new KchError(ErrorCodes.DEFINITION, 'optional(): the field is optional already');
  }
  private get isArray(): boolean { return this.inner.kind === 'array'; }
  override get isOptional(): boolean { return true; }
  override get jsonTupleType(): string { return this.inner.jsonTupleType; }
  describe(): string { return `${this.inner.describe()}, or null`; }
  inputType(f: ServerFeatures): string { return this.isArray ? this.inner.inputType(f) : `Nullable(${this.inner.inputType(f)})`; }
  targetType(f: ServerFeatures): string {
    const inner = this.inner.targetType(f);
    if (this.isArray) return inner;
    const low = /^LowCardinality\((.*)\)$/.exec(inner);
    return low ? `LowCardinality(Nullable(${low[1]}))` : `Nullable(${inner})`;
  }
  toTarget(column: string, f: ServerFeatures): string {
    return this.isArray ? this.inner.toTarget(column, f) : `if(isNull(${column}), NULL, ${this.inner.toTarget(`assumeNotNull(${column})`, f)})`;
  }
  check(column: string, f: ServerFeatures): string {
    return this.isArray ? this.inner.check(column, f) : `isNull(${column}) OR (${this.inner.check(`assumeNotNull(${column})`, f)})`;
  }
  override jsonCheck(value: string, f: ServerFeatures): string {
    return this.isArray ? this.inner.jsonCheck(value, f) : `isNull(${value}) OR (${this.inner.jsonCheck(value, f)})`;
  }
  override jsonToTarget(value: string, f: ServerFeatures): string {
    return this.isArray ? this.inner.jsonToTarget(value, f) : `if(isNull(${value}), NULL, ${this.inner.jsonToTarget(value, f)})`;
  }
  override needsDecoding(): string | undefined { return super.needsDecoding() ?? this.inner.needsDecoding(); }
  problem(value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : this.inner.problem(value);
  }
  /** Left out one time in ten. */
  example(random: Draw): T | undefined { return random.next() < 0.1 ? undefined : this.inner.example(random); }
  override exampleJson(random: Draw): string | undefined { return random.next() < 0.1 ? undefined : this.inner.exampleJson(random); }
}

/** The field constructors a stream definition uses. */
export const field = {
  uuid: (): Field<string> => new UuidField(),
  literal: <const V extends string>(value: V): Field<V> => new LiteralField(value),
  dateTimeText: (): Field<string> => new DateTimeTextField(),
  integer: (min: number, max: number, type: IntegerType = 'UInt32'): Field<number> => {
    const [lo, hi] = integerRanges[type];
    if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && lo <= min && min <= max && max <= hi)) {
      throw new KchError(ErrorCodes.DEFINITION, `integer(${min}, ${max}, '${type}'): the range must lie within ${type} (${lo}..${hi}) and min ≤ max`);
    }
    return new IntegerField(min, max, type);
  },
  /** A whole number over its type's whole range (a sample's largest value is no contract). */
  int: (type: IntegerType): Field<number> => new IntegerField(integerRanges[type][0], integerRanges[type][1], type),
  float: (): Field<number> => new FloatField(),
  bool: (): Field<boolean> => new BoolField(),
  timestamp: (options: { precision?: TimestampPrecision; timeZone?: string } = {}): Field<string> => new TimestampField(options.precision ?? 3, options.timeZone),
  array: <E>(of: Field<E>): Field<E[]> => new ArrayField(of),
  decimal: (options: { precision: number; scale: number; min: number; max: number }): Field<number> =>
    new DecimalField(options.precision, options.scale, options.min, options.max),
  text: (options: number | TextOptions = {}): Field<string> => new TextField(typeof options === 'number' ? { maxLength: options } : options),
  oneOf: <const V extends string>(values: readonly V[]): Field<V> => new OneOfField(values),
};

export { quote as sqlString };
