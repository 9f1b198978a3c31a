import { randomInt } from 'node:crypto';
import { options } from '../../config/options.js';
import { ensureTopics, waitForKafka } from '../../kafka/admin.js';
import { createProducer } from '../../kafka/producer.js';
import { topicOf } from '../../pipeline/resolve.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { mixFor } from '../../generator/mix.js';
import { parsePace } from '../../generator/pacing.js';
import { generate, type GenerateOptions, type GenerateReport } from '../../generator/run.js';
import { generateInWorkers, workersFor } from '../../generator/workers.js';
import { defineCommand } from '../shared/command.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'Produce valid events for every stream into Kafka (the seed\'s: 70 % sales, 30 % stock movements)',
  details: [
    'Seed-faithful by default: one event every 0.5–1.5 s, a log line every 10 events.',
    'Creates missing topics with --partitions. An event counted as sent was acknowledged by Kafka;',
    'on Ctrl-C it stops making events and waits for those in flight. --bad-ratio mixes in malformed',
    'messages of every kind the dead-letter tables catch, counted apart in the summary line.',
    'Streams of your own (kch.config.ts) get events drawn from their fields; each has the share of',
    'the seed\'s two together.',
  ].join('\n'),
  options: [options.config, options.kafkaBrokers, options.rate, options.count, options.duration, options.seed, options.workers, options.partitions, options.topicPrefix, options.badRatio],
  async run({ options: resolved, log, signal, out }) {
    // Started by `kch up`: stop cleanly when it is gone, however it ended (src/host/supervisor.ts).
    stopWhenSupervisorGone(log, signal);
    const bootstrap = resolved.requireString(options.kafkaBrokers);
    const pace = parsePace(resolved.string(options.rate) ?? 'seed');
    const count = resolved.bounded(options.count);
    const durationMs = resolved.duration(options.duration);
    const seed = resolved.integer(options.seed) ?? randomInt(0, 2 ** 31);
    const partitions = resolved.bounded(options.partitions) ?? 1;
    const topicPrefix = resolved.string(options.topicPrefix) ?? '';
    const badRatio = resolved.bounded(options.badRatio) ?? 0;

    const workers = workersFor(resolved.string(options.workers), pace);
    const loaded = await loadPipelineConfig(resolved, log);
    // An upsert stream's messages are a source's changes (a database's, a keyed topic's owner's):
    // made-up ones would land in its table as rows of that source.
    const skipped = loaded.streams.filter((s) => s.changes !== undefined);
    for (const s of skipped) log.info(`${s.name} is an upsert stream: its changes come from its source, kch generate writes none`);
    const pipeline = { ...loaded, streams: loaded.streams.filter((s) => s.changes === undefined) };
    if (pipeline.streams.length === 0) {
      out('nothing to generate: every stream is an upsert stream\n');
      return 0;
    }

    await waitForKafka(bootstrap, { timeoutMs: 60_000, signal });
    const topics = mixFor(pipeline.streams).map((m) => topicOf(m.stream, { topicPrefix }));
    const created = await ensureTopics(bootstrap, topics.map((name) => ({ name, partitions })));
    if (created.length) log.info(`created topics ${created.join(', ')} with ${partitions} partition(s)`);

    const task = {
      pace, seed, topicPrefix, log, signal, badRatio, streams: pipeline.streams, configFile: pipeline.file,
      ...(count !== undefined ? { count } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
    };
    const report = workers > 1
      ? await generateInWorkers({ ...task, workers, bootstrap })
      : await generateOnThisThread(bootstrap, task);
    const perTopic = Object.entries(report.acknowledged).sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t} ${n}`).join(', ') || 'none';
    const seconds = report.elapsedMs / 1000;
    const malformed = Object.values(report.malformed).reduce((sum, n) => sum + n, 0);
    const bad = badRatio > 0 ? `; ${malformed} of them malformed on purpose (${Object.entries(report.malformed).map(([kind, n]) => `${kind} ${n}`).join(', ')})` : '';
    out(`generated ${report.total} events acknowledged by Kafka (${perTopic}) in ${seconds.toFixed(1)} s, ${Math.round(report.total / Math.max(seconds, 0.001))} events/s, seed ${seed}${bad}\n`);
    return 0;
  },
});

async function generateOnThisThread(bootstrap: string, task: Omit<GenerateOptions, 'sink'>): Promise<GenerateReport> {
  const producer = createProducer({ bootstrap, clientId: 'kch-generator', log: task.log });
  try {
    return await generate({ ...task, sink: producer });
  } finally {
    await producer.close();
  }
}
