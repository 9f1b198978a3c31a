import type { Statement } from '../pipeline/plan.js';
import type { Existing } from '../clickhouse/system.js';
import { literal } from '../pipeline/quote.js';

/** Normalizes spacing so `Decimal(18, 2)` and `Decimal(18,2)` compare equal. */
function normalizeType(type: string): string {
  return type.replace(/\s+/g, '');
}

/**
 * Differences between what a statement would create and what the server has. Reported, never
 * applied here: changing a Kafka table or a view safely is a migration of its own.
 */
export function driftOf(statement: Statement, existing: Existing): string[] {
  const out: string[] = [];
  const expectEngine = (engine: string): void => {
    if (existing.engine !== engine) out.push(`engine is ${existing.engine}, the definition wants ${engine}`);
  };
  const compareColumns = (columns: readonly { name: string; type: string }[]): void => {
    for (const column of columns) {
      const type = existing.columns.get(column.name);
      if (type === undefined) out.push(`column ${column.name} ${column.type} is missing`);
      else if (normalizeType(type) !== normalizeType(column.type)) out.push(`column ${column.name} is ${type}, the definition wants ${column.type}`);
    }
    const wanted = new Set(columns.map((c) => c.name));
    for (const name of existing.columns.keys()) {
      if (!wanted.has(name)) out.push(`column ${name} is not in the definition`);
    }
  };
  switch (statement.kind) {
    case 'create-database':
      break;
    case 'create-merge-tree':
      if (!existing.engine.endsWith('MergeTree')) expectEngine(statement.replicated ? 'ReplicatedMergeTree' : 'MergeTree');
      else if (statement.replicated && !existing.engine.startsWith('Replicated')) out.push(`engine is ${existing.engine}, the definition wants ReplicatedMergeTree`);
      else if (Boolean(statement.replacing) !== existing.engine.includes('Replacing')) {
        // An append stream made an upsert one (a key given), or back: the rows would be kept otherwise.
        out.push(`engine is ${existing.engine}, the definition wants ${statement.replicated ? 'Replicated' : ''}${statement.replacing ? 'Replacing' : ''}MergeTree`);
      }
      compareColumns(statement.columns);
      break;
    case 'create-distributed':
      expectEngine('Distributed');
      if (!existing.createQuery.includes(statement.local)) out.push(`does not read ${statement.local}`);
      break;
    case 'create-kafka-table':
      expectEngine('Kafka');
      compareColumns(statement.columns);
      for (const [key, value] of Object.entries(statement.settings)) {
        const text = typeof value === 'number' ? String(value) : literal(value);
        if (!existing.createQuery.includes(`${key} = ${text}`)) out.push(`setting ${key} differs from ${text}`);
      }
      break;
    case 'create-null-table':
      expectEngine('Null');
      compareColumns(statement.columns);
      break;
    case 'create-materialized-view':
      expectEngine('MaterializedView');
      if (!existing.createQuery.includes(`TO ${statement.database}.${statement.to}`)) out.push(`does not write to ${statement.database}.${statement.to}`);
      break;
    case 'create-view':
      expectEngine('View');
      if (!existing.createQuery.includes(`${statement.database}.${statement.from}`)) out.push(`does not read ${statement.database}.${statement.from}`);
      break;
  }
  return out;
}
