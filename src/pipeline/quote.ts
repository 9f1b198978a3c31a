/**
 * The one way this project quotes for ClickHouse SQL. Values are inlined rather than bound
 * because ClickHouse 18.x has no query parameters and every part must work against it.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';

/** A string literal: backslashes and single quotes escaped, as ClickHouse reads them. */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A back-quoted identifier, for names that did not come from a validated definition. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

const plain = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An identifier as SQL: bare when plain (as the definitions' names are), else back-quoted. */
export function identifier(name: string): string {
  return plain.test(name) ? name : quoteIdentifier(name);
}

/** A value a query may take in place of a `{name:Type}` placeholder. */
export type ParamValue = string | number | readonly (string | number)[];

function valueLiteral(value: unknown, name: string): string {
  if (typeof value === 'string') return literal(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => valueLiteral(v, name)).join(', ')}]`;
  throw new KchError(ErrorCodes.USAGE, `query parameter ${name} cannot be ${typeof value}`);
}

/**
 * `{name:Type}` placeholders (the server-side parameters' syntax, which ClickHouse has only from
 * 19.x) filled in with literals, so that the same query runs on every server. A number or a string
 * stands as itself (18.x takes only a bare number after LIMIT); an array is cast to the type, so
 * that an empty one is still an array of it.
 */
export function inlineParams(query: string, params: Readonly<Record<string, unknown>>): string {
  return query.replace(/\{([A-Za-z_]\w*):([^{}]+)\}/g, (_, name: string, type: string) => {
    if (!(name in params)) throw new KchError(ErrorCodes.USAGE, `query parameter ${name} has no value`);
    const value = params[name];
    return Array.isArray(value) ? `CAST(${valueLiteral(value, name)} AS ${type})` : valueLiteral(value, name);
  });
}
