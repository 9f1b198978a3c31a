import type { StreamDefinition } from '../stream.js';
import { sales } from './sales.js';
import { warehouse } from './warehouse.js';

export { sales, warehouse };

/** Every stream of the pipeline. A new stream is a new file here and one line below. */
export const streams: readonly StreamDefinition[] = [sales, warehouse];

export function findStream(name: string): StreamDefinition | undefined {
  return streams.find((s) => s.name === name || s.topic === name || s.target === name);
}
