/**
 * Measurement 2: end-to-end ingest.
 * - Scale curve: N events pre-loaded into Kafka (kcat, before the tables exist), then the clock
 *   runs from the creation of the first view (when the Kafka tables start consuming) until all N
 *   are queryable, next to the ceiling: the same JSON inserted straight into the same target
 *   tables with `INSERT … FORMAT JSONEachRow` over HTTP.
 * - Sustained: the whole stack with `kch generate --rate max` running concurrently, and
 *   `kch dashboard` with one page open; produced (broker end offsets) and queryable rows sampled
 *   every second; the rate held is the one at which the lag does not grow.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { listEndOffsets } from '../kafka/admin.js';
import { Child, cli } from './child.js';
import { launchDashboard, openPage, type PageLoad } from './dashboard.js';
import { chunkLines, type Corpus } from './corpus.js';
import { windowUsage, type Sampler } from './procfs.js';
import { SERVICES } from './resources.js';
import { kcatVersion } from './versions.js';
import { createPipeline, createTopics, dropPipeline, insertsSoFar, pipelineNamed, query, rowCounts, waitForRows, type Pipeline, type PipelineSettings, type Stack } from './stack.js';
import { slope } from './stats.js';

export type TuningSettings = PipelineSettings;

export interface IngestRow {
  readonly events: number;
  /** Seconds kcat took to pre-load the topics. */
  readonly preloadSeconds: number;
  readonly kafkaEngineSeconds: number;
  readonly kafkaEngineEventsPerSecond: number;
  /** Seconds from the views' creation to the first rows (consumer start, group join, first block). */
  readonly firstRowsSeconds: number | undefined;
  /** Rate from the first rows to the last: consumption once running. */
  readonly runningEventsPerSecond: number | undefined;
  readonly directSeconds: number;
  readonly directEventsPerSecond: number;
  /** Kafka engine rate / direct insert rate. */
  readonly ratio: number;
  /** Parts written into the target tables through the Kafka engine. */
  readonly kafkaEngineInserts: number;
  /** CPU seconds per million events while the Kafka engine consumed, per service. */
  readonly cpuPerMillion: Readonly<Record<string, number>>;
  /** Average cores busy while the Kafka engine consumed, per service. */
  readonly cores: Readonly<Record<string, number>>;
  readonly directCpuPerMillion: number;
  readonly loadavg: string;
}

export interface IngestResult {
  readonly settings: TuningSettings;
  readonly rows: readonly IngestRow[];
  readonly notes: readonly string[];
  /** The database kept with the last size's direct-insert rows, for the dashboard measurement. */
  readonly kept?: { readonly database: string; readonly topicPrefix: string; readonly rows: number };
}

async function endOffsetTotal(stack: Stack, topics: readonly string[]): Promise<number> {
  const offsets = await listEndOffsets(stack.bootstrap, topics);
  let total = 0;
  for (const partitions of offsets.values()) for (const o of partitions.values()) total += Number(o);
  return total;
}

/** Sends each corpus file `repeat` times into its topic with kcat, both topics at once. */
export async function preload(stack: Stack, pipeline: Pipeline, corpus: Corpus, repeat: number): Promise<number> {
  const started = performance.now();
  await Promise.all(corpus.files.map(async (file) => {
    // lz4, as our producer writes them: the consumer reads what the pipeline really carries.
    const kcat = new Child('kcat', ['-P', '-b', stack.bootstrap, '-t', `${pipeline.topicPrefix}${file.topic}`, '-X', 'acks=all', '-z', 'lz4',
      '-X', 'queue.buffering.max.kbytes=262144'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const text = await readFile(file.path);
    const stdin = kcat.child.stdin!;
    for (let i = 0; i < repeat; i++) {
      if (!stdin.write(text)) await new Promise<void>((resolve) => stdin.once('drain', resolve));
    }
    stdin.end();
    const code = await kcat.exited;
    if (code !== 0) throw new Error(`kcat pre-load failed: ${kcat.output.slice(-1000)}`);
  }));
  return (performance.now() - started) / 1000;
}

/** Inserts each corpus file `repeat` times into its target table, chunks of 100,000 rows, 2 at once. */
export async function directInsert(stack: Stack, pipeline: Pipeline, corpus: Corpus, repeat: number): Promise<number> {
  const perFile: Array<Array<{ table: string; body: Buffer }>> = [];
  for (const file of corpus.files) {
    const chunks = chunkLines(await readFile(file.path), 100_000);
    const list: Array<{ table: string; body: Buffer }> = [];
    for (let i = 0; i < repeat; i++) for (const body of chunks) list.push({ table: `${pipeline.database}.${file.table}`, body });
    perFile.push(list);
  }
  // Round-robin over the tables so that both are written all along, as the views do.
  const jobs: Array<{ table: string; body: Buffer }> = [];
  for (let i = 0; perFile.some((list) => i < list.length); i++) for (const list of perFile) if (i < list.length) jobs.push(list[i]!);
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await query(stack.clickhouseUrl, `INSERT INTO ${job.table} FORMAT JSONEachRow`, job.body);
    }
  };
  await Promise.all([worker(), worker()]);
  return (performance.now() - started) / 1000;
}

export async function measureIngest(stack: Stack, corpus: Corpus, sizes: readonly number[], tuning: TuningSettings, log: (line: string) => void,
  loadavg: () => string, sampler: Sampler, keepRows?: number): Promise<IngestResult> {
  const rows: IngestRow[] = [];
  let kept: IngestResult['kept'];
  const notes: string[] = [];
  if (!kcatVersion()) return { settings: tuning, rows, notes: ['not measured: kcat (used to pre-load the topics) is not installed'] };
  for (const wanted of sizes) {
    const repeat = Math.max(1, Math.round(wanted / corpus.events));
    const events = repeat * corpus.events;
    if (events !== wanted) notes.push(`${wanted} events asked, ${events} measured (whole repeats of the ${corpus.events}-event corpus)`);
    const load = loadavg();
    const tag = Date.now().toString(36);
    const viaKafka = pipelineNamed(`bench_ingest_${tag}`);
    await createTopics(stack, viaKafka, tuning.partitions ?? 1);
    const preloadSeconds = await preload(stack, viaKafka, corpus, repeat);
    const inKafka = await endOffsetTotal(stack, viaKafka.topics);
    if (inKafka !== events) throw new Error(`pre-load put ${inKafka} events in Kafka, expected ${events}`);
    log(`ingest ${events}: pre-loaded in ${preloadSeconds.toFixed(1)} s`);

    const from = sampler.sample();
    const consumingFrom = await createPipeline(stack, viaKafka, tuning);
    const timeoutMs = 60_000 + events / 10;
    let first: [number, number] | undefined;
    const doneAt = await waitForRows(stack, viaKafka, events, timeoutMs, (rows, at) => { if (rows > 0 && !first) first = [at, rows]; }, 100);
    const to = sampler.sample();
    if (doneAt === undefined) {
      const seen = (await rowCounts(stack, viaKafka)).reduce((a, b) => a + b, 0);
      throw new Error(`ingest of ${events}: only ${seen} rows after ${timeoutMs / 1000} s`);
    }
    const kafkaEngineSeconds = (doneAt - consumingFrom) / 1000;
    const kafkaEngineInserts = await insertsSoFar(stack, viaKafka);
    const cpuPerMillion: Record<string, number> = {};
    const cores: Record<string, number> = {};
    for (const group of ['kafka', 'clickhouse']) {
      const usage = windowUsage(sampler.samples, group, from, to);
      if (usage) { cpuPerMillion[group] = (usage.cpuSeconds * 1e6) / events; cores[group] = usage.cores; }
    }
    await dropPipeline(stack, viaKafka);
    log(`ingest ${events}: Kafka engine ${Math.round(events / kafkaEngineSeconds)} events/s (${kafkaEngineSeconds.toFixed(1)} s, ${kafkaEngineInserts} inserts; first rows after ${first ? ((first[0] - consumingFrom) / 1000).toFixed(1) : '—'} s; clickhouse ${cores.clickhouse?.toFixed(2)} cores, kafka ${cores.kafka?.toFixed(2)})`);

    const direct = pipelineNamed(`bench_direct_${tag}`);
    await createPipeline(stack, direct, {}, 'tables');
    const dFrom = sampler.sample();
    const directSeconds = await directInsert(stack, direct, corpus, repeat);
    const dTo = sampler.sample();
    const landed = (await rowCounts(stack, direct)).reduce((a, b) => a + b, 0);
    if (landed !== events) throw new Error(`direct insert landed ${landed} rows, expected ${events}`);
    const directCpu = windowUsage(sampler.samples, 'clickhouse', dFrom, dTo)?.cpuSeconds ?? 0;
    if (keepRows === events && !kept) kept = { database: direct.database, topicPrefix: direct.topicPrefix, rows: landed };
    else await dropPipeline(stack, direct);
    log(`ingest ${events}: direct insert ${Math.round(events / directSeconds)} events/s (${directSeconds.toFixed(1)} s)`);

    rows.push({
      events, preloadSeconds, kafkaEngineSeconds, kafkaEngineEventsPerSecond: events / kafkaEngineSeconds,
      firstRowsSeconds: first ? (first[0] - consumingFrom) / 1000 : undefined,
      runningEventsPerSecond: first && doneAt > first[0] ? ((events - first[1]) * 1000) / (doneAt - first[0]) : undefined,
      directSeconds, directEventsPerSecond: events / directSeconds,
      ratio: (events / kafkaEngineSeconds) / (events / directSeconds),
      kafkaEngineInserts, cpuPerMillion, cores, directCpuPerMillion: (directCpu * 1e6) / events, loadavg: load,
    });
  }
  return { settings: tuning, rows, notes, ...(kept ? { kept } : {}) };
}

export interface SustainedResult {
  readonly settings: TuningSettings;
  readonly seconds: number;
  /** The generator's --rate: `max`, or a fixed rate that checks whether the stack holds it. */
  readonly rate?: string;
  /**
   * The run at `max` when the consumer fell behind in it: this result is then the fastest fixed-rate
   * run (90 % or 100 % of what was ingested at max) that held with the lag flat.
   */
  readonly atMax?: SustainedResult;
  /** Every run in the order taken (`max` first), when there was more than one. */
  readonly runs?: readonly SustainedResult[];
  /** Rate the generator reported for its whole run. */
  readonly generatorEventsPerSecond: number;
  /** Slopes over the steady window (warm-up excluded), events/s. */
  readonly producedPerSecond: number;
  readonly ingestedPerSecond: number;
  readonly lagGrowthPerSecond: number;
  readonly maxLag: number;
  /** The rate held without the lag growing: produced rate when the lag is flat, else the ingest rate. */
  readonly sustainedPerSecond: number;
  /** Whether the consumer kept up (lag grew by less than 2 % of the produced rate). */
  readonly keptUp: boolean;
  /** Seconds after the generator stopped until every event was queryable. */
  readonly drainSeconds: number | undefined;
  readonly inserts: number;
  readonly cpuPerMillion: Readonly<Record<string, number>>;
  readonly cores: Readonly<Record<string, number>>;
  readonly timeline: ReadonlyArray<readonly [number, number, number]>;
  /** The dashboard page open during the run (absent in runs made before it was). */
  readonly page?: PageLoad;
  readonly loadavg: string;
}

/**
 * Runs `body` with `kch dashboard` serving the pipeline (sampled as the group `dashboard`) and,
 * when `pageOpen`, one page open on it; stops both however `body` ends.
 */
async function besideDashboard<T>(stack: Stack, pipeline: Pipeline, sampler: Sampler, pageOpen: boolean, body: () => Promise<T>): Promise<{ result: T; page: PageLoad | undefined }> {
  const { dashboard, base } = await launchDashboard(stack, pipeline);
  sampler.watch('dashboard', dashboard.pid);
  let page: Awaited<ReturnType<typeof openPage>> | undefined;
  let load: PageLoad | undefined;
  try {
    page = pageOpen ? await openPage(base) : undefined;
    const result = await body();
    load = await page?.close();
    return { result, page: load };
  } finally {
    if (!load) await page?.close();
    sampler.unwatch('dashboard');
    await dashboard.stop();
  }
}

/** One run of the whole stack at `rate` (`pageOpen` false: the dashboard runs with no page open, for comparison). */
export async function measureSustained(stack: Stack, seconds: number, seed: number, tuning: TuningSettings, log: (line: string) => void,
  loadavg: () => string, sampler: Sampler, rate = 'max', pageOpen = true, own?: Parameters<typeof pipelineNamed>[1],
  /** Starts what else the pipeline needs (`kch sink`); returns how to stop it, after the drain. */
  beside?: (pipeline: Pipeline) => () => Promise<void>): Promise<SustainedResult> {
  const load = loadavg();
  const pipeline = pipelineNamed(`bench_sustained_${Date.now().toString(36)}`, own);
  await createTopics(stack, pipeline, tuning.partitions ?? 1);
  await createPipeline(stack, pipeline, tuning);
  const stopBeside = beside?.(pipeline);
  // The whole stack, as `npm start` runs it, with the dashboard open in one browser tab.
  const { result: run, page } = await besideDashboard(stack, pipeline, sampler, pageOpen, async () => {
    await delay(2000);
    const generator = cli(['generate', '--rate', rate, '--duration', `${seconds}s`, '--seed', String(seed),
      '--kafka-brokers', stack.bootstrap, '--topic-prefix', pipeline.topicPrefix, ...(pipeline.configFile ? ['--config', pipeline.configFile] : [])]);
    sampler.watch('generator', generator.pid);
    const started = performance.now();
    const timeline: Array<[number, number, number]> = [];
    const from = sampler.sample();
    while (generator.running) {
      const [p, r] = await Promise.all([endOffsetTotal(stack, pipeline.topics), rowCounts(stack, pipeline)]);
      timeline.push([(performance.now() - started) / 1000, p, r.reduce((a, b) => a + b, 0)]);
      await delay(1000);
    }
    const to = sampler.sample();
    sampler.unwatch('generator');
    const stoppedAt = performance.now();
    const produced = await endOffsetTotal(stack, pipeline.topics);
    const drainedAt = await waitForRows(stack, pipeline, produced, 180_000, undefined, 250);
    return { generator, timeline, from, to, stoppedAt, drainedAt };
  });
  const { generator, timeline, from, to, stoppedAt, drainedAt } = run;
  const match = /(\d+) events\/s, seed/.exec(generator.output);
  const warm = Math.min(10, seconds / 4);
  const steady = timeline.filter(([t]) => t >= warm);
  const producedPerSecond = slope(steady.map(([t, p]) => [t, p])) ?? 0;
  const ingestedPerSecond = slope(steady.map(([t, , r]) => [t, r])) ?? 0;
  const lagGrowthPerSecond = slope(steady.map(([t, p, r]) => [t, p - r])) ?? 0;
  const keptUp = lagGrowthPerSecond < 0.02 * producedPerSecond;
  const cpuPerMillion: Record<string, number> = {};
  const cores: Record<string, number> = {};
  const last = timeline.at(-1);
  const ingested = last ? last[2] - (timeline[0]?.[2] ?? 0) : 0;
  // `sink`: sampled when `beside` started kch sink.
  for (const group of [...SERVICES, 'sink']) {
    const usage = windowUsage(sampler.samples, group, from, to);
    if (usage && ingested > 0) { cpuPerMillion[group] = (usage.cpuSeconds * 1e6) / ingested; cores[group] = usage.cores; }
  }
  const inserts = await insertsSoFar(stack, pipeline);
  await stopBeside?.();
  await dropPipeline(stack, pipeline);
  const result: SustainedResult = {
    settings: tuning, seconds, rate, generatorEventsPerSecond: match ? Number(match[1]) : 0,
    producedPerSecond, ingestedPerSecond, lagGrowthPerSecond,
    maxLag: Math.max(0, ...timeline.map(([, p, r]) => p - r)),
    sustainedPerSecond: keptUp ? producedPerSecond : ingestedPerSecond,
    keptUp, drainSeconds: drainedAt === undefined ? undefined : (drainedAt - stoppedAt) / 1000, inserts,
    cpuPerMillion, cores, page, timeline, loadavg: load,
  };
  log(`sustained at --rate ${rate}: produced ${Math.round(producedPerSecond)}/s, ingested ${Math.round(ingestedPerSecond)}/s, lag ${lagGrowthPerSecond >= 0 ? '+' : ''}${Math.round(lagGrowthPerSecond)}/s, drained in ${result.drainSeconds?.toFixed(1) ?? 'never'} s`);
  return result;
}

/**
 * The rate a run held, or undefined when the lag grew. A run at a fixed rate that produced within
 * 1 % of it held that rate: the produced rate, read from end offsets sampled once a second, sits a
 * few events per second either side of what the generator was asked for (149,996 or 150,014 for
 * 150,000). At `max` it is the produced rate.
 */
export function heldRate(run: Pick<SustainedResult, 'keptUp' | 'rate' | 'producedPerSecond'>): number | undefined {
  if (!run.keptUp) return undefined;
  const asked = Number(run.rate);
  return Number.isFinite(asked) && Math.abs(run.producedPerSecond - asked) <= 0.01 * asked ? asked : run.producedPerSecond;
}

/** Fixed-rate runs after the one at `max`, to find the fastest rate held. */
const SEARCH_RUNS = 4;

/** The rate BENCHMARKS.md's target names (issue: sustained ≥ 150,000 events/s on this machine). */
export const SUSTAINED_TARGET = 150_000;

/**
 * The next rate to try between the fastest held and the slowest not held: the target itself while
 * it lies between them (that run answers the question the benchmark asks), else the midpoint.
 */
export function nextSearchRate(held: number, failed: number, tried: ReadonlySet<number>): number {
  if (held < SUSTAINED_TARGET && SUSTAINED_TARGET < failed && !tried.has(SUSTAINED_TARGET)) return SUSTAINED_TARGET;
  return Math.max(1000, Math.floor((held + failed) / 2 / 1000) * 1000);
}

/**
 * The sustained rate: the generator at `max` for `seconds`; when the consumer falls behind there
 * (the generator's threads take the cores ClickHouse needs), up to SEARCH_RUNS fixed rates,
 * starting at what was ingested at `max` and then halving the gap between the fastest rate held
 * and the slowest not held (trying the target first when it lies in that gap). The fastest run
 * held with the lag flat is the figure.
 */
export async function measureSustainedRate(stack: Stack, seconds: number, seed: number, tuning: TuningSettings, log: (line: string) => void,
  loadavg: () => string, sampler: Sampler, around: { readonly pageOpen?: boolean; readonly beside?: (pipeline: Pipeline) => () => Promise<void> } = {}): Promise<SustainedResult> {
  const run = (rate: string, runSeed: number): Promise<SustainedResult> =>
    measureSustained(stack, seconds, runSeed, tuning, log, loadavg, sampler, rate, around.pageOpen ?? true, undefined, around.beside);
  const atMax = await run('max', seed);
  if (atMax.keptUp) return atMax;
  const runs: SustainedResult[] = [atMax];
  // At `max` the generator's threads take cores ClickHouse needs, so what it ingested there is
  // below what it can hold: search between that and what was produced, a few runs at fixed rates.
  let best: SustainedResult | undefined;
  let held = 0;
  let failed = atMax.producedPerSecond;
  const tried = new Set<number>();
  let rate = Math.max(1000, Math.floor(atMax.ingestedPerSecond / 1000) * 1000);
  for (let attempt = 0; attempt < SEARCH_RUNS; attempt++) {
    tried.add(rate);
    const trial = await run(String(rate), seed + runs.length);
    runs.push(trial);
    if (trial.keptUp) {
      held = rate;
      if (!best || (heldRate(trial) ?? 0) > (heldRate(best) ?? 0)) best = trial;
    } else {
      failed = Math.min(failed, rate);
    }
    if (failed / Math.max(held, 1) < 1.06) break;
    rate = held > 0 ? nextSearchRate(held, failed, tried) : Math.max(1000, Math.floor(rate * 0.85 / 1000) * 1000);
  }
  const headline = best ?? runs.at(-1)!;
  return { ...headline, atMax, runs };
}
