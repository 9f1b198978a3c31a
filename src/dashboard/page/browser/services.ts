/**
 * Whether ClickHouse and Kafka answer, from this refresh's answers (a 503 names the service that
 * did not; /api/pipeline asks both), and the header's pill for each.
 */
import type { Answer } from './api.js';
import type { PipelineHealth } from '../../../health/wire.js';
import { byId } from './dom.js';

export interface ServiceView {
  /** null: not known (no answer said). */
  readonly up: boolean | null;
  readonly why: string;
}

export interface Services {
  readonly clickhouse: ServiceView;
  readonly kafka: ServiceView;
}

/**
 * `answers`: every answer of this refresh; `pipeline`: /api/pipeline's among them, and `health`
 * what it said, in full or in part (a 503's).
 */
export function servicesOf(answers: readonly Answer<unknown>[], pipeline: Answer<PipelineHealth> | undefined, health: PipelineHealth | undefined): Services {
  let clickhouse: ServiceView = { up: null, why: '' };
  let kafka: ServiceView = { up: null, why: '' };
  for (const answer of answers) {
    if (!answer.ok && !answer.network && answer.body) {
      if (answer.body.service === 'clickhouse') clickhouse = { up: false, why: answer.body.error };
      if (answer.body.service === 'kafka') kafka = { up: false, why: answer.body.error };
    }
    // Every other endpoint asks ClickHouse alone: one that answered says it is up, unless another said not.
    if (answer.ok && answer !== pipeline && clickhouse.up === null) clickhouse = { up: true, why: '' };
  }
  if (health) {
    const ch = health.services.clickhouse;
    clickhouse = {
      up: clickhouse.up === false ? false : ch.up,
      why: ch.up ? clickhouse.why : ch.error ?? '',
    };
    const k = health.services.kafka;
    kafka = { up: k.up, why: k.up ? kafka.why : k.error ?? '' };
  }
  return { clickhouse, kafka };
}

export function showService(id: string, state: ServiceView): void {
  const pill = byId(id, HTMLElement);
  pill.dataset.up = state.up === null ? 'unknown' : state.up ? 'yes' : 'no';
  pill.title = state.up === null ? 'Unknown' : state.up ? 'Reachable' : state.why;
}
