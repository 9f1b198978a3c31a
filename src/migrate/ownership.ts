/**
 * Whose an object is. In the definitions, each name belongs to the one stream that plans it. On
 * the server, an object belongs to the consumer group whose messages reach it: a Kafka table to
 * its `kafka_group_name`, a view to the tables it reads, a table to the views that write into it.
 * `kch migrate` checks both before it runs a statement: it never makes, changes or drops an
 * object for a stream that does not own it (two streams of one topic took each other's Kafka
 * table when it was named after the topic: issue 26).
 *
 * An object no consumer group reaches (a sink stream's, a paused stream's, one made by hand) is
 * taken as the stream's that plans it: nothing tells otherwise.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { CreateKafkaTable, CreateMaterializedView, Statement } from '../pipeline/plan.js';
import { objectName } from '../pipeline/render.js';
import { tableOf, type Existing } from '../clickhouse/system.js';

/** A string setting of a Kafka table as its CREATE shows it (`kafka_group_name = 'x'`). */
export function kafkaSetting(createQuery: string, key: string): string | undefined {
  const match = new RegExp(`\\b${key}\\s*=\\s*'((?:[^'\\\\]|\\\\.)*)'`).exec(createQuery);
  return match ? match[1]!.replace(/\\(.)/g, '$1') : undefined;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The tables of `database` a view's CREATE reads (FROM) and the one it writes to (TO). */
export function viewLinks(createQuery: string, database: string): { from: string[]; to: string | undefined } {
  const name = `\`?${escape(database)}\`?\\.\`?([A-Za-z0-9_]+)\`?`;
  const from = [...createQuery.matchAll(new RegExp(`\\bFROM\\s+${name}`, 'g'))].map((m) => m[1]!);
  const to = new RegExp(`\\sTO\\s+${name}`).exec(createQuery)?.[1];
  return { from, to };
}

/** The Kafka tables whose messages reach each object of a database (none: no consumer group does). */
export function sourcesOnServer(tables: ReadonlyMap<string, Existing>, database: string): (table: string) => ReadonlySet<string> {
  const links = new Map<string, { from: string[]; to: string | undefined }>();
  const writers = new Map<string, string[]>();
  for (const [name, table] of tables) {
    if (table.engine !== 'MaterializedView' && table.engine !== 'View') continue;
    const link = viewLinks(table.createQuery, database);
    links.set(name, link);
    if (link.to !== undefined) writers.set(link.to, [...(writers.get(link.to) ?? []), name]);
  }
  const known = new Map<string, Set<string>>();
  const sourcesOf = (name: string): Set<string> => {
    const done = known.get(name);
    if (done) return done;
    const out = new Set<string>();
    // Set before the walk: a loop of views (made by hand) ends here instead of recursing forever.
    known.set(name, out);
    const table = tables.get(name);
    if (!table) return out;
    const upstream = table.engine === 'Kafka' ? [] : links.get(name)?.from ?? writers.get(name) ?? [];
    if (table.engine === 'Kafka') out.add(name);
    for (const next of upstream) for (const source of sourcesOf(next)) out.add(source);
    return out;
  };
  return sourcesOf;
}

/**
 * The Kafka table an earlier kch made for this one under another name (after its topic:
 * `<topic>_kafka`): one that no stream plans, reading the same topic in the same consumer group.
 */
export function earlierKafkaTable(kafka: CreateKafkaTable, tables: ReadonlyMap<string, Existing>, planned: ReadonlySet<string>): string | undefined {
  if (tables.has(kafka.table)) return undefined;
  for (const [name, table] of tables) {
    if (table.engine !== 'Kafka' || planned.has(name)) continue;
    if (kafkaSetting(table.createQuery, 'kafka_topic_list') === String(kafka.settings.kafka_topic_list)
      && kafkaSetting(table.createQuery, 'kafka_group_name') === String(kafka.settings.kafka_group_name)) return name;
  }
  return undefined;
}

/** Per stream of the plan, the Kafka table of an earlier name the server has for it. */
export function earlierKafkaTables(plan: readonly Statement[], tables: ReadonlyMap<string, Existing>): Map<string, string> {
  const planned = new Set(plan.map(tableOf).filter((t): t is string => t !== undefined));
  const out = new Map<string, string>();
  for (const statement of plan) {
    const earlier = statement.kind === 'create-kafka-table' ? earlierKafkaTable(statement, tables, planned) : undefined;
    if (statement.kind === 'create-kafka-table' && earlier !== undefined) out.set(statement.stream, earlier);
  }
  return out;
}

/** Names (database.table) every stream of a plan makes, checked to belong to one stream each. */
function plannedOwners(plan: readonly Statement[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const statement of plan) {
    if (!('stream' in statement)) continue;
    const object = objectName(statement);
    const owner = owners.get(object);
    if (owner !== undefined && owner !== statement.stream) {
      throw new KchError(ErrorCodes.OWNERSHIP, `streams ${owner} and ${statement.stream} both make ${object}: each object belongs to one stream; give one of them another name for it`);
    }
    owners.set(object, statement.stream);
  }
  return owners;
}

/**
 * Refuses, before any statement runs, a plan in which two streams make one object, or in which
 * a stream would make, change or drop an object that exists on the server and belongs to another
 * consumer group than the stream's (`groups`: each stream's, prefix included). One line names the
 * object, the group and stream it belongs to, and the stream that planned it.
 */
export function refuseForeignObjects(plan: readonly Statement[], groups: ReadonlyMap<string, string>, database: string, tables: ReadonlyMap<string, Existing> | undefined): void {
  plannedOwners(plan);
  if (!tables) return;
  const sourcesOf = sourcesOnServer(tables, database);
  for (const statement of plan) {
    const table = tableOf(statement);
    if (!('stream' in statement) || table === undefined || statement.database !== database || !tables.has(table)) continue;
    const group = groups.get(statement.stream);
    for (const source of sourcesOf(table)) {
      const query = tables.get(source)!.createQuery;
      const theirs = kafkaSetting(query, 'kafka_group_name');
      if (group === undefined || theirs === undefined || theirs === group) continue;
      const topic = kafkaSetting(query, 'kafka_topic_list') ?? '?';
      const other = [...groups].find(([, g]) => g === theirs)?.[0];
      const owner = other !== undefined ? `stream ${other} (consumer group ${theirs}, topic ${topic})` : `consumer group ${theirs} (topic ${topic}), which no stream of this pipeline has`;
      const via = source === table ? '' : ` (its messages come from ${database}.${source})`;
      throw new KchError(ErrorCodes.OWNERSHIP, `${objectName(statement)}${via} belongs to ${owner}, not to stream ${statement.stream} (consumer group ${group}): nothing was changed; give stream ${statement.stream} another name for it${other === undefined ? ` (or drop ${database}.${table} if nothing uses it)` : ''}`);
    }
  }
}

/**
 * Refuses a stream whose input table has a name of an earlier kch that cannot be made the new one
 * here: a sink stream's Null table (its views are made again only with the sink stopped), or a
 * Kafka table that is detached (a paused stream: its settings cannot be read). Seen from the
 * stream's views, which read the earlier name. A Kafka table that is attached is renamed instead
 * (earlierKafkaTable).
 */
function refuseEarlierInputs(plan: readonly Statement[], database: string, tables: ReadonlyMap<string, Existing>): void {
  const planned = new Set(plan.map(tableOf).filter((t): t is string => t !== undefined));
  for (const input of plan) {
    if (input.database !== database || !(input.kind === 'create-kafka-table' || (input.kind === 'create-null-table' && input.role === 'sink-input')) || tables.has(input.table)) continue;
    if (input.kind === 'create-kafka-table' && earlierKafkaTable(input, tables, planned) !== undefined) continue;
    const views = plan.filter((s): s is CreateMaterializedView => s.kind === 'create-materialized-view' && s.stream === input.stream && s.from === input.table && tables.has(s.view));
    for (const view of views) {
      const earlier = viewLinks(tables.get(view.view)!.createQuery, database).from.find((from) => from !== input.table && !planned.has(from));
      if (earlier === undefined) continue;
      const found = tables.get(earlier);
      const what = found === undefined ? 'which is detached (the stream is paused)' : found.engine === 'Null' ? 'the Null table kch sink inserted into' : `a ${found.engine} table`;
      const todo = found === undefined ? `attach it (ATTACH TABLE ${database}.${earlier}) and run kch migrate again, which renames it, or keep` : 'keep';
      throw new KchError(ErrorCodes.OWNERSHIP, `${database}.${view.view} of stream ${input.stream} reads ${database}.${earlier}, ${what}: the stream's input under a name an earlier kch gave it, where this one names it ${database}.${input.table}. Nothing was changed; ${todo} the earlier name with kafkaTable: '${earlier}' in the stream's definition`);
    }
  }
}

/**
 * Everything kch migrate checks before its first statement: each object planned by one stream,
 * none on the server of another consumer group (refuseForeignObjects), no input of an earlier
 * name it cannot take over (refuseEarlierInputs).
 */
export function checkOwnership(plan: readonly Statement[], groups: ReadonlyMap<string, string>, database: string, tables: ReadonlyMap<string, Existing> | undefined): void {
  refuseForeignObjects(plan, groups, database, tables);
  if (tables) refuseEarlierInputs(plan, database, tables);
}
