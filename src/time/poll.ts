/**
 * The one way to wait for something that has no event to wait on: look, pause, look again, until
 * it is there or a deadline passes. Callers say what a timeout means (each has its own error), so
 * the deadline's passing is an answer here, not an error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

export interface PollOptions {
  /** The whole wait, from the call; the last look happens at the deadline at the latest. */
  readonly timeoutMs: number;
  /** The pause after the first look. @default 100 */
  readonly pauseMs?: number;
  /** Pauses double after each look up to this (a fixed pace when equal to `pauseMs`). @default pauseMs */
  readonly maxPauseMs?: number;
  /** Aborting ends the wait at once, with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Pauses do not keep the process alive (a supervisor's background wait). @default true */
  readonly ref?: boolean;
}

/**
 * Calls `look` until it returns a value other than undefined and returns that value, or returns
 * undefined once the deadline has passed. `look` is given the time left, for a request that must
 * not outlast the wait; an error it throws ends the poll (a look that may fail for a while
 * catches, keeps the reason it needs, and returns undefined).
 */
export async function poll<T>(look: (remainingMs: number) => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T | undefined> {
  const deadline = performance.now() + options.timeoutMs;
  const maxPause = options.maxPauseMs ?? options.pauseMs ?? 100;
  let pause = options.pauseMs ?? 100;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await look(Math.max(0, deadline - performance.now()));
    if (value !== undefined) return value;
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    await delay(Math.min(pause, left), undefined, { ...(options.signal ? { signal: options.signal } : {}), ref: options.ref ?? true });
    pause = Math.min(pause * 2, maxPause);
  }
}

/** Thrown by a probe when waiting longer cannot help (the process it waits for has exited): pollUntil rethrows it at once. */
export class PollAbort extends Error {}

/**
 * Polls `probe` (with poll above) until it returns a value that is not undefined, or fails once the
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
    throw new KchError(ErrorCodes.TIMEOUT, `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String((last as Error).message ?? last)})` : ''}`);
  }
  return value;
}
