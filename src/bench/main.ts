/**
 * `npm run bench`: stands up the local stack (Kafka broker and embedded ClickHouse as child
 * processes, temp data folder, free ports), takes every measurement side by side in one run,
 * writes bench-results/<date>.json and regenerates the tables of BENCHMARKS.md.
 *
 *   node dist/bench/main.js [--only producer,ingest,sustained,freshness,startup,dashboard,own,sink,config-load,decode,upsert,cluster]
 *     [--events 1000000] [--scale 1000000,5000000,20000000] [--rates 1000,5000,20000]
 *     [--sustain 60] [--quick] [--no-write] [--kafka k=v,...] [--partitions N]
 */
import { parseArgs } from 'node:util';
import { makeCorpus } from './corpus.js';
import { machineFacts } from './machine.js';
import { loadAverage, Sampler } from './procfs.js';
import { measureProducers } from './producers.js';
import { measureIngest, measureSustainedRate, type TuningSettings } from './ingest.js';
import { measureFreshness } from './freshness.js';
import { measureStartup } from './startup.js';
import { measureConfigLoad, writeConfigLoad, type ConfigLoadResult } from './config-load.js';
import { measureOwnStreams, writeOwnStreams, type OwnStreamsResult } from './own-streams.js';
import { measureSink, writeSink, type SinkBenchResult } from './sink.js';
import { measureCluster, writeCluster, type ClusterBenchResult } from './cluster.js';
import { measureDashboard } from './dashboard.js';
import { measureDecode, writeDecode, type DecodeBenchResult } from './decode.js';
import { measureUpsert, writeUpsert, type UpsertBenchResult } from './upsert.js';
import { resourcesFrom } from './resources.js';
import { renderStoredResults, writeResults, type BenchResults } from './results.js';
import { scalar, startStack } from './stack.js';

const usage = `Usage: npm run bench -- [options]   (or node dist/bench/main.js [options])

Stands up the local stack, takes every measurement side by side, writes bench-results/<date>.json
and regenerates the tables of BENCHMARKS.md.

Options:
  --only <list>       producer,ingest,sustained,freshness,startup,dashboard,own,sink,config-load,
                      decode,upsert,cluster (default: all but cluster; own: a stream of one's own, its
                      generator, ingest, sustained rate and kch init; config-load: what a
                      pipeline file adds to a command's start-up, needs no Kafka or ClickHouse;
                      decode: the decoding views alone in embedded ClickHouse, no Kafka;
                      upsert: an upsert stream's changes decoded and its live rows read
                      (FINAL) at 1 M and 10 M keys, embedded ClickHouse, no Kafka, ~16 min
                      on a shared 2-core machine;
                      sink: the exactly-once sink beside the engine; cluster: a ClickHouse
                      cluster of one replica and of two, Debian's clickhouse-server and
                      zookeeper packages; each of the six in a block of BENCHMARKS.md of its own)
  --events <n>        corpus size for the producer figures (default 1000000)
  --scale <list>      events per ingest run (default 1000000,5000000,20000000)
  --rates <list>      freshness rates in events/s (default 1000,5000,20000)
  --sustain <s>       seconds per sustained run (default 60)
  --kafka <k=v,...>   Kafka-table settings to override (tuning)
  --partitions <n>    partitions of the benchmark's topics (default 1)
  --seed <n>          corpus seed (default 42)
  --label <text>      name of the run in the results
  --quick             a small run of everything (~3 min)
  --no-write          print the JSON instead of writing the results and BENCHMARKS.md
  --report <file>     measure nothing: regenerate BENCHMARKS.md's tables from a results file
  --help              show this help
`;

const parsed = (() => {
  try {
    return parseArgs({ options: {
      help: { type: 'boolean' },
      only: { type: 'string' },
      events: { type: 'string' },
      scale: { type: 'string' },
      rates: { type: 'string' },
      sustain: { type: 'string' },
      quick: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      kafka: { type: 'string' },
      partitions: { type: 'string' },
      seed: { type: 'string' },
      label: { type: 'string' },
      report: { type: 'string' },
    } });
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
})();
if (parsed.values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const { values } = parsed;
if (values.report !== undefined) {
  const file = values.report;
  try {
    const written = await renderStoredResults(file);
    process.stdout.write(`bench: regenerated ${written} from ${file}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`bench: cannot regenerate BENCHMARKS.md from ${file}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

const all = ['producer', 'ingest', 'sustained', 'freshness', 'startup', 'dashboard', 'own', 'sink', 'config-load', 'decode', 'upsert', 'cluster'];
/** Measured only when asked for: they need more than the local stack (Debian's servers). */
const askedFor = new Set(['cluster']);
/** Measurements whose figures have a block of BENCHMARKS.md of their own. */
const ownBlocks = new Set(['own', 'config-load', 'decode', 'upsert', 'sink', 'cluster']);
const only = new Set((values.only ?? all.filter((m) => !askedFor.has(m)).join(',')).split(',').map((s) => s.trim()));
const unknown = [...only].filter((m) => !all.includes(m));
if (unknown.length) {
  process.stderr.write(`bench: --only ${unknown.join(',')}: not a measurement (${all.join(', ')})\n`);
  process.exit(2);
}
const quick = values.quick === true;
const numbers = (text: string | undefined, fallback: number[]): number[] => text ? text.split(',').map((s) => Number(s.replace(/_/g, ''))) : fallback;
const corpusEvents = numbers(values.events, [quick ? 200_000 : 1_000_000])[0]!;
const scale = numbers(values.scale, quick ? [200_000] : [1_000_000, 5_000_000, 20_000_000]);
/** The dashboard is measured on this many rows (the scale curve's direct-insert tables when one has exactly as many). */
const dashboardRows = quick ? 1_000_000 : 10_000_000;
const rates = numbers(values.rates, quick ? [5_000] : [1_000, 5_000, 20_000]);
const sustainSeconds = numbers(values.sustain, [quick ? 20 : 60])[0]!;
const seed = numbers(values.seed, [42])[0]!;
const tuning: TuningSettings = {
  kafka: Object.fromEntries((values.kafka ?? '').split(',').filter(Boolean).map((kv) => {
    const [k, v = ''] = kv.split('=');
    return [k!, /^\d+$/.test(v) ? Number(v) : v];
  })),
  partitions: values.partitions ? Number(values.partitions) : 1,
};

const log = (line: string): void => { process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`); };
const loadavg = (): string => loadAverage();

async function main(): Promise<number> {
  const startedLoad = loadavg();
  log(`load average at start: ${startedLoad}; measuring ${[...only].join(', ')}`);
  const results: BenchResults = { label: values.label ?? (quick ? 'quick' : 'full'), settings: { corpusEvents, scale, rates, sustainSeconds, seed, tuning }, notes: [] };
  const startedAt = performance.now();

  const needsStack = ['producer', 'ingest', 'sustained', 'freshness', 'dashboard', 'own', 'sink', 'cluster'].some((m) => only.has(m));
  let own: OwnStreamsResult | undefined;
  let sink: SinkBenchResult | undefined;
  let cluster: ClusterBenchResult | undefined;
  let decode: DecodeBenchResult | undefined;
  const corpus = needsStack || only.has('decode') ? await makeCorpus(corpusEvents, seed) : undefined;
  if (corpus) log(`corpus: ${corpus.events} events, ${(corpus.bytes / 1e6).toFixed(1)} MB, ${corpus.files.map((f) => `${f.topic} ${f.events}`).join(', ')}`);
  if (corpus && needsStack) {
    const stack = await startStack(log);
    const sampler = new Sampler(1000);
    sampler.watch('kafka', stack.kafka.pid);
    sampler.watch('clickhouse', stack.clickhouse.pid);
    sampler.start();
    const phases: Record<string, [number, number]> = {};
    const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const from = sampler.sample();
      try {
        return await work();
      } finally {
        phases[name] = [from, sampler.sample()];
      }
    };
    try {
      const version = (await (await fetch(`${stack.clickhouseUrl}/?query=SELECT%20version()`)).text()).trim();
      results.machine = machineFacts(version, '4.4.0', startedLoad);
      await scalar(stack.clickhouseUrl, 'SELECT 1');
      phases.idle = [sampler.sample(), sampler.sample()];
      if (only.has('producer')) results.producer = await phase('producer', () => measureProducers(stack, corpus, log, loadavg));
      if (only.has('ingest')) results.ingest = await phase('ingest', () => measureIngest(stack, corpus, scale, tuning, log, loadavg, sampler, only.has('dashboard') ? dashboardRows : undefined));
      if (only.has('dashboard')) results.dashboard = await phase('dashboard', () => measureDashboard(stack, corpus, dashboardRows, log, loadavg, results.ingest?.kept));
      if (only.has('sustained')) results.sustained = await phase('sustained', () => measureSustainedRate(stack, sustainSeconds, seed, tuning, log, loadavg, sampler));
      if (only.has('freshness')) results.freshness = await phase('freshness', () => measureFreshness(stack, rates, quick ? 10 : 20, seed, tuning, log, loadavg));
      if (only.has('own')) own = await measureOwnStreams(stack, log, loadavg, sampler, quick, sustainSeconds);
      if (only.has('sink')) sink = await measureSink(stack, corpus, scale, sustainSeconds, seed, log, loadavg, sampler);
      if (only.has('cluster')) cluster = await measureCluster(stack, corpus, scale, log, loadavg, sampler);
      sampler.stop();
      results.resources = resourcesFrom(sampler.samples, phases, results);
    } finally {
      sampler.stop();
      await stack.stop();
    }
  } else {
    results.machine = machineFacts('26.7 (chdb)', '4.4.0', startedLoad);
  }
  if (corpus && only.has('decode')) decode = await measureDecode(corpus, quick, log, loadavg);
  let upsert: UpsertBenchResult | undefined;
  if (only.has('upsert')) upsert = await measureUpsert(quick, log, loadavg);
  if (only.has('startup')) results.startup = await measureStartup(log, loadavg, quick);
  let configLoad: ConfigLoadResult | undefined;
  if (only.has('config-load')) configLoad = await measureConfigLoad(quick ? 5 : 21, log, loadavg);
  results.elapsedSeconds = (performance.now() - startedAt) / 1000;
  log(`done in ${results.elapsedSeconds.toFixed(0)} s; load average now ${loadavg()}`);
  if (!values['no-write']) {
    // A run of `own` or `config-load` alone leaves the other tables of BENCHMARKS.md as they are.
    if ([...only].some((m) => !ownBlocks.has(m))) {
      const written = await writeResults(results);
      log(`wrote ${written.json} and ${written.markdown}`);
    }
    const stamp = (results.machine?.date ?? new Date().toISOString()).slice(0, 19).replace(/:/g, '-');
    if (own) log(`wrote ${await writeOwnStreams(own, stamp)} and its block of BENCHMARKS.md`);
    if (sink) log(`wrote ${await writeSink(sink, stamp)} and its block of BENCHMARKS.md`);
    if (cluster) log(`wrote ${await writeCluster(cluster, stamp)} and its block of BENCHMARKS.md`);
    if (configLoad) log(`wrote ${await writeConfigLoad(configLoad, stamp)} and its block of BENCHMARKS.md`);
    if (decode) log(`wrote ${await writeDecode(decode, stamp)} and its block of BENCHMARKS.md`);
    if (upsert) log(`wrote ${await writeUpsert(upsert, stamp)} and its block of BENCHMARKS.md`);
  } else {
    process.stdout.write(`${JSON.stringify({ ...results, own, sink, cluster, configLoad, decode, upsert }, null, 2)}\n`);
  }
  return 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
