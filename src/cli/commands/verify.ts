import { flags, options } from '../../config/options.js';
import { kafkaSecurityFrom, kafkaSecurityOptions, useKafkaSecurity } from '../../kafka/security.js';
import { exitCodeOf, renderReport } from '../../verify/report.js';
import { loadPipelineConfig } from '../../config/pipeline-file.js';
import { ErrorCodes, KchError, isKchError } from '../../errors/kch-error.js';
import { streamNamed } from '../../ops/context.js';
import { verifiableId } from '../../verify/tag.js';
import { runVerify } from '../../verify/run.js';
import { defineCommand } from '../shared/command.js';
import type { ResolvedOptions } from '../../config/resolve.js';
import type { Logger } from '../../output/log.js';
import { kchConnectors, streamTopic } from '../../cdc/connector.js';
import { ConnectClient } from '../../connect/rest.js';
import { resolveStream, topicOf } from '../../pipeline/resolve.js';
import { parseSourceUrl, parseTableName } from '../../postgres/url.js';
import { renderAgainst, verifyAgainst } from '../../verify/against.js';
import { clickhouseFrom, clickhouseOptions, connectionFrom, pipelineTargetFrom } from '../shared/connections.js';

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'Prove that no event is lost: produce tagged events, find each in ClickHouse, report loss, duplicates, dead letters and freshness',
  details: [
    'With --against <postgresql://…> --table <schema.table> [--stream NAME]: compares a change stream\'s',
    'live rows (SELECT … FROM <target> FINAL) with its source table instead, each value in one canonical',
    'text on both sides (numbers exact, times in UTC microseconds, JSON normalized, NULL apart), row',
    'counts and a hash of every row, after waiting (up to --timeout) for the pipeline to reach the',
    'source\'s log position (docs/guarantees.md). Prints the first missing, extra and different keys;',
    'exit code 0 only when the two are equal. The password: PGPASSWORD.',
    'Without --against:',
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
    flags.verifyAgainst, flags.sourceTable, flags.verifyStream, options.sourcePassword, options.connectUrl,
  ],
  async run({ options: resolved, log, signal, out }) {
    if (resolved.string(flags.verifyAgainst) !== undefined) return verifyAgainstCommand(resolved, log, signal, out);
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

/** kch verify --against: a change stream's live rows against its source table (src/verify/against.ts). */
async function verifyAgainstCommand(resolved: ResolvedOptions, log: Logger, signal: AbortSignal, out: (text: string) => void): Promise<number> {
  if (resolved.positionals.length > 0) throw new KchError(ErrorCodes.USAGE, 'with --against, name the stream with --stream, not as an argument');
  const source = parseSourceUrl(resolved.requireString(flags.verifyAgainst), resolved.string(options.sourcePassword));
  const tableText = resolved.string(flags.sourceTable);
  if (!tableText) throw new KchError(ErrorCodes.USAGE, 'with --against, name the table: --table schema.table');
  const { schema, table } = parseTableName(tableText);
  const target = pipelineTargetFrom(resolved);
  const { streams } = await loadPipelineConfig(resolved, log);
  const named = resolved.string(flags.verifyStream);
  const topic = `${target.topicPrefix}${streamTopic(source.database, schema, table)}`;
  const stream = named !== undefined ? streamNamed(named, streams) : streams.find((s) => s.changes !== undefined && topicOf(s, target) === topic);
  if (!stream) throw new KchError(ErrorCodes.USAGE, `no stream reads topic ${topic} (the one kch cdc add makes for ${schema}.${table}): name it with --stream`);
  const objects = resolveStream(stream, target);
  // The connector's slot tells how far it read the source; without Connect the wait has one step less.
  const connect = new ConnectClient(resolved.requireString(options.connectUrl));
  const slot = await kchConnectors(connect).then(
    (found) => found.find((c) => c.stream === stream.name)?.config['slot.name'],
    (error: unknown) => {
      log.warn(`Kafka Connect at ${connect.url} does not answer (${isKchError(error) ? error.message : String(error)}): the connector's position is not waited for`);
      return undefined;
    },
  );
  const client = clickhouseFrom(resolved, 'default');
  try {
    const report = await verifyAgainst({
      source, schema, table, objects, client, slot, log, signal,
      bootstrap: resolved.requireString(options.kafkaBrokers),
      timeoutMs: resolved.duration(options.verifyTimeout) ?? 120_000,
    });
    out(resolved.boolean(flags.verifyJson) ? `${JSON.stringify(report)}\n` : renderAgainst(report));
    return report.equal ? 0 : 1;
  } finally {
    await client.close();
  }
}
