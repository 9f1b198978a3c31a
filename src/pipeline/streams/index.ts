import type { StreamDefinition } from '../stream.js';
import { sales } from './sales.js';
import { warehouse } from './warehouse.js';

export { sales, warehouse };

/** Every stream of the pipeline. A new stream is a new file here and one line below. */
export const streams: readonly StreamDefinition[] = [sales, warehouse];

export function findStream(name: string): StreamDefinition | undefined {
  return streams.find((s) => s.name === name || s.topic === name || s.target === name);
}

/**
 * Whether a stream is one of the seed's: its name and its fields (names and kinds) the seed's.
 * A pipeline file may list them (seedStreams) beside its own; they keep their realistic events
 * and the dashboard's retail charts.
 */
export function isSeedStream(stream: StreamDefinition): boolean {
  const shape = (s: StreamDefinition): string => Object.entries(s.fields).map(([name, f]) => `${name}:${f.kind}`).join(',');
  return streams.some((seed) => seed.name === stream.name && shape(seed) === shape(stream));
}
