/**
 * The few ClickHouse calls the operations share: rows of a query, a statement, and a mutation
 * waited for. Values are inlined as quoted literals rather than bound as query parameters
 * because ClickHouse 18.x has none, and every operation must work against it; the identifiers are
 * the ones stream definitions validated.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { setTimeout as delay } from 'node:timers/promises';
import { toKchError } from '../clickhouse/errors.js';
import { ErrorCodes, KchError } from '../errors.js';
import type { ServerFeatures } from '../pipeline/features.js';
import { literal } from '../pipeline/quote.js';

export { literal };

export async function rows<T>(client: ClickHouseClient, query: string, action?: string): Promise<T[]> {
  try {
    return await (await client.query({ query, format: 'JSONEachRow' })).json<T>();
  } catch (error) {
    throw toKchError(error, action ? { action } : {});
  }
}

/** The first column of the first row as a number (0 when there is no row). */
export async function scalar(client: ClickHouseClient, query: string, action?: string): Promise<number> {
  const [first] = await rows<Record<string, string | number>>(client, query, action);
  return first ? Number(Object.values(first)[0] ?? 0) : 0;
}

export async function run(client: ClickHouseClient, query: string, action?: string): Promise<void> {
  try {
    await client.command({ query });
  } catch (error) {
    throw toKchError(error, action ? { action } : {});
  }
}

/** mutations_sync (the ALTER waits for its mutation) is certain from 20.x on; older servers are polled. */
function waitsForMutations(features: Pick<ServerFeatures, 'major'>): boolean {
  return features.major >= 20;
}

/**
 * Runs `ALTER TABLE <table> UPDATE|DELETE …` and returns once the mutation is applied to every
 * part, so that what follows sees its result. On servers without mutations_sync, polls
 * system.mutations until the table has none left to do (or `timeoutMs` passes).
 */
export async function mutate(
  client: ClickHouseClient,
  features: Pick<ServerFeatures, 'major'>,
  database: string,
  table: string,
  mutation: string,
  options: { timeoutMs?: number; action?: string } = {},
): Promise<void> {
  const sql = `ALTER TABLE ${database}.${table} ${mutation}`;
  if (waitsForMutations(features)) {
    await run(client, `${sql} SETTINGS mutations_sync = 2`, options.action);
    return;
  }
  await run(client, sql, options.action);
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  let pause = 50;
  for (;;) {
    const left = await scalar(client, `SELECT count() FROM system.mutations WHERE database = ${literal(database)} AND table = ${literal(table)} AND NOT is_done`);
    if (left === 0) return;
    if (performance.now() > deadline) {
      throw new KchError(ErrorCodes.TIMEOUT, `${options.action ?? 'a mutation'}: ${database}.${table} still has ${left} mutation(s) running; see system.mutations`);
    }
    await delay(pause);
    pause = Math.min(pause * 2, 1000);
  }
}

/** The server's clock, as seconds since the epoch (what now() in a view writes). */
export async function serverNow(client: ClickHouseClient): Promise<number> {
  return scalar(client, 'SELECT toUnixTimestamp(now()) AS now');
}
