/**
 * The one way this project quotes for ClickHouse SQL. Values are inlined rather than bound
 * because ClickHouse 18.x has no query parameters and every part must work against it.
 */

/** A string literal: backslashes and single quotes escaped, as ClickHouse reads them. */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A back-quoted identifier, for names that did not come from a validated definition. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
