import { setTimeout as delay } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { toKchError } from './errors.js';
import { rows } from './query.js';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

/** Polls ClickHouse until a real query answers, the deadline passes, or `signal` aborts. */
export async function waitForClickHouse(client: ClickHouseClient, url: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let pause = 100;
  for (;;) {
    try {
      await rows(client, 'SELECT 1', { url });
      return;
    } catch (error) {
      const mapped = toKchError(error, url);
      if (!mapped.retriable || performance.now() + pause > deadline || options.signal?.aborted) {
        if (mapped.retriable) throw new KchError(ErrorCodes.TIMEOUT, `${mapped.message} (waited ${Math.round(options.timeoutMs / 1000)} s)`, { cause: error });
        throw mapped;
      }
    }
    await delay(pause);
    pause = Math.min(pause * 2, 1000);
  }
}
