/**
 * The one way kch asks ClickHouse something: rows of a query as objects (or as text fields, for
 * large answers), a number, a statement, or an insert of ready-made bytes. Failures become KchErrors that say what was being done and where. Values are
 * inlined as quoted literals (pipeline/quote.ts) rather than bound, because ClickHouse 18.x has
 * no query parameters and every command must work against it: `params` fill `{name:Type}`
 * placeholders here, before the query leaves. `kch query` alone streams the server's own output
 * formats to the user.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { inlineParams } from '../pipeline/quote.js';
import { toKchError, type ClickHouseErrorContext } from './errors.js';

export interface QueryOptions extends ClickHouseErrorContext {
  /** Values of the query's `{name:Type}` placeholders, inlined (see inlineParams). */
  readonly params?: Record<string, unknown>;
  readonly settings?: ClickHouseSettings;
}

/** `options` as a string: what was being done, for the error message. */
type Given = string | QueryOptions | undefined;
const optionsOf = (given: Given): QueryOptions => (typeof given === 'string' ? { action: given } : given ?? {});
const contextOf = ({ url, action }: QueryOptions): ClickHouseErrorContext => ({ ...(url ? { url } : {}), ...(action ? { action } : {}) });

export async function rows<T>(client: ClickHouseClient, query: string, given?: Given): Promise<T[]> {
  const options = optionsOf(given);
  try {
    const result = await client.query({
      query: options.params ? inlineParams(query, options.params) : query, format: 'JSONEachRow',
      ...(options.settings ? { clickhouse_settings: options.settings } : {}),
    });
    return await result.json<T>();
  } catch (error) {
    throw toKchError(error, contextOf(options));
  }
}

/**
 * Rows of a query as the fields of its TabSeparated lines, not parsed further: for a poll whose
 * answer can run to a row per event of millions, text split into arrays costs far less than JSON
 * parsed into objects. For fields that need no unescaping (numbers, hex).
 */
export async function textRows(client: ClickHouseClient, query: string, given?: Given): Promise<string[][]> {
  const options = optionsOf(given);
  try {
    const result = await client.query({ query, format: 'TabSeparated', ...(options.settings ? { clickhouse_settings: options.settings } : {}) });
    const text = await result.text();
    return text.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
  } catch (error) {
    throw toKchError(error, contextOf(options));
  }
}

/**
 * Rows of a query one at a time, each the array of its values (JSONCompactEachRow), read as the
 * server sends them: for answers too large to hold (kch verify --against reads whole tables).
 */
export async function* streamRows<T extends unknown[]>(client: ClickHouseClient, query: string, given?: Given): AsyncGenerator<T> {
  const options = optionsOf(given);
  try {
    const result = await client.query({ query, format: 'JSONCompactEachRow', ...(options.settings ? { clickhouse_settings: options.settings } : {}) });
    for await (const batch of result.stream()) {
      for (const row of batch) yield row.json<T>();
    }
  } catch (error) {
    throw toKchError(error, contextOf(options));
  }
}

/** The first column of the first row as a number (0 when there is no row). */
export async function scalar(client: ClickHouseClient, query: string, given?: Given): Promise<number> {
  const [first] = await rows<Record<string, string | number>>(client, query, given);
  return first ? Number(Object.values(first)[0] ?? 0) : 0;
}

export async function run(client: ClickHouseClient, query: string, given?: Given): Promise<void> {
  const options = optionsOf(given);
  try {
    await client.command({ query, ...(options.settings ? { clickhouse_settings: options.settings } : {}) });
  } catch (error) {
    throw toKchError(error, contextOf(options));
  }
}

/**
 * An INSERT whose rows are ready-made bytes in the format the query names (`… FORMAT RowBinary`):
 * sent as the request's body, with the query in its URL, as ClickHouse's HTTP interface takes it.
 */
export async function insertBytes(client: ClickHouseClient, query: string, body: Buffer, given?: Given): Promise<void> {
  const options = optionsOf(given);
  try {
    const result = await client.exec({ query, values: Readable.from([body]), ...(options.settings ? { clickhouse_settings: options.settings } : {}) });
    // The summary is not needed; the connection goes back to the pool once the body is read.
    for await (const _ of result.stream) { /* drain */ }
  } catch (error) {
    throw toKchError(error, contextOf(options));
  }
}

/** Runs queries with `{name:Type}` parameters, saying what it was doing when one fails. */
export interface Reader {
  rows<T>(query: string, params: Record<string, unknown>, action: string): Promise<T[]>;
}

/** A Reader over `client`: every query with the same `url` (for messages) and settings. */
export function readerOf(client: ClickHouseClient, options: Pick<QueryOptions, 'url' | 'settings'> = {}): Reader {
  return { rows: <T>(query: string, params: Record<string, unknown>, action: string) => rows<T>(client, query, { ...options, action, params }) };
}
