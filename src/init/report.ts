/** What `kch init` tells the user about a sample: the fields it found, the keys, and the dead letters the sample would make. */
import type { Inference, InferredType } from './infer.js';
import type { Replay } from './replay.js';

export function describeType(type: InferredType): string {
  switch (type.kind) {
    case 'uuid': return 'UUID';
    case 'datetime': return 'DateTime (local time text)';
    case 'timestamp': return `DateTime64(${type.precision}${type.timeZone ? `, '${type.timeZone}'` : ''})`;
    case 'int': return `${type.type}${type.strings ? ' (also as strings)' : ''}`;
    case 'float': return `Float64${type.strings ? ' (also as strings)' : ''}`;
    case 'decimal': return `Decimal(${type.precision ?? 18}, ${type.scale})${type.strings ? ' (also as strings)' : ''}`;
    case 'bool': return 'Bool';
    case 'text': return `${type.lowCardinality ? 'LowCardinality(String)' : 'String'} ≤ ${type.maxLength} bytes${type.allowEmpty ? ', empty allowed' : ''}`;
    case 'array': return `Array(${describeType(type.of)})`;
    case 'object': return `Tuple(${type.members.map((m) => `${m.key} ${m.optional ? `Nullable(${describeType(m.type)})` : describeType(m.type)}`).join(', ')})`;
  }
}

const n = (value: number | bigint): string => value.toLocaleString('en-US');

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export interface ReportFacts {
  readonly topic: string;
  readonly sampled: number;
  readonly available: bigint;
  readonly partitions: number;
  readonly seconds: number;
}

export function renderReport(inference: Inference, replay: Replay, facts: ReportFacts): string {
  const lines: string[] = [];
  lines.push(`topic ${facts.topic}: ${n(facts.sampled)} messages sampled of ${n(facts.available)} (${facts.partitions} partition${facts.partitions === 1 ? '' : 's'}) in ${facts.seconds.toFixed(1)} s`, '');
  lines.push(table([
    ['FIELD', 'TYPE', 'REQUIRED', 'ABSENT', 'NULL', 'SEEN'],
    ...inference.fields.map((f) => [
      f.path.length > 1 ? `${f.name} (${f.path.join('.')})` : f.name,
      describeType(f.type),
      f.optional ? 'no' : 'yes',
      n(f.absent),
      n(f.nulls),
      f.examples.join(', '),
    ]),
  ]));
  lines.push('', `keys: time ${inference.time ?? 'none'}, id ${inference.id ?? 'none'}, order by (${inference.orderBy.join(', ')})${inference.partitionBy ? `, partition by ${inference.partitionBy}` : ''}`);
  for (const f of inference.fields) for (const note of f.notes.filter((x) => !/^(absent|null) in /.test(x))) lines.push(`note: ${f.name}: ${note}`);
  for (const note of inference.notes) lines.push(`note: ${note}`);
  lines.push('');
  const landing = replay.messages - replay.deadLetters;
  lines.push(`replayed through the pipeline's checks: ${n(landing)} of ${n(replay.messages)} would land in ${inference.name}, ${n(replay.deadLetters)} would be dead letters${replay.deadLetters ? ':' : ''}`);
  for (const r of replay.reasons.slice(0, 12)) lines.push(`  ${n(r.count).padStart(6)}  ${r.reason}   e.g. ${r.example}`);
  if (replay.reasons.length > 12) lines.push(`  … and ${replay.reasons.length - 12} other reasons`);
  return `${lines.join('\n')}\n`;
}
