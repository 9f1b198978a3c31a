/**
 * Numbers as their decimal text, exactly. A JSON number is text: `9007199254740993` and
 * `99999999999999.99` are exact there and in ClickHouse's Int64 and Decimal columns, but not in a
 * JavaScript number. The checks on our side (init's replay, the generator's own events) work on
 * the text with these functions, never through a float.
 */

/** value = (negative ? −1 : 1) × digits × 10^exponent; digits has no leading or trailing zero ('' is zero). */
export interface ExactNumber {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

/** RFC 8259's number: what a JSON number token may be. */
export const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * An exponent of more digits than this stands for a number beyond any column's range (or below
 * any column's scale): it is kept as ±this bound instead of being computed.
 */
const EXPONENT_BOUND = 1_000_000_000;

/** The number a decimal text stands for, or undefined when it is not a JSON number. */
export function exactOf(text: string): ExactNumber | undefined {
  const match = JSON_NUMBER.exec(text);
  if (!match) return undefined;
  const negative = text.startsWith('-');
  const whole = match[1]!;
  const fraction = match[2] === undefined ? '' : match[2].slice(1);
  const expText = match[3] === undefined ? '0' : match[3].slice(1);
  const expDigits = expText.replace(/^[+-]/, '');
  // As the views count: ten digits or more (leading zeros too) is beyond any column.
  let exponent = expDigits.length > 9 ? EXPONENT_BOUND : Number(expDigits);
  if (expText.startsWith('-')) exponent = -exponent;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  exponent -= fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (digits === '') return { negative: false, digits: '', exponent: 0 };
  return { negative, digits, exponent: Math.max(-EXPONENT_BOUND, Math.min(EXPONENT_BOUND, exponent)) };
}

/** A JavaScript number as the decimal its shortest text stands for (what JSON.stringify writes). */
export function exactOfNumber(value: number): ExactNumber | undefined {
  return Number.isFinite(value) ? exactOf(String(value).replace(/e\+/, 'e')) : undefined;
}

export function exactOfBigInt(value: bigint): ExactNumber {
  return exactOf(value.toString())!;
}

/** Decimals the number needs: 1.50 needs 1, 1500e-3 needs 1, 12 needs none. */
export function decimalsOf(number: ExactNumber): number {
  return Math.max(0, -number.exponent);
}

/** −1, 0 or 1 as a < b, a = b, a > b. */
export function compareExact(a: ExactNumber, b: ExactNumber): number {
  const sign = (n: ExactNumber): number => (n.digits === '' ? 0 : n.negative ? -1 : 1);
  const [sa, sb] = [sign(a), sign(b)];
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const magnitude = compareMagnitude(a, b);
  return sa > 0 ? magnitude : -magnitude;
}

function compareMagnitude(a: ExactNumber, b: ExactNumber): number {
  // The place of the leading digit decides unless it is the same.
  const [la, lb] = [a.digits.length + a.exponent, b.digits.length + b.exponent];
  if (la !== lb) return la < lb ? -1 : 1;
  const width = Math.max(a.digits.length, b.digits.length);
  const [da, db] = [a.digits.padEnd(width, '0'), b.digits.padEnd(width, '0')];
  return da === db ? 0 : da < db ? -1 : 1;
}

/** The number as a BigInt when it is whole (and of a sane size), else undefined. */
export function bigIntOf(number: ExactNumber): bigint | undefined {
  if (number.exponent < 0 || number.exponent > 1000) return undefined;
  if (number.digits === '') return 0n;
  const magnitude = BigInt(`${number.digits}${'0'.repeat(number.exponent)}`);
  return number.negative ? -magnitude : magnitude;
}

/** Plain decimal text without an exponent: `-1234.5`, `0.001`, `0`. */
export function plainText(number: ExactNumber): string {
  if (number.digits === '') return '0';
  const sign = number.negative ? '-' : '';
  if (number.exponent >= 0) return `${sign}${number.digits}${'0'.repeat(number.exponent)}`;
  const point = number.digits.length + number.exponent;
  if (point > 0) return `${sign}${number.digits.slice(0, point)}.${number.digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${number.digits}`;
}

/** Whether a JavaScript number holds exactly the value of the text (then the text needs no keeping). */
export function sameAsNumber(number: ExactNumber, value: number): boolean {
  const other = exactOfNumber(value);
  return other !== undefined && compareExact(number, other) === 0;
}

/** The most significant digits whose text a Float64 gives back exactly. */
export const FLOAT_DIGITS = 15;

/** Whether a Float64's shortest text (as JavaScript and ClickHouse both write it) has at most FLOAT_DIGITS digits and no exponent. */
export function shortFloatText(value: number): boolean {
  const text = String(value);
  return !text.includes('e') && text.replace(/[-.]/g, '').length <= FLOAT_DIGITS;
}

/**
 * Below this magnitude a Float64 tells apart every two numbers of at most `scale` decimals (its
 * step is under half of 10^-scale), so that a number with at most `scale` decimals is the shortest
 * text of its Float64. Above it, or with a long shortest text, the number's own text decides.
 */
export function floatExactBelow(scale: number): number {
  return 10 ** (FLOAT_DIGITS - scale);
}

/**
 * The number a field of `scale` decimals takes from a JSON number written with a fraction or an
 * exponent, as the views take it (src/pipeline/number-sql.ts): its Float64's shortest text where
 * that Float64 can tell (see floatExactBelow), else its own text. They differ only for a number
 * written with more digits than a Float64 holds, all of them past the 15th significant one but
 * one far past it (`0.30000000000000000001` is taken as 0.3).
 */
export function asFloatReads(token: string, scale: number): ExactNumber | undefined {
  const exact = exactOf(token);
  if (exact === undefined || /^-?[0-9]+$/.test(token)) return exact;
  const value = Number(token);
  if (!Number.isFinite(value) || !shortFloatText(value) || Math.abs(value) >= floatExactBelow(scale)) return exact;
  return exactOfNumber(value);
}
