import { setTimeout as delay } from 'node:timers/promises';

/** Polls `probe` until it returns a value that is not undefined, or fails after the deadline. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String((last as Error).message ?? last)})` : ''}`);
    }
    await delay(intervalMs);
  }
}
