/**
 * JSON as ClickHouse's decoding views read it, on our side: `parseMessage` keeps every number
 * exactly (a `JsonNumber` holds the text of one a JavaScript number cannot), notes keys that
 * appear twice, and refuses what ClickHouse's parser refuses (a lone surrogate, a whole number
 * beyond 64 bits, a float beyond Float64, control characters in strings), with the reason the
 * dead-letter table gives. `stringifyJson` writes events back, bigints and `JsonNumber`s exactly.
 * Init's replay and the generator's own checks go through these, so that their verdicts are the
 * views' (test/integration/pipeline/exact-values.e2e.test.ts holds them to it).
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { exactOf, sameAsNumber } from './number-text.js';

/** A JSON number kept as its text, because no JavaScript number holds its value exactly. */
export class JsonNumber {
  constructor(readonly text: string) {
    if (exactOf(text) === undefined) throw new KchError(ErrorCodes.DEFINITION, `not a JSON number: ${JSON.stringify(text)}`);
  }
  toString(): string { return this.text; }
}

export type JsonValue = null | boolean | number | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/** On a parsed object: the keys it held more than once (ClickHouse keeps the first, JSON.parse the last). */
export const DUPLICATE_KEYS: unique symbol = Symbol('kch.duplicateKeys');

/** The reasons a message cannot be read at all, worded as the dead-letter table words them. */
export const unreadable = {
  utf8: 'not valid UTF-8',
  object: 'not a JSON object ClickHouse can read',
  number: 'a number out of range: ',
  numberWhy: ' (whole numbers are read within 64 bits, other numbers within Float64; send larger ones as strings)',
} as const;

/**
 * The first numeral outside strings that could be out of range (19 or more digits before any
 * fraction, or an exponent of 3 or more digits), in RE2 and JavaScript syntax alike: what the
 * dead-letter reason names when a message does not parse. Strings are stepped over whole.
 */
export const OUT_OF_RANGE_CANDIDATE = '^(?:[^"]|"(?:[^"\\\\]|\\\\.)*")*?(-?[0-9]{19,}(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|-?[0-9]+(?:\\.[0-9]+)?[eE]\\+?[0-9]{3,})';
const candidate = new RegExp(OUT_OF_RANGE_CANDIDATE);

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Whether ClickHouse's JSON parser reads this numeral (whole: within Int64 or UInt64; else a finite Float64). */
export function readableNumeral(token: string): boolean {
  if (/^-?[0-9]+$/.test(token)) {
    const value = BigInt(token);
    return value >= INT64_MIN && value <= UINT64_MAX;
  }
  return Number.isFinite(Number(token));
}

/** Why a message that does not parse is unreadable: a numeral out of range, or not a JSON object. */
export function unreadableReason(text: string): string {
  const found = candidate.exec(text)?.[1];
  return found !== undefined && !readableNumeral(found) ? `${unreadable.number}${found}${unreadable.numberWhy}` : unreadable.object;
}

export type ParsedMessage = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly reason: string };

/** A Kafka message's value as the views read it: valid UTF-8, one JSON object. */
export function parseMessage(bytes: Buffer | string): ParsedMessage {
  let text: string;
  if (typeof bytes === 'string') {
    text = bytes;
  } else {
    text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) return { ok: false, reason: unreadable.utf8 };
  }
  const value = parseJson(text);
  if (value === undefined) return { ok: false, reason: unreadableReason(text) };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof JsonNumber) return { ok: false, reason: unreadable.object };
  return { ok: true, value };
}

/**
 * Any JSON text, numbers exact; undefined when ClickHouse's parser would refuse it. `maxDepth`:
 * the deepest value's depth (the top is 0) that is read; isValidJSON reads up to 1023.
 */
export function parseJson(text: string, maxDepth = 512): JsonValue | undefined {
  const parser = new Parser(text, maxDepth);
  try {
    // ClickHouse reads a message that starts with a byte order mark.
    if (text.charCodeAt(0) === 0xfeff) parser.at = 1;
    const value = parser.value(0);
    parser.space();
    return parser.at === text.length ? value : undefined;
  } catch (error) {
    if (error === Parser.refused) return undefined;
    throw error;
  }
}

class Parser {
  static readonly refused = new Error('not JSON');
  at = 0;
  constructor(readonly text: string, readonly maxDepth: number) {}

  private fail(): never { throw Parser.refused; }

  space(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.at += 1;
      else return;
    }
  }

  value(depth: number): JsonValue {
    // ClickHouse's parser stops at a depth; far below it no message of a stream reaches.
    if (depth > this.maxDepth) this.fail();
    this.space();
    const c = this.text.charCodeAt(this.at);
    if (c === 0x7b) return this.object(depth);
    if (c === 0x5b) return this.array(depth);
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.fail();
  }

  private object(depth: number): JsonValue {
    this.at += 1;
    const out: { [key: string]: JsonValue } = {};
    let duplicates: Set<string> | undefined;
    this.space();
    if (this.text.charCodeAt(this.at) === 0x7d) {
      this.at += 1;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.at) !== 0x22) this.fail();
      const key = this.string();
      this.space();
      if (this.text.charCodeAt(this.at) !== 0x3a) this.fail();
      this.at += 1;
      const value = this.value(depth + 1);
      if (Object.hasOwn(out, key)) {
        (duplicates ??= new Set()).add(key);
      } else {
        // defineProperty: a key named __proto__ is a key like any other.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      this.space();
      const next = this.text.charCodeAt(this.at);
      this.at += 1;
      if (next === 0x7d) break;
      if (next !== 0x2c) this.fail();
    }
    if (duplicates) Object.defineProperty(out, DUPLICATE_KEYS, { value: duplicates, enumerable: false });
    return out;
  }

  private array(depth: number): JsonValue {
    this.at += 1;
    const out: JsonValue[] = [];
    this.space();
    if (this.text.charCodeAt(this.at) === 0x5d) {
      this.at += 1;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.space();
      const next = this.text.charCodeAt(this.at);
      this.at += 1;
      if (next === 0x5d) return out;
      if (next !== 0x2c) this.fail();
    }
  }

  private string(): string {
    const text = this.text;
    let at = this.at + 1;
    let out = '';
    let run = at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c) || c < 0x20) this.fail();
      if (c === 0x22) break;
      if (c !== 0x5c) {
        at += 1;
        continue;
      }
      out += text.slice(run, at);
      const e = text[at + 1];
      at += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const unit = this.hex(at);
          at += 4;
          if (unit >= 0xdc00 && unit <= 0xdfff) this.fail();
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // ClickHouse refuses a high surrogate not followed by a low one.
            if (text[at] !== '\\' || text[at + 1] !== 'u') this.fail();
            const low = this.hex(at + 2);
            if (low < 0xdc00 || low > 0xdfff) this.fail();
            at += 6;
            out += String.fromCharCode(unit, low);
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default: this.fail();
      }
      run = at;
    }
    out += text.slice(run, at);
    this.at = at + 1;
    return out;
  }

  private hex(at: number): number {
    const digits = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail();
    return parseInt(digits, 16);
  }

  private number(): number | JsonNumber {
    const match = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
    match.lastIndex = this.at;
    const token = match.exec(this.text)?.[0];
    if (token === undefined) return this.fail();
    this.at += token.length;
    if (!readableNumeral(token)) this.fail();
    const value = Number(token);
    return sameAsNumber(exactOf(token)!, value) ? value : new JsonNumber(token);
  }
}

/**
 * JSON text of a value: as JSON.stringify, but a bigint is written as its digits and a JsonNumber
 * as its text, so that values beyond a JavaScript number reach Kafka exactly.
 */
export function stringifyJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof JsonNumber) return value.text;
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new KchError(ErrorCodes.INVALID_EVENT, `cannot write ${typeof value} as JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? 'null' : stringifyJson(v))).join(',')}]`;
  let out = '';
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function') continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${stringifyJson(v)}`;
  }
  return `{${out}}`;
}
