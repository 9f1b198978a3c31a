/**
 * Exact numbers in the decoding views (ClickHouse 25.8+). ClickHouse's JSON functions read a
 * whole number into an Int64 or a UInt64, every other number into a Float64, and give no
 * number's own text back. A Float64 can hold a value that was not the message's:
 * - a number written with more significant digits than a Float64 holds (`1234567890123456.78`
 *   reads as 1234567890123456.8);
 * - a whole number that JSONExtract into Dynamic put into its block's Float64, because a float
 *   came before it in the same field (found by test/integration/pipeline/exact-values:
 *   9223372036854775807 read as 9223372036854775808).
 *
 * So a number is checked and converted from its text (`Decimal` from text is exact, at any
 * precision), never through a Float64. A whole number read as Int64 or UInt64 is exact as it is.
 * A Float64 whose shortest text has at most 15 significant digits and no exponent is that text:
 * a Float64 gives such a number back exactly, and every whole number a block's Float64 took in is
 * exact there below 2⁵³ (one of 2⁵³ or more has 16 digits). Any other Float64 takes the message's
 * own numeral, the one after the field's key, when no other member of the stream has that name;
 * inside an array, or under a name two members share, it cannot be told from the others, and the
 * Float64 is what the number is taken as (our side reads it so too).
 *
 * Below 10^(15 − scale) a Float64 tells apart every two numbers of the column's scale, so its
 * shortest text is taken there (number-text.ts, asFloatReads, is our side's same reading): a
 * number written with more digits, all past the 15th significant one but one far past it, is
 * taken as that Float64 (`0.30000000000000000001` is 0.3, `1e-400` is 0). Telling those apart
 * would mean scanning every message's text, about 1 µs a message (chdb 26.7, one thread), and the
 * views' SQL is kept short: the server analyses it again for every block it inserts.
 *
 * A field whose whole range lies below 10^(15 − scale), and which takes no strings (the seed's
 * prices and quantities), needs no text at all: its value is its Float64 (floatValueSql), checked
 * as `round(x, scale) = x` within its range; a decimal is then made from the Float64's shortest
 * text, since a cast from Float64 to Decimal truncates (0.29 becomes 0.28).
 */
import { FLOAT_DIGITS, floatExactBelow } from './number-text.js';
import { literal } from './quote.js';

/** The message's text, in the views. */
const RAW = 'kch_raw';

/** The numeral after `"key":` where the key is a real key (not text inside a string: the quote before it is not escaped). */
export function keyNumeralPattern(key: string): string {
  return `(?:^|[^\\\\])"${key}"\\s*:\\s*(-?[0-9][-+.eE0-9]*)`;
}

/** RFC 8259's number, for strings that hold one (fields that accept numbers written as strings). */
export const NUMBER_TEXT = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';

/**
 * SQL: whether a Float64's shortest text is short enough to be its value's text (see the
 * module's comment). Its characters but a sign and a point are at most FLOAT_DIGITS digits: cheap
 * (no copy, no regular expression per row), and never wrong; a text it passes over (leading zeros
 * of a small number) takes the longer way and is still exact.
 */
export function shortText(text: string): string {
  return `(position(${text}, 'e') = 0 AND length(${text}) - (position(${text}, '-') > 0) - (position(${text}, '.') > 0) <= ${FLOAT_DIGITS})`;
}

/** What a numeric field's view needs of its value (Field.numberText). */
export interface NumberSpec {
  /** Whether a string holding a JSON number counts (acceptStrings, wide integers). */
  readonly strings: boolean;
  /** The column's decimals: below 10^(15 − scale) a Float64 tells (number-text.ts, floatExactBelow). */
  readonly scale: number;
}

/**
 * Where a numeric value's exact value is, in a view: a column of its own (the field's type, or a
 * NULL when the value is not one), worked out once and read by name in the check and the
 * conversion; or, for an array's elements, the expression itself.
 */
export interface NumberSite {
  readonly value: string;
}

/**
 * SQL: the exact text of a value that is not a whole number read as Int64 or UInt64 (a Float64's,
 * or a string's holding a JSON number where `strings`), else NULL. `key`: the member's name, when
 * no other member of the stream has it (its numeral is then found after it in the message).
 * Few functions: the server analyses the views' SQL again for every block it inserts, and that
 * time grows with them (measured on chdb 26.7: the seed's sales view took 20 ms before exact
 * numbers, 283 ms in their first form, ~0.5 ms for each conditional on a Dynamic).
 */
export function numberTextSql(value: string, spec: NumberSpec, key?: string): string {
  const float = `dynamicElement(${value}, 'Float64')`;
  const repr = `toString(assumeNotNull(${float}))`;
  const found = key === undefined ? repr : `if(${shortText(repr)} AND abs(assumeNotNull(${float})) < ${floatExactBelow(spec.scale)}, ${repr}, ifNull(nullIf(extract(${RAW}, ${literal(keyNumeralPattern(key))}), ''), ${repr}))`;
  const text = spec.strings ? `if(isNotNull(${float}), ${found}, if(match(ifNull(dynamicElement(${value}, 'String'), ''), ${literal(NUMBER_TEXT)}), dynamicElement(${value}, 'String'), NULL))` : `if(isNotNull(${float}), ${found}, NULL)`;
  return text;
}

/**
 * SQL: a JSON number as a Float64 (NULL for any other value), for a field whose every value is
 * below 10^(15 − scale): there the Float64 tells the number (see the module's comment), and the
 * view needs none of its text, a short SQL.
 */
export function floatValueSql(value: string): string {
  return `if(dynamicType(${value}) IN ('Int64', 'UInt64', 'Float64'), accurateCastOrNull(${value}, 'Float64'), NULL)`;
}

/**
 * SQL: whether the number written as `text` has at most `scale` decimals (1.50 has 1, 1500e-3 has
 * 1). A plain text by one regular expression; one with an exponent (rare: a long numeral, or a
 * string) by comparing its value at the scale and at the most decimals a Decimal256 leaves its
 * whole part (`wholeDigits`): a text with more decimals than those, all zero up to there, passes.
 */
export function decimalsWithin(text: string, scale: number, wholeDigits: number): string {
  const plain = `^-?[0-9]+(\\.[0-9]{0,${scale}}0*)?$`;
  const wide = Math.max(scale, 76 - wholeDigits);
  return `if(position(${text}, 'e') = 0 AND position(${text}, 'E') = 0, match(${text}, '${plain}'), toDecimal256OrNull(${text}, ${scale}) = toDecimal256OrNull(${text}, ${wide}))`;
}
