/** `kch status`'s screen: services, one line per stream, partitions, problems, the verdict. */
import { replicaLag } from '../clickhouse/replicas.js';
import { streamError } from './judge.js';
import type { ServiceStatus, StatusReport } from './model.js';

/** What a service's version is of. */
const serviceNames: Readonly<Record<string, string>> = { kafka: 'Kafka ', clickhouse: 'ClickHouse ', connect: 'Kafka Connect ' };

export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** The report as a screen of text: services, one line per stream, partitions, problems. */
export function renderStatus(report: StatusReport): string {
  const lines: string[] = [];
  const service = (name: string, s: ServiceStatus): string =>
    `${name.padEnd(11)}${s.reachable && !s.error ? 'up  ' : 'DOWN'}  ${s.address}${s.version ? `  ${serviceNames[name] ?? ''}${s.version}` : ''}${s.detail ? `  (${s.detail})` : ''}${s.error ? `\n           ${s.error}` : ''}`;
  lines.push(service('kafka', report.kafka));
  const brokers = report.kafka.brokers ?? [];
  if (brokers.length > 1 || brokers.some((b) => !b.up)) lines.push(`           brokers: ${brokers.map((b) => `${b.id} ${b.up ? b.address ?? 'up' : 'DOWN'}`).join(', ')}`);
  for (const warning of report.kafka.warnings ?? []) lines.push(`           ${warning}`);
  lines.push(service('clickhouse', report.clickhouse));
  for (const r of report.replicas ?? []) {
    const partitions = (name: string): string => {
      const held = r.consumes?.[name];
      if (!held) return '';
      const stream = report.streams.find((s) => s.name === name);
      const lag = replicaLag(held, stream?.lag === null ? undefined : stream?.partitions);
      return (held.length ? `, partition${held.length > 1 ? 's' : ''} ${held.join(', ')}` : ', no partition') + (held.length && lag !== null ? `, lag ${lag.toLocaleString('en-US')}` : '');
    };
    const held = Object.entries(r.streams).map(([name, n]) => `${name} ${n.rows.toLocaleString('en-US')} rows, ${n.deadLetters.toLocaleString('en-US')} dead letters${partitions(name)}`).join('; ');
    lines.push(`           replica ${r.host} (shard ${r.shard}) ${r.reachable ? `up: ${held || 'no tables yet'}` : `DOWN: ${r.error ?? 'no answer'}`}`);
  }
  if (report.replicas?.some((r) => r.reachable) && !report.replicas.some((r) => r.consumes)) {
    lines.push('           which partitions each replica consumes: not told by this server (system.kafka_consumers, ClickHouse 23.8+), nor by Kafka (its group members cannot be told apart by address)');
  }
  if (report.connect) {
    lines.push(service('connect', report.connect));
    for (const c of report.connect.connectors) {
      const tasks = c.tasks.length === 0 ? 'no task' : c.tasks.map((t) => `task ${t.id} ${t.state}`).join(', ');
      lines.push(`           ${c.name} ${c.state} (${tasks}): ${c.table} → stream ${c.stream}`);
    }
  }
  lines.push('');
  const n = (value: number | null): string => (value === null ? '?' : value.toLocaleString('en-US'));
  const header = ['STREAM', 'STATE', 'HEALTH', 'GROUP', 'LAG', 'ROWS', 'ROWS/S', 'NEWEST', 'PARTS', 'DEAD LETTERS'];
  const table = report.streams.map((s) => [
    s.name,
    s.ingest === 'sink' && s.consumption === 'consuming' ? 'consuming (sink)' : s.consumption,
    s.health,
    s.groupState === null ? '?' : `${s.groupState.toLowerCase()} (${s.groupMembers})`,
    n(s.lag),
    n(s.rows),
    s.rowsPerSecond === null ? '?' : String(s.rowsPerSecond),
    s.freshnessSeconds === null ? '-' : `${formatSeconds(s.freshnessSeconds)} ago`,
    n(s.parts),
    s.deadLetters === null ? '?' : `${n(s.deadLetters)} (${n(s.deadLettersPending)} pending)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(line(header), ...table.map(line), '');
  for (const s of report.streams) {
    if (s.partitions.length > 0) {
      lines.push(`${s.name}: ${s.partitions.map((p) => `p${p.partition} ${p.committed ?? '-'}/${p.end} lag ${p.lag}${p.committedAhead ? ' (committed beyond the end: topic truncated or made again?)' : ''}`).join(', ')}  (committed/end, group ${s.group})`);
    }
    const error = streamError(s);
    if (error) lines.push(`${s.name}: consumer error: ${error.split('\n')[0]}`);
    for (const problem of s.problems) lines.push(`${s.name}: ${problem}`);
  }
  for (const problem of report.connect?.problems ?? []) lines.push(`connect: ${problem}`);
  lines.push(report.healthy ? 'healthy' : 'UNHEALTHY');
  return `${lines.join('\n')}\n`;
}
