/**
 * A ClickHouse cluster's card in "Pipeline health": a row per server with what it holds of each
 * stream (rows, the partitions it consumes and their lag where that is known, dead letters), or
 * why it does not answer.
 */
import type { PipelineHealth, ReplicaHealth } from '../../../health/wire.js';
import { h } from './dom.js';
import { nf0 } from './format.js';

function held(replica: ReplicaHealth, stream: string): readonly [string, string] {
  const facts = replica.streams.find((x) => x.name === stream);
  if (!facts) return ['—', '—'];
  // The partitions it consumes and their lag, where the server (23.8+) or Kafka tells.
  const lag = facts.lag !== null && facts.partitions && facts.partitions.length > 0 ? ` · lag ${nf0.format(facts.lag)}` : '';
  const parts = facts.partitions ? (facts.partitions.length > 0 ? ` · p${facts.partitions.join(',')}` : ' · no partition') + lag : '';
  return [nf0.format(facts.rows) + parts, nf0.format(facts.dead_letters)];
}

export function replicaCard(cluster: string, replicas: readonly ReplicaHealth[], streams: PipelineHealth['streams']): HTMLElement {
  const card = h('article', 'stream replicas');
  const down = replicas.filter((r) => !r.up);
  card.dataset.health = down.length > 0 ? 'warn' : 'ok';
  const head = h('header');
  head.append(
    h('h3', null, `Cluster ${cluster}`),
    h('span', 'route', `${replicas.length - down.length} of ${replicas.length} servers answer`),
    h('span', 'badge', down.length > 0 ? `${down.length} down` : 'All up'),
  );
  const table = h('table', 'parts');
  const headRow = h('tr');
  headRow.append(h('th', null, 'Server'), h('th', 'num', 'Shard'));
  for (const stream of streams) headRow.append(h('th', 'num', `${stream.name} rows`), h('th', 'num', 'dead letters'));
  table.createTHead().append(headRow);
  const body = table.createTBody();
  for (const replica of replicas) {
    const tr = h('tr');
    tr.dataset.replica = replica.host;
    tr.append(h('td', null, replica.host), h('td', 'num', String(replica.shard)));
    if (!replica.up) {
      const why = h('td', 'lagging', `down: ${replica.error ?? 'unknown'}`);
      why.colSpan = 2 * streams.length;
      tr.append(why);
    } else {
      for (const stream of streams) {
        const [rows, deadLetters] = held(replica, stream.name);
        tr.append(h('td', 'num', rows), h('td', 'num', deadLetters));
      }
    }
    body.append(tr);
  }
  card.append(head, table);
  return card;
}
