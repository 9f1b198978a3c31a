/**
 * Readiness of a dashboard, for a supervisor (`kch up`) or a container healthcheck: its own
 * `/healthz` answers 200 as soon as it listens, whether or not ClickHouse and Kafka do.
 */
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import { poll } from '../time/poll.js';

/** Polls `<url>healthz` until it answers 200, the deadline passes or `signal` aborts. */
export async function waitForDashboard(url: string, options: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Promise<void> {
  const target = new URL('healthz', url);
  let last: unknown;
  const answered = await poll(async () => {
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return true;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error;
    }
    return undefined;
  }, { timeoutMs: options.timeoutMs, pauseMs: 200, ...(options.signal ? { signal: options.signal } : {}) });
  if (!answered) {
    throw new KchError(ErrorCodes.TIMEOUT, `the dashboard at ${url} did not answer within ${Math.round(options.timeoutMs / 1000)} s (${messageOf(last)})`, { retriable: true, cause: last });
  }
}
