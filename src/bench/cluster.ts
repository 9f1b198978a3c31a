/**
 * `--only cluster`: ingest into a ClickHouse cluster, one server against two. The cluster is the
 * tests' (src/bench/servers/clickhouse-cluster.ts: Debian's clickhouse-server 18.16 with Apache
 * ZooKeeper), one shard: a cluster of one replica, then two replicas. For each number of events
 * of `--scale`, the same events are pre-loaded into topics of two partitions, `kch migrate --cluster` makes every object, and
 * the run is timed from then until the Distributed table holds every event. CPU per million
 * events per server comes from /proc, sampled each second.
 *
 * On one machine the two servers share its cores; the figures rest the scaling model of
 * BENCHMARKS.md on a measured cost per event, not on a measured speed-up.
 */
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { writeOwnBlock } from './block.js';
import { cli } from './child.js';
import { type Corpus } from './corpus.js';
import { preload } from './ingest.js';
import { windowUsage, type Sampler } from './procfs.js';
import { DEBIAN_CLICKHOUSE, queryOnce } from './servers/debian-clickhouse.js';
import { startClickHouseCluster, ZOOKEEPER_JARS } from './servers/clickhouse-cluster.js';
import { createTopics, pipelineNamed, type Pipeline, type Stack } from './stack.js';
import { committedOffsets, listEndOffsets } from '../kafka/admin.js';
import { groupOf, topicOf } from '../pipeline/resolve.js';

const PARTITIONS = 2;

export interface ClusterRun {
  readonly events: number;
  /** Replicas of the one shard. */
  readonly servers: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Rows beyond the events pre-loaded when the last arrived: blocks written twice across a rebalance. */
  readonly duplicates: number;
  /** CPU seconds per million events, per server (`ch-1`, `ch-2`) and all servers together (`clickhouse`). */
  readonly cpuPerMillion: Readonly<Record<string, number>>;
  readonly loadavg: string;
}

export interface ClusterBenchResult {
  readonly version: string;
  readonly partitions: number;
  readonly runs: readonly ClusterRun[];
  readonly notes: readonly string[];
}

/** Whether every stream's group has committed every message of its topic (the engine has read them all). */
async function allCommitted(bootstrap: string, pipeline: Pipeline): Promise<boolean> {
  const end = await listEndOffsets(bootstrap, [...pipeline.topics]);
  for (const stream of pipeline.streams) {
    const topic = topicOf(stream, pipeline);
    const committed = (await committedOffsets(bootstrap, groupOf(stream, pipeline), [topic])).get(topic);
    for (const [partition, offset] of end.get(topic) ?? new Map<number, bigint>()) if ((committed?.get(partition) ?? -1n) < offset) return false;
  }
  return true;
}

/**
 * Rows the servers hold, through the Distributed tables. Not distinct events: the corpus is
 * pre-loaded `repeat` times, so an event id comes back once per repeat.
 */
async function counted(url: string, pipeline: Pipeline): Promise<number> {
  const tables = pipeline.streams.map((s) => `${pipeline.database}.${s.target}`);
  const { status, body } = await queryOnce(url, `SELECT ${tables.map((t) => `(SELECT count() FROM ${t})`).join(' + ')} FORMAT TSV`, 30_000);
  if (status !== 200) throw new Error(`counting rows: ${body.slice(0, 300)}`);
  return Number(body.trim());
}

export async function measureCluster(stack: Stack, corpus: Corpus, scale: readonly number[], log: (line: string) => void, loadavg: () => string, sampler: Sampler): Promise<ClusterBenchResult> {
  for (const needed of [DEBIAN_CLICKHOUSE, ...ZOOKEEPER_JARS]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: the cluster benchmark runs Debian's servers (apt-get install clickhouse-server zookeeper)`);
  }
  const runs: ClusterRun[] = [];
  let version = '';
  for (const wanted of scale) for (const servers of [1, 2] as const) {
    const repeat = Math.max(1, Math.round(wanted / corpus.events));
    const events = corpus.events * repeat;
    const pipeline = pipelineNamed(`cluster${servers}_${events}`);
    await createTopics(stack, pipeline, PARTITIONS);
    const loaded = await preload(stack, pipeline, corpus, repeat);
    log(`cluster of ${servers}: ${events} events pre-loaded into ${PARTITIONS} partitions per topic in ${loaded.toFixed(1)} s`);
    const cluster = await startClickHouseCluster({ servers });
    const groups = cluster.servers.map((s, i) => {
      sampler.watch(`ch-${i + 1}`, s.pid);
      return `ch-${i + 1}`;
    });
    try {
      version ||= (await queryOnce(cluster.urls[0]!, 'SELECT version()')).body.trim();
      const migrate = cli(['migrate'], {
        KAFKA_BROKERS: stack.bootstrap, CLICKHOUSE_URL: cluster.urls[0]!, CLICKHOUSE_DATABASE: pipeline.database,
        KCH_TOPIC_PREFIX: pipeline.topicPrefix, CLICKHOUSE_CLUSTER: cluster.name,
      });
      // Consumption starts with the first Kafka table and its views; migrate takes ~1 s in all.
      const from = sampler.sample();
      const started = performance.now();
      if (await migrate.exited !== 0) throw new Error(`kch migrate failed:\n${migrate.output.slice(-2000)}`);
      const deadline = started + 15 * 60_000;
      // Done when every message is committed and every row is there. Rows alone would not do: a
      // block written twice across a rebalance would make up for rows still to come.
      let seen = 0;
      while (seen < events || !(await allCommitted(stack.bootstrap, pipeline))) {
        if (performance.now() > deadline) throw new Error(`the cluster of ${servers} holds ${seen} of ${events} events after 15 minutes`);
        if (!cluster.servers.every((s) => s.running())) throw new Error(`a server of the cluster of ${servers} exited`);
        await delay(250);
        seen = await counted(cluster.urls[0]!, pipeline);
      }
      const seconds = (performance.now() - started) / 1000;
      const to = sampler.sample();
      const cpuPerMillion: Record<string, number> = {};
      for (const group of groups) {
        const usage = windowUsage(sampler.samples, group, from, to);
        if (usage) cpuPerMillion[group] = (usage.cpuSeconds * 1e6) / events;
      }
      cpuPerMillion.clickhouse = groups.reduce((sum, g) => sum + (cpuPerMillion[g] ?? 0), 0);
      const run: ClusterRun = { events, servers, seconds, eventsPerSecond: events / seconds, duplicates: seen - events, cpuPerMillion, loadavg: loadavg() };
      log(`cluster of ${servers}: ${events} events in ${seconds.toFixed(1)} s = ${Math.round(run.eventsPerSecond)}/s, ${run.duplicates} written twice, CPU-s per million ${Object.entries(cpuPerMillion).map(([g, v]) => `${g} ${v.toFixed(1)}`).join(', ')}`);
      runs.push(run);
    } finally {
      for (const group of groups) sampler.unwatch(group);
      await cluster.stop();
    }
  }
  return {
    version, partitions: PARTITIONS, runs,
    notes: ['Both servers run on the same machine as the broker, the embedded ClickHouse (idle) and the benchmark, sharing its cores.'],
  };
}

const n0 = (v: number): string => Math.round(v).toLocaleString('en-US');

export function renderCluster(r: ClusterBenchResult, file: string): string {
  const rows = r.runs.map((run) => `| ${n0(run.events)} | ${run.servers} | ${n0(run.eventsPerSecond)} | ${run.seconds.toFixed(1)} | ${run.cpuPerMillion.clickhouse?.toFixed(1) ?? '—'} | ${
    Object.entries(run.cpuPerMillion).filter(([g]) => g !== 'clickhouse').map(([g, v]) => `${g} ${v.toFixed(1)}`).join(', ')} | ${n0(run.duplicates)} | ${run.loadavg} |`);
  return [
    `ClickHouse ${r.version} (Debian's package), one shard, ZooKeeper 3.8; the events pre-loaded into topics of ${r.partitions} partitions; timed from \`kch migrate --cluster\` to the last event read through the Distributed table. Results: \`${file}\`.`,
    '',
    '| Events | Replicas | Events/s | Seconds | ClickHouse CPU-s per million, all servers | Per server | Written twice | Load average after |',
    '| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    ...rows,
    '',
    ...r.notes,
  ].join('\n');
}

export function writeCluster(r: ClusterBenchResult, stamp: string): Promise<string> {
  return writeOwnBlock({ name: 'cluster', file: 'cluster', heading: 'A ClickHouse cluster: one replica and two' }, r, stamp, renderCluster);
}
