import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../output/log.js';
import type { CreateMaterializedView, CreateMergeTree, Statement } from '../pipeline/plan.js';
import type { Projection } from '../pipeline/stream.js';
import type { ServerFeatures } from '../pipeline/features.js';
import { objectName, render, renderDropStandIn, renderStandIn } from '../pipeline/render.js';
import { driftOf } from './drift.js';
import { databaseExists, detachedTables, existingTables, tableOf, type Existing } from '../clickhouse/system.js';
import { earlierKafkaTable } from './ownership.js';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { run } from '../clickhouse/query.js';
import type { ReplicaTables } from '../clickhouse/replicas.js';
import { activeRows, addProjectionSql, materializeProjectionsSql, projectionDiff } from './projections.js';
import { viewQueryDiffers } from './view-query.js';

export interface MigrationStep {
  readonly statement: Statement;
  readonly sql: string;
  readonly object: string;
  /**
   * create: will be / was created; unchanged: exists as defined; drift: exists but differs;
   * alter: exists as defined but for projections or settings of the plan it lacks (`addProjections`,
   * `alterSql`); switch: a stream's input table of the other transport (a Kafka table where the
   * plan wants the sink's Null table, or the reverse), replaced: see `switchSql`.
   */
  readonly action: 'create' | 'unchanged' | 'drift' | 'alter' | 'switch';
  readonly drift: readonly string[];
  /** The part of `drift` about projections (nothing --apply-drift evolves: the message says what to do). */
  readonly projectionDrift: readonly string[];
  /**
   * Projections of the plan an existing target table lacks: added by applyPlan (also on a table
   * that otherwise drifts). Empty on servers without projections.
   */
  readonly addProjections: readonly Projection[];
  /** The statements that add them: one ADD PROJECTION each, then one MATERIALIZE for the rows there. */
  readonly alterSql: readonly string[];
  /** Table settings of the plan the table lacks, as MODIFY SETTING statements (run before the projections). */
  readonly settingsSql?: readonly string[];
  /**
   * A Kafka table the server has under the name an earlier kch gave it (its topic's), recognised
   * by its topic and consumer group (src/migrate/ownership.ts): a `drift` step, never created
   * beside it; kch migrate makes it again under the plan's name (src/ops/evolve.ts).
   */
  readonly renamedFrom?: string;
  /** The object exists but is detached (a stream paused by `kch pause`): left alone, not compared. */
  readonly detached?: boolean;
  /**
   * On a cluster: the servers that lack an object the server asked has (a `create` run ON CLUSTER
   * with IF NOT EXISTS makes it there only).
   */
  readonly missingOn?: readonly string[];
}

export interface MigrationResult {
  readonly steps: readonly MigrationStep[];
  readonly created: number;
  readonly drifted: number;
  /** Existing tables that got (or, in a dry run, would get) projections. */
  readonly altered: number;
  readonly unchanged: number;
}

/**
 * Compares the plan with the server: what would be created, what is there, what differs. On a
 * cluster, `replicas` (the other servers' tables, src/clickhouse/replicas.ts) are compared too: an
 * object one of them lacks is created (ON CLUSTER, IF NOT EXISTS: there only), and one that
 * differs there is drift, named with the server. Engines, columns and settings are compared on
 * every server; view queries and projections on the server asked only.
 */
export async function diffPlan(client: ClickHouseClient, plan: readonly Statement[], replicas: readonly ReplicaTables[] = []): Promise<MigrationStep[]> {
  const steps = await diffOnServer(client, plan);
  return replicas.some((r) => r.tables) ? onEveryReplica(steps, replicas) : steps;
}

function onEveryReplica(steps: readonly MigrationStep[], replicas: readonly ReplicaTables[]): MigrationStep[] {
  const answered = replicas.filter((r): r is ReplicaTables & { tables: ReadonlyMap<string, Existing> } => r.tables !== undefined);
  const out = steps.map((step): MigrationStep => {
    const table = tableOf(step.statement);
    if (table === undefined || (step.action !== 'unchanged' && step.action !== 'alter') || step.detached) return step;
    const missingOn: string[] = [];
    const drift: string[] = [];
    for (const replica of answered) {
      const existing = replica.tables.get(table);
      if (!existing) missingOn.push(replica.host);
      // The server asked is among them, and matches (only steps it has as defined are compared).
      else drift.push(...driftOf(step.statement, existing).map((d) => `on ${replica.host}: ${d}`));
    }
    if (drift.length) return { ...step, action: 'drift', drift: [...step.drift, ...drift] };
    return missingOn.length ? { ...step, action: 'create', missingOn } : step;
  });
  // A server without any of the database's tables may lack the database itself: made first.
  const bare = answered.filter((r) => r.tables.size === 0).map((r) => r.host);
  return out.map((step) => (step.statement.kind === 'create-database' && step.action === 'unchanged' && bare.length ? { ...step, action: 'create', missingOn: bare } : step));
}

async function diffOnServer(client: ClickHouseClient, plan: readonly Statement[]): Promise<MigrationStep[]> {
  const byDatabase = new Map<string, Map<string, Existing> | undefined>();
  const detachedBy = new Map<string, Set<string> | undefined>();
  const steps: MigrationStep[] = [];
  const planned = new Set(plan.map(tableOf).filter((t): t is string => t !== undefined));
  for (const statement of plan) {
    const sql = render(statement);
    const object = objectName(statement);
    if (!byDatabase.has(statement.database)) {
      const exists = await databaseExists(client, statement.database);
      byDatabase.set(statement.database, exists ? await existingTables(client, statement.database) : undefined);
      detachedBy.set(statement.database, exists ? await detachedTables(client, statement.database) : new Set());
    }
    const tables = byDatabase.get(statement.database);
    const table = tableOf(statement);
    if (table === undefined) {
      steps.push({ statement, sql, object, action: tables ? 'unchanged' : 'create', drift: [], projectionDrift: [], addProjections: [], alterSql: [] });
      continue;
    }
    const existing = tables?.get(table);
    const source = statement.kind === 'create-materialized-view' ? steps.find((s) => tableOf(s.statement) === statement.from && s.statement.database === statement.database) : undefined;
    if (!existing && source?.action === 'drift') {
      // A view on a table made by another definition (a Kafka table from before the server decoded
      // in views) could not read it: both are made again together by --apply-drift.
      steps.push({ statement, sql, object, action: 'drift', drift: [`is missing, and ${source.object} it reads differs from its definition`], projectionDrift: [], addProjections: [], alterSql: [] });
      continue;
    }
    const earlier = statement.kind === 'create-kafka-table' && tables ? earlierKafkaTable(statement, tables, planned) : undefined;
    if (!existing && earlier !== undefined) {
      const drift = [`is ${statement.database}.${earlier} on the server, the name an earlier kch gave it (same topic and consumer group): kch migrate makes it again under this name, from the group's committed offsets`];
      steps.push({ statement, sql, object, action: 'drift', drift, projectionDrift: [], addProjections: [], alterSql: [], renamedFrom: earlier });
      continue;
    }
    if (!existing) {
      if (isDetached(statement, tables, detachedBy.get(statement.database), plan)) steps.push({ statement, sql, object, action: 'unchanged', drift: [], projectionDrift: [], addProjections: [], alterSql: [], detached: true });
      else steps.push({ statement, sql, object, action: 'create', drift: [], projectionDrift: [], addProjections: [], alterSql: [] });
      continue;
    }
    if (isTransportSwitch(statement, existing)) {
      steps.push({ statement, sql, object, action: 'switch', drift: [], projectionDrift: [], addProjections: [], alterSql: [] });
      continue;
    }
    const drift = driftOf(statement, existing);
    const settingsSql = statement.kind === 'create-merge-tree' ? missingSettings(statement, existing) : [];
    // A view reading a Kafka table of an earlier name is compared as it reads it: the rename says the rest.
    const reads = statement.kind === 'create-materialized-view' && source?.renamedFrom !== undefined ? render({ ...statement, from: source.renamedFrom }) : sql;
    if (statement.kind === 'create-materialized-view' && drift.length === 0 && (await viewQueryDiffers(client, statement.database, statement.view, reads))) {
      drift.push('its query differs from the definition (a field, a check or a conversion changed)');
    }
    let addProjections: readonly Projection[] = [];
    let alterSql: string[] = [];
    let projectionDrift: readonly string[] = [];
    if (statement.kind === 'create-merge-tree') {
      const projections = await projectionDiff(client, statement, existing);
      projectionDrift = projections.drift;
      drift.push(...projections.drift);
      addProjections = projections.missing;
      if (addProjections.length) {
        alterSql = [...addProjections.map((p) => addProjectionSql(statement, p)), materializeProjectionsSql(statement, addProjections.map((p) => p.name))];
      }
    }
    steps.push({ statement, sql, object, action: drift.length ? 'drift' : addProjections.length || settingsSql.length ? 'alter' : 'unchanged', drift, projectionDrift, addProjections, alterSql, ...(settingsSql.length ? { settingsSql } : {}) });
  }
  return steps;
}

/**
 * A stream's input table made for the other transport. Replacing it loses nothing: a Kafka table
 * commits its group's offsets for every block it wrote, and the sink goes on from them (and the
 * reverse); the views reading the input are the same for both.
 */
function isTransportSwitch(statement: Statement, existing: Existing): boolean {
  return (statement.kind === 'create-null-table' && statement.role === 'sink-input' && existing.engine === 'Kafka')
    || (statement.kind === 'create-kafka-table' && existing.engine === 'Null');
}

/** MODIFY SETTING for each table setting of the plan the server's table does not have (as in its CREATE). */
function missingSettings(statement: CreateMergeTree, existing: Existing): string[] {
  return Object.entries(statement.settings ?? {})
    .filter(([key, value]) => !existing.createQuery.includes(`${key} = ${value}`))
    .map(([key, value]) => `ALTER TABLE ${statement.database}.${statement.table} MODIFY SETTING ${key} = ${value}`);
}

/**
 * Whether a missing object is in fact detached (a paused stream's Kafka table). Where the server
 * cannot list detached tables, a Kafka table is taken as detached when a view reading it exists:
 * only a detach leaves views without their source.
 */
function isDetached(statement: Statement, tables: Map<string, Existing> | undefined, detached: Set<string> | undefined, plan: readonly Statement[]): boolean {
  const table = tableOf(statement);
  if (table === undefined || !tables) return false;
  const stream = 'stream' in statement ? statement.stream : undefined;
  const decodeView = plan.find((s): s is CreateMaterializedView => s.kind === 'create-materialized-view' && s.role === 'decode' && s.stream === stream);
  if (detached === undefined && decodeView && (statement === decodeView || statement.kind === 'create-kafka-table') && !tables.has(decodeView.view)) {
    // Where tables cannot be detached permanently (an Overlay database), a pause drops the
    // decoding view and leaves the Kafka table detached until the next restart (src/ops/pause.ts):
    // the rest of the stream there and these gone is a pause.
    return plan.some((s) => s.kind === 'create-materialized-view' && s.role === 'target' && s.stream === stream && tables.has(s.view));
  }
  if (detached) return detached.has(table);
  return statement.kind === 'create-kafka-table'
    && plan.some((s) => s.kind === 'create-materialized-view' && s.database === statement.database && s.from === table && tables.has(s.view));
}

/**
 * Creates what is missing, in plan order; leaves what exists alone and reports drift. Running
 * it twice changes nothing the second time. The one change made to an existing object: a target
 * table gets the plan's projections it lacks (see `addProjections`); one whose projection has
 * another query is drift, and left alone.
 *
 * A Kafka table consumes as soon as one view reads it: created before its two views, a message
 * arriving between the first view and the second would reach one of them only (a bad one missing
 * from the dead letters, or a good one from the target). Given the server's features (20.x and
 * later), a new stream's views are therefore created on a Null-engine stand-in with the Kafka
 * table's name, which then makes way for the Kafka table: it starts with both views in place.
 */
export async function applyPlan(client: ClickHouseClient, plan: readonly Statement[], log: Logger, dryRun = false, features?: ServerFeatures, replicas: readonly ReplicaTables[] = []): Promise<MigrationResult> {
  const steps = await diffPlan(client, plan, replicas);
  refuseWithServersDown(steps, replicas);
  for (const replica of replicas) if (!replica.tables) log.warn(`replica ${replica.host} does not answer (${replica.error ?? 'no answer'}): its objects were not compared`);
  const deferred = features && features.major >= 20 ? deferredKafkaTables(steps) : new Map<MigrationStep, MigrationStep>();
  const runCreate = async (step: MigrationStep): Promise<void> => {
    if (!dryRun) await run(client, step.sql, `creating ${step.object}`);
    log.info(`${dryRun ? 'would create' : 'created'} ${step.object}${step.missingOn ? ` on ${step.missingOn.join(', ')} (the other servers have it)` : ''}`);
  };
  const altered = new Set<MigrationStep>();
  for (const step of steps) {
    if (step.action === 'create') {
      if (step.statement.kind === 'create-kafka-table' && [...deferred.values()].includes(step)) {
        if (!dryRun) await run(client, renderStandIn(step.statement, features!), `creating a stand-in for ${step.object}`);
        log.debug(`${step.object}: a stand-in until both its views exist`);
        continue;
      }
      await runCreate(step);
      const kafka = deferred.get(step);
      if (kafka && kafka.statement.kind === 'create-kafka-table') {
        if (!dryRun) await run(client, renderDropStandIn(kafka.statement), `dropping the stand-in for ${kafka.object}`);
        await runCreate(kafka);
      }
    } else if (step.action === 'switch') {
      const table = objectName(step.statement);
      if (!dryRun) {
        await run(client, `DROP TABLE ${table}`, `switching ${table}`);
        await run(client, step.sql, `switching ${table} (it was dropped: kch migrate makes it again)`);
      }
      log.info(`${dryRun ? 'would switch' : 'switched'} ${table} to ${step.statement.kind === 'create-kafka-table' ? 'the Kafka engine' : 'kch sink'}: it goes on from the consumer group's committed offsets`);
    } else if (step.action === 'drift') {
      log.warn(`${step.object} differs from its definition: ${step.drift.join('; ')}`);
    } else if (step.detached) {
      log.info(step.statement.kind === 'create-materialized-view'
        ? `${step.object} is not there: its stream is paused (kch resume makes it again)`
        : `${step.object} is detached (its stream is paused, kch resume): left as it is`);
    }
    for (const sql of step.settingsSql ?? []) {
      if (!dryRun) await run(client, sql, `changing the settings of ${step.object}`);
      log.info(`${dryRun ? 'would run' : 'ran'} ${sql}`);
      altered.add(step);
    }
    if (step.addProjections.length && (await addProjections(client, step, log, dryRun))) altered.add(step);
  }
  return {
    steps,
    created: steps.filter((s) => s.action === 'create' || s.action === 'switch').length,
    drifted: steps.filter((s) => s.action === 'drift').length,
    altered: altered.size,
    // A table whose projections could not be added stays as it was.
    unchanged: steps.filter((s) => s.action === 'unchanged' || (s.action === 'alter' && !altered.has(s))).length,
  };
}

/**
 * Every statement runs ON CLUSTER, and the server waits for each server to run it
 * (distributed_ddl_task_timeout, 180 s by default) before it answers, with a timeout error if one
 * does not: with a server down, nothing is started rather than every statement left half done.
 */
function refuseWithServersDown(steps: readonly MigrationStep[], replicas: readonly ReplicaTables[]): void {
  const down = replicas.filter((r) => !r.tables);
  const pending = steps.filter((s) => s.action === 'create' || s.action === 'switch' || s.addProjections.length > 0 || (s.settingsSql?.length ?? 0) > 0);
  if (down.length === 0 || pending.length === 0) return;
  throw new KchError(ErrorCodes.CLICKHOUSE_UNREACHABLE,
    `${down.map((r) => `replica ${r.host} does not answer (${r.error ?? 'no answer'})`).join('; ')}: not running the ${pending.length} change(s) to make (${pending.map((s) => s.object).slice(0, 4).join(', ')}${pending.length > 4 ? ', …' : ''}), each of which runs ON CLUSTER and waits for every server. Start it, then run kch migrate again`);
}

/**
 * Adds the projections an existing target lacks. ADD PROJECTION changes the table's metadata
 * only: parts written from then on carry the projection, and nothing about ingestion changes.
 * MATERIALIZE PROJECTION then builds it for the parts already there, as a mutation the server
 * runs in the background (mutations_sync = 0: not waited for); until it is done, queries read
 * those parts as before, with the same answers. A failure is a warning: the projections only
 * make the dashboard faster, and `kch up` should not stop for them.
 */
async function addProjections(client: ClickHouseClient, step: MigrationStep, log: Logger, dryRun: boolean): Promise<boolean> {
  const statement = step.statement;
  if (statement.kind !== 'create-merge-tree') return false;
  const names = step.addProjections.map((p) => p.name);
  const list = (items: readonly string[]): string => `projection${items.length > 1 ? 's' : ''} ${items.join(', ')}`;
  if (dryRun) {
    log.info(`would add ${list(names)} to ${step.object}, and build them for its existing rows in the background`);
    return true;
  }
  const added: string[] = [];
  for (const projection of step.addProjections) {
    try {
      await run(client, addProjectionSql(statement, projection));
      added.push(projection.name);
    } catch (error) {
      log.warn(`could not add projection ${projection.name} to ${step.object}: ${messageOf(error).split('\n')[0]}. The dashboard reads the table instead (same answers, slower).`);
    }
  }
  if (added.length === 0) return false;
  try {
    // Counted after the ADD: parts written since carry the projections already.
    const rows = await activeRows(client, statement);
    if (rows === 0) {
      log.info(`added ${list(added)} to ${step.object}`);
      return true;
    }
    await run(client, materializeProjectionsSql(statement, added), { settings: { mutations_sync: '0' } });
    log.info(`added ${list(added)} to ${step.object}; building ${added.length > 1 ? 'them' : 'it'} for its ${rows} existing rows runs in the background (a mutation, see system.mutations); queries give the same answers meanwhile`);
  } catch (error) {
    log.warn(`added ${list(added)} to ${step.object}, but could not start building ${added.length > 1 ? 'them' : 'it'} for the existing rows: ${messageOf(error).split('\n')[0]}. New rows get ${added.length > 1 ? 'them' : 'it'}; ALTER TABLE ${step.object} MATERIALIZE PROJECTION … covers the rest`);
  }
  return true;
}

/**
 * Kafka tables created together with both of their views, keyed by the last of those views: the
 * step after which the stand-in makes way for the Kafka table.
 */
function deferredKafkaTables(steps: readonly MigrationStep[]): Map<MigrationStep, MigrationStep> {
  const out = new Map<MigrationStep, MigrationStep>();
  for (const step of steps) {
    const kafka = step.statement;
    // Not one that other servers have: the stand-in's DROP … ON CLUSTER would drop theirs.
    if (step.action !== 'create' || kafka.kind !== 'create-kafka-table' || step.missingOn) continue;
    const views = steps.filter((s) => s.statement.kind === 'create-materialized-view' && s.statement.database === kafka.database && s.statement.from === kafka.table);
    if (views.length === 2 && views.every((v) => v.action === 'create') && steps.indexOf(views[0]!) > steps.indexOf(step)) out.set(views.at(-1)!, step);
  }
  return out;
}
