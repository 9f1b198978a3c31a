import type { ServerFeatures } from './features.js';
import type { Column, CreateDistributed, CreateKafkaTable, CreateMaterializedView, CreateMergeTree, CreateNullTable, CreateView, SelectItem, Statement } from './plan.js';
import { literal } from './quote.js';

/** Pure SQL rendering of planned statements. Idempotent by construction (IF NOT EXISTS). */
export function render(statement: Statement): string {
  switch (statement.kind) {
    case 'create-database':
      return `CREATE DATABASE IF NOT EXISTS ${statement.database}${on(statement.onCluster)}`;
    case 'create-merge-tree':
      return renderMergeTree(statement);
    case 'create-distributed':
      return renderDistributed(statement);
    case 'create-kafka-table':
      return renderKafkaTable(statement);
    case 'create-null-table':
      return renderNullTable(statement);
    case 'create-materialized-view':
      return renderView(statement);
    case 'create-view':
      return renderPlainView(statement);
  }
}

/** ` ON CLUSTER <name>` after the object's name, or nothing. */
export function on(cluster: string | undefined): string {
  return cluster === undefined ? '' : ` ON CLUSTER ${cluster}`;
}

/** LIMIT BY (every version from 18.16) keeps one row per key without sorting the table. */
function renderPlainView(s: CreateView): string {
  return `CREATE VIEW IF NOT EXISTS ${s.database}.${s.view}${on(s.onCluster)} AS\nSELECT *\nFROM ${s.database}.${s.from}\nLIMIT 1 BY ${s.distinctBy}`;
}

/** rand(): a cluster of one shard has one place for each row; with more, rows spread evenly. */
function renderDistributed(s: CreateDistributed): string {
  return `CREATE TABLE IF NOT EXISTS ${s.database}.${s.table}${on(s.cluster)} AS ${s.database}.${s.local}\nENGINE = Distributed(${s.cluster}, ${s.database}, ${s.local}, rand())`;
}

function columnList(columns: readonly Column[]): string {
  return columns.map((c) => `    ${c.name} ${c.type}${c.default === undefined ? '' : ` DEFAULT ${c.default}`}`).join(',\n');
}

function renderMergeTree(s: CreateMergeTree): string {
  const projections = (s.projections ?? []).map((p) => `,\n    PROJECTION ${p.name} (${p.select})`).join('');
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${s.database}.${s.table}${on(s.onCluster)}\n(\n${columnList(s.columns)}${projections}\n)`,
    `ENGINE = ${s.replicated ? 'Replicated' : ''}${s.replacing ? 'Replacing' : ''}MergeTree(${[
      ...(s.replicated ? [literal(s.replicated.path), literal(s.replicated.replica)] : []),
      ...(s.replacing ? [s.replacing, ...(s.isDeleted ? [s.isDeleted] : [])] : []),
    ].join(', ')})`,
  ];
  if (s.partitionBy) lines.push(`PARTITION BY ${s.partitionBy}`);
  lines.push(`ORDER BY (${s.orderBy.join(', ')})`);
  if (s.ttl) lines.push(`TTL ${s.ttl}`);
  if (s.settings) lines.push(`SETTINGS ${Object.entries(s.settings).map(([k, v]) => `${k} = ${v}`).join(', ')}`);
  return lines.join('\n');
}

function settingValue(value: string | number): string {
  return typeof value === 'number' ? String(value) : literal(value);
}

function renderKafkaTable(s: CreateKafkaTable): string {
  const settings = Object.entries(s.settings).map(([k, v]) => `    ${k} = ${settingValue(v)}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${s.database}.${s.table}${on(s.onCluster)}\n(\n${columnList(s.columns)}\n)\nENGINE = Kafka()\nSETTINGS\n${settings}`;
}

function renderNullTable(s: CreateNullTable): string {
  return `CREATE TABLE IF NOT EXISTS ${s.database}.${s.table}${on(s.onCluster)}\n(\n${columnList(s.columns)}\n)\nENGINE = Null`;
}

function renderView(s: CreateMaterializedView): string {
  const items = (list: readonly SelectItem[], indent: string): string =>
    list.map((item) => `${indent}${item.expression === item.alias ? item.alias : `${item.expression} AS ${item.alias}`}`).join(',\n');
  const head = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s.database}.${s.view}${on(s.onCluster)} TO ${s.database}.${s.to} AS`;
  const settings = s.settings ? [`SETTINGS ${Object.entries(s.settings).map(([k, v]) => `${k} = ${settingValue(v)}`).join(', ')}`] : [];
  if (s.inner.length === 0) {
    const lines = [head, 'SELECT', items(s.select, '    '), `FROM ${s.database}.${s.from}`];
    if (s.where) lines.push(`WHERE ${s.where}`);
    return [...lines, ...settings].join('\n');
  }
  const inner = [
    '    SELECT',
    items(s.inner, '        '),
    `    FROM ${s.database}.${s.from}`,
    ...(s.where ? [`    WHERE ${s.where}`] : []),
  ];
  // Middle levels: columns worked out from the ones below (see CreateMaterializedView.middle).
  let from = inner;
  for (const level of s.middle ?? []) from = ['    SELECT', '        *,', items(level, '        '), '    FROM', '    (', ...from.flatMap((lines) => lines.split('\n')).map((line) => `    ${line}`), '    )'];
  return [head, 'SELECT', items(s.select, '    '), 'FROM', '(', ...from, ')', ...settings].join('\n');
}

/** Name of the object a statement creates, for messages. */
export function objectName(statement: Statement): string {
  switch (statement.kind) {
    case 'create-database': return statement.database;
    case 'create-merge-tree': return `${statement.database}.${statement.table}`;
    case 'create-distributed': return `${statement.database}.${statement.table}`;
    case 'create-kafka-table': return `${statement.database}.${statement.table}`;
    case 'create-null-table': return `${statement.database}.${statement.table}`;
    case 'create-materialized-view': return `${statement.database}.${statement.view}`;
    case 'create-view': return `${statement.database}.${statement.view}`;
  }
}

/**
 * A Null-engine table with the Kafka table's name and columns, virtual ones as plain columns: the
 * views can be created on it before anything consumes, then it makes way for the Kafka table.
 */
export function renderStandIn(kafka: CreateKafkaTable, features: ServerFeatures): string {
  const virtual: Column[] = [];
  if (features.kafkaErrorStream) virtual.push({ name: '_error', type: 'String' }, { name: '_raw_message', type: 'String' });
  if (features.kafkaVirtualColumns) {
    virtual.push({ name: '_topic', type: features.lowCardinality ? 'LowCardinality(String)' : 'String' }, { name: '_partition', type: 'UInt64' }, { name: '_offset', type: 'UInt64' });
  }
  if (features.kafkaTimestamp) virtual.push({ name: '_timestamp', type: 'Nullable(DateTime)' });
  const columns = [...kafka.columns, ...virtual].map((c) => `    ${c.name} ${c.type}`).join(',\n');
  return `CREATE TABLE ${kafka.database}.${kafka.table}${on(kafka.onCluster)}\n(\n${columns}\n)\nENGINE = Null`;
}

/** Drops the stand-in (see `renderStandIn`), on every server of a cluster. */
export function renderDropStandIn(kafka: CreateKafkaTable): string {
  return `DROP TABLE ${kafka.database}.${kafka.table}${on(kafka.onCluster)}`;
}
