/**
 * Events for a stream of the user's own, drawn from its fields: each field knows how to draw a
 * valid value of itself (Field.example), and a definition may say how instead (`generate`).
 */
import { ErrorCodes, KchError } from '../errors.js';
import type { Field } from '../pipeline/field.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import type { EventContext } from './events.js';

type Drawing = Field & { example?: (random: { next(): number }) => unknown };

export function drawnFrom(stream: StreamDefinition): (context: EventContext) => Record<string, unknown> {
  const fields = Object.entries(stream.fields) as [string, Drawing][];
  return (context) => {
    const event: Record<string, unknown> = {};
    for (const [name, field] of fields) {
      if (!field.example) throw new KchError(ErrorCodes.DEFINITION, `stream ${stream.name}: field ${name} (${field.kind}) cannot draw values`);
      event[name] = field.example(context.random);
    }
    return event;
  };
}
