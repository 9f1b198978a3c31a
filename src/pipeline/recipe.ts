/**
 * How `kch generate` makes a stream's events when drawing each field on its own (Field.example,
 * StreamSpec.generate) would not do: a recipe (StreamSpec.events) that makes whole events from a
 * world of its own (the seed's: one catalog of products two streams share, so that a product keeps
 * its name and price) and may write them as bytes, the fast way. Types only: the generator
 * (src/generator/) gives the random source, the buffer and faker; a recipe imports none of them.
 */
import type { Faker } from '@faker-js/faker';
import type { Draw, Field } from './field.js';

/** Where a recipe writes an event's JSON: the generator's reused buffer (generator/json-bytes.ts). */
export interface EventBytes {
  /** Bytes as they are (a constant piece of JSON, a value encoded once). */
  bytes(bytes: Uint8Array): void;
  /** A non-negative integer below 2⁵³. */
  uint(value: number): void;
  /** `hundredths / 100` as a JSON number: 1234 → 12.34. */
  hundredths(hundredths: number): void;
  /** One ASCII character by its code. */
  char(code: number): void;
}

/** The generator's seeded random source (generator/random.ts): the same seed, the same draws. */
export interface EventRandom extends Draw {
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  uuid(): string;
  /** The UUID `uuid()` would draw, written as its 36 characters. */
  uuidInto(out: EventBytes): void;
}

/** A stream as a world sees it (a StreamDefinition is one). */
export interface RecipeStream {
  readonly name: string;
  readonly fields: Readonly<Record<string, Field>>;
}

/** What every event made in one second shares. */
export interface EventContext {
  readonly random: EventRandom;
  /** Now, as a dateTimeText() field holds it (`YYYY-MM-DD HH:MM:SS`, local time). */
  readonly eventTime: string;
  /** The same as a JSON string. */
  readonly eventTimeJson: Uint8Array;
}

/**
 * What a recipe's events draw from, made once per generator, before any event, from faker seeded
 * with the run's seed: the same seed gives the same world. Recipes that name the same world share
 * what it makes.
 */
export interface EventWorld<W> {
  /** faker's locales, by its codes, in the order words are looked for. @default ['en', 'base'] */
  readonly locale?: readonly string[];
  /** `streams`: the configured streams whose recipes name this world, to check its values against their fields. */
  make(faker: Faker, streams: readonly RecipeStream[]): W;
}

/** A stream's own way of making its events (StreamSpec.events). */
export interface EventRecipe<W = unknown> {
  /** Its share of the generator's traffic, against the other streams' (a stream without a recipe has 1). @default 1 */
  readonly share?: number;
  readonly world?: EventWorld<W>;
  /** An event as an object: the generator validates it before it is sent. */
  make(context: EventContext, world: W): Record<string, unknown>;
  /**
   * Writes the event `make` would draw from the same state as its JSON, byte for byte what
   * JSON.stringify would give: every string it writes checked once when its world was made. The
   * generator parses one in a thousand back and validates it. @default none: made, validated, serialized
   */
  write?(out: EventBytes, context: EventContext, world: W): void;
}
