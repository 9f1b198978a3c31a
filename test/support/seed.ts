import { EventSource, mixFor } from '../../src/generator/mix.js';
import type { Product } from '../../src/pipeline/streams/catalog.js';
import { retail } from '../../src/pipeline/streams/events.js';
import { streams } from '../../src/pipeline/streams/index.js';

/** The generator's source of the seed's two streams: what `kch generate` makes by default. */
export function seedSource(seed: number, drawSeed: number = seed): EventSource {
  return new EventSource(seed, mixFor(streams), drawSeed);
}

/** The seed's catalog as a source of its streams made it (the same for every source of one seed). */
export function catalogOf(source: EventSource): readonly Product[] {
  const world = source.worldOf(retail);
  if (!world) throw new Error('the source feeds no seed stream');
  return world.products;
}
