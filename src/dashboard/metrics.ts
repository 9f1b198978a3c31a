/**
 * `/metrics`: the pipeline's health in Prometheus' text exposition format (version 0.0.4).
 * Every metric is declared once below, with its help text; rendering is pure, so a test can
 * compare the exact text. A service the dashboard cannot reach shows as `kch_service_up 0` and
 * its metrics are left out — never reported as zeros, which would read as "all caught up". A
 * ClickHouse that answers without the pipeline's database is up, with `kch_database_exists 0`.
 */
import { deadLetterProblem } from '../health/judge.js';
import type { PipelineHealth, StreamTable } from '../health/wire.js';

export const metricDefinitions = {
  serviceUp: { name: 'kch_service_up', type: 'gauge', help: 'Whether the dashboard could reach the service at the last scrape (1) or not (0).' },
  databaseExists: { name: 'kch_database_exists', type: 'gauge', help: 'Whether the pipeline\'s database exists in ClickHouse (1) or not (0: kch migrate creates it); absent while ClickHouse does not answer.' },
  kafkaMessages: { name: 'kch_stream_kafka_messages', type: 'gauge', help: 'Messages written to the stream\'s topic: its log-end offsets summed over partitions.' },
  kafkaEndOffset: { name: 'kch_stream_kafka_end_offset', type: 'gauge', help: 'Log-end offset of one partition of the stream\'s topic.' },
  kafkaCommitted: { name: 'kch_stream_kafka_committed_offset', type: 'gauge', help: 'Offset the ClickHouse consumer group committed on one partition (absent before its first commit).' },
  consumerLag: { name: 'kch_stream_consumer_lag', type: 'gauge', help: 'Messages of one partition not yet committed by the ClickHouse consumer group (log-end minus committed offset).' },
  tableRows: { name: 'kch_stream_rows', type: 'gauge', help: 'Rows in the stream\'s target table.' },
  deadLetters: { name: 'kch_stream_dead_letters', type: 'gauge', help: 'Rows in the stream\'s dead-letter table: messages that failed to parse or validate.' },
  ingestRate: { name: 'kch_stream_ingest_rows_per_second', type: 'gauge', help: 'Rows that reached the target table over the last minute (by processing_time), per second.' },
  ingest: { name: 'kch_stream_ingest', type: 'gauge', help: 'Always 1: how the stream\'s messages reach ClickHouse, in the label ingest (engine: its Kafka table; sink: kch sink, exactly once).' },
  freshness: { name: 'kch_stream_freshness_seconds', type: 'gauge', help: 'Age of the newest row in the target table: now minus when it landed (processing_time), by the ClickHouse server\'s clock.' },
  recentMessages: { name: 'kch_stream_recent_messages', type: 'gauge', help: 'Messages that reached the stream\'s tables over the last window_seconds (rows by processing_time, dead letters by seen_at).' },
  recentDeadLetters: { name: 'kch_stream_recent_dead_letters', type: 'gauge', help: 'Of those, the dead letters.' },
  mostlyDeadLetters: { name: 'kch_stream_mostly_dead_letters', type: 'gauge', help: 'Whether most of those messages are dead letters (1), kch status\'s reason to call the stream unhealthy, or not (0).' },
  replicaUp: { name: 'kch_replica_up', type: 'gauge', help: 'Whether a server of the ClickHouse cluster answered at the last scrape (1) or not (0); clusters only (--cluster).' },
  replicaRows: { name: 'kch_replica_rows', type: 'gauge', help: 'Rows of the stream\'s target held by one server of the cluster (its local table).' },
  replicaDeadLetters: { name: 'kch_replica_dead_letters', type: 'gauge', help: 'Rows of the stream\'s dead-letter table held by one server of the cluster (its local table).' },
  replicaLag: { name: 'kch_replica_lag', type: 'gauge', help: 'Messages waiting in the partitions one server of the cluster consumes (where it or Kafka tells which).' },
} as const;

type MetricKey = keyof typeof metricDefinitions;
type Labels = Readonly<Record<string, string | number>>;

interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** The exposition of what /api/pipeline answers (src/health/json.ts, `pipelineJson`). */
export function renderMetrics(health: PipelineHealth): string {
  const samples = new Map<MetricKey, Sample[]>(Object.keys(metricDefinitions).map((k) => [k as MetricKey, []]));
  const add = (key: MetricKey, labels: Labels, value: number): void => { samples.get(key)!.push({ labels, value }); };

  add('serviceUp', { service: 'clickhouse' }, health.services.clickhouse.up ? 1 : 0);
  add('serviceUp', { service: 'kafka' }, health.services.kafka.up ? 1 : 0);
  if (health.database_exists !== null) add('databaseExists', { database: health.database }, health.database_exists ? 1 : 0);
  for (const stream of health.streams) {
    add('ingest', { stream: stream.name, ingest: stream.ingest }, 1);
    if (stream.kafka) {
      add('kafkaMessages', { stream: stream.name, topic: stream.topic }, stream.kafka.messages);
      for (const p of stream.kafka.partitions) {
        const labels = { stream: stream.name, topic: stream.topic, partition: p.partition };
        add('kafkaEndOffset', labels, p.end_offset);
        if (p.committed !== null) add('kafkaCommitted', { ...labels, group: stream.group }, p.committed);
        add('consumerLag', { ...labels, group: stream.group }, p.lag);
      }
    }
    const table = stream.clickhouse;
    if (table?.exists) {
      add('tableRows', { stream: stream.name, table: stream.table }, table.rows);
      if (table.dead_letters !== null) add('deadLetters', { stream: stream.name, table: stream.dead_letter_table }, table.dead_letters);
      add('ingestRate', { stream: stream.name, table: stream.table }, table.rows_per_second);
      if (table.freshness_seconds !== null) add('freshness', { stream: stream.name, table: stream.table }, table.freshness_seconds);
      const window = { stream: stream.name, window_seconds: table.recent.window_seconds };
      add('recentMessages', window, table.recent.rows + table.recent.dead_letters);
      add('recentDeadLetters', window, table.recent.dead_letters);
      add('mostlyDeadLetters', { stream: stream.name }, deadLetterProblem(stream.name, recentOf(table)) === null ? 0 : 1);
    }
  }
  for (const replica of health.replicas ?? []) {
    const labels = { cluster: health.cluster ?? '', replica: replica.host, shard: replica.shard };
    add('replicaUp', labels, replica.up ? 1 : 0);
    for (const held of replica.up ? replica.streams : []) {
      add('replicaRows', { ...labels, stream: held.name }, held.rows);
      add('replicaDeadLetters', { ...labels, stream: held.name }, held.dead_letters);
      if (held.lag !== null) add('replicaLag', { ...labels, stream: held.name }, held.lag);
    }
  }

  const lines: string[] = [];
  for (const [key, definition] of Object.entries(metricDefinitions) as [MetricKey, (typeof metricDefinitions)[MetricKey]][]) {
    lines.push(`# HELP ${definition.name} ${escapeHelp(definition.help)}`, `# TYPE ${definition.name} ${definition.type}`);
    for (const sample of samples.get(key)!) lines.push(`${definition.name}${renderLabels(sample.labels)} ${renderValue(sample.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A table's recent arrivals in `deadLetterProblem`'s terms. */
function recentOf(table: StreamTable): { rows: number; deadLetters: number; newestError: string | null } {
  return { rows: table.recent.rows, deadLetters: table.recent.dead_letters, newestError: table.recent.newest_error };
}

function renderLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(String(value))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Label values escape backslash, double quote and line feed; help text only backslash and line feed. */
export function escapeLabel(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
