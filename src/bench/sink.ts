/**
 * `--only sink`: the exactly-once sink beside the Kafka engine, same run, same events.
 * - Scale: N events pre-loaded into Kafka (kcat); then each of the Kafka engine, `kch sink`, and
 *   the direct insert of the same JSON into the target tables (the ceiling), timed to the last row.
 * - Sustained: `kch generate --rate max` with the sink running, as the engine's own measurement.
 * - Freshness: `kch verify` at a fixed rate through each transport (p50/p95/p99).
 * CPU per million events and the sink's memory come from /proc, sampled each second.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { writeOwnBlock } from './block.js';
import { cli, type Child } from './child.js';
import { type Corpus } from './corpus.js';
import { directInsert, heldRate, measureSustainedRate, preload, type SustainedResult } from './ingest.js';
import { windowUsage, type Sampler } from './procfs.js';
import { createPipeline, createTopics, dropPipeline, pipelineNamed, rowCounts, waitForRows, type Pipeline, type Stack } from './stack.js';
import { kcatVersion } from './versions.js';

export interface TransportRun {
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU seconds per million events, per process group (clickhouse, sink). */
  readonly cpuPerMillion: Readonly<Record<string, number>>;
  /** The sink's largest resident set, MiB. */
  readonly sinkRssMiB?: number;
}

export interface SinkScaleRow {
  readonly events: number;
  readonly engine: TransportRun;
  readonly sink: TransportRun;
  readonly direct: TransportRun;
  readonly loadavg: string;
}

export interface SinkFreshness {
  readonly ingest: 'engine' | 'sink';
  readonly rate: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly lost: number;
  readonly duplicated: number;
}

export interface SinkBenchResult {
  readonly scale: readonly SinkScaleRow[];
  readonly sustained?: SustainedResult;
  readonly freshness: readonly SinkFreshness[];
  readonly notes: readonly string[];
}

function sinkFor(stack: Stack, pipeline: Pipeline): Child {
  return cli(['sink'], {
    KAFKA_BROKERS: stack.bootstrap, CLICKHOUSE_URL: stack.clickhouseUrl, CLICKHOUSE_DATABASE: pipeline.database,
    KCH_TOPIC_PREFIX: pipeline.topicPrefix, KCH_INGEST: 'sink',
  // Tuning: KCH_BENCH_SINK_PROFILE=<folder> writes the sink's CPU profile there.
  }, process.env.KCH_BENCH_SINK_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.KCH_BENCH_SINK_PROFILE}`] : []);
}

function usageOf(sampler: Sampler, groups: readonly string[], from: number, to: number, events: number): { cpuPerMillion: Record<string, number>; sinkRssMiB?: number } {
  const cpuPerMillion: Record<string, number> = {};
  let sinkRssMiB: number | undefined;
  for (const group of groups) {
    const usage = windowUsage(sampler.samples, group, from, to);
    if (!usage) continue;
    cpuPerMillion[group] = (usage.cpuSeconds * 1e6) / events;
    if (group === 'sink') sinkRssMiB = usage.peakRssBytes / 2 ** 20;
  }
  return { cpuPerMillion, ...(sinkRssMiB !== undefined ? { sinkRssMiB } : {}) };
}

async function throughKafka(stack: Stack, corpus: Corpus, repeat: number, events: number, ingest: 'engine' | 'sink', sampler: Sampler, log: (line: string) => void): Promise<TransportRun> {
  const pipeline = pipelineNamed(`bench_${ingest}_${Date.now().toString(36)}`);
  await createTopics(stack, pipeline, 1);
  await preload(stack, pipeline, corpus, repeat);
  const from = sampler.sample();
  const startedAt = await createPipeline(stack, pipeline, { ingest });
  const sink = ingest === 'sink' ? sinkFor(stack, pipeline) : undefined;
  if (sink) sampler.watch('sink', sink.pid);
  try {
    const doneAt = await waitForRows(stack, pipeline, events, 120_000 + events / 5, undefined, 100);
    const to = sampler.sample();
    if (doneAt === undefined) throw new Error(`${ingest}: only ${(await rowCounts(stack, pipeline)).reduce((a, b) => a + b, 0)} of ${events} rows in time${sink ? `; sink output:\n${sink.output.slice(-2000)}` : ''}`);
    const seconds = (doneAt - startedAt) / 1000;
    log(`sink bench ${events}: ${ingest} ${Math.round(events / seconds)} events/s (${seconds.toFixed(1)} s)`);
    return { seconds, eventsPerSecond: events / seconds, ...usageOf(sampler, ['clickhouse', 'sink'], from, to, events) };
  } finally {
    if (sink) { sampler.unwatch('sink'); await sink.stop(); }
    await dropPipeline(stack, pipeline);
  }
}

export async function measureSink(stack: Stack, corpus: Corpus, sizes: readonly number[], sustainSeconds: number, seed: number,
  log: (line: string) => void, loadavg: () => string, sampler: Sampler): Promise<SinkBenchResult> {
  const notes: string[] = [];
  const scale: SinkScaleRow[] = [];
  if (!kcatVersion()) notes.push('scale not measured: kcat (used to pre-load the topics) is not installed');
  else {
    for (const wanted of sizes) {
      const repeat = Math.max(1, Math.round(wanted / corpus.events));
      const events = repeat * corpus.events;
      const load = loadavg();
      const engine = await throughKafka(stack, corpus, repeat, events, 'engine', sampler, log);
      const sink = await throughKafka(stack, corpus, repeat, events, 'sink', sampler, log);
      const direct = pipelineNamed(`bench_sinkdirect_${Date.now().toString(36)}`);
      await createPipeline(stack, direct, {}, 'tables');
      const from = sampler.sample();
      const seconds = await directInsert(stack, direct, corpus, repeat);
      const to = sampler.sample();
      await dropPipeline(stack, direct);
      log(`sink bench ${events}: direct insert ${Math.round(events / seconds)} events/s (${seconds.toFixed(1)} s)`);
      scale.push({ events, engine, sink, direct: { seconds, eventsPerSecond: events / seconds, ...usageOf(sampler, ['clickhouse'], from, to, events) }, loadavg: load });
    }
  }

  // Sustained: the generator beside the sink, at max and then the fixed-rate search the engine's
  // measurement makes; the rate held with the lag flat.
  const sustained = await measureSustainedRate(stack, sustainSeconds, seed, { partitions: 1, ingest: 'sink' }, log, loadavg, sampler, {
    pageOpen: false,
    beside: (pipeline) => {
      const child = sinkFor(stack, pipeline);
      sampler.watch('sink', child.pid);
      return async () => { sampler.unwatch('sink'); await child.stop(); };
    },
  });

  const freshness: SinkFreshness[] = [];
  for (const ingest of ['engine', 'sink'] as const) {
    const rate = 5000;
    const pipeline = pipelineNamed(`bench_sinkfresh_${ingest}_${Date.now().toString(36)}`);
    await createTopics(stack, pipeline, 1);
    await createPipeline(stack, pipeline, { ingest });
    const sink = ingest === 'sink' ? sinkFor(stack, pipeline) : undefined;
    try {
      await delay(2000);
      const verify = cli(['verify', '--json', '--count', String(rate * 20), '--rate', String(rate), '--timeout', '1m'], {
        KAFKA_BROKERS: stack.bootstrap, CLICKHOUSE_URL: stack.clickhouseUrl, CLICKHOUSE_DATABASE: pipeline.database, KCH_TOPIC_PREFIX: pipeline.topicPrefix,
      });
      await verify.exited;
      const line = verify.output.split('\n').reverse().find((l) => l.startsWith('{"run"'));
      if (!line) throw new Error(`verify through ${ingest} gave no report:\n${verify.output.slice(-2000)}`);
      const report = JSON.parse(line) as { lost: number; duplicated: number; freshness: { p50: number; p95: number; p99: number } };
      freshness.push({ ingest, rate, p50: report.freshness.p50, p95: report.freshness.p95, p99: report.freshness.p99, lost: report.lost, duplicated: report.duplicated });
      log(`sink bench freshness through ${ingest} at ${rate}/s: p95 ${report.freshness.p95} ms`);
    } finally {
      await sink?.stop();
      await dropPipeline(stack, pipeline);
    }
  }
  return { scale, sustained, freshness, notes };
}

const n = (value: number): string => Math.round(value).toLocaleString('en-US');
const pct = (a: number, b: number): string => `${Math.round((a / b) * 100)} %`;
const cpu = (run: TransportRun): string => Object.entries(run.cpuPerMillion).map(([g, s]) => `${g} ${s.toFixed(1)}`).join(', ') || '—';

export function renderSink(r: SinkBenchResult, file: string): string {
  const lines = [
    `From \`${file}\`. The same events each time: pre-loaded into one partition per topic, then read by`,
    'the Kafka engine, by `kch sink`, and inserted straight into the target tables (the ceiling).',
    '',
    '| Events | Kafka engine | `kch sink` | Direct insert | Sink / direct | Engine / direct | CPU s per M events (engine · sink · direct) | Sink RSS max |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...r.scale.map((row) => `| ${n(row.events)} | ${n(row.engine.eventsPerSecond)}/s | ${n(row.sink.eventsPerSecond)}/s | ${n(row.direct.eventsPerSecond)}/s | ${pct(row.sink.eventsPerSecond, row.direct.eventsPerSecond)} | ${pct(row.engine.eventsPerSecond, row.direct.eventsPerSecond)} | ${cpu(row.engine)} · ${cpu(row.sink)} · ${cpu(row.direct)} | ${row.sink.sinkRssMiB?.toFixed(0) ?? '—'} MiB |`),
    '',
  ];
  if (r.sustained) {
    const runs = r.sustained.runs ?? [r.sustained];
    lines.push(`Sustained, \`kch generate\` for ${r.sustained.seconds} s beside the sink, at \`max\` and then at fixed rates; the rate held is the fastest with the lag flat: **${heldRate(r.sustained) === undefined ? 'none held' : `${n(heldRate(r.sustained)!)}/s`}**.`, '');
    lines.push('| --rate | Produced | Ingested | Lag | CPU s per M events |', '| ---: | ---: | ---: | --- | --- |');
    for (const s of runs) lines.push(`| ${s.rate ?? 'max'} | ${n(s.producedPerSecond)}/s | ${n(s.ingestedPerSecond)}/s | ${s.keptUp ? 'flat' : `+${n(s.lagGrowthPerSecond)}/s`} | ${Object.entries(s.cpuPerMillion).map(([g, v]) => `${g} ${v.toFixed(1)}`).join(', ')} |`);
    lines.push('');
  }
  if (r.freshness.length) {
    lines.push('| Freshness (kch verify) | Rate | p50 | p95 | p99 | Lost | Duplicated |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const f of r.freshness) lines.push(`| ${f.ingest} | ${n(f.rate)}/s | ${(f.p50 / 1000).toFixed(2)} s | ${(f.p95 / 1000).toFixed(2)} s | ${(f.p99 / 1000).toFixed(2)} s | ${f.lost} | ${f.duplicated} |`);
    lines.push('');
  }
  for (const note of r.notes) lines.push(`- ${note}`);
  return lines.join('\n').trimEnd();
}

export function writeSink(r: SinkBenchResult, stamp: string): Promise<string> {
  return writeOwnBlock({ name: 'sink', file: 'sink', heading: 'Exactly once: the sink beside the engine' }, r, stamp, renderSink);
}
