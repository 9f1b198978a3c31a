/**
 * Exact numbers in the decoding views (ClickHouse 25.8+). ClickHouse's JSON functions read a
 * whole number into an Int64 or a UInt64, every other number into a Float64, and give no
 * number's own text back. Two things make a Float64 of a value that was exact in the message:
 * a number of more than 15 significant digits (`1234567890123456.78`, or an exponent beyond
 * Float64: `1e-400` reads as 0), and JSONExtract into Dynamic itself, which puts a whole number
 * into the Float64 of its block when a float came before it in the same field (found by
 * test/integration/pipeline/exact-values: 9223372036854775807 read as 9223372036854775808).
 *
 * So a number is checked and converted from its text (`Decimal` from text is exact, at any
 * precision), never through a Float64: a whole number read as Int64 or UInt64 is its own text; a
 * Float64 is its shortest text when the message holds no long numeral (`kch_longs` empty: every
 * number of at most 15 digits, which a Float64 gives back exactly); otherwise the text is found in
 * the message: after the field's key when no other member of the stream has that name, else
 * among the message's numerals (`kch_numerals`, strings stepped over) that read as that Float64.
 * Two different long numerals of one Float64 there cannot be told apart: NULL, so a dead letter
 * that says so, never a guess.
 */
import { literal } from './quote.js';

/** The view's column listing the message's long numerals (see `longNumeralsSql`). */
export const LONG_NUMERALS = 'kch_longs';
/** The view's column listing every numeral of the message outside strings, in order. */
export const NUMERALS = 'kch_numerals';
/** The message's text, in the views. */
const RAW = 'kch_raw';

/**
 * Numerals of 16 or more digits and dots, or with an exponent of 3 or more digits. Texts inside
 * strings match too: harmless, they only send a row the slower, exact way.
 */
export const LONG_NUMERAL = '-?[0-9][0-9.]{15,}(?:[eE][-+]?[0-9]+)?|-?[0-9][0-9.]*[eE][-+]?[0-9]{3,}';

export function longNumeralsSql(raw: string): string {
  return `extractAll(${raw}, ${literal(LONG_NUMERAL)})`;
}

/** A string (stepped over whole, escapes and all) or a numeral: scanning from the start, no numeral inside a string matches. */
const TOKENS = '"(?:[^"\\\\]|\\\\.)*"|(-?[0-9][-+.eE0-9]*)';

export function numeralsSql(raw: string): string {
  return `arrayFilter(t -> t != '', extractAllGroupsHorizontal(${raw}, ${literal(TOKENS)})[1])`;
}

/** The numeral after `"key":` where the key is a real key (not text inside a string: the quote before it is not escaped). */
export function keyNumeralPattern(key: string): string {
  return `(?:^|[^\\\\])"${key}"\\s*:\\s*(-?[0-9][-+.eE0-9]*)`;
}

/** RFC 8259's number, for strings that hold one (fields that accept numbers written as strings). */
export const NUMBER_TEXT = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';

/** Whether a numeral has at most 15 significant digits and an exponent within Float64's: then a Float64 gives it back exactly. */
function short(numeral: string): string {
  return `(length(replaceRegexpAll(extract(${numeral}, '^-?([0-9.]*)'), '^[0.]+|[.]', '')) <= 15 AND NOT match(${numeral}, '[eE][-+]?[0-9]{3}'))`;
}

/** The exact text of a Float64 read from the message (see the module's comment); NULL when it cannot be told. */
function floatText(float: string, key: string | undefined): string {
  const candidates = `arrayFilter(t -> toFloat64OrNull(t) = ${float}, ${NUMERALS})`;
  const among = `if(length(arrayDistinct(${candidates})) = 1, ${candidates}[1], if(arrayAll(t -> ${short('t')}, ${candidates}), toString(${float}), NULL))`;
  const found = key === undefined ? among : `ifNull(nullIf(extract(${RAW}, ${literal(keyNumeralPattern(key))}), ''), ${among})`;
  return `if(empty(${LONG_NUMERALS}), toString(${float}), ${found})`;
}

/**
 * SQL: the text of the number a `Dynamic` holds (a JSON whole number, other number, or with
 * `strings` a string holding a JSON number), else NULL. `key`: the member's name, when no other
 * member of the stream has it (its numeral is then found after it in the message).
 */
export function numberTextSql(value: string, strings: boolean, key?: string): string {
  const float = `dynamicElement(${value}, 'Float64')`;
  const branches = [
    `isNotNull(dynamicElement(${value}, 'Int64')), toString(dynamicElement(${value}, 'Int64'))`,
    `isNotNull(dynamicElement(${value}, 'UInt64')), toString(dynamicElement(${value}, 'UInt64'))`,
    `isNotNull(${float}), ${floatText(`assumeNotNull(${float})`, key)}`,
  ];
  if (strings) branches.push(`match(ifNull(dynamicElement(${value}, 'String'), ''), ${literal(NUMBER_TEXT)}), dynamicElement(${value}, 'String')`);
  return `multiIf(${branches.join(', ')}, NULL)`;
}

/**
 * SQL: how many decimals the number written as `text` needs (1.50 needs 1, 1500e-3 needs 1, 12
 * none); NULL for an exponent of 10 digits or more, beyond any column.
 */
export function decimalsSql(text: string): string {
  const mantissa = `extract(${text}, '^-?([0-9.]*)')`;
  const fraction = `length(extract(${mantissa}, '\\\\.([0-9]*)'))`;
  const trailingZeros = `length(extract(replaceOne(${mantissa}, '.', ''), '(0*)$'))`;
  const exponent = `toInt64OrZero(extract(${text}, '[eE]\\\\+?(-?[0-9]+)$'))`;
  return `if(match(${text}, '[eE][-+]?[0-9]{10}'), NULL, greatest(0, ${fraction} - ${exponent} - ${trailingZeros}))`;
}
