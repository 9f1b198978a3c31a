import { flags, options } from '../../config/options.js';
import { kafkaSecurityFrom, kafkaSecurityOptions, useKafkaSecurity } from '../../kafka/security.js';
import { exitCodeOf, renderReport } from '../../verify/report.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { ErrorCodes, KchError, isKchError } from '../../errors/kch-error.js';
import { streamNamed } from '../../ops/context.js';
import { verifiableId } from '../../verify/tag.js';
import { runVerify } from '../../verify/run.js';
import { defineCommand } from '../shared/command.js';
import { clickhouseOptions, connectionFrom, pipelineTargetFrom } from '../shared/connections.js';

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'Prove that no event is lost: produce tagged events, find each in ClickHouse, report loss, duplicates, dead letters and freshness',
  details: [
    'Produces --count events with ids of its own (a UUIDv8 namespace: <run>-6b63-8000-8000-<sequence>),',
    'so it counts only its events and leaves every other row alone. It waits, up to --timeout after the',
    'last acknowledgement, until each acknowledged event is in a target table or a dead-letter table, then',
    'reports: sent, acknowledged by Kafka, present in ClickHouse, lost, duplicated, in dead letters, and',
    'freshness (p50/p95/p99 from handing an event to the producer to its row in ClickHouse).',
    'Exit code 1 when an acknowledged event is missing. Kafka or ClickHouse may restart meanwhile.',
    'Every stream with an id field (a uuid, or text that can hold one) takes part, or those named.',
  ].join('\n'),
  args: '[stream...]',
  allowPositionals: true,
  options: [
    options.config,
    ...clickhouseOptions, options.clickhouseCaFile, options.clickhouseCluster, options.kafkaBrokers, ...kafkaSecurityOptions, options.topicPrefix,
    options.verifyCount, options.verifyRate, options.verifyTimeout, options.verifyBadRatio, flags.verifyJson,
  ],
  async run({ options: resolved, log, signal, out }) {
    // Flags win over the environment for this process's clients (producer, admin; ClickHouse's
    // CA file through connectionFrom).
    useKafkaSecurity(kafkaSecurityFrom(resolved));
    const target = pipelineTargetFrom(resolved);
    const count = resolved.bounded(options.verifyCount) ?? 100_000;
    const rateText = (resolved.string(options.verifyRate) ?? '2000').trim().toLowerCase();
    const rate = rateText === 'max' ? undefined : Number(rateText);
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
      throw new KchError(ErrorCodes.USAGE, `--rate (VERIFY_RATE) must be a positive number of events per second or "max", got ${JSON.stringify(rateText)}`);
    }
    const badRatio = resolved.bounded(options.verifyBadRatio) ?? 0;
    const timeoutMs = resolved.duration(options.verifyTimeout) ?? 120_000;
    const { streams: all } = await loadPipelineConfig(resolved, log);
    // Named streams must be verifiable; unnamed, the ones that cannot be are left out, saying why.
    const streams = resolved.positionals.length > 0
      ? resolved.positionals.map((name) => streamNamed(name, all))
      : all.filter((stream) => {
        try {
          verifiableId(stream);
          return true;
        } catch (error) {
          if (!isKchError(error)) throw error;
          log.warn(`not verifying ${stream.name}: ${error.message}`);
          return false;
        }
      });
    if (streams.length === 0) throw new KchError(ErrorCodes.CONFIG, 'no stream can be verified: each needs an id field (see the warnings above)');
    const report = await runVerify({
      bootstrap: resolved.requireString(options.kafkaBrokers),
      // Every query names its database: the session's stays 'default', which always exists.
      clickhouse: connectionFrom(resolved, 'default'),
      database: target.database,
      topicPrefix: target.topicPrefix,
      streams, count, rate, timeoutMs, badRatio, log, signal,
    });
    out(resolved.boolean(flags.verifyJson) ? `${JSON.stringify(report)}\n` : renderReport(report));
    return exitCodeOf(report);
  },
});
