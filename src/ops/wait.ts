import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

/** Waits `ms` between two looks; Ctrl-C (the signal) ends the wait with one clear line, not a stack. */
export async function nap(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    throw new KchError(ErrorCodes.TIMEOUT, `interrupted while waiting for ${what}`, { cause: error });
  }
}
