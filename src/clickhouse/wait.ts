import type { ClickHouseClient } from '@clickhouse/client';
import { toKchError } from './errors.js';
import { rows } from './query.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { poll } from '../time/poll.js';

/** Polls ClickHouse until a real query answers, the deadline passes, or `signal` aborts. */
export async function waitForClickHouse(client: ClickHouseClient, url: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  // What a wait that ends unanswered says: the server's last refusal, and for how long it was asked.
  let unanswered: KchError | undefined;
  const answered = await poll(async () => {
    try {
      await rows(client, 'SELECT 1', { url });
      return true;
    } catch (error) {
      const mapped = toKchError(error, url);
      if (!mapped.retriable) throw mapped;
      unanswered = new KchError(ErrorCodes.TIMEOUT, `${mapped.message} (waited ${Math.round(options.timeoutMs / 1000)} s)`, { cause: error });
      // Aborting ends the wait after a refused look, with that refusal.
      if (options.signal?.aborted) throw unanswered;
      return undefined;
    }
  }, { timeoutMs: options.timeoutMs, pauseMs: 100, maxPauseMs: 1000 });
  // poll looks at least once, so an unanswered wait has its refusal.
  if (!answered) throw unanswered as KchError;
}
