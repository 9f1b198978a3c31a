/**
 * Measurement 7: pipelines of one's own. A non-seed stream of about the seed's size (an order:
 * UUID, ISO time, money, whole numbers, a low-cardinality text, an enumeration, an array, a
 * nested object, an optional note), beside the seed's streams, in the same run:
 * - `kch generate --rate max` for each, interleaved (events/s; target: the own stream ≥ 80 % of the seed's);
 * - ClickHouse's ingest of each: a backlog produced first, then the tables made, rows/s until all landed;
 * - the whole stack (generator, Kafka, ClickHouse, dashboard) for each at one fixed rate: held or not;
 * - `kch init --from-topic` on a 10,000-message sample, the whole command (target ≤ 5 s);
 * Its figures go to their own results file and their own block of BENCHMARKS.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPipelineFile, pipelineStreams } from '../config/pipeline-file.js';
import { ensureTopics } from '../kafka/admin.js';
import { createLogger } from '../output/log.js';
import { writeOwnBlock } from './block.js';
import { configSource, ordersStream } from './own-config.js';
import { Child, cli, cliPath } from './child.js';
import { measureSustained, type SustainedResult } from './ingest.js';
import type { Sampler } from './procfs.js';
import { median } from './stats.js';
import { createPipeline, createTopics, dropPipeline, pipelineNamed, waitForRows, type Stack } from './stack.js';

const silent = createLogger('bench', () => undefined);

export const ownConfig = configSource([ordersStream]);

export interface OwnStreamsResult {
  readonly generate: {
    readonly events: number;
    /** events/s of each `kch generate --rate max` run, in the order run (seed, own, seed, own). */
    readonly seedRuns: readonly number[];
    readonly ownRuns: readonly number[];
    readonly seedBytesPerEvent: number;
    readonly ownBytesPerEvent: number;
    /** Best own ÷ best seed. */
    readonly ratio: number;
  };
  /** Rows/s ClickHouse took a backlog of `events` in, per run: seed and own interleaved. */
  readonly ingest?: { readonly events: number; readonly seedRuns: readonly number[]; readonly ownRuns: readonly number[]; readonly ratio: number };
  /** The whole stack at one fixed rate, seed and own. */
  readonly sustained?: { readonly rate: number; readonly seed: SustainedResult; readonly own: SustainedResult };
  readonly init: { readonly messages: number; readonly runs: readonly number[]; readonly medianSeconds: number };
}

function generateRate(output: string): number {
  const match = /(\d+) events\/s, seed/.exec(output);
  if (!match) throw new Error(`kch generate did not report a rate:\n${output.slice(-1500)}`);
  return Number(match[1]);
}

export async function measureOwnStreams(stack: Stack, log: (line: string) => void, loadavg: () => string, sampler: Sampler, quick: boolean, sustainSeconds: number): Promise<OwnStreamsResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kch-bench-own-'));
  const configFile = join(dir, 'kch.config.ts');
  await writeFile(configFile, ownConfig);
  try {
    // 1. kch generate --rate max: the seed's streams and the own stream, interleaved.
    const events = quick ? 200_000 : 1_000_000;
    const seedRuns: number[] = [];
    const ownRuns: number[] = [];
    const prefix = `bench_own_${Date.now().toString(36)}.`;
    await ensureTopics(stack.bootstrap, ['sales', 'warehouse', 'orders'].map((t) => ({ name: `${prefix}${t}`, partitions: 1 })));
    for (let round = 0; round < 2; round++) {
      for (const own of [false, true]) {
        const child = cli(['generate', '--rate', 'max', '--count', String(events), '--seed', String(7 + round), '--kafka-brokers', stack.bootstrap, '--topic-prefix', prefix,
          ...(own ? ['--config', configFile] : [])]);
        if ((await child.exited) !== 0) throw new Error(`kch generate failed:\n${child.output.slice(-2000)}`);
        (own ? ownRuns : seedRuns).push(generateRate(child.output));
      }
    }
    const seedBytes = await sampleBytes(false, configFile);
    const ownBytes = await sampleBytes(true, configFile);
    const generate = { events, seedRuns, ownRuns, seedBytesPerEvent: seedBytes, ownBytesPerEvent: ownBytes, ratio: Math.max(...ownRuns) / Math.max(...seedRuns) };
    log(`own streams: kch generate --rate max: seed ${seedRuns.join(', ')} events/s, own ${ownRuns.join(', ')} events/s (${(generate.ratio * 100).toFixed(0)} %)`);

    // 2. ClickHouse's ingest: a backlog in Kafka first, then the pipeline made; rows/s until all landed.
    const { streams } = await loadPipelineFile(configFile, silent);
    const backlog = quick ? 300_000 : 2_000_000;
    const ingestRuns: { seed: number[]; own: number[] } = { seed: [], own: [] };
    for (let round = 0; round < 2; round++) {
      for (const own of [false, true]) {
        const pipeline = pipelineNamed(`bench_own_ingest_${round}_${own ? 'own' : 'seed'}_${Date.now().toString(36)}`, own ? { streams, configFile } : undefined);
        await createTopics(stack, pipeline);
        const child = cli(['generate', '--rate', 'max', '--count', String(backlog), '--seed', String(11 + round), '--kafka-brokers', stack.bootstrap, '--topic-prefix', pipeline.topicPrefix,
          ...(own ? ['--config', configFile] : [])]);
        if ((await child.exited) !== 0) throw new Error(`kch generate failed:\n${child.output.slice(-2000)}`);
        const started = await createPipeline(stack, pipeline);
        const done = await waitForRows(stack, pipeline, backlog, 600_000, undefined, 100);
        await dropPipeline(stack, pipeline);
        if (done === undefined) throw new Error(`${backlog} events did not land within 10 minutes`);
        (own ? ingestRuns.own : ingestRuns.seed).push(backlog / ((done - started) / 1000));
      }
    }
    const ingest = { events: backlog, seedRuns: ingestRuns.seed, ownRuns: ingestRuns.own, ratio: Math.max(...ingestRuns.own) / Math.max(...ingestRuns.seed) };
    log(`own streams: ingest of ${backlog} events: seed ${ingest.seedRuns.map(Math.round).join(', ')}, own ${ingest.ownRuns.map(Math.round).join(', ')} rows/s (${(ingest.ratio * 100).toFixed(0)} %)`);

    // 3. The whole stack at one fixed rate, each.
    const rate = quick ? 20_000 : 100_000;
    const seconds = Math.min(sustainSeconds, 30);
    const seedSustained = await measureSustained(stack, seconds, 42, {}, log, loadavg, sampler, String(rate), true);
    const ownSustained = await measureSustained(stack, seconds, 42, {}, log, loadavg, sampler, String(rate), true, { streams, configFile });
    const sustained = { rate, seed: seedSustained, own: ownSustained };

    // 4. kch init on a 10,000-message sample of the own stream's topic (filled by the runs above), from an empty folder.
    const initRuns: number[] = [];
    const emptyFolder = await mkdtemp(join(tmpdir(), 'kch-bench-init-'));
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const started = performance.now();
      const child = new Child(process.execPath, [cliPath, 'init', '--from-topic', `${prefix}orders`, '--sample', '10000', '--dry-run', '--kafka-brokers', stack.bootstrap], { cwd: emptyFolder });
      if ((await child.exited) !== 0) throw new Error(`kch init failed:\n${child.output.slice(-2000)}`);
      initRuns.push((performance.now() - started) / 1000);
    }
    await rm(emptyFolder, { recursive: true, force: true });
    const init = { messages: 10_000, runs: initRuns, medianSeconds: median(initRuns) ?? 0 };
    log(`own streams: kch init on 10,000 messages: ${init.medianSeconds.toFixed(2)} s (median of ${initRuns.length})`);
    return { generate, ingest, sustained, init };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Mean JSON bytes of an event: the seed's mix, or the own stream. */
async function sampleBytes(own: boolean, configFile: string): Promise<number> {
  const { EventSource, mixFor } = await import('../generator/mix.js');
  const streams = await pipelineStreams(own ? configFile : undefined, silent);
  const source = new EventSource(1, mixFor(streams));
  let bytes = 0;
  for (let i = 0; i < 10_000; i++) bytes += Buffer.byteLength(JSON.stringify(source.next().event));
  return Math.round(bytes / 10_000);
}

export function renderOwnStreams(r: OwnStreamsResult, jsonPath: string): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    `From \`${jsonPath}\`. The stream of one's own is \`orders\` (src/bench/own-config.ts: 11 fields, among them an array, a nested object, an ISO timestamp and an optional text; ${r.generate.ownBytesPerEvent} bytes of JSON per event against the seed mix's ${r.generate.seedBytesPerEvent}).`,
    '',
    '| Measurement | Target | Figure | Met |',
    '| --- | --- | --- | --- |',
    `| \`kch generate --rate max\`, own stream vs the seed's (best of ${r.generate.ownRuns.length} runs each, ${n(r.generate.events)} events, interleaved) | ≥ 80 % | ${(r.generate.ratio * 100).toFixed(0)} % (${n(Math.max(...r.generate.ownRuns))} vs ${n(Math.max(...r.generate.seedRuns))} events/s; runs ${r.generate.ownRuns.map(n).join(', ')} vs ${r.generate.seedRuns.map(n).join(', ')}) | ${r.generate.ratio >= 0.8 ? 'yes' : 'no'} |`,
    ...(r.ingest ? [`| ClickHouse's ingest of a backlog of ${n(r.ingest.events)} events (Kafka table and views made after producing; best of ${r.ingest.ownRuns.length}, interleaved) | ≥ 80 % | ${(r.ingest.ratio * 100).toFixed(0)} % (${n(Math.max(...r.ingest.ownRuns))} vs ${n(Math.max(...r.ingest.seedRuns))} rows/s; runs ${r.ingest.ownRuns.map(n).join(', ')} vs ${r.ingest.seedRuns.map(n).join(', ')}) | ${r.ingest.ratio >= 0.8 ? 'yes' : 'no'} |`] : []),
    ...(r.sustained ? [`| Sustained, whole stack (generator + Kafka + ClickHouse + dashboard with a page open), ${r.sustained.seed.seconds} s at ${n(r.sustained.rate)} events/s | held as the seed's is | own ${r.sustained.own.keptUp ? 'held' : 'not held'} (${n(r.sustained.own.ingestedPerSecond)}/s ingested, lag ${r.sustained.own.lagGrowthPerSecond >= 0 ? '+' : ''}${n(r.sustained.own.lagGrowthPerSecond)}/s); seed ${r.sustained.seed.keptUp ? 'held' : 'not held'} (${n(r.sustained.seed.ingestedPerSecond)}/s, lag ${r.sustained.seed.lagGrowthPerSecond >= 0 ? '+' : ''}${n(r.sustained.seed.lagGrowthPerSecond)}/s) | ${r.sustained.own.keptUp || !r.sustained.seed.keptUp ? 'yes' : 'no'} |`] : []),
    `| \`kch init --from-topic\` on 10,000 messages (the whole command, median of ${r.init.runs.length}) | ≤ 5 s | ${r.init.medianSeconds.toFixed(2)} s | ${r.init.medianSeconds <= 5 ? 'yes' : 'no'} |`,
  ];
  return lines.join('\n');
}

/** Writes the results file and replaces (or adds) the own-streams block of BENCHMARKS.md. */
export function writeOwnStreams(r: OwnStreamsResult, stamp: string): Promise<string> {
  return writeOwnBlock({ name: 'own', file: 'own-streams', heading: 'Pipelines of your own' }, r, stamp, renderOwnStreams);
}
