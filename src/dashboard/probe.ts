/**
 * Readiness of a dashboard, for a supervisor (`kch up`) or a container healthcheck: its own
 * `/healthz` answers 200 as soon as it listens, whether or not ClickHouse and Kafka do.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';

/** Polls `<url>healthz` until it answers 200, the deadline passes or `signal` aborts. */
export async function waitForDashboard(url: string, options: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Promise<void> {
  const target = new URL('healthz', url);
  const deadline = performance.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
      last = new Error(`HTTP ${response.status}`);
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new KchError(ErrorCodes.TIMEOUT, `the dashboard at ${url} did not answer within ${Math.round(options.timeoutMs / 1000)} s (${messageOf(last)})`, { retriable: true, cause: last });
    }
    await delay(200, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}
