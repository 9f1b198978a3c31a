/**
 * What the operations add to the one way of asking ClickHouse (clickhouse/query.ts): a mutation
 * waited for, on servers with and without mutations_sync, and the server's clock.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { setTimeout as delay } from 'node:timers/promises';
import { run, scalar } from '../clickhouse/query.js';
import { ErrorCodes, KchError } from '../errors.js';
import type { ServerFeatures } from '../pipeline/features.js';
import { literal } from '../pipeline/quote.js';

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
