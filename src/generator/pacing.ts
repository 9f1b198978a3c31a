import { ErrorCodes, KchError } from '../errors/kch-error.js';

/** How fast the generator goes. */
export type Pace =
  | { readonly kind: 'seed' }
  | { readonly kind: 'rate'; readonly perSecond: number }
  | { readonly kind: 'max' };

export function parsePace(text: string): Pace {
  const value = text.trim().toLowerCase();
  if (value === 'seed') return { kind: 'seed' };
  if (value === 'max') return { kind: 'max' };
  const perSecond = Number(value);
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    throw new KchError(ErrorCodes.USAGE, `--rate must be a positive number of events per second, "max" or "seed", got ${JSON.stringify(text)}`);
  }
  return { kind: 'rate', perSecond };
}

/** The seed's pause between two events: uniform 0.5–1.5 s. */
export function seedPauseMs(random: () => number = Math.random): number {
  return 500 + random() * 1000;
}

/** Events due by `elapsedMs` at a fixed rate, minus those already made. */
export function dueEvents(perSecond: number, elapsedMs: number, made: number): number {
  return Math.max(0, Math.floor((elapsedMs * perSecond) / 1000) - made);
}

/**
 * How long a fixed-rate generator lets events gather before it sends them, like a producer's
 * linger: a batch per millisecond costs the broker and the Kafka engine a request and a block
 * each, ten times as many as a batch per 10 ms, for no freshness anyone could see.
 */
export const LINGER_MS = 10;

/** The fewest events worth a batch at `perSecond` (at most `batchSize`). */
export function lingerEvents(perSecond: number, batchSize: number): number {
  return Math.max(1, Math.min(batchSize, Math.ceil((perSecond * LINGER_MS) / 1000)));
}

export function describePace(pace: Pace): string {
  switch (pace.kind) {
    case 'seed': return 'one event every 0.5–1.5 s (the seed\'s pace)';
    case 'max': return 'as fast as the broker acknowledges';
    case 'rate': return `${pace.perSecond} events/s`;
  }
}
