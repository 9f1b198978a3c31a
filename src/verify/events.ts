/**
 * The events of a verify run: the generator's own (same catalog, same mix, same validation),
 * with the run's event ids. A share of them can be made bad on purpose, to prove that rejected
 * input is kept in the dead-letter tables rather than lost.
 */
import { EventSource, formatLocalTime, mixFor } from '../generator/mix.js';
import { SeededRandom } from '../generator/random.js';
import { assertEvent, type StreamDefinition } from '../pipeline/stream.js';
import type { Field } from '../pipeline/field.js';
import { eventIdOf, verifiableId } from './tag.js';
import { stringifyJson } from '../pipeline/json.js';

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
  /** The streams whose events to make. */
  readonly streams: readonly StreamDefinition[];
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
  /** Each stream's id field, which carries the run's tag. */
  private readonly ids: Map<StreamDefinition, string>;

  constructor(private readonly options: VerifyEventsOptions) {
    this.source = new EventSource(options.seed, mixFor(options.streams));
    this.ids = new Map(options.streams.map((s) => [s, verifiableId(s)]));
    this.random = seededRandom(options.seed ^ 0x5eed);
    this.badRatio = options.badRatio ?? 0;
    this.badKinds = options.badKinds?.length ? options.badKinds : ['check'];
  }

  next(seq: number, now: Date): VerifyEvent {
    const { stream, event } = this.source.next(now);
    // The id first, so that it stays readable in a message cut short; the seed's local time of now.
    const tagged: Record<string, unknown> = { [this.ids.get(stream)!]: eventIdOf(this.options.run, seq), ...event };
    tagged[this.ids.get(stream)!] = eventIdOf(this.options.run, seq);
    if (stream.time !== undefined && stream.fields[stream.time]?.kind === 'datetime') tagged[stream.time] = formatLocalTime(now);
    assertEvent(stream, tagged);
    if (this.badRatio > 0 && this.random() < this.badRatio) {
      const bad = this.badKinds[this.badMade++ % this.badKinds.length]!;
      return { seq, stream, value: breakEvent(stream, tagged, bad), bad };
    }
    return { seq, stream, value: stringifyJson(tagged), bad: undefined };
  }
}

/** The event made bad in the given way; its id stays readable in the raw text. */
export function breakEvent(stream: StreamDefinition, event: Record<string, unknown>, kind: BadKind): string {
  if (kind === 'check') return stringifyJson({ ...event, ...failingValue(stream) });
  // Cut inside the object (before the time field, else before the closing brace): no JSON parser
  // takes it, and the id, written first, stays readable.
  const text = stringifyJson(event);
  const cut = stream.time === undefined ? -1 : text.indexOf(`"${stream.time}"`);
  return text.slice(0, cut > 0 ? cut : text.length - 1);
}

/**
 * A value that parses on every server and fails a check: the seed's quantity 0; else a required
 * whole number past its maximum, else a required text emptied, else a field of the wrong type.
 */
function failingValue(stream: StreamDefinition): Record<string, unknown> {
  if ('quantity' in stream.fields && stream.fields.quantity.problem(0) !== undefined) return { quantity: 0 };
  const required = Object.entries(stream.fields).filter(([name, f]) => !f.isOptional && name !== stream.id && name !== stream.time);
  for (const [name, f] of required) {
    const beyond = f.kind === 'integer' ? (f as Field & { outOfRange(below: boolean): bigint | undefined }).outOfRange(false) : undefined;
    if (beyond !== undefined && beyond < 2n ** 31n && f.problem(beyond) !== undefined) return { [name]: Number(beyond) };
  }
  for (const [name, f] of required) if (f.kind === 'text' && f.problem('') !== undefined) return { [name]: '' };
  const [name] = required[0] ?? Object.entries(stream.fields).find(([n]) => n !== stream.id) ?? ['kch_unknown_field'];
  return { [name]: { kch: 'not this field\'s type' } };
}
