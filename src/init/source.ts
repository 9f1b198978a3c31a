/**
 * The pipeline file `kch init` writes: plain TypeScript a user reads and edits, typed through the
 * package's exports, with a comment wherever the sample said something worth knowing. A file
 * init wrote carries a marker line; init adds further streams above it and edits no other file.
 */
import type { Inference, InferredField, InferredType } from './infer.js';

/** The line init adds streams above; a pipeline file without it is not init's to edit. */
export const MARKER = '// kch init adds streams above this line';

export interface SourceFacts {
  readonly sampled: number;
  readonly date: string;
  readonly bootstrap: string;
}

const reserved = new Set(['field', 'defineStream', 'defineConfig', 'seedStreams', 'default', 'const', 'class', 'function', 'import', 'export', 'new', 'delete', 'in', 'of']);

/** The variable a stream is held in. */
export function variableOf(name: string): string {
  return reserved.has(name) ? `${name}Stream` : name;
}

function typeSource(type: InferredType): string {
  switch (type.kind) {
    case 'uuid': return 'field.uuid()';
    case 'datetime': return 'field.dateTimeText()';
    case 'timestamp': return `field.timestamp({ precision: ${type.precision}${type.timeZone ? `, timeZone: '${type.timeZone}'` : ''}${type.encoding ? `, encoding: '${type.encoding}'` : ''} })`;
    case 'int': return `field.int('${type.type}')${type.strings ? '.acceptStrings()' : ''}`;
    case 'float': return `field.float()${type.strings ? '.acceptStrings()' : ''}`;
    case 'decimal': return `field.decimal({ precision: ${type.precision ?? 18}, scale: ${type.scale}, min: ${number(type.min)}, max: ${number(type.max)}${type.encoding ? `, encoding: '${type.encoding}'` : ''} })${type.strings ? '.acceptStrings()' : ''}`;
    case 'bool': return 'field.bool()';
    case 'date': return "field.date({ encoding: 'days' })";
    case 'json': return 'field.json()';
    case 'oneOf': return `field.oneOf([${type.values.map((v) => JSON.stringify(v)).join(', ')}])`;
    case 'text': {
      const options = [`maxLength: ${type.maxLength}`, ...(type.lowCardinality ? ['lowCardinality: true'] : []), ...(type.allowEmpty ? ['allowEmpty: true'] : [])];
      return options.length === 1 ? `field.text(${type.maxLength})` : `field.text({ ${options.join(', ')} })`;
    }
    case 'array': return `field.array(${typeSource(type.of)})`;
    case 'object': return `field.object({ ${type.members.map((m) => `${m.key}: ${typeSource(m.type)}${m.optional ? '.optional()' : ''}`).join(', ')} })`;
  }
}

/** A bound as source: a number (with digit separators when large), or the text of one no JavaScript number holds. */
function number(n: number | string): string {
  if (typeof n === 'string') return `'${n}'`;
  return Number.isInteger(n) && Math.abs(n) >= 10_000 ? n.toLocaleString('en-US').replaceAll(',', '_') : String(n);
}

function fieldSource(f: InferredField): string {
  const comments = [...f.notes];
  if (f.type.kind === 'text' && f.type.lowCardinality) comments.push(`${f.distinct} distinct value${f.distinct === 1 ? "" : "s"} seen (${f.examples.join(', ')}): an enumeration? field.oneOf([...]) would check it`);
  const lines = comments.map((c) => `    // ${c}`);
  const made = `${typeSource(f.type)}${f.measure ? '.measure()' : ''}${f.optional ? '.optional()' : ''}${f.path.length > 1 ? `.at('${f.path.join('.')}')` : ''}`;
  lines.push(`    ${f.name}: ${made},`);
  return lines.join('\n');
}

/** One `const <stream> = defineStream({...});` block. */
export function streamSource(inference: Inference, facts: SourceFacts): string {
  const changes = inference.changes;
  if (changes !== undefined) {
    return [
      `/** ${inference.name}: inferred by kch init from topic ${inference.topic} (${facts.sampled.toLocaleString('en-US')} messages sampled on ${facts.date}). */`,
      `const ${variableOf(inference.name)} = defineStream({`,
      `  name: '${inference.name}',`,
      ...(inference.topic === inference.name ? [] : [`  topic: '${inference.topic}',`]),
      `  description: 'Live rows of the changes in topic ${inference.topic}.',`,
      `  // A row per key (${changes.keyFrom}); ${changes.version} orders a key's changes.`,
      ...changes.notes.map((n) => `  // ${n}`),
      `  key: [${changes.key.map((k) => `'${k}'`).join(', ')}],`,
      ...(changes.envelope === 'json' ? [] : [`  envelope: '${changes.envelope}',`]),
      '  fields: {',
      ...inference.fields.map(fieldSource),
      '  },',
      ...inference.notes.map((n) => `  // ${n}`),
      '});',
    ].join('\n');
  }
  const lines = [
    `/** ${inference.name}: inferred by kch init from topic ${inference.topic} (${facts.sampled.toLocaleString('en-US')} messages sampled on ${facts.date}). */`,
    `const ${variableOf(inference.name)} = defineStream({`,
    `  name: '${inference.name}',`,
    ...(inference.topic === inference.name ? [] : [`  topic: '${inference.topic}',`]),
    `  description: 'Messages of topic ${inference.topic}.',`,
    '  fields: {',
    ...inference.fields.map(fieldSource),
    '  },',
    ...inference.notes.map((n) => `  // ${n}`),
    `  id: ${inference.id ? `'${inference.id}'` : 'null'},`,
    `  time: ${inference.time ? `'${inference.time}'` : 'null'},`,
    `  orderBy: [${inference.orderBy.map((k) => `'${k}'`).join(', ')}],`,
    ...(inference.partitionBy ? [`  partitionBy: '${inference.partitionBy}',`] : []),
    '});',
  ];
  return lines.join('\n');
}

/** A whole new pipeline file holding one stream. */
export function configSource(inference: Inference, facts: SourceFacts): string {
  return pipelineFileWith(streamSource(inference, facts), variableOf(inference.name));
}

/**
 * The pipeline file `existing` with one more stream, or undefined when it is not a file init
 * wrote (no marker, or the marker or the export moved where init cannot tell).
 */
export function addStream(existing: string, inference: Inference, facts: SourceFacts): string | undefined {
  return withStreamBlock(existing, streamSource(inference, facts), variableOf(inference.name));
}

/** A whole new pipeline file holding one stream's block (init's, or kch cdc add's), kept in `variable`. */
export function pipelineFileWith(block: string, variable: string): string {
  return [
    '// The pipeline\'s streams: every kch command run in this folder reads this file',
    '// (or the one --config / KCH_CONFIG names). Written by kch init (or kch cdc add); edit',
    '// it freely: rename a nested field\'s column (its .at() path stays), tighten a range,',
    '// make text an enumeration with field.oneOf([...]), choose other keys. A top-level',
    '// field\'s name is its JSON key. `kch migrate --dry-run` shows the SQL a change makes.',
    'import { defineConfig, defineStream, field } from \'kafka-clickhouse-pipeline\';',
    '',
    block,
    '',
    'export default defineConfig({',
    '  streams: [',
    `    ${variable},`,
    `    ${MARKER}`,
    '  ],',
    '});',
    '',
  ].join('\n');
}

/** `existing` with one more stream's block and its entry in the list, or undefined when it is not a file init wrote. */
export function withStreamBlock(existing: string, block: string, variable: string): string | undefined {
  const marker = existing.indexOf(MARKER);
  const exportAt = existing.indexOf('export default defineConfig(');
  if (marker < 0 || exportAt < 0 || exportAt > marker || existing.indexOf(MARKER, marker + 1) >= 0) return undefined;
  const lineStart = existing.lastIndexOf('\n', marker) + 1;
  const indent = existing.slice(lineStart, marker);
  const withStream = `${existing.slice(0, lineStart)}${indent}${variable},\n${existing.slice(lineStart)}`;
  return `${withStream.slice(0, exportAt)}${block}\n\n${withStream.slice(exportAt)}`;
}

/**
 * `existing` without the stream kept in `variable` (its block, the doc line above it, and its
 * entry in the list), or undefined when the file does not hold it as init and kch cdc add write it.
 */
export function withoutStreamBlock(existing: string, variable: string): string | undefined {
  const start = existing.indexOf(`\nconst ${variable} = defineStream({\n`);
  const end = start < 0 ? -1 : existing.indexOf('\n});\n', start);
  const entry = new RegExp(`\\n[ \\t]*${variable},[ \\t]*(?=\\n)`).exec(existing);
  if (start < 0 || end < 0 || !entry || existing.indexOf(MARKER) < 0) return undefined;
  const docStart = existing.lastIndexOf('\n', start - 1);
  const blockStart = docStart >= 0 && existing.slice(docStart + 1, start).startsWith('/**') ? docStart : start;
  // The blank line after the block goes with it.
  const blockEnd = existing.startsWith('\n\n', end + 4) ? end + 5 : end + 4;
  const without = `${existing.slice(0, blockStart)}${existing.slice(blockEnd)}`;
  return without.replace(new RegExp(`\\n[ \\t]*${variable},[ \\t]*(?=\\n)`), '');
}
