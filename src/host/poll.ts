/**
 * Polling with a deadline: one helper for every wait on something that becomes ready by itself
 * (a server started by a test or the benchmark, a Connect task reaching RUNNING).
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Thrown by a probe when waiting longer cannot help (the process it waits for has exited): pollUntil rethrows it at once. */
export class PollAbort extends Error {}

/** Polls `probe` until it returns a value that is not undefined, or fails after the deadline (at once on a PollAbort). */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof PollAbort) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String((last as Error).message ?? last)})` : ''}`);
    }
    await delay(intervalMs);
  }
}
