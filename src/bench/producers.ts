/**
 * Measurement 1: producer throughput into the local broker, acks=all, the same seed-format events
 * for every client: our generator at full speed (making, validating and sending), our producer
 * replaying the pre-serialized corpus, a plain kafkajs producer replaying it, and kcat (librdkafka)
 * replaying it — the practical ceiling.
 */
import { fileURLToPath } from 'node:url';
import { listEndOffsets } from '../kafka/admin.js';
import { Child, cli } from './child.js';
import { kcatVersion, packageVersion } from './versions.js';
import type { Corpus } from './corpus.js';
import { Sampler } from './procfs.js';
import { createTopics, pipelineNamed, type Stack } from './stack.js';

export interface ProducerRow {
  readonly client: string;
  readonly what: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly mbPerSecond: number;
  /** CPU seconds of the client process while it ran (its own core use). */
  readonly clientCpuSeconds?: number;
  /** CPU seconds of the broker (JVM) while the client ran. */
  readonly brokerCpuSeconds?: number;
  /** Events the broker's end offsets gained: checks the client's own count. */
  readonly inKafka: number;
  readonly loadavg: string;
}

export interface ProducerResult {
  readonly rows: readonly ProducerRow[];
  readonly notMeasured: readonly string[];
}

const replayScript = fileURLToPath(new URL('./clients/replay.js', import.meta.url));

async function endOffsetTotal(stack: Stack, topics: readonly string[]): Promise<number> {
  const offsets = await listEndOffsets(stack.bootstrap, topics);
  let total = 0;
  for (const partitions of offsets.values()) for (const o of partitions.values()) total += Number(o);
  return total;
}

/**
 * CPU seconds each process tree spent while `work` ran, sampled every 250 ms; a process that
 * exits is counted up to its last sample (at most 250 ms short).
 */
export async function cpuWhile<T>(roots: Readonly<Record<string, number>>, work: Promise<T>): Promise<{ value: T; cpu: Record<string, number> }> {
  const sampler = new Sampler(250);
  for (const [group, pid] of Object.entries(roots)) sampler.watch(group, pid);
  sampler.sample();
  sampler.start();
  try {
    const value = await work;
    sampler.stop();
    sampler.sample();
    const cpu: Record<string, number> = {};
    for (const group of Object.keys(roots)) {
      const seen = sampler.samples.filter((s) => (s.usage[group]?.pids.length ?? 0) > 0);
      cpu[group] = (seen.at(-1)?.usage[group]?.cpuSeconds ?? 0) - (seen[0]?.usage[group]?.cpuSeconds ?? 0);
    }
    return { value, cpu };
  } finally {
    sampler.stop();
  }
}

async function measured(stack: Stack, child: Child, work: Promise<unknown>): Promise<{ clientCpu: number; brokerCpu: number }> {
  const { cpu } = await cpuWhile({ client: child.pid, kafka: stack.kafka.pid }, work);
  return { clientCpu: cpu.client ?? 0, brokerCpu: cpu.kafka ?? 0 };
}

export async function measureProducers(stack: Stack, corpus: Corpus, log: (line: string) => void, loadavg: () => string): Promise<ProducerResult> {
  const rows: ProducerRow[] = [];
  const notMeasured: string[] = [];
  const mb = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
  let n = 0;

  const fresh = async (): Promise<ReturnType<typeof pipelineNamed>> => {
    const pipeline = pipelineNamed(`bench_prod_${Date.now().toString(36)}_${n++}`);
    await createTopics(stack, pipeline);
    return pipeline;
  };

  // A fresh broker's JVM is still compiling its hot paths, and whoever went first paid for it (our
  // generator did). One unmeasured run warms it up for every client.
  {
    const pipeline = await fresh();
    const events = Math.min(corpus.events, 500_000);
    const warmup = cli(['generate', '--rate', 'max', '--count', String(events), '--seed', String(corpus.seed + 1),
      '--kafka-brokers', stack.bootstrap, '--topic-prefix', pipeline.topicPrefix]);
    if ((await warmup.exited) !== 0) throw new Error(`warm-up kch generate failed:\n${warmup.output.slice(-2000)}`);
    log(`producer: broker warmed up (${events} events, not measured)`);
  }

  // Our generator, as `kch generate --rate max` runs.
  {
    const pipeline = await fresh();
    const load = loadavg();
    const child = cli(['generate', '--rate', 'max', '--count', String(corpus.events), '--seed', String(corpus.seed),
      '--kafka-brokers', stack.bootstrap, '--topic-prefix', pipeline.topicPrefix]);
    const { clientCpu, brokerCpu } = await measured(stack, child, child.exited);
    const match = /generated (\d+) events .* in ([\d.]+) s/.exec(child.output);
    if (!match) throw new Error(`kch generate did not report:\n${child.output.slice(-2000)}`);
    const events = Number(match[1]);
    const seconds = Number(match[2]);
    const bytes = Number(/([\d.]+) MB\b/.exec(child.output.split('\n').filter((l) => /MB/.test(l)).at(-1) ?? '')?.[1] ?? 0) * 1e6;
    const inKafka = await endOffsetTotal(stack, pipeline.topics);
    // The generator logs its bytes only every 5 s; the corpus has the same events, so its size is exact.
    const exactBytes = corpus.bytes || bytes;
    rows.push({ client: 'kch generate', what: 'makes, validates and sends (`--rate max`: one thread per core, each with its own producer; lz4)', events, seconds, eventsPerSecond: events / seconds,
      mbPerSecond: mb(exactBytes, seconds), clientCpuSeconds: clientCpu, brokerCpuSeconds: brokerCpu, inKafka, loadavg: load });
    log(`producer: kch generate ${Math.round(events / seconds)} events/s`);
  }

  // Replays of the pre-serialized corpus.
  for (const client of ['kch', 'kafkajs'] as const) {
    const pipeline = await fresh();
    const load = loadavg();
    const options = { bootstrap: stack.bootstrap, topicPrefix: pipeline.topicPrefix, files: corpus.files.map((f) => ({ topic: f.topic, path: f.path })), batch: 2000, inFlight: 4 };
    const child = new Child(process.execPath, [replayScript, client, JSON.stringify(options)]);
    const { clientCpu, brokerCpu } = await measured(stack, child, child.exited);
    const line = child.output.split('\n').find((l) => l.startsWith('{'));
    if (!line) { notMeasured.push(`${client}: ${child.output.slice(-500)}`); continue; }
    const result = JSON.parse(line) as { events: number; bytes: number; ms: number };
    const inKafka = await endOffsetTotal(stack, pipeline.topics);
    const seconds = result.ms / 1000;
    rows.push({
      client: client === 'kch' ? 'kch producer' : `kafkajs ${packageVersion('kafkajs')}`,
      what: client === 'kch' ? 'our producer module replaying the corpus (lz4, idempotent, one request at a time)' : 'plain `producer.sendBatch`, default settings (no compression), 4 batches in flight',
      events: result.events, seconds, eventsPerSecond: result.events / seconds, mbPerSecond: mb(result.bytes, seconds),
      clientCpuSeconds: clientCpu, brokerCpuSeconds: brokerCpu, inKafka, loadavg: load,
    });
    log(`producer: ${client} ${Math.round(result.events / seconds)} events/s`);
  }

  // kcat: one process per topic, in parallel, each reading its file; clock from spawn to exit.
  const version = kcatVersion();
  if (!version) {
    notMeasured.push('kcat: not installed (apt-get install kcat)');
  } else {
    const pipeline = await fresh();
    const load = loadavg();
    const started = performance.now();
    const children = corpus.files.map((f) => new Child('kcat', ['-P', '-b', stack.bootstrap, '-t', `${pipeline.topicPrefix}${f.topic}`,
      '-X', 'acks=all', '-X', 'enable.idempotence=true', '-z', 'lz4', '-l', f.path]));
    const roots: Record<string, number> = { kafka: stack.kafka.pid };
    children.forEach((c, i) => { roots[`kcat${i}`] = c.pid; });
    const { value: codes, cpu } = await cpuWhile(roots, Promise.all(children.map((c) => c.exited)));
    const seconds = (performance.now() - started) / 1000;
    if (codes.some((c) => c !== 0)) {
      notMeasured.push(`kcat failed: ${children.map((c) => c.output.slice(-300)).join(' | ')}`);
    } else {
      const inKafka = await endOffsetTotal(stack, pipeline.topics);
      rows.push({ client: `kcat ${version}`, what: 'librdkafka, one process per topic reading its file, acks=all, idempotent, lz4', events: corpus.events, seconds,
        eventsPerSecond: corpus.events / seconds, mbPerSecond: mb(corpus.bytes, seconds),
        clientCpuSeconds: children.reduce((a, _c, i) => a + (cpu[`kcat${i}`] ?? 0), 0),
        brokerCpuSeconds: cpu.kafka ?? 0, inKafka, loadavg: load });
      log(`producer: kcat ${Math.round(corpus.events / seconds)} events/s`);
    }
  }
  return { rows, notMeasured };
}

