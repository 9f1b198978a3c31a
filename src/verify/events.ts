/**
 * The events of a verify run: the generator's own (same catalog, same mix, same validation),
 * with the run's event ids. A share of them can be made bad on purpose, to prove that rejected
 * input is kept in the dead-letter tables rather than lost.
 */
import { EventSource } from '../generator/mix.js';
import { SeededRandom } from '../generator/random.js';
import { formatLocalTime } from '../generator/events.js';
import { assertEvent, type StreamDefinition } from '../pipeline/stream.js';
import { eventIdOf } from './tag.js';

/** How a bad event is broken. */
export type BadKind =
  /** Valid JSON with a value out of range: the view's checks reject it (every server). */
  | 'check'
  /** Not JSON at all: only servers with an error stream keep it (21.6+). */
  | 'unparsable';

export interface VerifyEvent {
  readonly seq: number;
  readonly stream: StreamDefinition;
  readonly value: string;
  readonly bad: BadKind | undefined;
}

export interface VerifyEventsOptions {
  readonly run: string;
  readonly seed: number;
  /** Share of bad events, 0..1. @default 0 */
  readonly badRatio?: number;
  /** The kinds of bad events to make, in turn. @default ['check'] */
  readonly badKinds?: readonly BadKind[];
}

/** A seeded PRNG (the generator's): the same run makes the same bad events. */
export function seededRandom(seed: number): () => number {
  return new SeededRandom(seed).float;
}

export class VerifyEvents {
  private readonly source: EventSource;
  private readonly random: () => number;
  private readonly badRatio: number;
  private readonly badKinds: readonly BadKind[];
  private badMade = 0;

  constructor(private readonly options: VerifyEventsOptions) {
    this.source = new EventSource(options.seed);
    this.random = seededRandom(options.seed ^ 0x5eed);
    this.badRatio = options.badRatio ?? 0;
    this.badKinds = options.badKinds?.length ? options.badKinds : ['check'];
  }

  next(seq: number, now: Date): VerifyEvent {
    const { stream, event } = this.source.next(now);
    const tagged = { ...event, event_id: eventIdOf(this.options.run, seq), event_time: formatLocalTime(now) };
    assertEvent(stream, tagged);
    if (this.badRatio > 0 && this.random() < this.badRatio) {
      const bad = this.badKinds[this.badMade++ % this.badKinds.length]!;
      return { seq, stream, value: breakEvent(tagged, bad), bad };
    }
    return { seq, stream, value: JSON.stringify(tagged), bad: undefined };
  }
}

/** The event made bad in the given way; its event_id stays readable in the raw text. */
export function breakEvent(event: Record<string, unknown>, kind: BadKind): string {
  if (kind === 'check') return JSON.stringify({ ...event, quantity: 0 });
  // Cut inside the object (before event_time, else before the closing brace): no JSON parser
  // takes it, and the id, written first, stays readable.
  const text = JSON.stringify(event);
  const cut = text.indexOf('"event_time"');
  return text.slice(0, cut > 0 ? cut : text.length - 1);
}
