/**
 * What the cluster's objects are named: each server's replicated local table behind the
 * Distributed table that keeps the stream's name, and its replication path (`onCluster` in
 * src/pipeline/plan.ts plans them).
 */

/** `path` with kch's placeholders filled in; the server's macros ({shard}, {uuid}…) left to it. */
export function replicaPath(path: string, database: string, table: string): string {
  return path.replaceAll('{database}', database).replaceAll('{table}', table);
}
