import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { columnField, isUnsupported, type ColumnField, type UnsupportedColumn } from '../../cdc/fields.js';
import { connectorConfig, connectorName, kchConnectors, shownConfig, slotName, stateOf, STREAM_KEY, streamTopic, TABLE_KEY } from '../../cdc/connector.js';
import { capturedStreamSource } from '../../cdc/source.js';
import { releaseSlot, sourceOfConfig } from '../../cdc/slot.js';
import { run } from '../../clickhouse/query.js';
import { flags, options } from '../../config/options.js';
import { configNames, findConfig, loadPipelineConfig, loadPipelineFile } from '../../config/pipeline-file.js';
import { ConnectClient } from '../../connect/rest.js';
import { ErrorCodes, KchError, isKchError, messageOf } from '../../errors/kch-error.js';
import { MARKER, pipelineFileWith, variableOf, withoutStreamBlock, withStreamBlock } from '../../init/source.js';
import { committedOffsets, listEndOffsets } from '../../kafka/admin.js';
import { partitionLag } from '../../kafka/lag.js';
import { planPipeline } from '../../pipeline/plan.js';
import { resolveStream } from '../../pipeline/resolve.js';
import { captureProblems, readTable, type SourceTable } from '../../postgres/catalog.js';
import { connectSource } from '../../postgres/client.js';
import { parseSourceUrl, parseTableName, type SourceDatabase } from '../../postgres/url.js';
import { defineCommand, type CommandContext } from '../shared/command.js';
import { pipelineTargetFrom } from '../shared/connections.js';
import { withOps } from '../shared/ops.js';
import { migrateOptions, migratePipeline } from './migrate.js';

/** Exit codes of cdc add's own refusals (2 is any usage mistake, 1 any other failure), as kch init's. */
export const cdcExit = { exists: 6 } as const;

export const cdcCommand = defineCommand({
  name: 'cdc',
  summary: 'Capture a PostgreSQL table\'s changes into an upsert stream (cdc add), list them (cdc list), stop one (cdc remove)',
  args: 'add <postgresql://user@host:port/database> --table <schema.table> | list | remove <stream>',
  details: [
    'kch cdc add reads the table\'s catalog (columns, types, nullability, primary key), writes an upsert',
    'stream for it into kch.config.ts (creating the file if there is none; the stream and its table take',
    'the table\'s name without its schema, or --name), migrates as kch migrate does, then registers a',
    'Debezium connector kch-<stream> with Kafka Connect (--connect-url; kch connect or kch up --connect',
    'runs one): a snapshot of the rows there, then every change, into topic',
    '<topic-prefix><database>.<schema>.<table>. The table needs a primary key; the server wal_level =',
    'logical; the user REPLICATION. The password: in PGPASSWORD (the URL may hold it, but then it shows',
    'in ps); it is never printed nor written into kch.config.ts, but the connector\'s config holds it,',
    'and Connect keeps that in its config topic. Columns of a type kch has no field for are left out of',
    'the connector\'s messages, each said. --dry-run prints the stream, the connector\'s config and the steps.',
    'kch cdc list: the connectors kch made, their state and tasks\', their stream and its consumer lag.',
    'kch cdc remove <stream>: deletes the connector, then its replication slot and publication in',
    'PostgreSQL (a slot left behind keeps the server\'s WAL forever); the stream and its table stay unless',
    '--drop-stream. Exit codes: 0 done, 1 failed, 2 usage, 6 kch.config.ts is not kch\'s or has another stream of that name.',
  ].join('\n'),
  options: [...migrateOptions, options.connectUrl, options.sourceUrl, options.sourcePassword, flags.sourceTable, flags.cdcName, flags.cdcDryRun, flags.cdcDropStream, flags.cdcWait],
  allowPositionals: true,
  async run(context) {
    const [action, ...rest] = context.options.positionals;
    if (action === 'add') return add(context, rest);
    if (action === 'list') return list(context, rest);
    if (action === 'remove') return remove(context, rest);
    throw new KchError(ErrorCodes.USAGE, 'kch cdc add <postgresql://…> --table <schema.table>, kch cdc list, or kch cdc remove <stream>');
  },
});

function connectFrom(context: CommandContext): ConnectClient {
  return new ConnectClient(context.options.requireString(options.connectUrl));
}

/** Connect's first answer, or what to do when there is none. */
async function checkConnect(client: ConnectClient): Promise<void> {
  try {
    await client.info();
  } catch (error) {
    throw new KchError(ErrorCodes.CONNECT_REQUEST, `Kafka Connect does not answer at ${client.url} (${isKchError(error) ? error.message.replace(/^cannot reach Kafka Connect at \S+ \((.*)\)$/, '$1') : messageOf(error)}): start it with kch connect (or kch up --connect), or give --connect-url`, { cause: error });
  }
}

/** A table's name as a stream's: a plain SQL name. */
function plainName(table: string): string {
  return table.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
}

function noMoreThan(rest: readonly string[], count: number): void {
  if (rest.length > count) throw new KchError(ErrorCodes.USAGE, `unexpected argument "${rest[count]}"`);
}

/** Why the table cannot be a change stream, or the key the stream takes. */
function keyOf(table: SourceTable): readonly string[] {
  const name = `${table.schema}.${table.table}`;
  if (table.primaryKey.length === 0) {
    throw new KchError(ErrorCodes.SOURCE_DATABASE, `${name} has no primary key: a change stream keeps one row per key, and its deletes are named by it (Debezium's before holds the REPLICA IDENTITY's columns: by default the primary key). Add one: ALTER TABLE ${name} ADD PRIMARY KEY (…)`);
  }
  if (table.replicaIdentity === 'nothing' || table.replicaIdentity === 'index') {
    throw new KchError(ErrorCodes.SOURCE_DATABASE, `${name} has REPLICA IDENTITY ${table.replicaIdentity.toUpperCase()}: its deletes would not carry the primary key. ALTER TABLE ${name} REPLICA IDENTITY DEFAULT (or FULL)`);
  }
  return table.primaryKey;
}

async function add(context: CommandContext, rest: readonly string[]): Promise<number> {
  const { options: resolved, log, out } = context;
  noMoreThan(rest, 1);
  const urlText = rest[0] ?? resolved.string(options.sourceUrl);
  if (!urlText) throw new KchError(ErrorCodes.USAGE, 'name the database: kch cdc add postgresql://user@host:port/database --table schema.table (or KCH_SOURCE_URL), the password in PGPASSWORD');
  const source = parseSourceUrl(urlText, resolved.string(options.sourcePassword));
  const tableText = resolved.string(flags.sourceTable);
  if (!tableText) throw new KchError(ErrorCodes.USAGE, 'name the table: --table schema.table');
  const { schema, table } = parseTableName(tableText);
  const name = resolved.string(flags.cdcName) ?? plainName(table);
  const dryRun = resolved.boolean(flags.cdcDryRun);
  const waitMs = resolved.duration(flags.cdcWait) ?? 120_000;
  const target = pipelineTargetFrom(resolved);
  const topic = streamTopic(source.database, schema, table);

  // The pipeline file first: a refusal costs nothing to learn.
  const given = resolved.string(options.config);
  const file = given ? resolve(given) : findConfig() ?? resolve(configNames[0]);
  const shownFile = relative(process.cwd(), file) || file;
  const existing = existsSync(file) ? await readFile(file, 'utf8') : undefined;
  let kept = false;
  if (existing !== undefined) {
    const streams = (await loadPipelineFile(file, log)).streams;
    const same = streams.find((s) => s.name === name);
    if (same && same.topic !== topic) {
      out(`${shownFile} already has a stream ${name} (of topic ${same.topic}): give another --name\n`);
      return cdcExit.exists;
    }
    // Run again (a connector that did not start, say): the stream kch wrote stays as it is.
    kept = same !== undefined;
  }

  const pg = await connectSource(source, { timeoutMs: Math.min(waitMs, 10_000) });
  let catalog: SourceTable;
  let problems: string[];
  try {
    catalog = await readTable(pg, schema, table);
    problems = await captureProblems(pg);
  } finally {
    await pg.close();
  }
  const key = keyOf(catalog);
  const mapped = catalog.columns.map(columnField);
  const fields = mapped.filter((m): m is ColumnField => !isUnsupported(m));
  const left = mapped.filter(isUnsupported);
  const unkeyed = left.find((l: UnsupportedColumn) => key.includes(l.column));
  if (unkeyed) throw new KchError(ErrorCodes.SOURCE_DATABASE, `primary key column ${unkeyed.column} of ${schema}.${table} cannot be a field: ${unkeyed.why}`);
  for (const l of left) log.warn(`${schema}.${table}.${l.column} is not captured: ${l.why}`);
  if (problems.length > 0 && !dryRun) throw new KchError(ErrorCodes.SOURCE_DATABASE, `${source.shown} cannot stream changes yet: ${problems.join('; ')}`);

  const connector = connectorName(name);
  const block = capturedStreamSource({
    name, topic, schema, table, shown: source.shown, connector, key, fields, left, date: new Date().toISOString().slice(0, 10),
  });
  const contents = kept ? existing! : existing === undefined ? pipelineFileWith(block, variableOf(name)) : withStreamBlock(existing, block, variableOf(name));
  if (contents === undefined) {
    out(`${shownFile} exists and was not written by kch init or kch cdc add, so it is left alone: add the stream yourself (kch cdc add --dry-run prints it), or write another file with --config\n`);
    return cdcExit.exists;
  }
  const config = connectorConfig({ stream: name, source, schema, table, topicPrefix: target.topicPrefix, excludedColumns: left.map((l) => l.column) });
  const connect = connectFrom(context);

  if (dryRun) {
    out(`--- the stream (${kept ? `already in ${shownFile}, kept` : `to be ${existing === undefined ? 'written to' : 'added to'} ${shownFile}`})\n${block}\n\n`);
    out(`--- connector ${connector} (PUT ${connect.url}/connectors/${connector}/config)\n${JSON.stringify(shownConfig(config), null, 2)}\n\n`);
    for (const problem of problems) out(`-- to fix first: ${problem}\n`);
    out(`dry run: would write ${shownFile}, migrate (topic ${target.topicPrefix}${topic}, table ${target.database}.${name}), register ${connector}; nothing changed\n`);
    return 0;
  }

  await checkConnect(connect);
  const registered = await connect.config(connector);
  if (registered && registered[STREAM_KEY] !== name) {
    throw new KchError(ErrorCodes.CONNECT_REQUEST, `Kafka Connect at ${connect.url} already has a connector ${connector} that kch did not make for stream ${name}: give another --name`);
  }
  if (registered && registered[TABLE_KEY] !== `${schema}.${table}`) {
    throw new KchError(ErrorCodes.CONNECT_REQUEST, `connector ${connector} already captures ${registered[TABLE_KEY] ?? 'another table'}: give another --name, or kch cdc remove ${name} first`);
  }

  if (!kept) {
    await writeFile(file, contents);
    out(`${existing === undefined ? 'wrote' : 'added stream to'} ${shownFile} (stream ${name}, key ${key.join(', ')}, ${fields.length} fields${left.length ? `, ${left.length} column(s) not captured` : ''})\n`);
  } else {
    out(`${shownFile} already has stream ${name}: kept as it is\n`);
  }
  const migrated = await migratePipeline(context);
  if (migrated !== 0) return migrated;

  const { created } = await connect.putConfig(connector, config);
  log.info(`${created ? 'registered' : 'updated'} connector ${connector}; waiting for it to run`);
  await connect.waitForRunning(connector, { timeoutMs: waitMs });
  out(`connector ${connector} running: ${schema}.${table} of ${source.shown} (snapshot, then every change) → topic ${target.topicPrefix}${topic} → ${target.database}.${name} (SELECT … FROM ${target.database}.${name} FINAL: the live rows)\n`);
  out(`check it: kch verify --against ${source.shown} --table ${schema}.${table}\n`);
  return 0;
}

async function list(context: CommandContext, rest: readonly string[]): Promise<number> {
  const { options: resolved, log, out } = context;
  noMoreThan(rest, 0);
  const connect = connectFrom(context);
  await checkConnect(connect);
  const connectors = await kchConnectors(connect);
  if (connectors.length === 0) {
    out(`no connector made by kch cdc on ${connect.url}\n`);
    return 0;
  }
  const { streams } = await loadPipelineConfig(resolved, log);
  const target = pipelineTargetFrom(resolved);
  const lagOf = async (streamName: string): Promise<string> => {
    const stream = streams.find((s) => s.name === streamName);
    if (!stream) return 'not in the pipeline file';
    const objects = resolveStream(stream, target);
    try {
      const bootstrap = resolved.requireString(options.kafkaBrokers);
      const [ends, committed] = await Promise.all([listEndOffsets(bootstrap, [objects.topic]), committedOffsets(bootstrap, objects.group, [objects.topic])]);
      const done = committed.get(objects.topic);
      let lag = 0;
      for (const [partition, end] of ends.get(objects.topic) ?? new Map<number, bigint>()) lag += partitionLag(end, done?.get(partition));
      return lag.toLocaleString('en-US');
    } catch (error) {
      return `? (${isKchError(error) ? error.message : messageOf(error)})`;
    }
  };
  const header = ['CONNECTOR', 'STATE', 'STREAM', 'TABLE', 'TOPIC', 'LAG'];
  const rows: string[][] = [];
  for (const c of connectors) {
    rows.push([c.name, stateOf(c.status), c.stream, c.table, `${c.config['topic.prefix'] ?? '?'}.${c.table}`, await lagOf(c.stream)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  for (const c of connectors) {
    const failedTask = c.status ? [c.status.connector, ...c.status.tasks].find((s) => s.state === 'FAILED') : undefined;
    if (failedTask?.trace) out(`${c.name}: ${failedTask.trace.split('\n').find((l) => l.trim() !== '')?.trim() ?? ''}\n`);
  }
  return 0;
}

async function remove(context: CommandContext, rest: readonly string[]): Promise<number> {
  const { options: resolved, log, signal, out } = context;
  noMoreThan(rest, 1);
  const given = rest[0];
  if (!given) throw new KchError(ErrorCodes.USAGE, 'name the stream: kch cdc remove <stream> (kch cdc list shows them)');
  const connect = connectFrom(context);
  await checkConnect(connect);
  const name = given.startsWith('kch-') ? given : connectorName(given);
  const config = await connect.config(name);
  if (!config) throw new KchError(ErrorCodes.USAGE, `Kafka Connect at ${connect.url} has no connector ${name} (kch cdc list shows kch's)`);
  const stream = config[STREAM_KEY];
  if (stream === undefined) throw new KchError(ErrorCodes.USAGE, `connector ${name} was not made by kch cdc: delete it through Kafka Connect (DELETE ${connect.url}/connectors/${name})`);
  await connect.delete(name);
  out(`deleted connector ${name} (stream ${stream}, table ${config[TABLE_KEY] ?? '?'})\n`);

  const slot = config['slot.name'] ?? slotName(pipelineTargetFrom(resolved).topicPrefix, stream);
  const publication = config['publication.autocreate.mode'] === 'filtered' ? config['publication.name'] : undefined;
  const source: SourceDatabase = sourceOfConfig(config);
  const byHand = `SELECT pg_drop_replication_slot('${slot}');${publication ? ` DROP PUBLICATION "${publication}";` : ''}`;
  try {
    const pg = await connectSource(source);
    try {
      const released = await releaseSlot(pg, slot, publication, 30_000);
      const slotText = released.slot === 'dropped' ? `dropped replication slot ${slot}` : released.slot === 'absent' ? `no replication slot ${slot} to drop` : `replication slot ${slot} is still read by a connection: left alone (drop it once free: ${byHand})`;
      out(`${slotText}${publication ? `; ${released.publication === 'dropped' ? 'dropped' : 'no'} publication ${publication}` : ''} in ${source.shown}\n`);
    } finally {
      await pg.close();
    }
  } catch (error) {
    if (!isKchError(error)) throw error;
    log.warn(`replication slot ${slot} not dropped: ${error.message}`);
    out(`replication slot ${slot} may remain in ${source.shown}, keeping its WAL: drop it there with ${byHand}\n`);
  }

  if (!resolved.boolean(flags.cdcDropStream)) {
    out(`stream ${stream} and its table stay (the rows captured so far; kch cdc remove ${stream} --drop-stream drops them)\n`);
    return 0;
  }
  return dropStream(context, stream, signal);
}

/** --drop-stream: the stream's ClickHouse objects dropped, views first, then its block taken out of the pipeline file. */
async function dropStream(context: CommandContext, stream: string, signal: AbortSignal): Promise<number> {
  const { options: resolved, log, out } = context;
  const { file } = await loadPipelineConfig(resolved, log);
  const dropped = await withOps(resolved, log, signal, stream, async (ctx, objects) => {
    if (ctx.target.cluster) throw new KchError(ErrorCodes.USAGE, '--drop-stream drops the objects of one server; on a cluster, drop them ON CLUSTER by hand (kch migrate --dry-run names them)');
    const statements = planPipeline([objects!.stream], ctx.target, ctx.features).filter((s) => s.kind !== 'create-database');
    const names = [
      ...statements.flatMap((s) => (s.kind === 'create-materialized-view' || s.kind === 'create-view' ? [`${s.database}.${s.view}`] : [])),
      ...statements.flatMap((s) => (s.kind === 'create-merge-tree' || s.kind === 'create-null-table' || s.kind === 'create-kafka-table' || s.kind === 'create-distributed' ? [`${s.database}.${s.table}`] : [])),
    ];
    for (const name of names) await run(ctx.client, `DROP TABLE IF EXISTS ${name}`, `dropping ${name}`);
    return names;
  });
  out(`dropped ${dropped.join(', ')}\n`);
  if (file === undefined) return 0;
  const text = await readFile(file, 'utf8');
  const without = withoutStreamBlock(text, variableOf(stream));
  const shown = relative(process.cwd(), file) || file;
  if (without === undefined) {
    out(`${shown}: stream ${stream} is not where kch writes it: take it out by hand\n`);
    return 1;
  }
  // A pipeline file must list a stream: one kch wrote that lists none any more goes (the seed's streams are then the default again).
  const list = without.indexOf('streams: [');
  if (list >= 0 && without.slice(list + 'streams: ['.length, without.indexOf(MARKER)).trim() === '') {
    await rm(file);
    out(`took stream ${stream} out of ${shown}, its last: removed ${shown}\n`);
    return 0;
  }
  await writeFile(file, without);
  out(`took stream ${stream} out of ${shown}\n`);
  return 0;
}
