/**
 * Schema evolution of a running stream: when its definition gains a field, or a check or a
 * conversion changes, the target table gets the new columns and the Kafka table and views are
 * made again — without losing or repeating an event.
 *
 * 1. Pause: DETACH the Kafka table (the block in flight is written and its offsets committed).
 * 2. ALTER TABLE <target> ADD COLUMN, in the definition's order: rows already there get the
 *    column's default.
 * 3. Drop both views, then the Kafka table (attached again first: a table detached permanently
 *    cannot be dropped; with no view it reads nothing).
 * 4. A stand-in with the Kafka table's name and columns (engine Null, virtual columns as plain
 *    ones) lets both views be created before anything consumes; it is dropped and the new Kafka
 *    table created with the same consumer group: views follow their source by name, so the new
 *    table starts with both views in place, from the committed offsets.
 * 5. A stream that was paused is detached again at once.
 *
 * Only what is safe is done: a column whose type changed, a dead-letter table that differs or a
 * target with another engine stops the evolution with the reason. A column the definition no
 * longer has is kept (the views stop writing it; it takes its default).
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { driftOf } from '../migrate/drift.js';
import { existingTables, tableOf, type Existing } from '../clickhouse/system.js';
import { earlierKafkaTable } from '../migrate/ownership.js';
import { viewQueryDiffers } from '../migrate/view-query.js';
import { onCluster, planStream, type Column, type CreateDistributed, type CreateKafkaTable, type CreateMaterializedView, type CreateMergeTree, type CreateNullTable, type CreateView, type Statement } from '../pipeline/plan.js';
import { on, render, renderDropStandIn, renderStandIn } from '../pipeline/render.js';
import type { OpsContext } from './context.js';
import type { ResolvedStream } from '../pipeline/resolve.js';
import { TableRef } from '../pipeline/table-ref.js';
import { consumptionOf, groupMembers, pauseMethodOf, pauseSql, pauseStream, resumeSql, waitForConsumer } from './pause.js';
import { refuseWithReplicaDown } from '../clickhouse/replicas.js';
import { run } from '../clickhouse/query.js';

export interface EvolutionStep {
  readonly sql: string;
  /** Why, in a few words, for the printed plan. */
  readonly why: string;
}

export interface Evolution {
  readonly stream: string;
  /** Differences found, as migrate reports them. */
  readonly reasons: readonly string[];
  /** Columns added to the target table. */
  readonly added: readonly Column[];
  /** What cannot be evolved safely; non-empty means the evolution is refused. */
  readonly refused: readonly string[];
  /** Columns the target has and the definition no longer names: kept. */
  readonly kept: readonly string[];
  /** The statements, in order (the pause and resume included). */
  readonly steps: readonly EvolutionStep[];
  /** The first step pauses the stream, and it consumes again at the end (it consumes now, and its Kafka table or views change). */
  readonly consuming: boolean;
  /**
   * The stream's Kafka table is on the server under the name an earlier kch gave it (its topic's,
   * src/migrate/ownership.ts): paused and dropped under that name, made again under the plan's,
   * in the same consumer group. `alone`: nothing else differs, so plain `kch migrate` does it.
   */
  readonly renamed?: { readonly from: TableRef; readonly to: TableRef; readonly alone: boolean };
}

const normalize = (type: string): string => type.replace(/\s+/g, '');

interface Parts {
  readonly target: CreateMergeTree;
  readonly deadLetter: CreateMergeTree;
  readonly kafka: CreateKafkaTable;
  /** The Null table between the decoding view and the other two (servers with `decodeInViews`). */
  readonly decoded: CreateNullTable | undefined;
  /** In the plan's order: the decoding view, where there is one, last. */
  readonly views: readonly CreateMaterializedView[];
  /** Plain views over the target (`<target>_dedup`): they list the target's columns when made. */
  readonly plain: readonly CreateView[];
}

function partsOf(statements: readonly Statement[]): Parts {
  const target = statements.find((s): s is CreateMergeTree => s.kind === 'create-merge-tree' && s.role === 'target');
  const deadLetter = statements.find((s): s is CreateMergeTree => s.kind === 'create-merge-tree' && s.role === 'dead-letter');
  const kafka = statements.find((s): s is CreateKafkaTable => s.kind === 'create-kafka-table');
  const views = statements.filter((s): s is CreateMaterializedView => s.kind === 'create-materialized-view');
  const plain = statements.filter((s): s is CreateView => s.kind === 'create-view');
  const decoded = statements.find((s): s is CreateNullTable => s.kind === 'create-null-table');
  if (!kafka && statements.some((s) => s.kind === 'create-null-table' && s.role === 'sink-input')) {
    throw new KchError(ErrorCodes.USAGE, `stream ${target?.stream ?? ''} is moved by kch sink: --apply-drift evolves Kafka-engine streams only so far; stop kch sink, give the stream ingest: 'engine' for the change (an upsert stream whose tombstones delete cannot), or evolve its tables by hand (kch migrate --dry-run shows the SQL)`);
  }
  if (!target || !deadLetter || !kafka || views.length !== (decoded ? 3 : 2)) throw new KchError(ErrorCodes.DEFINITION, 'a stream plan needs a target, a dead-letter table, a Kafka table and its views');
  return { target, deadLetter, kafka, decoded, views, plain };
}

/**
 * Compares one stream's objects with its definition and says what evolving it takes, or that it
 * is not needed (`steps` empty) or not safe (`refused`).
 */
export async function planEvolution(ctx: OpsContext, objects: ResolvedStream): Promise<Evolution> {
  const planned = planStream(objects.stream, ctx.target, ctx.features);
  const statements = ctx.target.cluster ? onCluster(planned, ctx.target.cluster, [objects]) : planned;
  const parts = partsOf(statements);
  // On a cluster every step runs ON CLUSTER; the target is the replicated local table, and the
  // Distributed table in front of it needs each new column too (it reads only the columns it has).
  const cluster = ctx.target.cluster?.name;
  const front = statements.find((s): s is CreateDistributed => s.kind === 'create-distributed' && s.role === 'target');
  const tables = await existingTables(ctx.client, ctx.target.database);
  const name = objects.stream.name;
  const reasons: string[] = [];
  const refused: string[] = [];
  const kept: string[] = [];
  const added: Column[] = [];

  const target = tables.get(parts.target.table);
  if (!target) return { stream: name, reasons, added, refused, kept, steps: [], consuming: false };
  if (!target.engine.endsWith('MergeTree')) refused.push(`${objects.target.toSql()} has engine ${target.engine}`);
  parts.target.columns.forEach((column) => {
    const type = target.columns.get(column.name);
    if (type === undefined) added.push(column);
    else if (normalize(type) !== normalize(column.type)) refused.push(`${objects.target.toSql()}.${column.name} is ${type}, the definition wants ${column.type}: changing a column's type rewrites the table, do it by hand`);
  });
  const wanted = new Set(parts.target.columns.map((c) => c.name));
  for (const column of target.columns.keys()) if (!wanted.has(column)) kept.push(column);
  if (added.length) reasons.push(`${objects.target.toSql()} lacks ${added.map((c) => c.name).join(', ')}`);

  const deadLetter = tables.get(parts.deadLetter.table);
  const deadLetterDrift = deadLetter ? driftOf(parts.deadLetter, deadLetter) : [];
  if (deadLetterDrift.length) refused.push(`${objects.deadLetter.toSql()} differs from its definition (${deadLetterDrift.join('; ')})`);

  // A Kafka table of an earlier name is this stream's: compared as it is, views reading it included.
  const names = new Set(statements.map(tableOf).filter((t): t is string => t !== undefined));
  const earlier = earlierKafkaTable(parts.kafka, tables, names);
  const source: ResolvedStream = earlier === undefined ? objects : { ...objects, kafkaTable: new TableRef(parts.kafka.database, earlier) };
  const kafka: Existing | undefined = tables.get(earlier ?? parts.kafka.table);
  const kafkaDrift = kafka ? driftOf(parts.kafka, kafka) : [];
  if (kafkaDrift.length) reasons.push(`${source.kafkaTable.toSql()}: ${kafkaDrift.join('; ')}`);
  if (parts.decoded) {
    const existing = tables.get(parts.decoded.table);
    const drift = existing ? driftOf(parts.decoded, existing) : ['is missing'];
    if (drift.length) reasons.push(`${parts.decoded.database}.${parts.decoded.table}: ${drift.join('; ')}`);
  }
  for (const view of parts.views) {
    const existing = tables.get(view.view);
    if (!existing) { reasons.push(`${view.database}.${view.view} is missing`); continue; }
    const drift = driftOf(view, existing);
    const reads = earlier !== undefined && view.from === parts.kafka.table ? { ...view, from: earlier } : view;
    if (drift.length === 0 && (await viewQueryDiffers(ctx.client, view.database, view.view, render(reads)))) drift.push('its query differs');
    if (drift.length) reasons.push(`${view.database}.${view.view}: ${drift.join('; ')}`);
  }
  // A plain view keeps the columns the target had when it was made: one made before a column was
  // added does not show it. It is replaced, which needs no pause.
  const targetColumns = [...target.columns.keys(), ...added.map((c) => c.name)];
  const stalePlain = parts.plain.filter((view) => {
    const existing = tables.get(view.view);
    return existing !== undefined && targetColumns.some((column) => !existing.columns.has(column));
  });
  for (const view of stalePlain) reasons.push(`${view.database}.${view.view} does not show ${targetColumns.filter((c) => !tables.get(view.view)!.columns.has(c)).join(', ')}`);
  const replacePlain = (): EvolutionStep[] => stalePlain.map((view) => ({
    sql: render(view).replace(/^CREATE VIEW IF NOT EXISTS /, ctx.features.major >= 20 ? 'CREATE OR REPLACE VIEW ' : 'CREATE VIEW '),
    why: 'made again so that it shows every column of the target',
  }));
  const renamed = earlier === undefined ? undefined : { from: source.kafkaTable, to: objects.kafkaTable, alone: reasons.length === 0 };
  if (renamed) reasons.unshift(`${renamed.from.toSql()} is its Kafka table under the name an earlier kch gave it (same topic and consumer group): made again as ${renamed.to.toSql()}`);
  const streamChanges = reasons.length - stalePlain.length;
  if (reasons.length === 0 || refused.length > 0) return { stream: name, reasons, added, refused, kept, steps: [], consuming: false, ...(renamed ? { renamed } : {}) };
  const drop = (database: string, table: string, ifExists = true): string => `DROP TABLE ${ifExists ? 'IF EXISTS ' : ''}${database}.${table}${on(cluster)}`;
  if (streamChanges === 0) {
    const drops = ctx.features.major >= 20 ? [] : stalePlain.map((view) => ({ sql: drop(view.database, view.view), why: 'no CREATE OR REPLACE on this server' }));
    return { stream: name, reasons, added, refused, kept, steps: [...drops, ...replacePlain()], consuming: false };
  }

  const state = await consumptionOf(ctx, source);
  if (state === 'missing' && !kafka) return { stream: name, reasons, added, refused: [`${objects.kafkaTable.toSql()} is missing: run kch migrate without --apply-drift first`], kept, steps: [], consuming: false };
  const method = await pauseMethodOf(ctx, source);
  // Paused by dropping the decoding view, the Kafka table may be attached or not (a restart attaches
  // it); on a cluster it may be attached on some servers and not on others.
  const attach = method === 'drop-decode-view' && !cluster ? `ATTACH TABLE IF NOT EXISTS ${source.kafkaTable.toSql()}` : resumeSql(source, cluster);
  const dropKafka = drop(parts.kafka.database, earlier ?? parts.kafka.table, false);
  const steps: EvolutionStep[] = [];
  if (state === 'consuming') steps.push({ sql: pauseSql(source, method, cluster), why: 'pause: the block in flight is written and committed' });
  // AFTER the previous column keeps the definition's order (processing_time stays last).
  const order = parts.target.columns.map((c) => c.name);
  for (const column of added) {
    const previous = order[order.indexOf(column.name) - 1];
    const addition = `ADD COLUMN ${column.name} ${column.type}${column.default === undefined ? '' : ` DEFAULT ${column.default}`}${previous ? ` AFTER ${previous}` : ' FIRST'}`;
    steps.push({ sql: `ALTER TABLE ${parts.target.database}.${parts.target.table}${on(cluster)} ${addition}`, why: 'rows already there get the default' });
  }
  if (front && added.length > 0) {
    // Made again rather than altered: 18.16 refuses an ALTER … ON CLUSTER of a table that is not
    // replicated on a cluster whose shards are (internal_replication), and it holds no rows.
    steps.push({ sql: drop(front.database, front.table), why: 'made again below, with the new columns' });
    steps.push({ sql: render(front), why: 'reads every server\'s local table, new columns included' });
  }
  if (ctx.features.major < 20) for (const view of stalePlain) steps.push({ sql: drop(view.database, view.view), why: 'no CREATE OR REPLACE on this server' });
  steps.push(...replacePlain());
  for (const view of [...parts.views].reverse()) steps.push({ sql: drop(view.database, view.view), why: 'made again below' });
  if (parts.decoded) {
    // The decoding view is made last, on the new Kafka table: everything it writes to is in place
    // before anything is consumed. A stream planned before the server decoded in views has no
    // decoding view and no Null table: both are dropped only if they exist.
    const decodeView = parts.views.find((v) => v.role === 'decode')!;
    steps.push({ sql: drop(parts.decoded.database, parts.decoded.table), why: 'made again below, with the definition\'s columns' });
    steps.push({ sql: attach, why: 'a detached table cannot be dropped; without views it reads nothing' });
    steps.push({ sql: dropKafka, why: earlier ? `made again below as ${objects.kafkaTable.toSql()}` : 'made again below' });
    steps.push({ sql: render(parts.decoded), why: 'each message once, decoded and checked' });
    for (const view of parts.views.filter((v) => v !== decodeView)) steps.push({ sql: render(view), why: view.role === 'target' ? 'valid rows' : 'everything else' });
    steps.push({ sql: render(parts.kafka), why: `same consumer group ${objects.group}: consumption goes on from the committed offsets once it has a view` });
    if (state !== 'paused' || method !== 'drop-decode-view') {
      steps.push({ sql: render(decodeView), why: 'decodes each message: consuming starts with both tables\' views in place' });
    }
  } else {
    steps.push({ sql: attach, why: 'a detached table cannot be dropped; without views it reads nothing' });
    steps.push({ sql: dropKafka, why: earlier ? `made again below as ${objects.kafkaTable.toSql()}` : 'made again below' });
    steps.push({ sql: renderStandIn(parts.kafka, ctx.features), why: 'a stand-in that reads nothing, so that both views exist before consuming starts' });
    for (const view of parts.views) steps.push({ sql: render(view), why: view.role === 'target' ? 'valid rows' : 'everything else' });
    steps.push({ sql: renderDropStandIn(parts.kafka), why: 'the views stay bound to the name' });
    steps.push({ sql: render(parts.kafka), why: `same consumer group ${objects.group}: consumption goes on from the committed offsets` });
  }
  if (state === 'paused' && method !== 'drop-decode-view') steps.push({ sql: pauseSql(objects, method, cluster), why: 'the stream was paused: it stays paused' });
  return { stream: name, reasons, added, refused, kept, steps, consuming: state === 'consuming', ...(renamed ? { renamed } : {}) };
}

export interface EvolutionResult {
  /** From the pause to the new Kafka table, i.e. how long nothing was consumed. */
  readonly pausedMs: number;
  /** Until the new consumer held the partitions (undefined: the stream stays paused). */
  readonly consumingAfterMs: number | undefined;
}

/** Runs a plan from `planEvolution`; stops at the first failure, saying where it stopped. */
export async function applyEvolution(ctx: OpsContext, objects: ResolvedStream, evolution: Evolution, options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<EvolutionResult> {
  if (evolution.refused.length > 0) throw new KchError(ErrorCodes.USAGE, `${evolution.stream} cannot be evolved safely: ${evolution.refused.join('; ')}`);
  if (ctx.target.cluster && evolution.steps.length > 0) await refuseWithReplicaDown(ctx.client, ctx.target.cluster.name, `evolving ${evolution.stream}`);
  const started = performance.now();
  const wasConsuming = evolution.consuming;
  const before = await groupMembers(ctx, objects);
  // Paused under the name the server has: the earlier one, for a Kafka table being renamed.
  const source = evolution.renamed ? { ...objects, kafkaTable: evolution.renamed.from } : objects;
  for (const [i, step] of evolution.steps.entries()) {
    try {
      if (i === 0 && wasConsuming) await pauseStream(ctx, source);
      else await run(ctx.client, step.sql);
    } catch (error) {
      const done = evolution.steps.slice(0, i).map((s) => s.sql.split('\n')[0]).join('; ');
      throw new KchError(ErrorCodes.CLICKHOUSE_QUERY, `evolving ${evolution.stream} stopped at step ${i + 1} of ${evolution.steps.length} (${step.sql.split('\n')[0]}): ${(error as Error).message}. Done before it: ${done || 'nothing'}`, { cause: error });
    }
    ctx.log.debug(`${evolution.stream}: ${step.sql.split('\n')[0]}`);
  }
  const pausedMs = performance.now() - started;
  if (!wasConsuming || !options.waitMs) return { pausedMs, consumingAfterMs: undefined };
  const consumingAfterMs = await waitForConsumer(ctx, objects, { ...options, waitMs: options.waitMs, before, started });
  return { pausedMs, consumingAfterMs };
}
