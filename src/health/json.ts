/**
 * The health model written out, the one way for each reader: the dashboard's API and /metrics
 * read `pipelineJson` (the API's snake_case, src/health/wire.ts), `kch status --json` prints
 * `statusJson` (the report's own camelCase, as it always has).
 */
import type { PartitionStatus, PipelineHealth, StatusReport, StreamKafka, StreamTable } from './model.js';
import type * as Wire from './wire.js';

/** The report as `kch status --json` prints it: pretty, or one line per look (--watch). */
export function statusJson(report: StatusReport, oneLine: boolean): string {
  return `${JSON.stringify(report, null, oneLine ? undefined : 2)}\n`;
}

export function pipelineJson(health: PipelineHealth): Wire.PipelineHealth {
  return {
    checked_at: health.checkedAt,
    database: health.database,
    topic_prefix: health.topicPrefix,
    window_minutes: health.windowMinutes,
    services: health.services,
    database_exists: health.databaseExists,
    streams: health.streams.map((s) => ({
      name: s.name,
      topic: s.topic,
      group: s.group,
      ingest: s.ingest,
      table: s.table,
      dead_letter_table: s.deadLetterTable,
      kafka: s.kafka && kafkaJson(s.kafka),
      clickhouse: s.clickhouse && (s.clickhouse.exists ? tableJson(s.clickhouse) : { exists: false }),
      problems: s.problems,
    })),
    cluster: health.cluster,
    replicas: health.replicas && health.replicas.map((r) => ({
      host: r.host,
      shard: r.shard,
      up: r.up,
      error: r.error,
      streams: r.streams.map((held) => ({ name: held.name, rows: held.rows, dead_letters: held.deadLetters, partitions: held.partitions, lag: held.lag })),
    })),
  };
}

export function kafkaJson(kafka: StreamKafka): Wire.StreamKafka {
  return { messages: kafka.messages, lag: kafka.lag, partitions: kafka.partitions.map(partitionJson) };
}

function partitionJson(p: PartitionStatus): Wire.PartitionLag {
  return { partition: p.partition, end_offset: p.end, committed: p.committed, lag: p.lag, committed_ahead: p.committedAhead };
}

function tableJson(t: StreamTable): Wire.StreamTable {
  return {
    exists: true,
    rows: t.rows,
    dead_letters: t.deadLetters,
    newest_row_at: t.newestRowAt,
    freshness_seconds: t.freshnessSeconds,
    rows_per_second: t.rowsPerSecond,
    ingest: t.ingest,
    recent: { window_seconds: t.recent.windowSeconds, rows: t.recent.rows, dead_letters: t.recent.deadLetters, newest_error: t.recent.newestError },
  };
}
