/**
 * A cluster's servers, one by one, as `kch status` and the dashboard show them: whether each
 * answers, and the rows and dead letters each holds of every stream; and each one's tables, as
 * `kch migrate` compares them with the plan. Asked through the server `kch` reaches,
 * with ClickHouse's own means: `clusterAllReplicas` where the server has it (the cluster's
 * configured credentials, every replica, those that do not answer skipped and so named), else
 * `remote()` to each replica's address in system.clusters (ClickHouse 18.16–20.x: the replica is
 * asked as `default` without a password).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { rows, scalar } from './query.js';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { hasSystemTable, tablesFrom, type Existing } from './system.js';
import { literal } from '../pipeline/quote.js';
import type { ResolvedStream } from '../pipeline/resolve.js';

export interface ReplicaStatus {
  /** `host:port` as system.clusters names it. */
  readonly host: string;
  /** Its IP address as system.clusters resolved it (absent when not even the cluster could be listed). */
  readonly address?: string;
  readonly shard: number;
  readonly reachable: boolean;
  readonly error?: string;
  /** Per stream name: rows of its local target and dead-letter tables on this replica. */
  readonly streams: Readonly<Record<string, { readonly rows: number; readonly deadLetters: number }>>;
  /**
   * Per stream name: the topic's partitions this replica's Kafka table holds now (none: it idles
   * or stopped). Absent where the server cannot tell: system.kafka_consumers is 23.8+.
   */
  readonly consumes?: Readonly<Record<string, readonly number[]>>;
}

interface ClusterHost { host_name: string; host_address: string; port: number | string; shard_num: number | string; is_local: number | string }

/** What the replicas are asked of a stream: its local tables' rows, its Kafka table's consumers. */
export type StreamTables = Pick<ResolvedStream, 'stream' | 'kafkaTable' | 'stored'>;

/**
 * Every server of the cluster, as the one `client` reaches sees them. Never throws: when even
 * that server cannot list them, one entry named after the cluster says why (status and the
 * dashboard show it as a replica down).
 */
export async function replicaFacts(client: ClickHouseClient, cluster: string, streams: readonly StreamTables[]): Promise<ReplicaStatus[]> {
  try {
    const hosts = await clusterHosts(client, cluster);
    const tables = streams.flatMap((s) => [
      { stream: s.stream.name, kind: 'rows' as const, database: s.stored.target.database, table: s.stored.target.table },
      { stream: s.stream.name, kind: 'deadLetters' as const, database: s.stored.deadLetter.database, table: s.stored.deadLetter.table },
    ]);
    const can = await capabilities(client);
    if (!can.allReplicas) return await throughRemote(client, hosts, tables);
    const counted = await throughAllReplicas(client, cluster, hosts, tables);
    if (!can.kafkaConsumers) return counted;
    const key = keyer(hosts);
    const held = consumesFrom(await rows<ConsumerRow>(client, kafkaConsumersQuery(cluster, streams), 'asking each replica which partitions it consumes'), streams, key.ofRow);
    return counted.map((r, i) => (r.reachable ? { ...r, consumes: held.get(key.ofHost(hosts[i]!)) ?? Object.fromEntries(streams.map((s) => [s.stream.name, []])) } : r));
  } catch (error) {
    return [{ host: cluster, shard: 0, reachable: false, error: messageOf(error), streams: {} }];
  }
}

/** One consumer of a Kafka table on one replica, as system.kafka_consumers lists it. */
export interface ConsumerRow {
  readonly host: string;
  readonly port: number | string;
  readonly database: string;
  readonly table: string;
  readonly partitions: readonly (number | string)[];
}

/** Every consumer of the streams' Kafka tables on every replica, with the partitions it holds (23.8+). */
export function kafkaConsumersQuery(cluster: string, streams: readonly StreamTables[]): string {
  const tables = streams.map((s) => s.kafkaTable);
  const databases = [...new Set(tables.map((t) => t.database))];
  return 'SELECT hostName() AS host, tcpPort() AS port, database, table, assignments.partition_id AS partitions'
    + ` FROM clusterAllReplicas(${literal(cluster)}, system.kafka_consumers)`
    + ` WHERE database IN (${databases.map(literal).join(', ')}) AND table IN (${tables.map((t) => literal(t.table)).join(', ')})`
    + ' SETTINGS skip_unavailable_shards = 1';
}

/** Per replica (by `keyOf`), per stream: the partitions its consumers hold, sorted. */
export function consumesFrom(found: readonly ConsumerRow[], streams: readonly StreamTables[], keyOf: (row: ConsumerRow) => string): Map<string, Record<string, number[]>> {
  const out = new Map<string, Record<string, number[]>>();
  for (const row of found) {
    const stream = streams.find((s) => s.kafkaTable.database === row.database && s.kafkaTable.table === row.table)?.stream.name;
    if (stream === undefined) continue;
    const byStream = out.get(keyOf(row)) ?? Object.fromEntries(streams.map((s) => [s.stream.name, [] as number[]]));
    out.set(keyOf(row), byStream);
    byStream[stream] = [...new Set([...byStream[stream]!, ...row.partitions.map(Number)])].sort((a, b) => a - b);
  }
  return out;
}

function clusterHosts(client: ClickHouseClient, cluster: string): Promise<ClusterHost[]> {
  return rows<ClusterHost>(client,
    `SELECT host_name, host_address, port, shard_num, is_local FROM system.clusters WHERE cluster = ${literal(cluster)} ORDER BY shard_num, replica_num`, 'listing the cluster\'s servers');
}

interface Capabilities {
  /** clusterAllReplicas (20.x+): one query reaches every replica. */
  readonly allReplicas: boolean;
  /** system.kafka_consumers (23.8+): which partitions each Kafka table holds. */
  readonly kafkaConsumers: boolean;
}

/** Asked once per client (the dashboard asks about its replicas on every refresh); a failed answer is asked again. */
const known = new WeakMap<ClickHouseClient, Promise<Capabilities>>();

function capabilities(client: ClickHouseClient): Promise<Capabilities> {
  let answer = known.get(client);
  if (!answer) {
    answer = (async () => ({
      allReplicas: await scalar(client, "SELECT count() FROM system.table_functions WHERE name = 'clusterAllReplicas'") > 0,
      kafkaConsumers: await hasSystemTable({ client }, 'kafka_consumers'),
    }))();
    known.set(client, answer);
    answer.catch(() => known.delete(client));
  }
  return answer;
}

/** Which replicas answer at all, by `key` (a replica whose tables are empty sends no row of them). */
async function answering(client: ClickHouseClient, cluster: string, key: ReturnType<typeof keyer>): Promise<Set<string>> {
  const alive = await rows<{ host: string; port: number | string }>(client,
    `SELECT hostName() AS host, tcpPort() AS port FROM clusterAllReplicas(${literal(cluster)}, system.one) SETTINGS skip_unavailable_shards = 1`, 'asking each replica');
  return new Set(alive.map(key.ofRow));
}

/** How rows from clusterAllReplicas are told apart (see throughAllReplicas). */
function keyer(hosts: readonly ClusterHost[]): { ofHost: (h: ClusterHost) => string; ofRow: (row: { host: string; port: number | string }) => string } {
  // By native port when every replica has its own (servers of one machine), else by hostName(),
  // which must then be the name system.clusters gives it.
  const byPort = new Set(hosts.map((h) => String(h.port))).size === hosts.length;
  return {
    ofHost: (h) => (byPort ? String(h.port) : h.host_name),
    ofRow: (row) => (byPort ? String(row.port) : row.host),
  };
}

/** One server's tables in a database, as `kch migrate` compares them with the plan. */
export interface ReplicaTables {
  /** `host:port` as system.clusters names it. */
  readonly host: string;
  /** undefined: the server did not answer (`error` says why). */
  readonly tables?: ReadonlyMap<string, Existing>;
  readonly error?: string;
}

/**
 * The tables of `database` on every server of the cluster (the one `client` reaches too: 18.16
 * marks every server of one machine is_local): name, engine, CREATE statement and columns,
 * through clusterAllReplicas where the server has it, else remote() to each.
 */
export async function replicaTables(client: ClickHouseClient, cluster: string, database: string): Promise<ReplicaTables[]> {
  const hosts = await clusterHosts(client, cluster);
  const name = (h: ClusterHost): string => `${h.host_name}:${h.port}`;
  const where = `WHERE database = ${literal(database)}`;
  type TableRow = { host: string; port: number | string; name: string; engine: string; create_table_query: string };
  type ColumnRow = { host: string; port: number | string; table: string; name: string; type: string };
  if ((await capabilities(client)).allReplicas) {
    const key = keyer(hosts);
    const from = (table: string): string => `clusterAllReplicas(${literal(cluster)}, system.${table})`;
    const settings = ' SETTINGS skip_unavailable_shards = 1';
    const [answered, tables, columns] = await Promise.all([
      answering(client, cluster, key),
      rows<TableRow>(client, `SELECT hostName() AS host, tcpPort() AS port, name, engine, create_table_query FROM ${from('tables')} ${where}${settings}`, 'listing each replica\'s tables'),
      rows<ColumnRow>(client, `SELECT hostName() AS host, tcpPort() AS port, table, name, type FROM ${from('columns')} ${where}${settings}`, 'listing each replica\'s columns'),
    ]);
    return hosts.map((h) => {
      const k = key.ofHost(h);
      if (!answered.has(k)) return { host: name(h), error: 'did not answer (skipped by clusterAllReplicas)' };
      return { host: name(h), tables: tablesFrom(tables.filter((t) => key.ofRow(t) === k), columns.filter((c) => key.ofRow(c) === k)) };
    });
  }
  return Promise.all(hosts.map(async (h): Promise<ReplicaTables> => {
    const address = literal(`${h.host_address}:${h.port}`);
    try {
      const [tables, columns] = await Promise.all([
        rows<TableRow>(client, `SELECT '' AS host, 0 AS port, name, engine, create_table_query FROM remote(${address}, system.tables) ${where}`, `listing the tables of replica ${name(h)}`),
        rows<ColumnRow>(client, `SELECT '' AS host, 0 AS port, table, name, type FROM remote(${address}, system.columns) ${where}`, `listing the columns of replica ${name(h)}`),
      ]);
      return { host: name(h), tables: tablesFrom(tables, columns) };
    } catch (error) {
      return { host: name(h), error: messageOf(error).split('\n')[0]! };
    }
  }));
}

type Counted = { stream: string; kind: 'rows' | 'deadLetters'; database: string; table: string };

function empty(host: ClusterHost, reachable: boolean, error?: string): ReplicaStatus {
  return { host: `${host.host_name}:${host.port}`, address: host.host_address, shard: Number(host.shard_num), reachable, ...(error ? { error } : {}), streams: {} };
}

function add(streams: Record<string, { rows: number; deadLetters: number }>, t: Counted, n: number): void {
  const entry = streams[t.stream] ??= { rows: 0, deadLetters: 0 };
  entry[t.kind] = n;
}

async function throughAllReplicas(client: ClickHouseClient, cluster: string, hosts: readonly ClusterHost[], tables: readonly Counted[]): Promise<ReplicaStatus[]> {
  const key = keyer(hosts);
  const found = await rows<{ host: string; port: number | string; i: number | string; n: number | string }>(client,
    tables.map((t, i) => `SELECT hostName() AS host, tcpPort() AS port, ${i} AS i, count() AS n FROM clusterAllReplicas(${literal(cluster)}, ${t.database}.${t.table}) GROUP BY host, port`).join(' UNION ALL ')
    + ' SETTINGS skip_unavailable_shards = 1', 'counting rows on each replica');
  const byHost = new Map<string, Record<string, { rows: number; deadLetters: number }>>([...await answering(client, cluster, key)].map((k) => [k, {}]));
  for (const row of found) {
    const streams = byHost.get(key.ofRow(row)) ?? {};
    byHost.set(key.ofRow(row), streams);
    add(streams, tables[Number(row.i)]!, Number(row.n));
  }
  return hosts.map((h) => {
    const streams = byHost.get(key.ofHost(h));
    return streams ? { ...empty(h, true), streams } : empty(h, false, 'did not answer (skipped by clusterAllReplicas)');
  });
}

async function throughRemote(client: ClickHouseClient, hosts: readonly ClusterHost[], tables: readonly Counted[]): Promise<ReplicaStatus[]> {
  return Promise.all(hosts.map(async (h) => {
    const address = literal(`${h.host_address}:${h.port}`);
    try {
      const [row] = await rows<Record<string, number | string>>(client,
        `SELECT ${tables.map((t, i) => `(SELECT count() FROM remote(${address}, ${t.database}.${t.table})) AS c${i}`).join(', ')}`, `asking replica ${h.host_name}:${h.port}`);
      const streams: Record<string, { rows: number; deadLetters: number }> = {};
      tables.forEach((t, i) => add(streams, t, Number(row?.[`c${i}`] ?? 0)));
      return { ...empty(h, true), streams };
    } catch (error) {
      return empty(h, false, (error as Error).message.split('\n')[0]);
    }
  }));
}

/** One server's answer to a count: `n`, or why it did not answer. */
export interface ReplicaCount {
  /** `host:port` as system.clusters names it. */
  readonly host: string;
  readonly n?: number;
  readonly error?: string;
}

/**
 * `SELECT count() FROM <source> WHERE <where>` on every server of the cluster, each answer kept
 * apart (e.g. the mutations a server has still to apply, or `system.one` to learn which answer).
 */
export async function countOnEachReplica(client: ClickHouseClient, cluster: string, source: string, where = '1'): Promise<ReplicaCount[]> {
  const hosts = await clusterHosts(client, cluster);
  const name = (h: ClusterHost): string => `${h.host_name}:${h.port}`;
  if ((await capabilities(client)).allReplicas) {
    const key = keyer(hosts);
    const [answered, found] = await Promise.all([
      answering(client, cluster, key),
      rows<{ host: string; port: number | string; n: number | string }>(client,
        `SELECT hostName() AS host, tcpPort() AS port, count() AS n FROM clusterAllReplicas(${literal(cluster)}, ${source}) WHERE ${where} GROUP BY host, port SETTINGS skip_unavailable_shards = 1`,
        `counting ${source} on each replica`),
    ]);
    return hosts.map((h) => {
      const k = key.ofHost(h);
      if (!answered.has(k)) return { host: name(h), error: 'did not answer (skipped by clusterAllReplicas)' };
      return { host: name(h), n: found.filter((r) => key.ofRow(r) === k).reduce((sum, r) => sum + Number(r.n), 0) };
    });
  }
  return Promise.all(hosts.map(async (h): Promise<ReplicaCount> => {
    try {
      return { host: name(h), n: await scalar(client, `SELECT count() FROM remote(${literal(`${h.host_address}:${h.port}`)}, ${source}) WHERE ${where}`, `counting ${source} on replica ${name(h)}`) };
    } catch (error) {
      return { host: name(h), error: messageOf(error).split('\n')[0]! };
    }
  }));
}

/**
 * Stops an operation that would change every server (ON CLUSTER) before it starts when one does
 * not answer: each such statement waits for every server (distributed_ddl_task_timeout, 180 s by
 * default) and then fails, leaving the servers that did answer changed and the others not.
 */
export async function refuseWithReplicaDown(client: ClickHouseClient, cluster: string, what: string): Promise<void> {
  const down = (await countOnEachReplica(client, cluster, 'system.one')).filter((r) => r.n === undefined);
  if (down.length === 0) return;
  throw new KchError(ErrorCodes.CLICKHOUSE_UNREACHABLE,
    `${down.map((r) => `replica ${r.host} does not answer (${r.error ?? 'no answer'})`).join('; ')}: not ${what}, which changes every server of cluster ${cluster}. Start it, then try again`);
}

/**
 * A replica's lag on a stream: the lag of the partitions it consumes, summed (0 when it holds none;
 * null when which it holds is not known, or the topic's lag is not).
 */
export function replicaLag(consumes: readonly number[] | undefined, partitions: readonly { readonly partition: number; readonly lag: number }[] | undefined): number | null {
  if (!consumes || !partitions) return null;
  return partitions.filter((p) => consumes.includes(p.partition)).reduce((sum, p) => sum + p.lag, 0);
}

/** A stream's consumer group as Kafka describes it: who holds which partitions of its topic. */
export interface StreamGroup {
  readonly stream: string;
  readonly topic: string;
  /** Each member's address as the broker sees it (`/10.0.0.5`) and, per topic, the partitions it was given. */
  readonly members: readonly { readonly host: string; readonly assigned: Readonly<Record<string, readonly number[]>> }[];
}

/**
 * The replicas as the servers told them, with the partitions each consumes taken from Kafka's
 * groups (`consumesFromGroups`) where no server could say. `groups` is asked only then; when it
 * fails or is not certain, the replicas stay as told.
 */
export async function withGroupPartitions(told: readonly ReplicaStatus[], groups: () => Promise<readonly StreamGroup[]>): Promise<readonly ReplicaStatus[]> {
  if (told.some((r) => r.consumes)) return told;
  const members = await groups().catch(() => undefined);
  return (members && consumesFromGroups(told, members)) ?? told;
}

/**
 * Where the servers cannot say which partitions each replica consumes (before 23.8), Kafka can:
 * each member of a stream's group connects from its server's address. Only when that is certain:
 * every replica at an address of its own, and every member from one of theirs (behind NAT or a
 * proxy the broker sees other addresses, and nothing is guessed). undefined otherwise.
 */
export function consumesFromGroups(replicas: readonly ReplicaStatus[], groups: readonly StreamGroup[]): ReplicaStatus[] | undefined {
  const addresses = replicas.map((r) => r.address);
  if (addresses.some((a) => a === undefined) || new Set(addresses).size !== addresses.length) return undefined;
  const byAddress = new Map(replicas.map((r) => [r.address!, Object.fromEntries(groups.map((g) => [g.stream, [] as number[]]))]));
  for (const group of groups) {
    for (const member of group.members) {
      const held = byAddress.get(member.host.replace(/^\//, ''));
      if (!held) return undefined;
      held[group.stream] = [...new Set([...held[group.stream]!, ...(member.assigned[group.topic] ?? [])])].sort((a, b) => a - b);
    }
  }
  return replicas.map((r) => (r.reachable ? { ...r, consumes: byAddress.get(r.address!)! } : r));
}
