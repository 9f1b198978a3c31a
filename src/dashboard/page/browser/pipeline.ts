/**
 * "Pipeline health" from /api/pipeline: a card per stream, one for a cluster's servers, and the
 * consumer-lag tile. A 503 (one service down) still carries what the other service said, which
 * is drawn; with nothing at all, the last good answer stays.
 */
import type { Endpoint } from './api.js';
import type { PipelineHealth } from '../../../health/wire.js';
import { byId } from './dom.js';
import { nf0 } from './format.js';
import { kpi } from './kpi.js';
import { endpointPanel, type Panel } from './panel.js';
import { replicaCard } from './replica-card.js';
import { streamCard } from './stream-card.js';

/** What this refresh knows of the pipeline: a full answer, the partial one of a 503, or the last good one. */
export function pipelineNow(endpoint: Endpoint<PipelineHealth>): PipelineHealth | undefined {
  const answer = endpoint.answer;
  if (answer?.ok) return answer.body;
  return answer?.body?.partial ?? endpoint.last?.data;
}

export function pipelinePanel(): Panel & { readonly endpoint: Endpoint<PipelineHealth> } {
  const list = byId('streams', HTMLElement);
  return endpointPanel<PipelineHealth>('/api/pipeline', 'panel-pipeline', {
    data: pipelineNow,
    draw: (data) => {
      if (data) {
        const cards = data.streams.map((stream) => streamCard(stream, data.services));
        if (data.replicas) cards.push(replicaCard(data.cluster ?? '', data.replicas, data.streams));
        list.replaceChildren(...cards);
      }
      const lag = data ? data.streams.reduce((total, stream) => total + (stream.kafka?.lag ?? 0), 0) : 0;
      const kafkaKnown = data !== undefined && data.streams.every((stream) => stream.kafka !== null);
      kpi('kpi-lag', kafkaKnown ? nf0.format(lag) : '—', kafkaKnown ? 'messages not yet consumed, all partitions' : 'Kafka offsets unknown', kafkaKnown ? 'ready' : 'error');
    },
    // A stream's tables missing: the panel's empty state.
    isEmpty: (data) => data !== undefined && data.streams.some((stream) => stream.clickhouse !== null && !stream.clickhouse.exists),
  });
}
