/** The `defineStream({...})` block `kch cdc add` writes for a captured table (init/source.ts places it in kch.config.ts). */
import { variableOf } from '../init/source.js';
import type { ColumnField } from './fields.js';

export interface CapturedStream {
  readonly name: string;
  /** The stream's topic before the pipeline's prefix (connector.ts, streamTopic). */
  readonly topic: string;
  readonly schema: string;
  readonly table: string;
  /** The database as the URL names it, without its password. */
  readonly shown: string;
  readonly connector: string;
  readonly key: readonly string[];
  readonly fields: readonly ColumnField[];
  /** Columns left out, each with why: said in the block. */
  readonly left: readonly { readonly column: string; readonly why: string }[];
  /** YYYY-MM-DD */
  readonly date: string;
}

/** A string as a single-quoted JavaScript literal. */
function quoted(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function capturedStreamSource(s: CapturedStream): string {
  const fieldLines = s.fields.flatMap((f) => [...(f.note ? [`    // ${f.note}`] : []), `    ${f.column}: ${f.source},`]);
  return [
    `/** ${s.name}: the rows of ${s.schema}.${s.table} (${s.shown}), captured by kch cdc add on ${s.date} through connector ${s.connector}. */`,
    `const ${variableOf(s.name)} = defineStream({`,
    `  name: ${quoted(s.name)},`,
    `  topic: ${quoted(s.topic)},`,
    `  description: ${quoted(`Live rows of PostgreSQL table ${s.schema}.${s.table}.`)},`,
    // The primary key names a row; Debezium's envelope carries each change, ordered by its LSN.
    `  key: [${s.key.map(quoted).join(', ')}],`,
    '  envelope: \'debezium\',',
    '  fields: {',
    ...fieldLines,
    '  },',
    ...s.left.map((l) => `  // not captured: ${l.column} (${l.why})`),
    '});',
  ].join('\n');
}
