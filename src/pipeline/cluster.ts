/**
 * The same pipeline on a ClickHouse cluster, with the server's own distribution and nothing of
 * ours: every object made `ON CLUSTER`, so it exists on each server; the tables that keep rows
 * replicated (ReplicatedMergeTree, under `<name>_local`) and read through a Distributed table
 * that keeps the name a single server gives them (`sales`), so that users' SQL, the dashboard,
 * `status` and `verify` see every row under the name they know. Each server's Kafka table joins
 * the stream's one consumer group, so the topic's partitions spread over the servers; its views
 * write into that server's local table, never through the Distributed one (which would send each
 * block on and, on a retry, write it twice: ClickHouse issue 6661).
 */
import type { ClusterTarget, CreateDistributed, CreateMergeTree, Statement } from './plan.js';
import { ErrorCodes, KchError } from '../errors.js';
import type { ResolvedStream } from './resolve.js';

/** `path` with kch's placeholders filled in; the server's macros ({shard}, {uuid}…) left to it. */
export function replicaPath(path: string, database: string, table: string): string {
  return path.replaceAll('{database}', database).replaceAll('{table}', table);
}

/** `streams`: the planned streams, whose resolved names give each table's local one (`stored`). */
export function onCluster(statements: readonly Statement[], cluster: ClusterTarget, streams: readonly ResolvedStream[]): Statement[] {
  const local = new Map<string, string>();
  for (const s of streams) {
    for (const role of ['target', 'deadLetter', 'sinkRanges'] as const) local.set(`${s[role].database}\0${s[role].table}`, s.stored[role].table);
  }
  const localOf = (database: string, table: string): string | undefined => local.get(`${database}\0${table}`);
  const out: Statement[] = [];
  for (const s of statements) {
    switch (s.kind) {
      case 'create-merge-tree': {
        const table = localOf(s.database, s.table);
        if (table === undefined) throw new KchError(ErrorCodes.DEFINITION, `no local table resolved for ${s.database}.${s.table}`);
        const replicated: CreateMergeTree = { ...s, table, onCluster: cluster.name, replicated: { path: replicaPath(cluster.path, s.database, table), replica: cluster.replica } };
        const distributed: CreateDistributed = { kind: 'create-distributed', database: s.database, table: s.table, local: table, cluster: cluster.name, role: s.role, stream: s.stream };
        out.push(replicated, distributed);
        break;
      }
      case 'create-materialized-view':
        out.push({ ...s, to: localOf(s.database, s.to) ?? s.to, onCluster: cluster.name });
        break;
      case 'create-distributed':
        out.push(s);
        break;
      default:
        out.push({ ...s, onCluster: cluster.name });
    }
  }
  return out;
}
