import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { poll, type PollOptions } from '../time/poll.js';

/**
 * `poll` (src/time/poll.ts) for an operation that waits on the user's behalf: Ctrl-C (the signal)
 * ends the wait with one line naming what it waited for, not a stack. A look's own failure passes
 * as it is.
 */
export async function pollFor<T>(what: string, look: (remainingMs: number) => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  try {
    return await poll(look, options);
  } catch (error) {
    const { signal } = options;
    // poll throws the signal's reason before a look, or the pause's AbortError during one.
    if (signal?.aborted && (error === signal.reason || (error instanceof Error && error.name === 'AbortError'))) {
      throw new KchError(ErrorCodes.TIMEOUT, `interrupted while waiting for ${what}`, { cause: error });
    }
    throw error;
  }
}
