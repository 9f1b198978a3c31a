import { Faker, allLocales, type LocaleDefinition } from '@faker-js/faker';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import type { EventContext, EventWorld } from '../pipeline/recipe.js';
import { assertEvent, type StreamDefinition } from '../pipeline/stream.js';
import { drawnFrom } from './drawn.js';
import { JsonBytes } from './json-bytes.js';
import { SeededRandom } from './random.js';
import { stringifyJson } from '../pipeline/json.js';

/** A stream the generator feeds, with its share of the traffic and its event factory. */
export interface GeneratedStream {
  readonly stream: StreamDefinition;
  readonly share: number;
  /** What its events draw from (StreamSpec.events' world), made once per source; none for events drawn from fields. */
  readonly world?: EventWorld<unknown>;
  readonly make: (context: EventContext, world: unknown) => Record<string, unknown>;
  /**
   * Writes the JSON of the event `make` would draw from the same state, as bytes: the fast way,
   * for streams whose every string value was checked when their world was made. Without it, each
   * event is made, validated and serialized.
   */
  readonly write?: (out: JsonBytes, context: EventContext, world: unknown) => void;
}

/**
 * What the generator feeds for a pipeline's streams: a stream that declares its events
 * (StreamSpec.events: the seed's) gets them and its share; any other gets events drawn from its
 * fields, and a share of 1 (the seed's two together).
 */
export function mixFor(streams: readonly StreamDefinition[]): GeneratedStream[] {
  return streams.map((stream) => {
    const recipe = stream.events;
    if (!recipe) return { stream, share: 1, ...drawnFrom(stream) };
    return {
      stream,
      share: recipe.share ?? 1,
      ...(recipe.world ? { world: recipe.world } : {}),
      make: (context, world) => recipe.make(context, world),
      ...(recipe.write ? { write: (out: JsonBytes, context: EventContext, world: unknown) => recipe.write!(out, context, world) } : {}),
    };
  });
}

/** `YYYY-MM-DD HH:MM:SS` in local time, as a dateTimeText() field holds it. */
export function formatLocalTime(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** faker for a world: its locales by faker's codes, seeded with the run's seed. */
function fakerFor(world: EventWorld<unknown>, seed: number): Faker {
  const codes = world.locale ?? ['en', 'base'];
  const locale = codes.map((code): LocaleDefinition => {
    const found = (allLocales as Readonly<Record<string, LocaleDefinition>>)[code];
    if (!found) throw new KchError(ErrorCodes.DEFINITION, `generator: faker has no locale ${JSON.stringify(code)} (an events world's locale)`);
    return found;
  });
  const faker = new Faker({ locale });
  faker.seed(seed);
  return faker;
}

export interface GeneratedEvent {
  readonly stream: StreamDefinition;
  readonly event: Record<string, unknown>;
}

/**
 * Deterministic event source: the same seed gives the same worlds (a catalog, vocabularies) and
 * the same sequence of events (event times aside, which are the clock at which each event is
 * made). faker makes each world once; each event is then drawn from a seeded PRNG, ~4× cheaper.
 */
export class EventSource {
  readonly seed: number;
  private readonly random: SeededRandom;
  /** Each stream's world (by its index in the mix), undefined for events drawn from fields. */
  private readonly worlds: readonly unknown[];
  private readonly made = new Map<EventWorld<unknown>, unknown>();
  private readonly cumulative: readonly number[];
  /** The time fields of the mix's dateTimeText kind: each second's text is checked against them. */
  private readonly timeFields: readonly { readonly name: string; readonly problem: (value: unknown) => string | undefined }[];
  private formattedSecond = Number.NaN;
  /** What every event made in the current second shares; made again when the second changes. */
  private context: EventContext | undefined;

  /**
   * @param seed the worlds' seed, and the events' unless `drawSeed` is given
   * @param mix the streams to feed (mixFor)
   * @param drawSeed the events' own seed: generator threads share the worlds (a product keeps one
   *   name and price) and draw different events
   */
  constructor(seed: number, private readonly mix: readonly GeneratedStream[], drawSeed: number = seed) {
    this.seed = seed;
    // Each world once, for every stream that names it, in the mix's order.
    for (const { world } of mix) {
      if (!world || this.made.has(world)) continue;
      this.made.set(world, world.make(fakerFor(world, seed), mix.filter((m) => m.world === world).map((m) => m.stream)));
    }
    this.worlds = mix.map((m) => (m.world ? this.made.get(m.world) : undefined));
    this.random = new SeededRandom(drawSeed);
    const total = mix.reduce((sum, m) => sum + m.share, 0);
    let running = 0;
    this.cumulative = mix.map((m) => (running += m.share / total));
    this.timeFields = mix.flatMap(({ stream }) => {
      const field = stream.time === undefined ? undefined : stream.fields[stream.time];
      return field?.kind === 'datetime' ? [{ name: `${stream.name}.${stream.time}`, problem: (value: unknown) => field.problem(value) }] : [];
    });
  }

  /** What a world made for this source (the seed's catalog …): undefined when no stream of the mix names it. */
  worldOf<W>(world: EventWorld<W>): W | undefined {
    return this.made.get(world) as W | undefined;
  }

  get streams(): readonly GeneratedStream[] {
    return this.mix;
  }

  next(now: Date = new Date()): GeneratedEvent {
    const index = this.draw();
    const chosen = this.mix[index]!;
    return { stream: chosen.stream, event: chosen.make(this.contextAt(now), this.worlds[index]) };
  }

  /**
   * Writes the JSON of the event `next` would make into `out` (after what it holds) and returns
   * the index of its stream in `streams`: the generator's way, with no object per event.
   */
  writeNext(out: JsonBytes, now: Date): number {
    const index = this.draw();
    const chosen = this.mix[index]!;
    if (chosen.write) {
      chosen.write(out, this.contextAt(now), this.worlds[index]);
    } else {
      out.text(stringifyJson(assertEvent(chosen.stream, chosen.make(this.contextAt(now), this.worlds[index]))));
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
      for (const { name, problem } of this.timeFields) {
        const wrong = problem(eventTime);
        if (wrong) throw new KchError(ErrorCodes.DEFINITION, `generator: ${name} ${eventTime} ${wrong}`);
      }
      this.context = { random: this.random, eventTime, eventTimeJson: JsonBytes.encode(eventTime) };
    }
    return this.context;
  }
}
