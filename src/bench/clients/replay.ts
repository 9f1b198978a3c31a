/**
 * A child process of the benchmark: sends a pre-serialized corpus to Kafka with one client and
 * prints one JSON line with what it measured. `node replay.js <kafkajs|kch> <json options>`.
 *
 * Both clients get the same batches as the generator makes: `batch` events mixed across the
 * topics in corpus order, `inFlight` batches handed over at once, and wait for every
 * acknowledgement (acks=all) before the clock stops.
 */
import { readFile } from 'node:fs/promises';
import { createLogger } from '../../output/log.js';
import { createProducer } from '../../kafka/producer.js';

interface ReplayOptions {
  readonly bootstrap: string;
  readonly topicPrefix: string;
  readonly files: ReadonlyArray<{ readonly topic: string; readonly path: string }>;
  readonly batch: number;
  readonly inFlight: number;
  readonly compression?: string;
}

type Message = { topic: string; value: Buffer };

async function load(options: ReplayOptions): Promise<Message[][]> {
  const perTopic: Message[][] = [];
  for (const file of options.files) {
    const text = await readFile(file.path);
    const messages: Message[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === 0x0a) {
        messages.push({ topic: `${options.topicPrefix}${file.topic}`, value: text.subarray(start, i) });
        start = i + 1;
      }
    }
    perTopic.push(messages);
  }
  // Interleave in proportion, as the generator's coin flips do.
  const total = perTopic.reduce((a, m) => a + m.length, 0);
  const all: Message[] = [];
  const taken = perTopic.map(() => 0);
  for (let n = 0; n < total; n++) {
    let best = 0;
    let bestLag = -Infinity;
    perTopic.forEach((m, i) => {
      const lag = ((n + 1) * m.length) / total - taken[i]!;
      if (taken[i]! < m.length && lag > bestLag) { best = i; bestLag = lag; }
    });
    all.push(perTopic[best]![taken[best]!]!);
    taken[best]! += 1;
  }
  const batches: Message[][] = [];
  for (let i = 0; i < all.length; i += options.batch) batches.push(all.slice(i, i + options.batch));
  return batches;
}

async function pump(batches: Message[][], inFlight: number, send: (batch: Message[]) => Promise<void>): Promise<void> {
  const pending = new Set<Promise<void>>();
  // The first send that failed, boxed so that any rejection reason counts (even a falsy one).
  let failure: { error: unknown } | undefined;
  for (const batch of batches) {
    const p = send(batch).catch((error: unknown) => { failure ??= { error }; });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= inFlight) await Promise.race(pending);
    if (failure) throw failure.error;
  }
  await Promise.all(pending);
  if (failure) throw failure.error;
}

async function main(): Promise<void> {
  const [client, json] = process.argv.slice(2);
  const options = JSON.parse(json ?? '{}') as ReplayOptions;
  const batches = await load(options);
  const events = batches.reduce((a, b) => a + b.length, 0);
  const bytes = batches.reduce((a, b) => a + b.reduce((s, m) => s + m.value.length, 0), 0);
  let started: number;
  if (client === 'kafkajs') {
    const { Kafka, CompressionTypes, logLevel } = await import('kafkajs');
    const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [options.bootstrap], logLevel: logLevel.ERROR });
    const producer = kafka.producer();
    await producer.connect();
    const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    started = performance.now();
    await pump(batches, options.inFlight, async (batch) => {
      const byTopic = new Map<string, { value: Buffer }[]>();
      for (const m of batch) {
        let list = byTopic.get(m.topic);
        if (!list) byTopic.set(m.topic, list = []);
        list.push({ value: m.value });
      }
      await producer.sendBatch({ acks: -1, compression, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    });
    const ms = performance.now() - started;
    await producer.disconnect();
    process.stdout.write(`${JSON.stringify({ events, bytes, ms })}\n`);
  } else if (client === 'kch') {
    const producer = createProducer({
      bootstrap: options.bootstrap,
      clientId: 'bench-kch',
      log: createLogger('replay'),
      ...(options.compression ? { compression: options.compression as 'none' } : {}),
    });
    // Connect (metadata, producer id) before the clock starts, as kafkajs's connect() does.
    await producer.send([batches[0]![0]!]);
    started = performance.now();
    await pump(batches, options.inFlight, (batch) => producer.send(batch));
    const ms = performance.now() - started;
    await producer.close();
    process.stdout.write(`${JSON.stringify({ events, bytes, ms })}\n`);
  } else {
    throw new Error(`unknown client ${client}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
