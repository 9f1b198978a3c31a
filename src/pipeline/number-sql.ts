/**
 * Exact numbers in the decoding views (ClickHouse 25.8+). ClickHouse's JSON functions read a
 * whole number into an Int64 or a UInt64 exactly, but every other number into a Float64, and no
 * JSON function gives a number's own text back. A Float64 holds any number of at most 15
 * significant digits exactly enough that its shortest text (`toString`) is the number itself, so
 * that text is the value. A longer numeral (or one with an exponent of 3 digits: 1e-400 reads as
 * 0) is found in the message text instead: `kch_longs` lists each message's long numerals once,
 * and a Float64 takes the one that reads as it. A number is then checked and converted from its
 * text (`Decimal` from text is exact, at any precision), never through the Float64.
 */
import { literal } from './quote.js';

/** The view's column listing the message's long numerals (see `longNumeralsSql`). */
export const LONG_NUMERALS = 'kch_longs';

/**
 * Numerals of 16 or more digits and dots, or with an exponent of 3 or more digits. Texts inside
 * strings match too: harmless, a Float64 takes a text only if it reads as that very value.
 */
export const LONG_NUMERAL = '-?[0-9][0-9.]{15,}(?:[eE][-+]?[0-9]+)?|-?[0-9][0-9.]*[eE][-+]?[0-9]{3,}';

export function longNumeralsSql(raw: string): string {
  return `extractAll(${raw}, ${literal(LONG_NUMERAL)})`;
}

/** RFC 8259's number, for strings that hold one (fields that accept numbers written as strings). */
export const NUMBER_TEXT = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';

/** The exact text of a Float64 read from the message: its long numeral if it has one, else its shortest text. */
function floatText(float: string): string {
  // By position, not with a lambda over the Float64: the server's short-circuit evaluation can
  // misplace rows of a lambda that captures a column (found by test/unit/pipeline/exact…).
  return `if(empty(${LONG_NUMERALS}), toString(${float}), ifNull(nullIf(${LONG_NUMERALS}[indexOf(arrayMap(t -> toFloat64OrNull(t), ${LONG_NUMERALS}), ${float})], ''), toString(${float})))`;
}

/**
 * SQL: the text of the number a `Dynamic` holds (a JSON whole number, other number, or with
 * `strings` a string holding a JSON number), else NULL.
 */
export function numberTextSql(value: string, strings: boolean): string {
  const float = `dynamicElement(${value}, 'Float64')`;
  const branches = [
    `isNotNull(dynamicElement(${value}, 'Int64')), toString(dynamicElement(${value}, 'Int64'))`,
    `isNotNull(dynamicElement(${value}, 'UInt64')), toString(dynamicElement(${value}, 'UInt64'))`,
    `isNotNull(${float}), ${floatText(`assumeNotNull(${float})`)}`,
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
