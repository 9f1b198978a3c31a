import { Faker, base, en, ru } from '@faker-js/faker';
import type { StreamDefinition } from '../pipeline/stream.js';
import { sales, warehouse } from '../pipeline/streams/index.js';
import { makeCatalog, type Product } from './catalog.js';
import { makeSale, makeStockMovement, type EventContext } from './events.js';

/** A stream the generator feeds, with its share of the traffic and its event factory. */
export interface GeneratedStream {
  readonly stream: StreamDefinition;
  readonly share: number;
  readonly make: (context: EventContext) => Record<string, unknown>;
}

/** The seed's traffic: one coin flip per event, 70 % sales, 30 % stock movements. */
export const seedMix: readonly GeneratedStream[] = [
  { stream: sales, share: 0.7, make: makeSale },
  { stream: warehouse, share: 0.3, make: makeStockMovement },
];

export interface GeneratedEvent {
  readonly stream: StreamDefinition;
  readonly event: Record<string, unknown>;
}

/**
 * Deterministic event source: the same seed gives the same catalog and the same sequence of
 * events (event_time aside, which is the clock at which each event is made).
 */
export class EventSource {
  readonly seed: number;
  private readonly faker: Faker;
  private readonly products: readonly Product[];
  private readonly cumulative: readonly number[];

  constructor(seed: number, private readonly mix: readonly GeneratedStream[] = seedMix) {
    this.seed = seed;
    this.faker = new Faker({ locale: [ru, en, base] });
    this.faker.seed(seed);
    this.products = makeCatalog(this.faker);
    const total = mix.reduce((sum, m) => sum + m.share, 0);
    let running = 0;
    this.cumulative = mix.map((m) => (running += m.share / total));
  }

  get catalog(): readonly Product[] {
    return this.products;
  }

  next(now: Date = new Date()): GeneratedEvent {
    const flip = this.faker.number.float({ min: 0, max: 1 });
    const index = this.cumulative.findIndex((edge) => flip < edge);
    const chosen = this.mix[index === -1 ? this.mix.length - 1 : index]!;
    return { stream: chosen.stream, event: chosen.make({ faker: this.faker, products: this.products, now }) };
  }
}
