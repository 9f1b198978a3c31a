import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../log.js';
import type { Statement } from '../pipeline/plan.js';
import { objectName, render } from '../pipeline/render.js';
import { driftOf } from './drift.js';
import { databaseExists, existingTables, tableOf, type Existing } from './inspect.js';
import { detachedTables, viewQueryDiffers } from './view-query.js';

export interface MigrationStep {
  readonly statement: Statement;
  readonly sql: string;
  readonly object: string;
  /** create: will be / was created; unchanged: exists as defined; drift: exists but differs. */
  readonly action: 'create' | 'unchanged' | 'drift';
  readonly drift: readonly string[];
  /** The object exists but is detached (a stream paused by `kch pause`): left alone, not compared. */
  readonly detached?: boolean;
}

export interface MigrationResult {
  readonly steps: readonly MigrationStep[];
  readonly created: number;
  readonly drifted: number;
}

/** Compares the plan with the server: what would be created, what is there, what differs. */
export async function diffPlan(client: ClickHouseClient, plan: readonly Statement[]): Promise<MigrationStep[]> {
  const byDatabase = new Map<string, Map<string, Existing> | undefined>();
  const detachedBy = new Map<string, Set<string> | undefined>();
  const steps: MigrationStep[] = [];
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
      steps.push({ statement, sql, object, action: tables ? 'unchanged' : 'create', drift: [] });
      continue;
    }
    const existing = tables?.get(table);
    if (!existing) {
      if (isDetached(statement, tables, detachedBy.get(statement.database), plan)) steps.push({ statement, sql, object, action: 'unchanged', drift: [], detached: true });
      else steps.push({ statement, sql, object, action: 'create', drift: [] });
      continue;
    }
    const drift = driftOf(statement, existing);
    if (statement.kind === 'create-materialized-view' && drift.length === 0 && (await viewQueryDiffers(client, statement.database, statement.view, sql))) {
      drift.push('its query differs from the definition (a field, a check or a conversion changed)');
    }
    steps.push({ statement, sql, object, action: drift.length ? 'drift' : 'unchanged', drift });
  }
  return steps;
}

/**
 * Whether a missing object is in fact detached (a paused stream's Kafka table). Where the server
 * cannot list detached tables, a Kafka table is taken as detached when a view reading it exists:
 * only a detach leaves views without their source.
 */
function isDetached(statement: Statement, tables: Map<string, Existing> | undefined, detached: Set<string> | undefined, plan: readonly Statement[]): boolean {
  const table = tableOf(statement);
  if (table === undefined || !tables) return false;
  if (detached) return detached.has(table);
  return statement.kind === 'create-kafka-table'
    && plan.some((s) => s.kind === 'create-materialized-view' && s.database === statement.database && s.from === table && tables.has(s.view));
}

/**
 * Creates what is missing, in plan order; leaves what exists alone and reports drift. Running
 * it twice changes nothing the second time.
 */
export async function applyPlan(client: ClickHouseClient, plan: readonly Statement[], log: Logger, dryRun = false): Promise<MigrationResult> {
  const steps = await diffPlan(client, plan);
  for (const step of steps) {
    if (step.action === 'create') {
      if (!dryRun) await client.command({ query: step.sql });
      log.info(`${dryRun ? 'would create' : 'created'} ${step.object}`);
    } else if (step.action === 'drift') {
      log.warn(`${step.object} differs from its definition: ${step.drift.join('; ')}`);
    } else if (step.detached) {
      log.info(`${step.object} is detached (its stream is paused, kch resume): left as it is`);
    }
  }
  return {
    steps,
    created: steps.filter((s) => s.action === 'create').length,
    drifted: steps.filter((s) => s.action === 'drift').length,
  };
}
