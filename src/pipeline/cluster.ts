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

/** The local table behind a cluster's Distributed table. */
export function localTableOf(table: string): string {
  return `${table}_local`;
}

/** `path` with kch's placeholders filled in; the server's macros ({shard}, {uuid}…) left to it. */
export function replicaPath(path: string, database: string, table: string): string {
  return path.replaceAll('{database}', database).replaceAll('{table}', table);
}

export function onCluster(statements: readonly Statement[], cluster: ClusterTarget): Statement[] {
  const local = new Map<string, string>();
  for (const s of statements) if (s.kind === 'create-merge-tree') local.set(`${s.database}.${s.table}`, localTableOf(s.table));
  const out: Statement[] = [];
  for (const s of statements) {
    switch (s.kind) {
      case 'create-merge-tree': {
        const table = localTableOf(s.table);
        const replicated: CreateMergeTree = { ...s, table, onCluster: cluster.name, replicated: { path: replicaPath(cluster.path, s.database, table), replica: cluster.replica } };
        const distributed: CreateDistributed = { kind: 'create-distributed', database: s.database, table: s.table, local: table, cluster: cluster.name, role: s.role, stream: s.stream };
        out.push(replicated, distributed);
        break;
      }
      case 'create-materialized-view':
        out.push({ ...s, to: local.get(`${s.database}.${s.to}`) ?? s.to, onCluster: cluster.name });
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
