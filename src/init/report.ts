/** What `kch init` tells the user about a sample: the fields it found, the keys, and the dead letters the sample would make. */
import type { Inference, InferredChanges, InferredType } from './infer.js';
import type { Replay } from './replay.js';

export function describeType(type: InferredType): string {
  switch (type.kind) {
    case 'uuid': return 'UUID';
    case 'datetime': return 'DateTime (local time text)';
    case 'timestamp': return `DateTime64(${type.precision}${type.timeZone ? `, '${type.timeZone}'` : ''})${type.encoding ? ` (from ${type.encoding} since 1970)` : ''}`;
    case 'int': return `${type.type}${type.strings ? ' (also as strings)' : ''}`;
    case 'float': return `Float64${type.strings ? ' (also as strings)' : ''}`;
    case 'decimal': return `Decimal(${type.precision ?? 18}, ${type.scale})${type.strings ? ' (also as strings)' : ''}${type.encoding ? ` (from ${type.encoding})` : ''}`;
    case 'bool': return 'Bool';
    case 'date': return 'Date32 (from days since 1970)';
    case 'json': return 'String (JSON text)';
    case 'oneOf': return `LowCardinality(String): ${type.values.join(', ')}`;
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

const envelopeNames: Readonly<Record<InferredChanges['envelope'], string>> = {
  debezium: 'Debezium changes',
  'debezium-flat': 'Debezium changes, flattened (ExtractNewRecordState),',
  json: 'keyed changes',
};

/** What init recognized in a topic of changes: `Debezium changes of shop.public.orders: key id (from the message key), version source.lsn, 212 snapshot reads, …`. */
export function describeChanges(changes: InferredChanges, topic: string): string {
  const counts = changes.counts.map((c) => `${n(c.count)} ${c.what}`);
  return `${envelopeNames[changes.envelope]} of ${topic}: key ${changes.key.join(', ')} (${changes.keyFrom}), version ${changes.version}${counts.length ? `, ${counts.join(', ')}` : ''}`;
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
  const changes = inference.changes;
  if (changes === undefined) lines.push('', `keys: time ${inference.time ?? 'none'}, id ${inference.id ?? 'none'}, order by (${inference.orderBy.join(', ')})${inference.partitionBy ? `, partition by ${inference.partitionBy}` : ''}`);
  else lines.push('', describeChanges(changes, facts.topic), `an upsert stream: one live row per key (${changes.key.join(', ')}), read with FINAL`);
  for (const note of changes?.notes ?? []) lines.push(`note: ${note}`);
  for (const f of inference.fields) for (const note of f.notes.filter((x) => !/^(absent|null) in /.test(x))) lines.push(`note: ${f.name}: ${note}`);
  for (const note of inference.notes) lines.push(`note: ${note}`);
  lines.push('');
  const landing = replay.messages - replay.deadLetters - replay.skipped;
  const deletes = replay.deletes > 0 ? ` (${n(replay.deletes)} of them deletes)` : '';
  const skipped = replay.skipped > 0 ? `, ${n(replay.skipped)} are no change (Debezium's tombstones after deletes)` : '';
  lines.push(`replayed through the pipeline's checks: ${n(landing)} of ${n(replay.messages)} would land in ${inference.name}${deletes}${skipped}, ${n(replay.deadLetters)} would be dead letters${replay.deadLetters ? ':' : ''}`);
  for (const r of replay.reasons.slice(0, 12)) lines.push(`  ${n(r.count).padStart(6)}  ${r.reason}   e.g. ${r.example}`);
  if (replay.reasons.length > 12) lines.push(`  … and ${replay.reasons.length - 12} other reasons`);
  return `${lines.join('\n')}\n`;
}
