import { poll } from '../../time/poll.js';

/** Thrown by a probe when waiting longer cannot help (the process it waits for has exited): pollUntil rethrows it at once. */
export class PollAbort extends Error {}

/**
 * Polls `probe` (src/time/poll.ts) until it returns a value that is not undefined, or fails once the
 * deadline passed, naming the probe's last error (at once on a PollAbort).
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  let last: unknown;
  const value = await poll(async () => {
    try {
      return await probe();
    } catch (error) {
      if (error instanceof PollAbort) throw error;
      last = error;
      return undefined;
    }
  }, { timeoutMs, pauseMs: intervalMs });
  if (value === undefined) {
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String((last as Error).message ?? last)})` : ''}`);
  }
  return value;
}
