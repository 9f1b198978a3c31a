/**
 * The page's client of the JSON API: one `Endpoint` per path, which keeps its newest good answer
 * (redrawn on resize, still shown — and named stale — while refreshes fail) and this refresh's.
 */
import type { ErrorBody, Service } from '../../wire.js';
import type { PipelineHealth } from '../../../health/wire.js';
import { clock } from './format.js';

/** An answer with a 2xx status and a JSON body. */
export interface Good<T> { readonly ok: true; readonly status: number; readonly body: T }
/** The server answered, with an error (its body when it was one of ours). */
export interface Refused { readonly ok: false; readonly network: false; readonly status: number; readonly body: ErrorBody | null }
/** No answer: the server is not running, or not within the time allowed. */
export interface Unreached { readonly ok: false; readonly network: true; readonly status: 0; readonly body: null; readonly timedOut: boolean }
export type Answer<T> = Good<T> | Refused | Unreached;

const services: readonly unknown[] = ['clickhouse', 'kafka'] satisfies Service[];

/** The API's error body, when `value` is one: checked, as it is read on any status. */
function errorBody(value: unknown): ErrorBody | null {
  if (typeof value !== 'object' || value === null || !('error' in value) || typeof value.error !== 'string') return null;
  const service = 'service' in value && services.includes(value.service) ? value.service as Service : undefined;
  const partial = 'partial' in value && typeof value.partial === 'object' && value.partial !== null ? value.partial as PipelineHealth : undefined;
  return { error: value.error, ...(service ? { service } : {}), ...(partial ? { partial } : {}) };
}

async function fetchJson<T>(path: string, signal: AbortSignal): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(path, { signal, cache: 'no-store', headers: { accept: 'application/json' } });
  } catch {
    return { ok: false, network: true, status: 0, body: null, timedOut: signal.aborted };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  // The one place the page takes the server's word for a shape: the page reads the server's own
  // types (src/dashboard/wire.ts, src/health/wire.ts), so a good answer is what the page expects.
  if (response.ok && body !== undefined) return { ok: true, status: response.status, body: body as T };
  return { ok: false, network: false, status: response.status, body: errorBody(body) };
}

export class Endpoint<T> {
  /** This refresh's answer; undefined before the first. */
  answer: Answer<T> | undefined;
  /** The newest good answer, and when it came. */
  last: { readonly at: Date; readonly data: T } | undefined;

  constructor(readonly path: string) {}

  async refresh(signal: AbortSignal): Promise<void> {
    this.answer = await fetchJson<T>(this.path, signal);
    if (this.answer.ok) this.last = { at: new Date(), data: this.answer.body };
  }

  /** Why this refresh failed, and from when the data still shown is; null when it did not fail. */
  failure(): string | null {
    const answer = this.answer;
    if (answer === undefined || answer.ok) return null;
    return describeFailure(answer) + (this.last ? ` — showing data from ${clock.format(this.last.at)}.` : '');
  }
}

export function describeFailure(answer: Refused | Unreached): string {
  if (answer.network) return answer.timedOut ? 'The dashboard server did not answer in time' : 'The dashboard server is not answering';
  return answer.body?.error ?? `HTTP ${answer.status}`;
}
