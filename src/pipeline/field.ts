import type { ServerFeatures } from './features.js';
import { DUPLICATE_KEYS, JsonNumber, parseJson, readableNumeral, stringifyJson } from './json.js';
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
  /**
   * SQL of a default `defaultProblem` passed, as the column's DEFAULT and the view's value when
   * absent: typed where a bare literal would be read as something else (a decimal as a Float64, a
   * whole number beyond 64 bits as a Float64, an encoded value as its text).
   */
  defaultLiteral(value: unknown): string {
    if (typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonNumber) return String(value);
    return quote(String(value));
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
  /** Beyond 64 bits a bare numeral is a Float64 to ClickHouse: typed then. */
  override defaultLiteral(value: unknown): string {
    const whole = exactValue(value, false, 0);
    const n = whole === undefined ? undefined : bigIntOf(whole);
    return n === undefined ? super.defaultLiteral(value) : integerLiteral(n);
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
  /**
   * How the number is written: a JSON number; base64 of the unscaled value's big-endian
   * two's-complement bytes at this scale (Debezium's Decimal, decimal.handling.mode=precise);
   * or Debezium's VariableScaleDecimal, `{"scale": 3, "value": "<base64>"}`. Debezium's
   * decimal.handling.mode=string is 'number' with acceptStrings(). @default 'number'
   */
  readonly encoding?: DecimalEncoding;
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
  /** From its text: a bare 0.29 is a Float64, which the column would take as 0.28. */
  override defaultLiteral(value: unknown): string {
    const exact = exactValue(value, false, this.scale);
    return exact === undefined ? super.defaultLiteral(value) : decimalLiteral(exact, this.targetType());
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
  private exampleText(random: Draw): string { return unitsText(drawUnits(random, this.min, this.max, this.scale), this.scale); }
  outOfRange(below: boolean): JsonNumber | undefined {
    const limit = { negative: below, digits: '1', exponent: this.precision - this.scale };
    if (below ? compareExact(this.min, { ...limit, negative: true }) <= 0 : compareExact(this.max, limit) >= 0) return undefined;
    const step = { negative: false, digits: '1', exponent: -this.scale };
    const beyond = addExact(below ? this.min : this.max, below ? { ...step, negative: true } : step);
    return new JsonNumber(plainText(beyond));
  }
}

/** Whole units of 10^-scale for an example: most near the minimum; one in four anywhere up to 10¹⁸ units above it. */
function drawUnits(random: Draw, min: ExactNumber, max: ExactNumber, scale: number): bigint {
  const [lo, hi] = [unitsOf(min, scale), unitsOf(max, scale)];
  return drawBigInt(random, lo, bigMin(hi, lo + (random.next() < 0.75 ? 1_000_000n : 10n ** 18n)));
}

/** A bound in whole units of 10^-scale (a valid bound has at most `scale` decimals). */
function unitsOf(bound: ExactNumber, scale: number): bigint {
  return bigIntOf({ ...bound, exponent: bound.exponent + scale }) ?? 0n;
}

/** Whole units of 10^-scale as the plain text of the number they make. */
function unitsText(units: bigint, scale: number): string {
  const exact = exactOfBigInt(units);
  return plainText(exact.digits === '' ? exact : { ...exact, exponent: exact.exponent - scale });
}

/** SQL: an exact number as a value of a Decimal type, from its text (a bare 0.29 would be a Float64). */
function decimalLiteral(value: ExactNumber, type: string): string {
  return `CAST(${quote(plainText(value))}, ${quote(type)})`;
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

const decimalEncodings: readonly DecimalEncoding[] = ['number', 'base64', 'variable-scale'];

function makeDecimal(options: DecimalOptions): Field {
  const zero = exactOf('0')!;
  const fail = (why: string): DecimalField => new DecimalField(18, 2, zero, zero, `decimal(${describeOptions(options)}): ${why}`);
  if (typeof options !== 'object' || options === null) return fail('takes { precision, scale, min, max }');
  const encoding = options.encoding ?? 'number';
  if (!decimalEncodings.includes(encoding)) return fail(`encoding must be ${decimalEncodings.map((e) => `'${e}'`).join(', ')}`);
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
  return encoding === 'number' ? new DecimalField(precision, scale, min, max) : new EncodedDecimalField(precision, scale, min, max, encoding);
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
  override get defaultSql(): string { return this.inner.defaultLiteral(this.fallback); }
  describe(): string { return `${this.inner.describe()}; ${describeValue(this.fallback)} when absent`; }
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
    return dateTime64Type(this.precision, this.timeZone);
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

/** DateTime64's range, in seconds from 1970-01-01 UTC: its first second (1900-01-01) and the end of 2299. */
const DATETIME64_FIRST_SECOND = -2_208_988_800n;
const DATETIME64_END_SECOND = 10_413_792_000n;
const INT64_MIN = -INT64_MAX - 1n;

/** How a time is written: ISO-8601 text, or a whole number of units since 1970-01-01 UTC. */
export type TimestampEncoding = 'text' | 'millis' | 'micros' | 'nanos';
type EpochUnit = Exclude<TimestampEncoding, 'text'>;
/** Decimals of a second in each unit. */
const unitDigits: Readonly<Record<EpochUnit, number>> = { millis: 3, micros: 6, nanos: 9 };
/** What a second's 10^-n is called, by n. */
const tickNames: Readonly<Record<number, string>> = { 0: 'seconds', 3: 'milliseconds', 6: 'microseconds', 9: 'nanoseconds' };

export interface TimestampOptions<E extends TimestampEncoding = TimestampEncoding> {
  /** Decimals of a second the column keeps: 0, 3, 6 or 9. @default 3 for 'text' and 'millis', 6 for 'micros', 9 for 'nanos' */
  readonly precision?: TimestampPrecision;
  /** The column's time zone (and the one text without an offset is read in). @default the server's */
  readonly timeZone?: string;
  /**
   * How the time is written: ISO-8601 text, or a JSON whole number of milli-, micro- or
   * nanoseconds since 1970-01-01 00:00:00 UTC (Debezium's Timestamp, MicroTimestamp,
   * NanoTimestamp). @default 'text'
   */
  readonly encoding?: E;
}

/**
 * `field.timestamp`'s forms, each with its JavaScript value: the text, or the whole number of
 * units (a bigint beyond 2⁵³). Overloads, not a generic: a generic call changes the order in which
 * TypeScript lists a stream's field names in its messages.
 */
interface TimestampConstructor {
  // The last form is the one ReturnType<typeof field.timestamp> gives: the default.
  (options: TimestampOptions<EpochUnit> & { readonly encoding: EpochUnit }): Field<number | bigint>;
  (options?: TimestampOptions<'text'>): Field<string>;
}

const dateTime64Type = (precision: number, timeZone: string | undefined): string => `DateTime64(${precision}${timeZone === undefined ? '' : `, ${quote(timeZone)}`})`;

/** The UTC day of a second since 1970-01-01, as YYYY-MM-DD. */
const dayOfSecond = (second: bigint): string => new Date(Number(second) * 1000).toISOString().slice(0, 10);

/**
 * A time as a JSON whole number of milli-, micro- or nanoseconds since 1970-01-01 UTC, anywhere
 * in DateTime64's range (1900 to 2299; 2262 at nanoseconds), into DateTime64 by integer
 * arithmetic only. A value finer than the column keeps (micros with a sub-millisecond part into
 * DateTime64(3)) is a dead letter, never truncated.
 */
class EpochTimestampField extends Field<number | bigint> {
  readonly kind = 'timestamp';
  /** The value in its units, within the column's range: an integer's checks and exact reading. */
  private readonly units: IntegerField;
  /** Units in one tick of the column (1 unless the unit is finer than the column). */
  private readonly step: bigint;
  /** Ticks of the column in one unit (1 unless the unit is coarser than the column). */
  private readonly ticksPerUnit: bigint;
  /** The first and last day the column holds (UTC). */
  private readonly span: string;
  constructor(readonly precision: TimestampPrecision, readonly timeZone: string | undefined, readonly encoding: EpochUnit) {
    super();
    const digits = unitDigits[encoding] - precision;
    this.step = digits > 0 ? 10n ** BigInt(digits) : 1n;
    this.ticksPerUnit = digits < 0 ? 10n ** BigInt(-digits) : 1n;
    const perSecond = 10n ** BigInt(precision);
    // DateTime64(9) ends where Int64 does, in 2262.
    const [first, last] = [DATETIME64_FIRST_SECOND * perSecond, bigMin(DATETIME64_END_SECOND * perSecond - 1n, INT64_MAX)];
    this.span = `${dayOfSecond(first / perSecond)} to ${dayOfSecond(last / perSecond)}`;
    // In units: multiples of the step within Int64 (a finer unit), or the whole units within the
    // ticks (a coarser one: BigInt division truncates towards zero, inwards at both ends).
    const [min, max] = this.step > 1n
      ? [bigMax(first * this.step, INT64_MIN - (INT64_MIN % this.step)), bigMin(last * this.step, INT64_MAX - (INT64_MAX % this.step))]
      : [first / this.ticksPerUnit, last / this.ticksPerUnit];
    this.units = makeInteger(min, max, 'Int64');
  }
  private get unitName(): string { return tickNames[unitDigits[this.encoding]]!; }
  describe(): string {
    const whole = this.step > 1n ? `, whole ${tickNames[this.precision]!} (the column's precision)` : '';
    return `a whole number of ${this.unitName} since 1970-01-01 00:00:00 UTC, ${this.span}${whole}`;
  }
  inputType(): string { return 'Int64'; }
  targetType(f: ServerFeatures): string {
    if (!f.dateTime64) return `DateTime${this.timeZone === undefined ? '' : `(${quote(this.timeZone)})`}`;
    return dateTime64Type(this.precision, this.timeZone);
  }
  // The old servers' path is never planned (needsDecoding): the same arithmetic, for completeness.
  toTarget(column: string): string { return this.fromUnits(column); }
  check(column: string): string { return `${column} BETWEEN ${this.units.min} AND ${this.units.max}${this.step > 1n ? ` AND ${column} % ${this.step} = 0` : ''}`; }
  override needsDecoding(): string { return 'a DateTime64 column'; }
  override get numberText(): NumberSpec | undefined { return this.units.numberText; }
  override numberValue(value: string, text?: string): string { return this.units.numberValue(value, text); }
  override jsonCheck(value: string, f: ServerFeatures, site?: NumberSite): string {
    const x = site?.value ?? this.numberValue(value);
    const inRange = this.units.jsonCheck(value, f, { value: x });
    return this.step > 1n ? `${inRange} AND ifNull(modulo(${x}, ${this.step}) = 0, 0)` : inRange;
  }
  override jsonToTarget(value: string, _f: ServerFeatures, site?: NumberSite): string {
    return this.fromUnits(`ifNull(accurateCastOrNull(${site?.value ?? this.numberValue(value)}, 'Int64'), 0)`);
  }
  /** SQL: the DateTime64 of an Int64 of units, exactly: a DateTime64's ticks are its stored Int64 (reinterpret never throws). */
  private fromUnits(units: string): string {
    const ticks = this.step > 1n ? `intDiv(${units}, ${this.step})` : this.ticksPerUnit > 1n ? `${units} * ${this.ticksPerUnit}` : units;
    return `reinterpret(toInt64(${ticks}), ${quote(dateTime64Type(this.precision, this.timeZone))})`;
  }
  problem(value: unknown): string | undefined {
    const problem = this.units.problem(value);
    const exact = exactValue(value, false, 0);
    const whole = exact === undefined ? undefined : bigIntOf(exact);
    if (problem !== undefined) {
      const outside = whole !== undefined && (whole < this.units.min || whole > this.units.max);
      return outside ? `must be a time from ${this.span} (${this.units.min}..${this.units.max} ${this.unitName}), got ${foundOf(value)}` : problem;
    }
    return whole !== undefined && whole % this.step !== 0n ? `must be whole ${tickNames[this.precision]!} (a multiple of ${this.step}): the column keeps ${this.precision} decimals of a second, got ${foundOf(value)}` : undefined;
  }
  override defaultProblem(value: unknown): string | undefined { return this.problem(value); }
  override defaultLiteral(value: unknown): string {
    const exact = exactValue(value, false, 0);
    return this.fromUnits(`toInt64(${(exact === undefined ? undefined : bigIntOf(exact)) ?? 0n})`);
  }
  /** Now, with the digits below a millisecond drawn where the column keeps them. */
  example(random: Draw): number | bigint {
    const unit = unitDigits[this.encoding];
    const kept = Math.min(this.precision, unit);
    const ms = BigInt(Date.now());
    const ticks = kept >= 3 ? ms * 10n ** BigInt(kept - 3) + BigInt(Math.floor(random.next() * 10 ** (kept - 3))) : ms / 10n ** BigInt(3 - kept);
    const units = ticks * 10n ** BigInt(unit - kept);
    return units <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(units) : units;
  }
  override exampleJson(random: Draw): string { return String(this.example(random)); }
}

/** Date32's range in days from 1970-01-01: 1900-01-01 to 2299-12-31. */
const DATE32_FIRST_DAY = -25_567;
const DATE32_LAST_DAY = 120_529;
const DAY_MS = 86_400_000;

/** How a date is written: 'YYYY-MM-DD', or a whole number of days since 1970-01-01 (Debezium's Date). */
export type DateEncoding = 'text' | 'days';
export interface DateOptions<E extends DateEncoding = DateEncoding> {
  /** @default 'text' */
  readonly encoding?: E;
}
/** `field.date`'s forms, each with its JavaScript value. */
interface DateConstructor {
  (options: DateOptions<'days'> & { readonly encoding: 'days' }): Field<number>;
  (options?: DateOptions<'text'>): Field<string>;
}

/** A calendar date, 1900-01-01 to 2299-12-31 (Date32's range), as text or as days since 1970-01-01. */
class DateField extends Field<string | number> {
  readonly kind = 'date';
  /** The days' checks and exact reading are an integer's. */
  private readonly days = makeInteger(DATE32_FIRST_DAY, DATE32_LAST_DAY, 'Int32');
  constructor(readonly encoding: DateEncoding) { super(); }
  describe(): string {
    return this.encoding === 'text' ? 'a date "YYYY-MM-DD", 1900-01-01 to 2299-12-31' : `a whole number of days since 1970-01-01, 1900-01-01 to 2299-12-31 (${DATE32_FIRST_DAY}..${DATE32_LAST_DAY})`;
  }
  inputType(): string { return this.encoding === 'text' ? 'String' : 'Int32'; }
  // Date32 is 21.9 and later; every server that can check the field (25.8+) has it.
  targetType(f: ServerFeatures): string { return f.decodeInViews ? 'Date32' : 'Date'; }
  // The old servers' path is never planned (needsDecoding).
  toTarget(column: string): string { return this.encoding === 'text' ? `toDate32OrZero(${column})` : `toDate32(${column})`; }
  check(column: string): string { return this.encoding === 'text' ? `toString(toDate32OrNull(${column})) = ${column}` : `${column} BETWEEN ${DATE32_FIRST_DAY} AND ${DATE32_LAST_DAY}`; }
  override needsDecoding(): string { return 'a Date32 column'; }
  override get numberText(): NumberSpec | undefined { return this.encoding === 'days' ? this.days.numberText : undefined; }
  override numberValue(value: string, text?: string): string | undefined { return this.encoding === 'days' ? this.days.numberValue(value, text) : undefined; }
  // Text: what the server reads back as the same text is a real date within Date32 (it clamps, or reads other forms).
  override jsonCheck(value: string, f: ServerFeatures, site?: NumberSite): string {
    if (this.encoding === 'days') return this.days.jsonCheck(value, f, site);
    const text = dynamicElement(value, 'String');
    return `ifNull(toString(toDate32OrNull(${text})) = ${text}, 0)`;
  }
  override jsonToTarget(value: string, _f: ServerFeatures, site?: NumberSite): string {
    if (this.encoding === 'days') return `toDate32(ifNull(accurateCastOrNull(${site?.value ?? this.numberValue(value)!}, 'Int32'), 0))`;
    return `ifNull(toDate32OrNull(${dynamicElement(value, 'String')}), toDate32(0))`;
  }
  problem(value: unknown): string | undefined {
    if (this.encoding === 'days') {
      const problem = this.days.problem(value);
      return problem?.startsWith('must be between') ? `must be a day from 1900-01-01 to 2299-12-31 (${DATE32_FIRST_DAY}..${DATE32_LAST_DAY}), got ${foundOf(value)}` : problem;
    }
    if (typeof value !== 'string') return `must be a date "YYYY-MM-DD", got ${foundOf(value)}`;
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!match) return `must be a date "YYYY-MM-DD", got ${foundOf(value)}`;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return `must be a real date, got ${foundOf(value)}`;
    return value >= '1900-01-01' && value <= '2299-12-31' ? undefined : `must be a date from 1900-01-01 to 2299-12-31, got ${foundOf(value)}`;
  }
  override defaultProblem(value: unknown): string | undefined { return this.problem(value); }
  override defaultLiteral(value: unknown): string {
    const text = typeof value === 'string' ? value : new Date(Number(value) * DAY_MS).toISOString().slice(0, 10);
    return `CAST(${quote(text)}, 'Date32')`;
  }
  /** A day of this century's first decades. */
  example(random: Draw): string | number {
    const day = drawInt(random, 10_957, 21_914);
    return this.encoding === 'days' ? day : new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  override exampleJson(random: Draw): string {
    const value = this.example(random);
    return typeof value === 'number' ? String(value) : `"${value}"`;
  }
}

/** How a decimal is written: a JSON number, or Debezium's (Kafka Connect's) base64 of the unscaled value, alone or with its scale. */
export type DecimalEncoding = 'number' | 'base64' | 'variable-scale';
/** Debezium's VariableScaleDecimal: the unscaled value (base64 of its two's-complement bytes) and its scale. */
export interface VariableScaleDecimal {
  readonly scale: number;
  readonly value: string;
}
/** `field.decimal`'s forms, each with its JavaScript value. */
interface DecimalConstructor {
  (options: DecimalOptions & { readonly encoding: 'base64' }): Field<string>;
  (options: DecimalOptions & { readonly encoding: 'variable-scale' }): Field<VariableScaleDecimal>;
  (options: DecimalOptions & { readonly encoding?: 'number' }): Field<number | JsonNumber>;
}

/**
 * The whole number written as canonical base64 (RFC 4648, padded) of its big-endian
 * two's-complement bytes (Java's BigInteger.toByteArray, as Kafka Connect's Decimal and Debezium
 * write it), sign-extended, 1 to `most` bytes; or why it is none.
 */
function unscaledOf(text: unknown, most: number): bigint | string {
  const form = `base64 of 1 to ${most} bytes (a whole number's big-endian two's complement)`;
  if (typeof text !== 'string') return `must be ${form}, got ${foundOf(text)}`;
  // Canonical only: Buffer skips what is not base64, so its text of the bytes must be the same text.
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text || bytes.length < 1 || bytes.length > most) return `must be ${form}, got ${foundOf(text)}`;
  const magnitude = BigInt(`0x${bytes.toString('hex')}`);
  return (bytes[0]! & 0x80) === 0 ? magnitude : magnitude - (1n << BigInt(bytes.length * 8));
}

/** Base64 of a whole number's fewest big-endian two's-complement bytes, as Java's BigInteger.toByteArray has them. */
function base64OfUnscaled(value: bigint): string {
  let bytes = 1;
  while (value < -(1n << BigInt(bytes * 8 - 1)) || value >= 1n << BigInt(bytes * 8 - 1)) bytes += 1;
  const twos = value < 0n ? (1n << BigInt(bytes * 8)) + value : value;
  return Buffer.from(twos.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}

/**
 * SQL: the Int256 that `text` (a Nullable(String)) writes as canonical base64 of 1 to `most`
 * big-endian two's-complement bytes, else NULL. The bytes are padded to 32 with their sign and
 * read backwards (little-endian); base64Encode of them gives the text back only if it was canonical.
 */
function unscaledSql(text: string, most: number): string {
  const bytes = `tryBase64Decode(ifNull(${text}, ''))`;
  const signed = `reinterpretAsInt256(reverse(if(reinterpretAsUInt8(${bytes}) >= 128, leftPad(${bytes}, 32, '\\xFF'), leftPad(${bytes}, 32, '\\0'))))`;
  return `if(ifNull(length(${bytes}) BETWEEN 1 AND ${most} AND base64Encode(${bytes}) = ${text}, 0), ${signed}, NULL)`;
}

/** SQL: 10^n as an Int256 (n a whole number 0..76 in SQL), exactly. */
const powerOfTenSql = (n: string): string => `toInt256(concat('1', repeat('0', toUInt8(least(abs(${n}), 76)))))`;

/**
 * Beyond this scale, either way, no non-zero value of 32 bytes fits any column: it has more
 * decimals than 76 (a 32-byte value ends in at most 77 zeros), or is above 10^76.
 */
const FARTHEST_SCALE = 200;

/**
 * The paths of an object's values as ClickHouse's JSON type keeps them: keys of nested objects
 * joined by dots, nulls and empty objects dropped (the server drops them: `{"x":null}` has no x).
 */
function jsonPaths(value: Record<string, unknown>, prefix: string, out: string[]): string[] {
  for (const [key, member] of Object.entries(value)) {
    if (member === null) continue;
    if (typeof member === 'object' && !Array.isArray(member) && !(member instanceof JsonNumber)) jsonPaths(member as Record<string, unknown>, `${prefix}${key}.`, out);
    else out.push(`${prefix}${key}`);
  }
  return out;
}

/** Whether an object, or one inside it (not inside an array), has a key twice: the server's JSON type then reads none of it. */
function repeatsKeys(value: Record<string, unknown> & { [DUPLICATE_KEYS]?: ReadonlySet<string> }): boolean {
  if ((value[DUPLICATE_KEYS]?.size ?? 0) > 0) return true;
  return Object.values(value).some((m) => typeof m === 'object' && m !== null && !Array.isArray(m) && !(m instanceof JsonNumber) && repeatsKeys(m as Record<string, unknown>));
}

/** A scale as the views read it: a whole JSON number (a Float64 where one holds it: 3.0 is 3), else undefined. */
function scaleOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  const number = value instanceof JsonNumber ? (/^-?[0-9]+$/.test(value.text) ? undefined : Number(value.text)) : value;
  if (value instanceof JsonNumber && number === undefined) return BigInt(value.text);
  return typeof number === 'number' && Number.isInteger(number) ? BigInt(number) : undefined;
}

/**
 * A decimal as Debezium writes it with decimal.handling.mode=precise: base64 of the unscaled
 * value at the field's scale (Kafka Connect's Decimal, for NUMERIC(p, s)), or an object of the
 * unscaled value and its own scale (VariableScaleDecimal, for NUMERIC without a precision). Into
 * Decimal(P, S) exactly, on both sides: the bytes are read as an integer, never as a float. A
 * variable-scale value with more decimals than S once its trailing zeros are removed, or beyond
 * min..max, is a dead letter.
 */
class EncodedDecimalField extends Field<string | VariableScaleDecimal> {
  readonly kind = 'decimal';
  constructor(readonly precision: number, readonly scale: number, readonly min: ExactNumber, readonly max: ExactNumber, readonly encoding: 'base64' | 'variable-scale') {
    super();
  }
  /**
   * The most bytes a value may have: the column's own width for base64 (Debezium writes the
   * fewest; up to the width, sign-extended, is taken), 32 for a variable scale, whose unscaled
   * value may carry trailing zeros beyond the column (5.000000 at scale 6).
   */
  private get most(): number {
    if (this.encoding === 'variable-scale') return 32;
    return this.precision <= 9 ? 4 : this.precision <= 18 ? 8 : this.precision <= 38 ? 16 : 32;
  }
  private get range(): string { return `${plainText(this.min)}..${plainText(this.max)}`; }
  describe(): string {
    return this.encoding === 'base64'
      ? `base64 of the unscaled value (Debezium's Decimal) of a number ${this.range} with ${this.scale} decimals`
      : `{"scale", "value"} (Debezium's VariableScaleDecimal) of a number ${this.range} with at most ${this.scale} decimals`;
  }
  inputType(): string { return 'String'; }
  targetType(): string { return `Decimal(${this.precision}, ${this.scale})`; }
  // The old servers' path is never planned (needsDecoding).
  toTarget(): string { return `CAST(0, ${quote(this.targetType())})`; }
  check(): string { return '0'; }
  override needsDecoding(): string { return this.encoding === 'base64' ? "a decimal written as base64 (Debezium's Decimal)" : "a Debezium VariableScaleDecimal"; }
  override get exactAsText(): boolean { return true; }
  override get memberKeys(): readonly string[] { return this.encoding === 'variable-scale' ? ['scale', 'value'] : []; }
  override acceptStrings(): Field<string | VariableScaleDecimal> {
    return this.withProblem(`acceptStrings(): a decimal with encoding '${this.encoding}' is read from its own form; acceptStrings() is for encoding 'number' (Debezium's decimal.handling.mode=string)`);
  }
  /** SQL: the value as a Decimal256(S), exactly, or NULL when it is no value of the field's form (or has more decimals than S). */
  override numberValue(value: string): string {
    const decimal = (units: string): string => `reinterpret(${units}, 'Decimal256(${this.scale})')`;
    if (this.encoding === 'base64') {
      const units = unscaledSql(dynamicElement(value, 'String'), this.most);
      return `if(isNull(${units}), NULL, ${decimal(`assumeNotNull(${units})`)})`;
    }
    const json = `dynamicElement(${value}, 'JSON')`;
    const scaleValue = `getSubcolumn(${json}, 'scale')`;
    const scale = `if(dynamicType(${scaleValue}) IN ('Int64', 'UInt64', 'Float64'), accurateCastOrNull(${scaleValue}, 'Float64'), NULL)`;
    const unscaled = unscaledSql(`dynamicElement(getSubcolumn(${json}, 'value'), 'String')`, this.most);
    const well = `ifNull(JSONAllPaths(${json}) = ['scale', 'value'] AND round(${scale}) = ${scale} AND isNotNull(${unscaled}), 0)`;
    const u = `assumeNotNull(${unscaled})`;
    // Decimals to add to reach the column's scale (negative: to remove, which must be zeros).
    const k = `toInt32(ifNull(if(abs(${scale}) <= ${FARTHEST_SCALE}, ${this.scale} - ${scale}, 0), 0))`;
    const units = `multiIf(${u} = 0, toInt256(0), abs(${scale}) > ${FARTHEST_SCALE}, NULL, ${k} >= 0, if(${k} <= 76 AND abs(toFloat64(${u})) * exp10(${k}) < 5e76, ${u} * ${powerOfTenSql(k)}, NULL), -${k} <= 76 AND ${u} % ${powerOfTenSql(k)} = 0, intDiv(${u}, ${powerOfTenSql(k)}), NULL)`;
    return `if(${well}, if(isNull(${units}), NULL, ${decimal(`assumeNotNull(${units})`)}), NULL)`;
  }
  override jsonCheck(value: string, _f: ServerFeatures, site?: NumberSite): string {
    const x = site?.value ?? this.numberValue(value);
    const bound = (b: ExactNumber): string => `toDecimal256(${quote(plainText(b))}, ${this.scale})`;
    return `ifNull(${x} BETWEEN ${bound(this.min)} AND ${bound(this.max)}, 0)`;
  }
  override jsonToTarget(value: string, _f: ServerFeatures, site?: NumberSite): string {
    return `assumeNotNull(accurateCastOrNull(${site?.value ?? this.numberValue(value)}, ${quote(this.targetType())}))`;
  }
  /** The exact number a value stands for, or why it stands for none. */
  private exactOf(value: unknown): ExactNumber | string {
    if (this.encoding === 'base64') {
      const units = unscaledOf(value, this.most);
      return typeof units === 'string' ? units : exactOf(unitsText(units, this.scale))!;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof JsonNumber) return `must be an object {"scale": …, "value": …}, got ${foundOf(value)}`;
    const record = value as Record<string, unknown>;
    if (repeatsKeys(record)) return 'must have each member once';
    const paths = jsonPaths(record, '', []).sort();
    if (paths.join(',') !== 'scale,value') return `must have the members scale and value and no other, got ${paths.length === 0 ? 'none' : paths.join(', ')}`;
    const scale = scaleOf(record.scale);
    if (scale === undefined) return `scale must be a whole number, got ${foundOf(record.scale)}`;
    const units = unscaledOf(record.value, this.most);
    if (typeof units === 'string') return `value ${units}`;
    const exact = exactOfBigInt(units);
    const far = BigInt(FARTHEST_SCALE + 100);
    return exact.digits === '' ? exact : { ...exact, exponent: exact.exponent - Number(bigMax(-far, bigMin(far, scale))) };
  }
  problem(value: unknown): string | undefined {
    const exact = this.exactOf(value);
    if (typeof exact === 'string') return exact;
    const decimals = decimalsOf(exact);
    if (decimals > this.scale) return `must have at most ${this.scale} decimals, got ${decimals > 100 ? 'a number with more than 100' : plainText(exact)}`;
    if (compareExact(exact, this.min) < 0 || compareExact(exact, this.max) > 0) return `must be between ${plainText(this.min)} and ${plainText(this.max)}, got ${exact.exponent > 100 ? 'a number beyond' : plainText(exact)}`;
    return undefined;
  }
  /** A default fits the column: its form, at most `scale` decimals, within Decimal(P, S). */
  override defaultProblem(value: unknown): string | undefined {
    const exact = this.exactOf(value);
    if (typeof exact === 'string') return exact;
    if (decimalsOf(exact) > this.scale) return `must have at most ${this.scale} decimals`;
    const limit = { negative: false, digits: '1', exponent: this.precision - this.scale };
    return compareExact({ ...exact, negative: false }, limit) < 0 ? undefined : `must fit Decimal(${this.precision}, ${this.scale})`;
  }
  override defaultLiteral(value: unknown): string {
    const exact = this.exactOf(value);
    return typeof exact === 'string' ? super.defaultLiteral(value) : decimalLiteral(exact, this.targetType());
  }
  /** As `decimal()` draws them; a variable scale's with its trailing zeros removed one time in two (as NUMERIC sends 1.5, not 1.50). */
  example(random: Draw): string | VariableScaleDecimal {
    const units = drawUnits(random, this.min, this.max, this.scale);
    if (this.encoding === 'base64') return base64OfUnscaled(units);
    let [value, scale] = [units, this.scale];
    if (random.next() < 0.5) while (scale > 0 && value % 10n === 0n && value !== 0n) [value, scale] = [value / 10n, scale - 1];
    return { scale, value: base64OfUnscaled(value) };
  }
  override exampleJson(random: Draw): string {
    const value = this.example(random);
    return typeof value === 'string' ? `"${value}"` : `{"scale":${value.scale},"value":"${value.value}"}`;
  }
}

/** The deepest value isValidJSON reads (the top is 0): 1024 levels. */
const JSON_TEXT_DEPTH = 1023;

/** JSON text in a string (Debezium's io.debezium.data.Json, for json and jsonb), kept as it came. */
class JsonTextField extends Field<string> {
  readonly kind = 'json';
  describe(): string { return 'a string holding JSON text'; }
  inputType(): string { return 'String'; }
  targetType(): string { return 'String'; }
  toTarget(column: string): string { return column; }
  check(column: string): string { return `isValidJSON(${column})`; }
  override needsDecoding(): string { return 'JSON text'; }
  problem(value: unknown): string | undefined {
    if (typeof value !== 'string') return `must be a string holding JSON text, got ${foundOf(value)}`;
    // The views' isValidJSON and our parser refuse the same texts (test/integration/pipeline/logical-types).
    return parseJson(value, JSON_TEXT_DEPTH) === undefined ? `must hold valid JSON text, got ${foundOf(value)}` : undefined;
  }
  override defaultProblem(value: unknown): string | undefined { return typeof value === 'string' ? undefined : 'must be a string'; }
  /** A small document: a word, a number and a list. */
  example(random: Draw): string {
    const word = (): string => words[Math.floor(random.next() * words.length)]!;
    return `{"name":"${word()}","n":${drawInt(random, 0, 1000)},"tags":["${word()}","${word()}"]}`;
  }
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
  /**
   * A time: ISO-8601 text (the default), or a whole number of milli-, micro- or nanoseconds since
   * 1970-01-01 UTC (`encoding`), as DateTime64(precision).
   */
  timestamp: ((options: TimestampOptions = {}) => makeTimestamp(options)) as TimestampConstructor,
  /** A calendar date as Date32 (1900-01-01 to 2299-12-31): 'YYYY-MM-DD' text, or days since 1970-01-01 (`encoding: 'days'`). */
  date: ((options: DateOptions = {}) => makeDate(options)) as DateConstructor,
  /** A string holding JSON text (json and jsonb through Debezium), kept as it came in a String column. */
  json: (): Field<string> => new JsonTextField(),
  array: <E>(of: Field<E>): Field<E[]> => new ArrayField(of),
  /** An object as an array's element: `field.array(field.object({ sku: field.text(), n: field.int('UInt32') }))`. */
  object: <const F extends Readonly<Record<string, Field>>>(members: F): Field<ObjectOf<F>> => new ObjectField(members),
  /**
   * A number with at most `scale` decimals, exactly (precision up to 76); more decimals make a
   * dead letter. `encoding`: as a JSON number, or as Debezium writes NUMERIC (base64, variable-scale).
   */
  decimal: ((options: DecimalOptions) => makeDecimal(options)) as DecimalConstructor,
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

const timestampEncodings: readonly TimestampEncoding[] = ['text', 'millis', 'micros', 'nanos'];

function makeTimestamp(options: TimestampOptions): Field {
  const label = `timestamp(${describeValue(options)})`;
  if (typeof options !== 'object' || options === null) return new TimestampField(3, undefined).withProblem(`${label}: takes { precision, timeZone, encoding }`);
  const encoding = options.encoding ?? 'text';
  if (!timestampEncodings.includes(encoding)) return new TimestampField(3, undefined).withProblem(`${label}: encoding must be ${timestampEncodings.map((e) => `'${e}'`).join(', ')}`);
  // A unit's own precision unless told: micros into DateTime64(6), nanos into DateTime64(9).
  const precision = options.precision ?? (encoding === 'text' ? 3 : unitDigits[encoding] as TimestampPrecision);
  const made = encoding === 'text' || ![0, 3, 6, 9].includes(precision) ? new TimestampField(precision, options.timeZone) : new EpochTimestampField(precision, options.timeZone, encoding);
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

function makeDate(options: DateOptions): Field {
  const given: DateOptions = typeof options === 'object' && options !== null ? options : {};
  const encoding = given.encoding ?? 'text';
  const label = `date(${describeValue(options)})`;
  const unknown = Object.keys(given).filter((key) => key !== 'encoding');
  if (unknown.length > 0) return new DateField('text').withProblem(`${label}: unknown option ${unknown.join(', ')} (known: encoding)`);
  if (encoding !== 'text' && encoding !== 'days') return new DateField('text').withProblem(`${label}: encoding must be 'text' or 'days'`);
  return new DateField(encoding);
}

export { quote as sqlString };
