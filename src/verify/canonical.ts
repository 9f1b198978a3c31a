/**
 * One text per value, the same on both sides of `kch verify --against`: PostgreSQL and ClickHouse
 * each render a column as text in SQL (an expression per side), and `canonical` finishes it here,
 * so that equal values are equal strings and a NULL stays apart from every text. Numbers exact
 * (a decimal without trailing zeros, a float as its shortest form), times as microseconds since
 * 1970 UTC, dates as YYYY-MM-DD, JSON with its keys sorted and its numbers in their shortest
 * exact form, an array as a JSON array of its elements' texts (ClickHouse has no NULL array: a
 * NULL array is compared as an empty one).
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { ValueKind } from '../cdc/fields.js';
import { JsonNumber, parseJson, type JsonValue } from '../pipeline/json.js';
import { quoteIdentifier } from '../pipeline/quote.js';
import { quotePg } from '../postgres/client.js';

export interface ComparedColumn {
  readonly name: string;
  readonly kind: ValueKind;
  readonly array: boolean;
}

/** PostgreSQL's text of one value `x` of the kind (DateStyle ISO). */
function pgValue(kind: ValueKind, x: string): string {
  switch (kind) {
    case 'timestamp': return `CASE WHEN isfinite(${x}) THEN (extract(epoch FROM ${x}) * 1000000)::numeric(38, 0)::text ELSE ${x}::text END`;
    case 'bytes': return `translate(encode(${x}, 'base64'), E'\\n', '')`;
    default: return `${x}::text`;
  }
}

/** ClickHouse's text of one value `x` of the kind, as the stream's column holds it (src/cdc/fields.ts). */
function chValue(kind: ValueKind, x: string): string {
  switch (kind) {
    case 'timestamp': return `toString(toUnixTimestamp64Micro(${x}))`;
    case 'integer':
    case 'decimal':
    case 'float':
    case 'bool':
    case 'uuid': return `toString(${x})`;
    default: return x;
  }
}

/** The column's text in PostgreSQL: its value's, or for an array a JSON array of its elements' texts. */
export function pgExpression(column: ComparedColumn): string {
  const c = quotePg(column.name);
  if (!column.array) return pgValue(column.kind, c);
  return `coalesce((SELECT json_agg(${pgValue(column.kind, 'x')} ORDER BY n)::text FROM unnest(${c}) WITH ORDINALITY AS u(x, n)), '[]')`;
}

/** The column's text in ClickHouse, as pgExpression's. */
export function chExpression(column: ComparedColumn): string {
  const c = quoteIdentifier(column.name);
  if (!column.array) return chValue(column.kind, c);
  return `toJSONString(arrayMap(x -> ${chValue(column.kind, 'x')}, ${c}))`;
}

/** What a key column is sorted by on each side: the same order, byte for byte (text in bytes, a UUID as its text). */
export function pgOrder(column: ComparedColumn): string {
  const c = quotePg(column.name);
  return column.kind === 'text' || column.kind === 'date' ? `${c} COLLATE "C"` : c;
}

export function chOrder(column: ComparedColumn): string {
  const c = quoteIdentifier(column.name);
  return column.kind === 'uuid' ? `toString(${c})` : c;
}

/** The kinds a key may be of: those both sides sort alike (keyOrder). */
export function keyable(column: ComparedColumn): boolean {
  return !column.array && column.kind !== 'json' && column.kind !== 'bytes' && column.kind !== 'float';
}

/** A decimal's text without trailing zeros or a bare point: `12.50` → `12.5`, `-0.00` → `0`. */
export function canonicalDecimal(text: string): string {
  const match = /^([+-]?)0*(\d*)(?:\.(\d*?)0*)?$/.exec(text.trim());
  if (!match) return text.trim().toLowerCase();
  const whole = match[2] === '' ? '0' : match[2]!;
  const fraction = match[3] ?? '';
  const zero = /^0*$/.test(whole + fraction);
  return `${match[1] === '-' && !zero ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A float's shortest text; NaN and the infinities as ClickHouse writes them. */
export function canonicalFloat(text: string): string {
  const lower = text.trim().toLowerCase();
  if (lower === 'nan') return 'nan';
  if (lower === 'infinity' || lower === 'inf') return 'inf';
  if (lower === '-infinity' || lower === '-inf') return '-inf';
  const n = Number(lower);
  return Number.isNaN(n) ? lower : Object.is(n, -0) ? '0' : String(n);
}

function canonicalJsonValue(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value instanceof JsonNumber) return canonicalDecimal(value.text);
  if (Array.isArray(value)) return `[${value.map(canonicalJsonValue).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJsonValue(value[k]!)}`).join(',')}}`;
}

/** JSON text with its keys sorted, no spaces, numbers in their shortest exact form; text that is no JSON stays as it is. */
export function canonicalJson(text: string): string {
  const parsed = parseJson(text);
  return parsed === undefined ? text : canonicalJsonValue(parsed);
}

function scalar(kind: ValueKind, text: string): string {
  switch (kind) {
    case 'decimal': return canonicalDecimal(text);
    case 'float': return canonicalFloat(text);
    // Debezium's ISO text of a date ends in Z (2026-12-07Z).
    case 'date': return text.replace(/Z$/, '');
    case 'json': return canonicalJson(text);
    case 'uuid': return text.toLowerCase();
    default: return text;
  }
}

/** The value's canonical text; null stays null (an array's null is its empty array, as ClickHouse keeps it). */
export function canonical(column: ComparedColumn, text: string | null): string | null {
  if (!column.array) return text === null ? null : scalar(column.kind, text);
  if (text === null) return '[]';
  const elements = JSON.parse(text) as unknown;
  if (!Array.isArray(elements)) throw new KchError(ErrorCodes.SOURCE_DATABASE, `column ${column.name}: expected an array's elements, got ${text.slice(0, 80)}`);
  return JSON.stringify(elements.map((e) => (e === null ? null : scalar(column.kind, String(e)))));
}

function compareDecimal(a: string, b: string): number {
  const split = (t: string): [boolean, string, string] => {
    const negative = t.startsWith('-');
    const [whole = '0', fraction = ''] = t.replace(/^[+-]/, '').split('.');
    return [negative, whole.replace(/^0+(?=\d)/, ''), fraction];
  };
  const [an, aw, af] = split(a);
  const [bn, bw, bf] = split(b);
  const scale = Math.max(af.length, bf.length);
  const value = (neg: boolean, w: string, f: string): bigint => BigInt(`${neg ? '-' : ''}${w}${f.padEnd(scale, '0')}`);
  const [x, y] = [value(an, aw, af), value(bn, bw, bf)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Orders two canonical key values of a column as both databases sort it (pgOrder, chOrder). */
export function compareKeyValue(column: ComparedColumn, a: string, b: string): number {
  switch (column.kind) {
    case 'integer':
    case 'timestamp': {
      const [x, y] = [BigInt(a), BigInt(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'decimal': return compareDecimal(a, b);
    case 'uuid':
    case 'bool': return a < b ? -1 : a > b ? 1 : 0;
    default: return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
}
