/**
 * Events for a stream of the user's own, drawn from its fields: each field draws a valid value
 * of itself (Field.example), unless the definition says how (`generate`). Nested fields are
 * placed at their paths.
 *
 * The generator's way, `write`, appends the event's JSON straight into the generator's buffer
 * along a template made once per stream (objects nested as the message's shape), with no object
 * per event, and most values drawn ahead (see `Segment`).
 */
import type { Draw, Field } from '../pipeline/field.js';
import { buildEvent, shapeOf, type Member, type StreamDefinition } from '../pipeline/stream.js';
import type { EventContext, EventRandom } from '../pipeline/recipe.js';
import type { JsonBytes } from './json-bytes.js';
import { stringifyJson } from '../pipeline/json.js';

export interface DrawnEvents {
  readonly make: (context: EventContext) => Record<string, unknown>;
  /** The same event written as JSON: validated one in a thousand by the generator, as the seed's are (every kind's examples are tested valid). */
  readonly write: (out: JsonBytes, context: EventContext) => void;
}

/** Writes a field's value as JSON into `out`; false: the field is left out of this event. */
type Writer = (out: JsonBytes, random: EventRandom) => boolean;

/** Values drawn ahead: the generator's events pick among them (see `segmentsOf`). */
const POOL = 4096;

/**
 * A run of an object's members: a value drawn for each event (a definition's own `generate`
 * function; a required UUID, from the generator's random words so that ids stay unique; a time,
 * which is now), a nested object holding one, or consecutive members of any other kind, written
 * as one piece picked among 4,096 pieces their kinds drew once from the run's seed and kept
 * encoded: one draw and one copy for the run instead of making and encoding each value, so an
 * event of one's own costs about what a seed event does.
 */
type Segment =
  | { readonly kind: 'drawn'; readonly key: Buffer; readonly write: Writer }
  | { readonly kind: 'object'; readonly key: Buffer; readonly segments: readonly Segment[] }
  | { readonly kind: 'pooled'; readonly render: (random: Draw) => string; pool?: (Buffer | undefined)[] };

const OPEN = 0x7b;
const CLOSE = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;

function json(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return stringifyJson(value);
}

type Custom = ((random: Draw) => unknown) | undefined;

function drawnWriter(field: Field, custom: Custom): Writer | undefined {
  if (custom) {
    return (out, random) => {
      const text = json(custom(random));
      if (text === undefined) return false;
      out.short(text);
      return true;
    };
  }
  if (field.kind === 'uuid' && !field.isOptional) {
    return (out, random) => {
      out.char(QUOTE);
      random.uuidInto(out);
      out.char(QUOTE);
      return true;
    };
  }
  if (field.kind === 'timestamp' || field.kind === 'datetime') {
    return (out, random) => {
      const text = field.exampleJson(random);
      if (text === undefined) return false;
      out.short(text);
      return true;
    };
  }
  return undefined;
}

/** Whether a member can be drawn ahead: it and everything in it. */
function poolable(member: Member, customOf: (name: string) => Custom): boolean {
  return member.kind === 'field' ? drawnWriter(member.field, customOf(member.name)) === undefined : [...member.members.values()].every((m) => poolable(m, customOf));
}

/** `"k":v,…` of members drawn ahead, absent ones left out ('' when all are). */
function renderMembers(members: readonly (readonly [string, Member])[], random: Draw): string {
  let text = '';
  for (const [key, member] of members) {
    const value = member.kind === 'field' ? member.field.exampleJson(random) : objectText([...member.members], random);
    if (value !== undefined) text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${value}`;
  }
  return text;
}

function objectText(members: readonly (readonly [string, Member])[], random: Draw): string | undefined {
  const inner = renderMembers(members, random);
  return inner === '' ? undefined : `{${inner}}`;
}

function segmentsOf(members: ReadonlyMap<string, Member>, customOf: (name: string) => Custom): Segment[] {
  const out: Segment[] = [];
  let run: [string, Member][] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const members = run;
    out.push({ kind: 'pooled', render: (random) => renderMembers(members, random) });
    run = [];
  };
  for (const [key, member] of members) {
    if (poolable(member, customOf)) {
      run.push([key, member]);
      continue;
    }
    flush();
    const keyBytes = Buffer.from(`${JSON.stringify(key)}:`);
    out.push(member.kind === 'field'
      ? { kind: 'drawn', key: keyBytes, write: drawnWriter(member.field, customOf(member.name))! }
      : { kind: 'object', key: keyBytes, segments: segmentsOf(member.members, customOf) });
  }
  flush();
  return out;
}

/** Writes an object; false (and nothing to keep) when every member was left out. */
function writeObject(out: JsonBytes, segments: readonly Segment[], random: EventRandom): boolean {
  out.char(OPEN);
  let any = false;
  for (const segment of segments) {
    if (segment.kind === 'pooled') {
      segment.pool ??= Array.from({ length: POOL }, () => {
        const text = segment.render(random);
        return text === '' ? undefined : Buffer.from(text);
      });
      const piece = segment.pool[Math.floor(random.next() * POOL)];
      if (piece === undefined) continue;
      if (any) out.char(COMMA);
      out.bytes(piece);
      any = true;
      continue;
    }
    const mark = out.length;
    if (any) out.char(COMMA);
    out.bytes(segment.key);
    if (segment.kind === 'drawn' ? segment.write(out, random) : writeObject(out, segment.segments, random)) any = true;
    else out.length = mark;
  }
  if (!any) return false;
  out.char(CLOSE);
  return true;
}

export function drawnFrom(stream: StreamDefinition): DrawnEvents {
  const valueOf = (name: string): ((random: Draw) => unknown) => {
    const custom = stream.generate?.[name];
    const field = stream.fields[name]!;
    return custom ?? ((random) => field.example(random));
  };
  const draws = Object.keys(stream.fields).map((name): [string, (random: Draw) => unknown] => [name, valueOf(name)]);
  const nested = shapeOf(stream).nested;
  const make = (context: EventContext): Record<string, unknown> => {
    const values: Record<string, unknown> = {};
    for (const [name, draw] of draws) {
      const value = draw(context.random);
      if (value !== undefined) values[name] = value;
    }
    return nested ? buildEvent(stream, values) : values;
  };
  // Each stream's own pools, drawn from the first event's random source (the run's seed).
  const segments = segmentsOf(shapeOf(stream).members, (name) => stream.generate?.[name]);
  const empty = Buffer.from('{}');
  return {
    make,
    write: (out, context) => {
      const mark = out.length;
      if (!writeObject(out, segments, context.random)) {
        out.length = mark;
        out.bytes(empty);
      }
    },
  };
}
