/**
 * A stream's card in "Pipeline health": its badge (the worst of what both ends say), what Kafka
 * and ClickHouse hold, its rows per minute, its problems in `kch status`'s words, and its lag per
 * partition. A side that could not be asked shows "—" with the reason in the tooltip.
 */
import type { PipelineHealth, StreamHealth, StreamTable } from '../../../health/wire.js';
import { h, stat } from './dom.js';
import { ago, nf0, nf1 } from './format.js';
import { sparkline } from './sparkline.js';

type Health = 'ok' | 'warn' | 'down' | 'idle';

/** More than ~10 s of work waiting: a few uncommitted messages are normal while events flow. */
export function backlog(stream: StreamHealth): boolean {
  if (!stream.kafka) return false;
  const rate = stream.clickhouse?.exists ? stream.clickhouse.rows_per_second : 0;
  return stream.kafka.lag > Math.max(10, rate * 10);
}

function judge(stream: StreamHealth): { health: Health; badge: string } {
  const k = stream.kafka;
  const c = stream.clickhouse;
  if (!c) return { health: 'down', badge: 'ClickHouse down' };
  if (!c.exists) return { health: 'down', badge: 'Not migrated' };
  // kch status's judgement, from the server (most recent messages dead letters).
  if (stream.problems.length > 0) return { health: 'down', badge: 'Mostly dead letters' };
  if (!k) return { health: 'down', badge: 'Kafka down' };
  if (k.messages === 0 && c.rows === 0) return { health: 'idle', badge: 'No data yet' };
  if (backlog(stream) && c.freshness_seconds !== null && c.freshness_seconds > 60) return { health: 'warn', badge: 'Lagging' };
  if (c.dead_letters !== null && c.dead_letters > 0) return { health: 'warn', badge: 'Dead letters' };
  if (backlog(stream)) return { health: 'ok', badge: 'Catching up' };
  return { health: 'ok', badge: 'Healthy' };
}

/** [value, class, tooltip] of one figure. */
type Figure = readonly [string, string, string];

export function streamCard(stream: StreamHealth, services: PipelineHealth['services']): HTMLElement {
  const card = h('article', 'stream');
  card.dataset.stream = stream.name;
  const k = stream.kafka;
  const c: StreamTable | null = stream.clickhouse?.exists ? stream.clickhouse : null;
  const { health, badge } = judge(stream);
  card.dataset.health = health;
  const head = h('header');
  head.append(h('h3', null, stream.name), h('span', 'route', `${stream.topic} → ${stream.table}`), h('span', 'badge', badge));

  const stats = h('dl', 'stats');
  const unknown = (why: string): Figure => ['—', 'unknown', why];
  const kafkaWhy = services.kafka.error || 'Kafka could not be asked';
  const chWhy = services.clickhouse.error || 'ClickHouse could not be asked';
  const row = (label: string, [value, className, title]: Figure): void => { stats.append(stat(label, value, className, title)); };
  row('In Kafka', k ? [nf0.format(k.messages), '', `log-end offsets summed over ${k.partitions.length} partition(s)`] : unknown(kafkaWhy));
  row('In table', c ? [nf0.format(c.rows), '', `rows in ${stream.table}`] : unknown(chWhy));
  row('Consumer lag', k ? [nf0.format(k.lag), backlog(stream) ? 'warn' : '', `group ${stream.group}`] : unknown(kafkaWhy));
  row('Ingest', c ? [`${nf1.format(c.rows_per_second)}/s`, '', 'rows per second over the last minute'] : unknown(chWhy));
  row('Freshness', c ? [ago(c.freshness_seconds), (c.freshness_seconds ?? 0) > 300 ? 'warn' : '', c.newest_row_at ? `newest row landed ${c.newest_row_at}` : 'no rows yet'] : unknown(chWhy));
  const recent = c?.recent;
  const lately = recent ? `; ${nf0.format(recent.dead_letters)} of the ${nf0.format(recent.rows + recent.dead_letters)} messages of the last ${Math.round(recent.window_seconds / 60)} min` : '';
  row('Dead letters', c && c.dead_letters !== null ? [nf0.format(c.dead_letters), c.dead_letters > 0 ? 'bad' : '', `rows in ${stream.dead_letter_table}${lately}`] : unknown(chWhy));
  card.append(head, stats);
  for (const problem of stream.problems) card.append(h('p', 'problem', problem));

  if (c) {
    const spark = h('div', 'spark');
    spark.append(sparkline(c.ingest.rows));
    const caption = h('div', 'spark-caption');
    caption.append(h('span', null, `rows per minute, last ${c.ingest.rows.length} min`), h('span', null, `peak ${nf0.format(Math.max(0, ...c.ingest.rows))}`));
    card.append(spark, caption);
  }
  if (k && k.partitions.length > 0) {
    const table = h('table', 'parts');
    const headRow = h('tr');
    headRow.append(h('th', null, 'Partition'), h('th', 'num', 'Log end'), h('th', 'num', 'Committed'), h('th', 'num', 'Lag'));
    table.createTHead().append(headRow);
    const body = table.createTBody();
    for (const p of k.partitions) {
      const tr = h('tr');
      tr.append(
        h('td', null, String(p.partition)),
        h('td', 'num', nf0.format(p.end_offset)),
        h('td', 'num', p.committed === null ? 'none yet' : nf0.format(p.committed)),
        h('td', `num${backlog(stream) && p.lag > 0 ? ' lagging' : ''}`, nf0.format(p.lag)),
      );
      body.append(tr);
    }
    card.append(table);
  }
  return card;
}
