/**
 * The Debezium connectors `kch cdc` makes: one per captured table, named `kch-<stream>`, marked
 * with `kch.stream` and `kch.table` in their config so that `kch cdc list`, `kch status` and
 * `kch verify --against` tell them from connectors of anyone else's. Their values are lean JSON
 * (no schema in each message) in the forms the stream's fields read (fields.ts).
 */
import { createHash } from 'node:crypto';
import type { ConnectClient, ConnectorConfig, ConnectorStatus } from '../connect/rest.js';
import type { SourceDatabase } from '../postgres/url.js';

/** The marks in a kch connector's config. */
export const STREAM_KEY = 'kch.stream';
export const TABLE_KEY = 'kch.table';

export function connectorName(stream: string): string {
  return `kch-${stream}`;
}

/**
 * The topic Debezium writes the table's changes to is `<topic.prefix>.<schema>.<table>`; kch's
 * prefix is the pipeline's --topic-prefix and the database's name, so that the stream's topic
 * (before the pipeline's prefix) is `<database>.<schema>.<table>`.
 */
export function streamTopic(database: string, schema: string, table: string): string {
  return `${topicPart(database)}.${schema}.${table}`;
}

/** Debezium's topic.prefix takes letters, digits, `.`, `_` and `-` only. */
function topicPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The replication slot's (and publication's) name: `kch_<topic prefix>_<stream>`, lower case,
 * letters, digits and `_` only, at most 63 bytes (a long one keeps a hash of the whole).
 */
export function slotName(topicPrefix: string, stream: string): string {
  const name = `kch_${topicPrefix}${topicPrefix && !topicPrefix.endsWith('_') ? '_' : ''}${stream}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** A name matched literally inside Debezium's include and exclude lists (regular expressions). */
function literally(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface ConnectorSpec {
  readonly stream: string;
  readonly source: SourceDatabase;
  readonly schema: string;
  readonly table: string;
  /** The pipeline's --topic-prefix. */
  readonly topicPrefix: string;
  /** Columns the stream has no field for: the connector leaves them out of its messages. */
  readonly excludedColumns?: readonly string[];
}

/** The connector's config: Connect stores it (the password with it) in its config topic. */
export function connectorConfig(spec: ConnectorSpec): Record<string, string> {
  const { source } = spec;
  const slot = slotName(spec.topicPrefix, spec.stream);
  const excluded = spec.excludedColumns ?? [];
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': source.host,
    'database.port': String(source.port),
    'database.user': source.user,
    ...(source.password === undefined ? {} : { 'database.password': source.password }),
    'database.dbname': source.database,
    ...(source.sslmode === 'require' ? { 'database.sslmode': 'require' } : {}),
    'topic.prefix': `${spec.topicPrefix}${topicPart(source.database)}`,
    'table.include.list': `${literally(spec.schema)}\\.${literally(spec.table)}`,
    ...(excluded.length > 0 ? { 'column.exclude.list': excluded.map((c) => `${literally(spec.schema)}\\.${literally(spec.table)}\\.${literally(c)}`).join(',') } : {}),
    'slot.name': slot,
    'publication.name': slot,
    // A publication of this one table, made by the connector (it needs to own the table, or be a superuser).
    'publication.autocreate.mode': 'filtered',
    // The rows there are first, then every change.
    'snapshot.mode': 'initial',
    // Exact forms today's fields read (src/cdc/fields.ts).
    'decimal.handling.mode': 'string',
    'time.precision.mode': 'isostring',
    // The row alone in each message: the worker's default adds the schema to every one.
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    [STREAM_KEY]: spec.stream,
    [TABLE_KEY]: `${spec.schema}.${spec.table}`,
  };
}

/** The config with its password hidden, for --dry-run and messages. */
export function shownConfig(config: ConnectorConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, /password/i.test(key) ? '***' : value]));
}

export interface KchConnector {
  readonly name: string;
  readonly stream: string;
  /** schema.table */
  readonly table: string;
  readonly config: Readonly<Record<string, string>>;
  /** Undefined when the worker does not know it (deleted meanwhile). */
  readonly status: ConnectorStatus | undefined;
}

/** Every connector kch made on this worker (marked with kch.stream), with its status, by name. */
export async function kchConnectors(client: ConnectClient): Promise<KchConnector[]> {
  const found: KchConnector[] = [];
  for (const name of await client.list()) {
    const config = await client.config(name);
    const stream = config?.[STREAM_KEY];
    if (!config || stream === undefined) continue;
    found.push({ name, stream, table: config[TABLE_KEY] ?? config['table.include.list'] ?? '', config, status: await client.status(name) });
  }
  return found;
}

/** A connector's state and its tasks' in a few words: `RUNNING`, `RUNNING (task 0 FAILED)`. */
export function stateOf(status: ConnectorStatus | undefined): string {
  if (!status) return 'GONE';
  const tasks = status.tasks.filter((t) => t.state !== status.connector.state).map((t) => `task ${t.id} ${t.state}`);
  if (status.tasks.length === 0 && status.connector.state === 'RUNNING') tasks.push('no task yet');
  return `${status.connector.state}${tasks.length ? ` (${tasks.join(', ')})` : ''}`;
}

/** Whether the connector or one of its tasks FAILED. */
export function failed(status: ConnectorStatus | undefined): boolean {
  return status !== undefined && [status.connector, ...status.tasks].some((s) => s.state === 'FAILED');
}
