/**
 * The banner under the header: the dashboard server not answering (every number is then from
 * the last full refresh), a service down, or the pipeline waiting for its tables or its data,
 * with what to run.
 */
import type { Endpoint } from './api.js';
import type { Status } from '../../wire.js';
import { byId, h } from './dom.js';
import { clock } from './format.js';
import type { Services } from './services.js';

function waiting(status: Status): string | null {
  if (status.status !== 'waiting_for_data') return null;
  const tables = Object.entries(status.tables);
  const missing = tables.filter(([, t]) => !t.exists).map(([name]) => name);
  if (missing.length > 0) return `Waiting for the pipeline: tables ${missing.join(', ')} do not exist in database ${status.database} yet. Run kch migrate.`;
  const empty = tables.filter(([, t]) => t.role === 'target' && !t.rows).map(([name]) => name);
  return `Waiting for data: no events have reached ${empty.join(', ')} yet. Start the generator with kch generate.`;
}

export function showBanner(endpoints: readonly Endpoint<unknown>[], status: Endpoint<Status>, services: Services, lastFull: Date | null): void {
  const lines: string[] = [];
  let level: 'warn' | 'error' = 'warn';
  if (endpoints.every((e) => e.answer !== undefined && !e.answer.ok && e.answer.network)) {
    level = 'error';
    lines.push(`The dashboard server is not answering${lastFull ? `; every number below is from ${clock.format(lastFull)}.` : '.'} Is kch dashboard still running?`);
  } else {
    if (services.clickhouse.up === false) {
      level = 'error';
      lines.push(`ClickHouse is not answering — ${services.clickhouse.why}. Panels that could not refresh are dimmed.`);
    }
    if (services.kafka.up === false) {
      level = 'error';
      lines.push(`Kafka is not answering — ${services.kafka.why}. Offsets and lag are unknown until it does.`);
    }
    const line = status.answer?.ok ? waiting(status.answer.body) : null;
    if (line !== null) lines.push(line);
  }
  const banner = byId('banner', HTMLElement);
  banner.dataset.level = level;
  banner.replaceChildren(...lines.map((text) => h('p', null, text)));
  banner.hidden = lines.length === 0;
}
