import { options } from '../../config/options.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { ErrorCodes, KchError } from '../../errors/kch-error.js';
import { waitForKafka } from '../../kafka/admin.js';
import { ingestOf } from '../../pipeline/plan.js';
import { StreamSink } from '../../sink/stream-sink.js';
import { defineCommand } from '../shared/command.js';
import { clickhouseOptions, connectFrom, pipelineTargetFrom } from '../shared/connections.js';
import { stopWhenSupervisorGone } from '../../host/supervisor.js';

/** `kch sink`: the exactly-once transport of the streams whose ingest is `sink`, until Ctrl-C / SIGTERM. */
export const sinkCommand = defineCommand({
  name: 'sink',
  summary: 'Move the messages of streams with --ingest sink into ClickHouse, exactly once',
  details: [
    'For each stream whose ingest is sink (its own `ingest`, else --ingest / KCH_INGEST), joins the stream\'s',
    'consumer group (the Kafka table\'s: either transport goes on from the other\'s committed offsets) and',
    'inserts each partition\'s messages into the stream\'s input table, where the same decoding views as',
    'the Kafka engine\'s split them into the target and the dead letters. Each insert carries a token',
    'naming its partition and offset range, recorded before it is sent: after a crash, a restart or a',
    'rebalance the batch is formed again to that range and ClickHouse drops what it already has, in both',
    'tables (docs/guarantees.md). Several instances share a stream\'s partitions through the group.',
    'Run kch migrate with the same --ingest first: it makes the input tables.',
  ].join('\n'),
  options: [options.config, ...clickhouseOptions, options.kafkaBrokers, options.topicPrefix, options.flushInterval, options.ingest],
  async run({ options: resolved, log, signal, out }) {
    stopWhenSupervisorGone(log, signal);
    const target = pipelineTargetFrom(resolved);
    const bootstrap = resolved.requireString(options.kafkaBrokers);
    const { streams: all } = await loadPipelineConfig(resolved, log);
    const streams = all.filter((stream) => ingestOf(stream, target) === 'sink');
    if (streams.length === 0) {
      throw new KchError(ErrorCodes.USAGE, `no stream has ingest sink (${all.map((s) => `${s.name}: ${ingestOf(s, target)}`).join(', ')}): give --ingest sink, or ingest: 'sink' in a stream's definition`);
    }
    // Started beside ClickHouse and Kafka (kch up, Compose), it gives each as long to answer.
    const { client: clickhouse, features } = await connectFrom(resolved, { waitMs: 60_000, signal }, target.database);
    try {
      await waitForKafka(bootstrap, { timeoutMs: 60_000, signal });
      const sinks = streams.map((stream) => new StreamSink({ stream, target, features, bootstrap, clickhouse, log }));
      const running = sinks.map((sink) => sink.run());
      out(`sink running for ${streams.map((s) => s.name).join(', ')} (Kafka ${bootstrap}, ClickHouse ${resolved.requireString(options.clickhouseUrl)}, database ${target.database})\n`);
      let previous = 0;
      const progress = setInterval(() => {
        const inserted = sinks.reduce((sum, s) => sum + s.counters.inserted, 0);
        if (inserted !== previous) log.info(`inserted ${inserted} messages (${Math.round((inserted - previous) / 10)}/s over the last 10 s)`);
        previous = inserted;
      }, 10_000);
      progress.unref();
      if (!signal.aborted) await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
      clearInterval(progress);
      await Promise.all(sinks.map((sink) => sink.stop()));
      await Promise.all(running);
      log.info(`sink stopped after inserting ${sinks.reduce((sum, s) => sum + s.counters.inserted, 0)} messages`);
      return 0;
    } finally {
      await clickhouse.close();
    }
  },
});
