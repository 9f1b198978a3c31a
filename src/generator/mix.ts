import { Faker, base, en, ru } from '@faker-js/faker';
import { assertEvent, type StreamDefinition } from '../pipeline/stream.js';
import { isSeedStream, sales, warehouse } from '../pipeline/streams/index.js';
import { makeCatalog, type Product } from './catalog.js';
import { drawnFrom } from './drawn.js';
import { encodeEventTime, encodeVocabulary, formatLocalTime, makeSale, makeStockMovement, writeSale, writeStockMovement, type EncodedVocabulary, type EventContext } from './events.js';
import type { JsonBytes } from './json-bytes.js';
import { SeededRandom } from './random.js';
import { makeVocabulary, type Vocabulary } from './vocabulary.js';
import { stringifyJson } from '../pipeline/json.js';

/** A stream the generator feeds, with its share of the traffic and its event factory. */
export interface GeneratedStream {
  readonly stream: StreamDefinition;
  readonly share: number;
  readonly make: (context: EventContext) => Record<string, unknown>;
  /**
   * Writes the JSON of the event `make` would draw from the same state, as bytes: the fast way,
   * for streams whose every string value was checked when the vocabularies were encoded. Without
   * it, each event is made, validated and serialized.
   */
  readonly write?: (out: JsonBytes, context: EventContext) => void;
}

/** The seed's traffic: one coin flip per event, 70 % sales, 30 % stock movements. */
export const seedMix: readonly GeneratedStream[] = [
  { stream: sales, share: 0.7, make: makeSale, write: writeSale },
  { stream: warehouse, share: 0.3, make: makeStockMovement, write: writeStockMovement },
];

/**
 * What the generator feeds for a pipeline's streams. A seed stream (its name and its fields the
 * seed's: a config may list them beside its own) keeps its realistic events and its share; any
 * other stream gets events drawn from its fields, and the share of the seed's two together.
 */
export function mixFor(streams: readonly StreamDefinition[]): GeneratedStream[] {
  return streams.map((stream) => {
    const seed = isSeedStream(stream) ? seedMix.find((m) => m.stream.name === stream.name) : undefined;
    return seed ? { ...seed, stream } : { stream, share: 1, ...drawnFrom(stream) };
  });
}


export interface GeneratedEvent {
  readonly stream: StreamDefinition;
  readonly event: Record<string, unknown>;
}

/**
 * Deterministic event source: the same seed gives the same catalog and the same sequence of
 * events (event_time aside, which is the clock at which each event is made). faker makes the
 * catalog and the vocabularies once; each event is then drawn from a seeded PRNG, ~4× cheaper.
 */
export class EventSource {
  readonly seed: number;
  private readonly random: SeededRandom;
  private readonly products: readonly Product[];
  private readonly vocabulary: Vocabulary;
  private readonly encoded: EncodedVocabulary;
  private readonly cumulative: readonly number[];
  private formattedSecond = Number.NaN;
  /** What every event made in the current second shares; made again when the second changes. */
  private context: EventContext | undefined;

  /**
   * @param seed the catalog's and the vocabularies' seed, and the events' unless `drawSeed` is given
   * @param drawSeed the events' own seed: generator threads share the catalog (a product keeps one
   *   name and price) and draw different events
   */
  constructor(seed: number, private readonly mix: readonly GeneratedStream[] = seedMix, drawSeed: number = seed) {
    this.seed = seed;
    const faker = new Faker({ locale: [ru, en, base] });
    faker.seed(seed);
    this.products = makeCatalog(faker);
    this.vocabulary = makeVocabulary(faker);
    this.encoded = encodeVocabulary(this.products, this.vocabulary);
    this.random = new SeededRandom(drawSeed);
    const total = mix.reduce((sum, m) => sum + m.share, 0);
    let running = 0;
    this.cumulative = mix.map((m) => (running += m.share / total));
  }

  get catalog(): readonly Product[] {
    return this.products;
  }

  get streams(): readonly GeneratedStream[] {
    return this.mix;
  }

  next(now: Date = new Date()): GeneratedEvent {
    const chosen = this.mix[this.draw()]!;
    return { stream: chosen.stream, event: chosen.make(this.contextAt(now)) };
  }

  /**
   * Writes the JSON of the event `next` would make into `out` (after what it holds) and returns
   * the index of its stream in `streams`: the generator's way, with no object per event.
   */
  writeNext(out: JsonBytes, now: Date): number {
    const index = this.draw();
    const chosen = this.mix[index]!;
    if (chosen.write) {
      chosen.write(out, this.contextAt(now));
    } else {
      out.text(stringifyJson(assertEvent(chosen.stream, chosen.make(this.contextAt(now)))));
    }
    return index;
  }

  private draw(): number {
    const flip = this.random.next();
    let index = 0;
    while (index < this.mix.length - 1 && flip >= this.cumulative[index]!) index++;
    return index;
  }

  private contextAt(now: Date): EventContext {
    const second = Math.floor(now.getTime() / 1000);
    if (second !== this.formattedSecond || !this.context) {
      this.formattedSecond = second;
      const eventTime = formatLocalTime(now);
      this.context = { random: this.random, products: this.products, vocabulary: this.vocabulary, encoded: this.encoded, eventTime, eventTimeJson: encodeEventTime(eventTime) };
    }
    return this.context;
  }
}
