import type { ServerFeatures } from './features.js';
import { DUPLICATE_KEYS, JsonNumber, readableNumeral, stringifyJson } from './json.js';
import { decimalsWithin, floatValueSql, NUMBER_TEXT, numberTextSql, type NumberSite, type NumberSpec } from './number-sql.js';
import { asFloatReads, bigIntOf, compareExact, decimalsOf, exactOf, exactOfBigInt, exactOfNumber, floatExactBelow, plainText, sameAsNumber, type ExactNumber } from './number-text.js';
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
   * What is wrong with the field's own definition (a range outside its type, a scale above its
   * precision), found when it is made and reported by `defineStream` with the stream's and the
   * field's names, before anything is created.
   */
  protected invalid: string | undefined = undefined;
  get definitionProblem(): string | undefined { return this.invalid; }
  /**
   * What its checks need of a numeric value (src/pipeline/number-sql.ts): the view works the pieces
   * out once per row, each into a column of its own (a NumberSite, given to jsonCheck and
   * jsonToTarget), instead of in each place they are used.
   */
  get numberText(): NumberSpec | undefined { return undefined; }
  /**
   * SQL: the exact value of a numeric field's `Dynamic` (NumberSite), in a type that holds any
   * value of the field's type, NULL when the value is no number of it (undefined for other kinds).
   * `text`: where the value's text is (number-sql.ts, numberTextSql), by default worked out here.
   */
  numberValue(_value: string, _text?: string): string | undefined { return undefined; }
  /** Keys of the objects its values hold (an array of objects' members, at every depth): none for a plain value. */
  get memberKeys(): readonly string[] { return []; }
  /** Whether its values can be beyond a JavaScript number (64-bit and wider integers, decimals): read back as text to stay exact. */
  get exactAsText(): boolean { return false; }
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
  jsonCheck(value: string, features: ServerFeatures, _site?: NumberSite): string {
    return `ifNull(${this.check(dynamicElement(value, this.jsonType), features)}, 0)`;
  }
  /** SQL turning that `Dynamic` into the target value. Evaluated on every row: it must never throw. */
  jsonToTarget(value: string, features: ServerFeatures, _site?: NumberSite): string {
    return this.toTarget(`ifNull(${dynamicElement(value, this.jsonType)}, ${this.jsonType === 'String' ? "''" : '0'})`, features);
  }
  /** Returns why a value is not acceptable, or undefined when it is. */
  abstract problem(value: unknown): string | undefined;
  /**
   * Why `value` cannot be the column's default (`withDefault`), or undefined. A default need not
   * pass the field's checks (`text(16).withDefault('')`: empty when absent, non-empty when sent),
   * only fit the column; numeric and UUID kinds say what fits.
   */
  defaultProblem(value: unknown): string | undefined {
    return typeof value === 'string' || typeof value === 'number' ? undefined : 'must be a number or a string';
  }
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
    const segments = String(path).split('.');
    if (segments.length < 2 || !segments.every((segment) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment))) {
      return this.copy({ invalid: this.invalid ?? `at(${JSON.stringify(path)}): a path is two or more plain names joined by dots, e.g. 'zone.pickup'` });
    }
    return this.copy({ jsonPath: segments });
  }
  /**
   * The same field, also taking the number written as a string (`"qty":"1"` as `1`; common in
   * real producers): only numeric fields (integer, decimal, float). The string must hold a JSON
   * number, which is read exactly.
   */
  acceptStrings(): Field<T> {
    if (!('strings' in this)) return this.copy({ invalid: this.invalid ?? `acceptStrings() is for numeric fields (integer, decimal, float), not ${this.kind}` });
    return this.copy({ strings: true });
  }
  /** The same field, marked wrong in its definition (see `definitionProblem`). */
  withProblem(problem: string): Field<T> { return this.copy({ invalid: this.invalid ?? problem }); }
  /** A copy with some members changed (the fields are immutable once in a stream). */
  protected copy(changes: Record<string, unknown>): Field<T> {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as Field<T>;
    Object.assign(copy, this, changes);
    return copy;
  }
  /** The same field, marked as a measure: the dashboard charts its sum (see `isMeasure`). Numbers only. */
  measure(): Field<T> {
    if (!['integer', 'decimal', 'float'].includes(this.kind)) {
      return this.withProblem(`measure(): only a number can be summed (an integer, decimal or float field), not ${this.kind}`);
    }
    return this.copy({ isMeasure: true });
  }
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
  override defaultProblem(value: unknown): string | undefined { return this.problem(value); }
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
  constructor(readonly value: V) {
    super();
    if (typeof value !== 'string') this.invalid = `literal(${describeValue(value)}): takes a string`;
  }
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

/** What a `Dynamic` holds if it is of `type` (String: a JSON string; Int64: a JSON whole number), or NULL. */
const dynamicElement = (value: string, type: 'String' | 'Int64' | 'UInt64' | 'Float64' | 'Bool'): string => `dynamicElement(${value}, '${type}')`;

/** A whole number in [lo, hi] (both safe integers). */
const drawInt = (random: Draw, lo: number, hi: number): number => lo + Math.floor(random.next() * (hi - lo + 1));

/** A whole number in [lo, hi], of any size: 53 bits at a time. */
function drawBigInt(random: Draw, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  let value = 0n;
  for (let bits = 0n; (1n << bits) < span * 1024n; bits += 53n) value = (value << 53n) + BigInt(Math.floor(random.next() * 2 ** 53));
  return lo + (value % span);
}

/** The modest part of a range that examples come from: near zero, at most 100,000 wide. */
function exampleRange(min: number, max: number): [number, number] {
  const lo = Math.max(min, Math.min(max, min < 0 ? -1000 : min));
  return [lo, Math.min(max, lo + 100_000)];
}

const bigMin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const bigMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * The exact number a JavaScript value of a numeric field stands for: a number (as its shortest
 * text), a bigint, a `JsonNumber` (its text), or with `strings` a string holding a JSON number.
 */
function exactValue(value: unknown, strings: boolean, scale: number): ExactNumber | undefined {
  if (typeof value === 'number') return exactOfNumber(value);
  if (typeof value === 'bigint') return exactOfBigInt(value);
  // As the views take it: a Float64's shortest text where the Float64 tells (number-text.ts).
  if (value instanceof JsonNumber) return asFloatReads(value.text, scale);
  if (typeof value === 'string' && strings) return exactOf(value);
  return undefined;
}

/**
 * A number with a fraction or an exponent as its Float64, where the views cannot find its own
 * text (inside an array, or under a name two members share: src/pipeline/number-sql.ts); any other
 * value as it is.
 */
export function throughFloat(value: unknown): unknown {
  return value instanceof JsonNumber && !/^-?[0-9]+$/.test(value.text) ? Number(value.text) : value;
}

/** What a value is, for a problem's message: `the string "1"`, `an array`. */
export function foundOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonNumber) return `the number ${String(value)}`;
  if (typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Whether JSON.stringify's text of a JavaScript number is one ClickHouse's JSON parser reads (2⁶⁴ is not). */
const writable = (value: number): boolean => Number.isFinite(value) && readableNumeral(String(value));

export type IntegerType = 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'UInt128' | 'UInt256' | 'Int8' | 'Int16' | 'Int32' | 'Int64' | 'Int128' | 'Int256';

/** Each integer type's whole range. */
const integerRanges: Readonly<Record<IntegerType, readonly [bigint, bigint]>> = Object.fromEntries(
  ([8, 16, 32, 64, 128, 256] as const).flatMap((bits) => [
    [`UInt${bits}`, [0n, 2n ** BigInt(bits) - 1n]],
    [`Int${bits}`, [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n]],
  ]),
) as unknown as Record<IntegerType, readonly [bigint, bigint]>;

export const integerTypes = Object.keys(integerRanges) as IntegerType[];

/** The JavaScript type of a whole number of a type: a number up to 32 bits, a bigint allowed beyond. */
export type IntegerOf<T extends IntegerType> = T extends 'UInt64' | 'UInt128' | 'UInt256' | 'Int64' | 'Int128' | 'Int256' ? number | bigint : number;

const INT64_MAX = 2n ** 63n - 1n;

/** A whole number as a SQL literal that compares exactly with any integer column. */
function integerLiteral(value: bigint): string {
  if (value >= -INT64_MAX - 1n && value <= 2n ** 64n - 1n) return value.toString();
  return value < 0n ? `toInt256('${value}')` : `toUInt256('${value}')`;
}

class IntegerField extends Field<number | bigint> {
  readonly kind = 'integer';
  /** Numbers written as strings ("1") are taken too (`acceptStrings()`); always beyond 64 bits. */
  strings = false;
  constructor(readonly min: bigint, readonly max: bigint, readonly type: IntegerType, invalid?: string) {
    super();
    this.invalid = invalid;
  }
  /** 128 and 256 bits: beyond what ClickHouse's JSON parser reads as a number, so also read from strings. */
  private get wide(): boolean { return /128|256/.test(this.type); }
  private get takesStrings(): boolean { return this.strings || this.wide; }
  describe(): string { return `whole number ${this.min}..${this.max}${this.takesStrings ? ' (or a string of one)' : ''}`; }
  // Parsed wide and signed so that -1 or 2^32+1 reach the check instead of wrapping around.
  inputType(): string { return 'Int64'; }
  targetType(): string { return this.type; }
  toTarget(column: string): string { return `to${this.type}(${column})`; }
  check(column: string): string { return `${column} BETWEEN ${this.min} AND ${this.max}`; }
  override needsDecoding(): string | undefined {
    if (this.wide) return `a ${this.type} column`;
    if (this.strings) return 'numbers written as strings';
    return super.needsDecoding();
  }
  override get numberText(): NumberSpec | undefined { return this.floatTells ? undefined : { strings: this.takesStrings, scale: 0 }; }
  override get exactAsText(): boolean { return /64|128|256/.test(this.type); }
  /** Every value of the range below 10^15, no strings: the value's Float64 tells it (floatValueSql). */
  private get floatTells(): boolean {
    const below = BigInt(floatExactBelow(0));
    return !this.takesStrings && -this.min < below && this.max < below;
  }
  /** The type the exact value is worked out in: every value of the field's type, and the negative ones a UInt type refuses. */
  private get big(): string { return this.type === 'UInt256' ? 'UInt256' : 'Int256'; }
  /**
   * A JSON whole number read as Int64 or UInt64 as it is; any other (1.0, 1e3, "12") as the whole
   * number of its text (plain digits of any length as they are, 1.0 or 1e3 through a Decimal: an
   * exponent beyond 20 whole digits is no whole number kch takes); NULL when not whole.
   */
  override numberValue(value: string, given?: string): string {
    if (this.floatTells) return floatValueSql(value);
    const i = dynamicElement(value, 'Int64');
    const u = dynamicElement(value, 'UInt64');
    const text = given ?? numberTextSql(value, this.numberText!);
    const whole = `if(${decimalsWithin(text, 0, 20)}, ifNull(to${this.big}OrNull(${text}), accurateCastOrNull(toDecimal256OrNull(${text}, 0), '${this.big}')), NULL)`;
    return `if(isNotNull(${i}), to${this.big}(${i}), if(isNotNull(${u}), to${this.big}(${u}), ${whole}))`;
  }
  override jsonCheck(value: string, _f: ServerFeatures, site?: NumberSite): string {
    const x = site?.value ?? this.numberValue(value);
    if (this.floatTells) return `ifNull(${x} BETWEEN ${this.min} AND ${this.max} AND round(${x}) = ${x}, 0)`;
    return `ifNull(${x} BETWEEN ${integerLiteral(this.min)} AND ${integerLiteral(this.max)}, 0)`;
  }
  override jsonToTarget(value: string, _f: ServerFeatures, site?: NumberSite): string {
    return `assumeNotNull(accurateCastOrNull(${site?.value ?? this.numberValue(value)}, '${this.type}'))`;
  }
  problem(value: unknown): string | undefined {
    const exact = exactValue(value, this.takesStrings, 0);
    const whole = exact === undefined ? undefined : bigIntOf(exact);
    if (whole === undefined) {
      if (typeof value === 'string' && exactOf(value) !== undefined) return `must be a whole number, got ${foundOf(value)} (a number written as a string: accept those with acceptStrings())`;
      return `must be a whole number, got ${foundOf(value)}`;
    }
    if (typeof value === 'number' && !writable(value)) return 'must be a whole number within 64 bits as a JavaScript number (use a bigint)';
    return whole >= this.min && whole <= this.max ? undefined : `must be between ${this.min} and ${this.max}, got ${foundOf(value)}`;
  }
  /** A default fits the column: a whole number within the type (not necessarily within min..max). */
  override defaultProblem(value: unknown): string | undefined {
    const whole = exactValue(value, false, 0);
    const n = whole === undefined ? undefined : bigIntOf(whole);
    const [lo, hi] = integerRanges[this.type];
    if (n === undefined) return `must be a whole number, got ${foundOf(value)}`;
    return n >= lo && n <= hi ? undefined : `must be within ${this.type} (${lo}..${hi})`;
  }
  /** Most near zero; one in four anywhere in the range, so that examples reach the whole width of the type. */
  example(random: Draw): number | bigint {
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    if (this.min >= -safe && this.max <= safe && (random.next() < 0.75 || this.max - this.min < 2n ** 32n)) {
      const [lo, hi] = exampleRange(Number(this.min), Number(this.max));
      return drawInt(random, lo, hi);
    }
    const [lo, hi] = random.next() < 0.75 ? [bigMax(this.min, bigMin(this.max, this.min < 0n ? -1000n : this.min)), bigMin(this.max, bigMax(this.min, this.min < 0n ? -1000n : this.min) + 100_000n)] : [this.min, this.max];
    const drawn = drawBigInt(random, lo, hi);
    return drawn >= -safe && drawn <= safe ? Number(drawn) : drawn;
  }
  /** Beyond 64 bits a JSON number is not read: written as a string then. */
  override exampleJson(random: Draw): string {
    const value = this.example(random);
    const text = value.toString();
    return readableNumeral(text) ? text : `"${text}"`;
  }
  /** A value just outside the range (for malformed test messages), or undefined when the type is full. */
  outOfRange(below: boolean): bigint | undefined {
    const [lo, hi] = integerRanges[this.type];
    if (below) return this.min > lo ? this.min - 1n : undefined;
    return this.max < hi ? this.max + 1n : undefined;
  }
}

/** The largest precision of a Decimal (Decimal256). */
export const MAX_DECIMAL_PRECISION = 76;

export interface DecimalOptions {
  /** Digits in all, 1..76. */
  readonly precision: number;
  /** Digits after the point, 0..precision. */
  readonly scale: number;
  /** Bounds, with at most `scale` decimals: a number, a bigint, or the number's text ('-99999999999999999999.99'). */
  readonly min: number | bigint | string;
  readonly max: number | bigint | string;
}

/**
 * A number with at most `scale` decimals, exactly. The rule for more decimals than the scale:
 * the message is a dead letter, never rounded (docs/guarantees.md).
 */
class DecimalField extends Field<number | JsonNumber> {
  readonly kind = 'decimal';
  strings = false;
  readonly min: ExactNumber;
  readonly max: ExactNumber;
  constructor(readonly precision: number, readonly scale: number, min: ExactNumber, max: ExactNumber, invalid?: string) {
    super();
    this.min = min;
    this.max = max;
    this.invalid = invalid;
  }
  describe(): string { return `number ${plainText(this.min)}..${plainText(this.max)} with at most ${this.scale} decimals${this.strings ? ' (or a string of one)' : ''}`; }
  /** The old servers' path (JSONEachRow reads a Decimal from the text). */
  inputType(): string { return `Decimal(${this.precision <= 18 ? 18 : 38}, ${this.scale})`; }
  targetType(): string { return `Decimal(${this.precision}, ${this.scale})`; }
  toTarget(column: string): string {
    const width = this.precision <= 9 ? 32 : this.precision <= 18 ? 64 : 128;
    return `toDecimal${width}(${column}, ${this.scale})`;
  }
  check(column: string): string { return `${column} >= ${plainText(this.min)} AND ${column} <= ${plainText(this.max)}`; }
  override needsDecoding(): string | undefined {
    if (this.precision > 38) return 'a decimal of more than 38 digits';
    if (this.strings) return 'numbers written as strings';
    return super.needsDecoding();
  }
  override get numberText(): NumberSpec | undefined { return this.floatTells ? undefined : { strings: this.strings, scale: this.scale }; }
  override get exactAsText(): boolean { return true; }
  /** Every value of the range below 10^(15 − scale), no strings: the value's Float64 tells it (floatValueSql). */
  private get floatTells(): boolean {
    const below = exactOfNumber(floatExactBelow(this.scale))!;
    return !this.strings && compareExact({ ...this.min, negative: false }, below) < 0 && compareExact({ ...this.max, negative: false }, below) < 0;
  }
  /** The narrowest Decimal that holds every value of the column: parsing into a wider one costs more per row. */
  private get width(): number { return this.precision <= 9 ? 32 : this.precision <= 18 ? 64 : this.precision <= 38 ? 128 : 256; }
  private bound(value: ExactNumber): string { return `toDecimal${this.width}(${quote(plainText(value))}, ${this.scale})`; }
  /** A JSON whole number read as Int64 or UInt64 as it is; any other from its text (see number-sql.ts), NULL with more decimals than the scale. */
  override numberValue(value: string, given?: string): string {
    if (this.floatTells) return floatValueSql(value);
    const i = dynamicElement(value, 'Int64');
    const u = dynamicElement(value, 'UInt64');
    const text = given ?? numberTextSql(value, this.numberText!);
    const type = `'Decimal${this.width}(${this.scale})'`;
    const parsed = `if(${decimalsWithin(text, this.scale, this.precision - this.scale)}, toDecimal${this.width}OrNull(${text}, ${this.scale}), NULL)`;
    return `if(isNotNull(${i}), accurateCastOrNull(${i}, ${type}), if(isNotNull(${u}), accurateCastOrNull(${u}, ${type}), ${parsed}))`;
  }
  override jsonCheck(value: string, _f: ServerFeatures, site?: NumberSite): string {
    const x = site?.value ?? this.numberValue(value);
    // A Float64 with at most `scale` decimals is what rounding it there gives back (number-sql.ts).
    if (this.floatTells) return `ifNull(${x} BETWEEN ${plainText(this.min)} AND ${plainText(this.max)} AND round(${x}, ${this.scale}) = ${x}, 0)`;
    return `ifNull(${x} BETWEEN ${this.bound(this.min)} AND ${this.bound(this.max)}, 0)`;
  }
  override jsonToTarget(value: string, _f: ServerFeatures, site?: NumberSite): string {
    const x = site?.value ?? this.numberValue(value);
    // A Float64 becomes a Decimal exactly only from its shortest text (a cast from it truncates 0.29 to 0.28).
    if (this.floatTells) return `assumeNotNull(toDecimal${this.width}OrNull(toString(${x}), ${this.scale}))`;
    return `assumeNotNull(accurateCastOrNull(${x}, ${quote(this.targetType())}))`;
  }
  problem(value: unknown): string | undefined {
    const exact = exactValue(value, this.strings, this.scale);
    if (exact === undefined) {
      if (typeof value === 'string' && exactOf(value) !== undefined) return `must be a number, got ${foundOf(value)} (a number written as a string: accept those with acceptStrings())`;
      return `must be a number, got ${foundOf(value)}`;
    }
    if (typeof value === 'number' && !writable(value)) return 'must be a number JSON can carry (use a JsonNumber for a whole number beyond 64 bits)';
    if (compareExact(exact, this.min) < 0 || compareExact(exact, this.max) > 0) return `must be between ${plainText(this.min)} and ${plainText(this.max)}, got ${foundOf(value)}`;
    return decimalsOf(exact) <= this.scale ? undefined : `must have at most ${this.scale} decimals, got ${foundOf(value)}`;
  }
  /** A default fits the column: at most `scale` decimals, within Decimal(P, S). */
  override defaultProblem(value: unknown): string | undefined {
    const exact = exactValue(value, false, this.scale);
    if (exact === undefined) return `must be a number, got ${foundOf(value)}`;
    if (decimalsOf(exact) > this.scale) return `must have at most ${this.scale} decimals`;
    const limit = { negative: false, digits: '1', exponent: this.precision - this.scale };
    return compareExact({ ...exact, negative: false }, limit) < 0 ? undefined : `must fit Decimal(${this.precision}, ${this.scale})`;
  }
  /** Units of 10^-scale near the minimum, as the number they make (a JsonNumber where a float would round it). */
  example(random: Draw): number | JsonNumber {
    const text = this.exampleText(random);
    const exact = exactOf(text)!;
    const number = Number(text);
    return sameAsNumber(exact, number) ? number : new JsonNumber(text);
  }
  override exampleJson(random: Draw): string { return this.exampleText(random); }
  /** Drawn in whole units: no float formatting. Most near the minimum; one in four anywhere up to 10¹⁸ units. */
  private exampleText(random: Draw): string {
    const [lo, hi] = [this.units(this.min), this.units(this.max)];
    const units = drawBigInt(random, lo, bigMin(hi, lo + (random.next() < 0.75 ? 1_000_000n : 10n ** 18n)));
    const exact = exactOfBigInt(units);
    return plainText(exact.digits === '' ? exact : { ...exact, exponent: exact.exponent - this.scale });
  }
  /** A bound in whole units of 10^-scale (a valid bound has at most `scale` decimals). */
  private units(bound: ExactNumber): bigint {
    return bigIntOf({ ...bound, exponent: bound.exponent + this.scale }) ?? 0n;
  }
  outOfRange(below: boolean): JsonNumber | undefined {
    const limit = { negative: below, digits: '1', exponent: this.precision - this.scale };
    if (below ? compareExact(this.min, { ...limit, negative: true }) <= 0 : compareExact(this.max, limit) >= 0) return undefined;
    const step = { negative: false, digits: '1', exponent: -this.scale };
    const beyond = addExact(below ? this.min : this.max, below ? { ...step, negative: true } : step);
    return new JsonNumber(plainText(beyond));
  }
}

/** a + b for numbers of the same scale or less (used for a value one unit beyond a bound). */
function addExact(a: ExactNumber, b: ExactNumber): ExactNumber {
  const exponent = Math.min(a.exponent, b.exponent);
  const scaled = (n: ExactNumber): bigint => (n.digits === '' ? 0n : BigInt(`${n.digits}${'0'.repeat(n.exponent - exponent)}`) * (n.negative ? -1n : 1n));
  const sum = scaled(a) + scaled(b);
  const exact = exactOfBigInt(sum < 0n ? -sum : sum);
  return exact.digits === '' ? exact : { negative: sum < 0n, digits: exact.digits, exponent: exact.exponent + exponent };
}

/** A decimal bound as exact text, or why it cannot be one. */
function decimalBound(value: unknown): ExactNumber | undefined {
  if (typeof value === 'number') return exactOfNumber(value);
  if (typeof value === 'bigint') return exactOfBigInt(value);
  if (typeof value === 'string') return exactOf(value.trim());
  return undefined;
}

function makeDecimal(options: DecimalOptions): DecimalField {
  const zero = exactOf('0')!;
  const fail = (why: string): DecimalField => new DecimalField(18, 2, zero, zero, `decimal(${describeOptions(options)}): ${why}`);
  if (typeof options !== 'object' || options === null) return fail('takes { precision, scale, min, max }');
  const { precision, scale } = options;
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) return fail(`precision must be a whole number from 1 to ${MAX_DECIMAL_PRECISION}`);
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) return fail(`scale must be a whole number from 0 to the precision (${precision})`);
  const [min, max] = [decimalBound(options.min), decimalBound(options.max)];
  if (min === undefined || max === undefined) return fail('min and max must be numbers (or their text)');
  const limit = { negative: false, digits: '1', exponent: precision - scale };
  for (const [name, bound] of [['min', min], ['max', max]] as const) {
    if (decimalsOf(bound) > scale) return fail(`${name} ${plainText(bound)} has more than ${scale} decimals`);
    if (compareExact(bound, limit) >= 0 || compareExact(bound, { ...limit, negative: true }) <= 0) return fail(`${name} ${plainText(bound)} does not fit Decimal(${precision}, ${scale})`);
  }
  if (compareExact(min, max) > 0) return fail('min must not be above max');
  return new DecimalField(precision, scale, min, max);
}

function describeOptions(options: unknown): string {
  try {
    return stringifyJson(options).replace(/^\{|\}$/g, '').replace(/,?"(\w+)":/g, (match, key: string) => `${match.startsWith(',') ? ', ' : ''}${key}: `);
  } catch {
    return String(options);
  }
}

function makeInteger(min: unknown, max: unknown, type: unknown): IntegerField {
  const label = `integer(${String(min)}, ${String(max)}, ${JSON.stringify(type)})`;
  if (typeof type !== 'string' || !(type in integerRanges)) return new IntegerField(0n, 0n, 'Int64', `${label}: the type must be one of ${integerTypes.join(', ')}`);
  const [lo, hi] = integerRanges[type as IntegerType];
  const whole = (value: unknown): bigint | undefined => (typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined);
  const [a, b] = [whole(min), whole(max)];
  if (a === undefined || b === undefined) return new IntegerField(lo, hi, type as IntegerType, `${label}: min and max must be whole numbers (safe integers, or bigints)`);
  if (!(lo <= a && a <= b && b <= hi)) return new IntegerField(lo, hi, type as IntegerType, `${label}: the range must lie within ${type} (${lo}..${hi}) and min ≤ max`);
  return new IntegerField(a, b, type as IntegerType);
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
  constructor(readonly values: readonly V[]) {
    super();
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) {
      this.invalid = `oneOf(${describeValue(values)}): takes a list of one or more strings`;
      this.values = [];
    } else if (new Set(values).size !== values.length) {
      this.invalid = `oneOf(${describeValue(values)}): a value is listed twice`;
    }
  }
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
    const fallbackProblem = inner.defaultProblem(fallback);
    if (fallbackProblem !== undefined) this.invalid = `withDefault(${describeValue(fallback)}): the default ${fallbackProblem}`;
  }
  override get definitionProblem(): string | undefined { return this.invalid ?? this.inner.definitionProblem; }
  override acceptStrings(): Field<T> { return new DefaultedField(this.inner.acceptStrings(), this.fallback); }
  override get isOptional(): boolean { return true; }
  override get defaultSql(): string {
    const value: unknown = this.fallback;
    if (typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonNumber) return String(value);
    return quote(String(value));
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
  override get numberText(): NumberSpec | undefined { return this.inner.numberText; }
  override numberValue(value: string, text?: string): string | undefined { return this.inner.numberValue(value, text); }
  override get exactAsText(): boolean { return this.inner.exactAsText; }
  override get memberKeys(): readonly string[] { return this.inner.memberKeys; }
  override jsonCheck(value: string, f: ServerFeatures, site?: NumberSite): string { return `isNull(${value}) OR (${this.inner.jsonCheck(value, f, site)})`; }
  override jsonToTarget(value: string, f: ServerFeatures, site?: NumberSite): string { return `if(isNull(${value}), ${this.defaultSql}, ${this.inner.jsonToTarget(value, f, site)})`; }
  problem(value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : this.inner.problem(value);
  }
  /** Left out one time in ten, as producers that do not send it yet would. */
  example(random: Draw): T | undefined { return random.next() < 0.1 ? undefined : this.inner.example(random); }
  override exampleJson(random: Draw): string | undefined { return random.next() < 0.1 ? undefined : this.inner.exampleJson(random); }
  override needsDecoding(): string | undefined { return super.needsDecoding() ?? this.inner.needsDecoding(); }
}

function describeValue(value: unknown): string {
  try {
    return stringifyJson(value);
  } catch {
    return String(value);
  }
}

/** Any finite JSON number, whole or not, as Float64. */
class FloatField extends Field<number> {
  readonly kind = 'float';
  /** Numbers written as strings ("1.5") are taken too (`acceptStrings()`). */
  strings = false;
  describe(): string { return `a number (Float64)${this.strings ? ', or a string of one' : ''}`; }
  inputType(): string { return 'Float64'; }
  targetType(): string { return 'Float64'; }
  toTarget(column: string): string { return column; }
  check(column: string): string { return `isFinite(${column})`; }
  override needsDecoding(): string | undefined { return this.strings ? 'numbers written as strings' : super.needsDecoding(); }
  /** A JSON number, whole or not ("5" and true are not, unless strings are taken). */
  private jsonNumber(value: string): string {
    const numbers = [dynamicElement(value, 'Float64'), `toFloat64(${dynamicElement(value, 'Int64')})`, `toFloat64(${dynamicElement(value, 'UInt64')})`];
    if (this.strings) numbers.push(`toFloat64OrNull(if(match(ifNull(${dynamicElement(value, 'String')}, ''), ${quote(NUMBER_TEXT)}), ${dynamicElement(value, 'String')}, NULL))`);
    return `coalesce(${numbers.join(', ')})`;
  }
  override jsonCheck(value: string): string { return `ifNull(isFinite(${this.jsonNumber(value)}), 0)`; }
  override jsonToTarget(value: string): string { return `ifNull(${this.jsonNumber(value)}, 0)`; }
  problem(value: unknown): string | undefined {
    if (typeof value === 'number') return writable(value) ? undefined : 'must be a finite number JSON can carry (a whole one within 64 bits, or with a fraction or an exponent)';
    if (value instanceof JsonNumber) return Number.isFinite(Number(value.text)) ? undefined : `must be within Float64, got ${foundOf(value)}`;
    if (typeof value === 'string' && exactOf(value) !== undefined) {
      if (!this.strings) return `must be a number, got ${foundOf(value)} (a number written as a string: accept those with acceptStrings())`;
      return Number.isFinite(Number(value)) ? undefined : `must be within Float64, got ${foundOf(value)}`;
    }
    return `must be a number, got ${foundOf(value)}`;
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
  /** Arrays inside its elements (within objects), plus one: its lambdas' variable is `x`, then `x2`, … outwards, so no two nested ones share a name. */
  readonly depth: number;
  constructor(readonly of: Field<E>) {
    super();
    this.depth = 1 + arrayDepth(of);
    if (!(of instanceof Field)) this.invalid = 'array(of): the elements must be a field.…() value';
    else if (of.kind === 'array' || of.isOptional || of.jsonPath) this.invalid = 'array(of): the elements must be a plain, required field (no arrays of arrays; an optional or nested field cannot be an element)';
  }
  private get x(): string { return this.depth === 1 ? 'x' : `x${this.depth}`; }
  override get definitionProblem(): string | undefined { return this.invalid ?? this.of.definitionProblem; }
  override get exactAsText(): boolean { return this.of.exactAsText; }
  override get memberKeys(): readonly string[] { return this.of.memberKeys; }
  describe(): string { return `an array of ${this.of.describe()}`; }
  inputType(f: ServerFeatures): string { return `Array(${this.of.inputType(f)})`; }
  targetType(f: ServerFeatures): string { return `Array(${this.of.targetType(f)})`; }
  toTarget(column: string, f: ServerFeatures): string { return `arrayMap(${this.x} -> ${this.of.toTarget(this.x, f)}, ${column})`; }
  check(column: string, f: ServerFeatures): string { return `arrayAll(${this.x} -> ${this.of.check(this.x, f)}, ${column})`; }
  // Each element as a scalar field's value is (a Dynamic of its JSON type) or as an object's
  // members are; that the value is an array at all is checked over the message (plan.ts), since a
  // non-array extracts as [].
  override get jsonTupleType(): string { return `Array(${this.of.jsonTupleType})`; }
  override jsonCheck(value: string, f: ServerFeatures): string { return `arrayAll(${this.x} -> ${this.of.jsonCheck(this.x, f)}, ${value})`; }
  override jsonToTarget(value: string, f: ServerFeatures): string { return `arrayMap(${this.x} -> ${this.of.jsonToTarget(this.x, f)}, ${value})`; }
  override needsDecoding(): string { return 'an array'; }
  problem(value: unknown): string | undefined {
    if (!Array.isArray(value)) return `must be an array, got ${foundOf(value)}`;
    for (let i = 0; i < value.length; i++) {
      const problem = this.of.problem(throughFloat(value[i]));
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

/** How deeply arrays nest inside a field's values (0 for a scalar). */
function arrayDepth(field: unknown): number {
  if (field instanceof ArrayField) return field.depth;
  if (field instanceof ObjectField) return Math.max(0, ...Object.values(field.members as Readonly<Record<string, Field>>).map(arrayDepth));
  if (field instanceof OptionalField || field instanceof DefaultedField) return arrayDepth(field.inner);
  return 0;
}

export type ObjectOf<F extends Readonly<Record<string, Field>>> = { -readonly [K in keyof F]: F[K]['_type'] };

/**
 * A JSON object as an array's element (`"items":[{"sku":"A1","n":2}]`): a named Tuple per
 * element, each member checked as a field of its own, no other key, none twice. Query it with
 * `arrayJoin(items) AS item`, then `item.sku`. A nested object elsewhere is `at('a.b')`: a
 * column of its own.
 */
class ObjectField<F extends Readonly<Record<string, Field>>> extends Field<ObjectOf<F>> {
  readonly kind = 'object';
  constructor(readonly members: F) {
    super();
    if (typeof members !== 'object' || members === null || Array.isArray(members) || Object.keys(members).length === 0) {
      this.invalid = 'object(members): takes an object of one or more field.…() values';
      return;
    }
    for (const [key, member] of Object.entries(members)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) this.invalid ??= `object(): member "${key}" is not a plain name`;
      else if (!(member instanceof Field)) this.invalid ??= `object(): member ${key} is not a field.…() value`;
      else if (member.jsonPath) this.invalid ??= `object(): member ${key} cannot use at(): nest an object() instead`;
      else if (member.definitionProblem) this.invalid ??= `object(): member ${key}: ${member.definitionProblem}`;
    }
  }
  private get entries(): [string, Field][] { return Object.entries(this.members); }
  override get exactAsText(): boolean { return this.entries.some(([, m]) => m.exactAsText); }
  override get memberKeys(): readonly string[] { return this.entries.flatMap(([key, m]) => [key, ...m.memberKeys]); }
  describe(): string { return `an object of ${this.entries.map(([key, m]) => `${key} (${m.describe()})`).join(', ')}`; }
  inputType(f: ServerFeatures): string { return `Tuple(${this.entries.map(([key, m]) => `${key} ${m.inputType(f)}`).join(', ')})`; }
  targetType(f: ServerFeatures): string { return `Tuple(${this.entries.map(([key, m]) => `${key} ${m.targetType(f)}`).join(', ')})`; }
  toTarget(): string { return 'NULL'; }
  check(): string { return '0'; }
  override needsDecoding(): string { return 'an object in an array'; }
  override get jsonTupleType(): string { return `Tuple(${this.entries.map(([key, m]) => `${key} ${m.jsonTupleType}`).join(', ')})`; }
  // Its keys (none unknown, none twice) are checked over the message's text (plan.ts): a Tuple
  // extracts only the members it names.
  override jsonCheck(value: string, f: ServerFeatures): string {
    return this.entries.map(([key, m]) => `(${m.jsonCheck(`tupleElement(${value}, '${key}')`, f)})`).join(' AND ');
  }
  override jsonToTarget(value: string, f: ServerFeatures): string {
    return `CAST(tuple(${this.entries.map(([key, m]) => m.jsonToTarget(`tupleElement(${value}, '${key}')`, f)).join(', ')}), ${quote(this.targetType(f))})`;
  }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof JsonNumber) return `must be an object, got ${foundOf(value)}`;
    const record = value as Record<string, unknown> & { [DUPLICATE_KEYS]?: ReadonlySet<string> };
    const twice = record[DUPLICATE_KEYS];
    if (twice && twice.size > 0) return `has ${[...twice].join(', ')} more than once`;
    for (const key of Object.keys(record)) if (!Object.hasOwn(this.members, key)) return `has an unknown member ${key}`;
    for (const [key, member] of this.entries) {
      const v = record[key];
      if (v === undefined) {
        if (!member.isOptional) return `lacks ${key}`;
        continue;
      }
      const problem = member.problem(throughFloat(v));
      if (problem) return `${key} ${problem}`;
    }
    return undefined;
  }
  example(random: Draw): ObjectOf<F> {
    const out: Record<string, unknown> = {};
    for (const [key, member] of this.entries) {
      const v = member.example(random);
      if (v !== undefined) out[key] = v;
    }
    return out as ObjectOf<F>;
  }
  override exampleJson(random: Draw): string {
    let text = '';
    for (const [key, member] of this.entries) {
      const v = member.exampleJson(random);
      if (v !== undefined) text += `${text === '' ? '' : ','}"${key}":${v}`;
    }
    return `{${text}}`;
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
    if (inner.isOptional) this.invalid = 'optional(): the field is optional already';
    else if (inner.kind === 'object') this.invalid = 'optional(): an object() cannot be optional (ClickHouse has no Nullable tuple): make its members optional';
  }
  private get isArray(): boolean { return this.inner.kind === 'array'; }
  override get definitionProblem(): string | undefined { return this.invalid ?? this.inner.definitionProblem; }
  override acceptStrings(): Field<T | null> { return new OptionalField(this.inner.acceptStrings()); }
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
  override get numberText(): NumberSpec | undefined { return this.inner.numberText; }
  override numberValue(value: string, text?: string): string | undefined { return this.inner.numberValue(value, text); }
  override get exactAsText(): boolean { return this.inner.exactAsText; }
  override get memberKeys(): readonly string[] { return this.inner.memberKeys; }
  override jsonCheck(value: string, f: ServerFeatures, site?: NumberSite): string {
    return this.isArray ? this.inner.jsonCheck(value, f) : `isNull(${value}) OR (${this.inner.jsonCheck(value, f, site)})`;
  }
  override jsonToTarget(value: string, f: ServerFeatures, site?: NumberSite): string {
    return this.isArray ? this.inner.jsonToTarget(value, f) : `if(isNull(${value}), NULL, ${this.inner.jsonToTarget(value, f, site)})`;
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
  /** A whole number in [min, max] of a ClickHouse integer type (bigints for bounds beyond 2⁵³). */
  integer: <const I extends IntegerType = 'UInt32'>(min: number | bigint, max: number | bigint, type?: I): Field<IntegerOf<I>> =>
    makeInteger(min, max, type ?? 'UInt32') as Field<IntegerOf<I>>,
  /** A whole number over its type's whole range (a sample's largest value is no contract). */
  int: <const I extends IntegerType>(type: I): Field<IntegerOf<I>> => {
    const range = typeof type === 'string' ? integerRanges[type] as readonly [bigint, bigint] | undefined : undefined;
    return makeInteger(range?.[0] ?? 0, range?.[1] ?? 0, type) as Field<IntegerOf<I>>;
  },
  float: (): Field<number> => new FloatField(),
  bool: (): Field<boolean> => new BoolField(),
  timestamp: (options: { precision?: TimestampPrecision; timeZone?: string } = {}): Field<string> => makeTimestamp(options),
  array: <E>(of: Field<E>): Field<E[]> => new ArrayField(of),
  /** An object as an array's element: `field.array(field.object({ sku: field.text(), n: field.int('UInt32') }))`. */
  object: <const F extends Readonly<Record<string, Field>>>(members: F): Field<ObjectOf<F>> => new ObjectField(members),
  /** A number with at most `scale` decimals, exactly (precision up to 76); more decimals make a dead letter. */
  decimal: (options: DecimalOptions): Field<number | JsonNumber> => makeDecimal(options),
  text: (options: number | TextOptions = {}): Field<string> => makeText(options),
  oneOf: <const V extends string>(values: readonly V[]): Field<V> => new OneOfField(values),
};

/** The longest text a field may allow: far beyond any Kafka message. */
const MAX_TEXT_BYTES = 100 * 1024 * 1024;

function makeText(options: number | TextOptions): Field<string> {
  const given: TextOptions = typeof options === 'number' ? { maxLength: options } : typeof options === 'object' && options !== null ? options : {};
  const made = new TextField(given);
  const label = `text(${describeValue(options)})`;
  const unknown = Object.keys(given).filter((key) => !['maxLength', 'lowCardinality', 'allowEmpty'].includes(key));
  let problem: string | undefined;
  if (typeof options !== 'number' && (typeof options !== 'object' || options === null)) problem = 'takes a maximum length or { maxLength, lowCardinality, allowEmpty }';
  else if (unknown.length > 0) problem = `unknown option ${unknown.join(', ')} (known: maxLength, lowCardinality, allowEmpty)`;
  else if (!Number.isInteger(made.maxLength) || made.maxLength < 1 || made.maxLength > MAX_TEXT_BYTES) problem = `maxLength must be a whole number of bytes from 1 to ${MAX_TEXT_BYTES}`;
  return problem === undefined ? made : made.withProblem(`${label}: ${problem}`);
}

function makeTimestamp(options: { precision?: TimestampPrecision; timeZone?: string }): Field<string> {
  const made = new TimestampField(options.precision ?? 3, options.timeZone);
  const label = `timestamp(${describeValue(options)})`;
  if (![0, 3, 6, 9].includes(made.precision)) return made.withProblem(`${label}: precision must be 0, 3, 6 or 9`);
  if (made.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: made.timeZone });
    } catch {
      return made.withProblem(`${label}: unknown time zone ${JSON.stringify(made.timeZone)}`);
    }
  }
  return made;
}

export { quote as sqlString };
