/**
 * Events for a stream of the user's own, drawn from its fields: each field draws a valid value
 * of itself (Field.example), unless the definition says how (`generate`). Nested fields are
 * placed at their paths.
 */
import type { Draw } from '../pipeline/field.js';
import { buildEvent, type StreamDefinition } from '../pipeline/stream.js';
import type { EventContext } from './events.js';
import type { JsonBytes } from './json-bytes.js';

export interface DrawnEvents {
  readonly make: (context: EventContext) => Record<string, unknown>;
  /** The same event written as JSON: validated one in a thousand by the generator, as the seed's are (every kind's examples are tested valid). */
  readonly write: (out: JsonBytes, context: EventContext) => void;
}

export function drawnFrom(stream: StreamDefinition): DrawnEvents {
  const draws = Object.entries(stream.fields).map(([name, field]): [string, (random: Draw) => unknown] => {
    const custom = stream.generate?.[name];
    return [name, custom ?? ((random) => field.example(random))];
  });
  const nested = Object.values(stream.fields).some((f) => f.jsonPath !== undefined);
  const make = (context: EventContext): Record<string, unknown> => {
    const values: Record<string, unknown> = {};
    for (const [name, draw] of draws) {
      const value = draw(context.random);
      if (value !== undefined) values[name] = value;
    }
    return nested ? buildEvent(stream, values) : values;
  };
  return { make, write: (out, context) => out.text(JSON.stringify(make(context))) };
}
