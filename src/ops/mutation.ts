/**
 * A mutation of a stream's table (ALTER TABLE … UPDATE|DELETE) waited for, on servers with and
 * without mutations_sync and on every server of a cluster.
 */
import { run, scalar } from '../clickhouse/query.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { ServerFeatures } from '../pipeline/features.js';
import { literal } from '../pipeline/quote.js';
import { on } from '../pipeline/render.js';
import type { TableRef } from '../pipeline/table-ref.js';
import type { OpsContext } from './context.js';
import { countOnEachReplica } from '../clickhouse/replicas.js';
import { poll } from '../time/poll.js';

/** mutations_sync (the ALTER waits for its mutation) is certain from 20.x on; older servers are polled. */
function waitsForMutations(features: Pick<ServerFeatures, 'major'>): boolean {
  return features.major >= 20;
}

/**
 * Runs `ALTER TABLE <table> UPDATE|DELETE …` on a table that keeps a stream's rows (its resolved
 * `stored` one: on a cluster the replicated local table behind the Distributed one, which takes
 * no mutation) and returns once the mutation is applied to every part, so that what follows sees
 * its result. On a cluster it runs ON CLUSTER, and is waited for on every server. On servers without
 * mutations_sync, system.mutations is polled until no server has any left to do (or `timeoutMs`
 * passes).
 */
export async function mutate(
  ctx: Pick<OpsContext, 'client' | 'features' | 'target'>,
  stored: TableRef,
  mutation: string,
  options: { timeoutMs?: number; action?: string } = {},
): Promise<void> {
  const { client, features } = ctx;
  const cluster = ctx.target.cluster?.name;
  const { database, table } = stored;
  const sql = mutationSql(ctx, stored, mutation);
  if (waitsForMutations(features)) {
    await run(client, `${sql} SETTINGS mutations_sync = 2`, options.action);
    return;
  }
  await run(client, sql, options.action);
  const pending = `database = ${literal(database)} AND table = ${literal(table)} AND NOT is_done`;
  let left = 0;
  const done = await poll(async () => {
    left = cluster
      ? (await countOnEachReplica(client, cluster, 'system.mutations', pending)).reduce((sum, r) => sum + (r.n ?? 1), 0)
      : await scalar(client, `SELECT count() FROM system.mutations WHERE ${pending}`);
    return left === 0 ? true : undefined;
  }, { timeoutMs: options.timeoutMs ?? 120_000, pauseMs: 50, maxPauseMs: 1000 });
  if (!done) {
    throw new KchError(ErrorCodes.TIMEOUT, `${options.action ?? 'a mutation'}: ${database}.${table} still has ${left} mutation(s) running${cluster ? ' over the servers' : ''}; see system.mutations`);
  }
}

/** `ALTER TABLE … UPDATE|DELETE …` as `mutate` runs it (also what kch tells a person to run by hand). */
export function mutationSql(ctx: Pick<OpsContext, 'target'>, stored: TableRef, mutation: string): string {
  return `ALTER TABLE ${stored.toSql()}${on(ctx.target.cluster?.name)} ${mutation}`;
}
