import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { throughFloat, type Draw, type Field } from './field.js';
import { DUPLICATE_KEYS, JsonNumber, parseMessage } from './json.js';
import { streamNames, type NamesSpec, type StreamNames } from './names.js';
import { checkPanels, type Panel } from './panels.js';
import type { EventRecipe } from './recipe.js';

export type Fields = Readonly<Record<string, Field>>;

/** The event a stream carries, inferred from its fields. */
export type EventOf<S extends StreamDefinition> = { -readonly [K in keyof S['fields']]: S['fields'][K]['_type'] };

/** A stream as a definition gives it; its name and the names of its objects as NamesSpec declares them. */
export interface StreamSpec<F extends Fields> extends NamesSpec {
  /** Fields in message order. */
  readonly fields: F;
  /**
   * Sorting key of the target, over field names.
   * @default the time field, then the id field (those there are); else the first required field
   */
  readonly orderBy?: readonly (keyof F & string)[];
  /** Partition expression over target columns. @default none */
  readonly partitionBy?: string;
  /**
   * The field that names each event once: the dedup view keeps one row per value, `kch verify`
   * tags and counts events by it. @default `event_id` when there is one; else none, and the
   * stream has no dedup view and cannot be verified
   */
  readonly id?: (keyof F & string) | null;
  /**
   * The event's own time: the dashboard charts events over it and freshness is measured from it.
   * @default `event_time` when there is one; else none
   */
  readonly time?: (keyof F & string) | null;
  /** Doc line. @default '' */
  readonly description?: string;
  /**
   * Pre-aggregated copies of the target that the server keeps up to date and answers matching
   * queries from (servers from 23.8 on; none before). Every target also gets `arrivals_per_second`.
   * @default none
   */
  readonly projections?: readonly Projection[];
  /**
   * How its messages reach ClickHouse: `engine` (a Kafka table, at least once) or `sink`
   * (`kch sink`, exactly once; docs/guarantees.md). @default the pipeline's `--ingest` (engine)
   */
  readonly ingest?: Ingest;
  /**
   * How `kch generate` draws some fields instead of their own `example` (a realistic range, a
   * vocabulary): per field, a function of a uniform random source. Return undefined to leave the
   * field out of that event (optional fields only).
   */
  readonly generate?: { readonly [K in keyof F]?: (random: Draw) => F[K]['_type'] | undefined };
  /**
   * Repairs a dead letter before `kch dlq replay` re-produces it: gets the message as kept in the
   * dead-letter table, returns the message to send, or undefined to leave that dead letter alone.
   * @default none: dead letters are re-produced as they are
   */
  readonly fixUp?: (raw: string) => string | undefined;
  /**
   * Dashboard panels of its own, as data (src/pipeline/panels.ts): the dashboard draws whatever
   * panels a configured stream declares. A stream without them gets panels derived from its fields.
   * @default none
   */
  readonly panels?: readonly Panel[];
  /**
   * How `kch generate` makes its events when drawing each field on its own would not do
   * (src/pipeline/recipe.ts: the seed's catalog, its byte writers, its shares). @default none
   */
  readonly events?: EventRecipe;
  /**
   * The fields that name a row (a primary key). With a key the stream is an upsert stream by
   * default: its target keeps the latest version of each key (docs/guarantees.md, "Change
   * streams"). @default none: every message is a row of its own
   */
  readonly key?: readonly (keyof F & string)[];
  /** `append`: every message a row; `upsert`: the newest message of a key is the row. @default `upsert` with a key, else `append` */
  readonly mode?: Mode;
  /**
   * How a change is wrapped: `json` (the message is the row; with a key, a null value — a
   * tombstone — deletes the row its message key names), `debezium` (Debezium's JSON, with or
   * without its `schema`/`payload` wrapper: the row in `after`, or in `before` for a delete),
   * `debezium-flat` (its ExtractNewRecordState form: the row, `__deleted` and `__op` beside it).
   * @default `json`
   */
  readonly envelope?: Envelope;
  /**
   * What orders two changes of a key: `source` (Debezium's `source.lsn`, else `source.ts_ms`;
   * `__lsn` or `__source_ts_ms` in the flat form), `offset` (the Kafka offset: right while a
   * key stays in one partition and nothing is replayed), or a field (a whole number ≥ 0, or a
   * time). @default `source` for Debezium's envelopes, else `offset`
   */
  readonly version?: 'source' | 'offset' | (keyof F & string);
  /** A deleted row: `remove`d from the live rows, or `mark`ed (kept, `kch_deleted` = 1). @default `remove` */
  readonly deletes?: Deletes;
}

export type Mode = 'append' | 'upsert';
export type Envelope = 'json' | 'debezium' | 'debezium-flat';
export type Deletes = 'remove' | 'mark';
export const envelopes: readonly Envelope[] = ['json', 'debezium', 'debezium-flat'];

/** How an upsert stream keeps its rows (undefined on an append stream). */
export interface Changes {
  /** Fields, in order: the target's sorting key. */
  readonly key: readonly string[];
  readonly envelope: Envelope;
  /** `source`, `offset`, or a field's name. */
  readonly version: string;
  readonly deletes: Deletes;
}

/** The two transports of one definition: the Kafka engine's tables, or `kch sink`. */
export type Ingest = 'engine' | 'sink';
export const ingestModes: readonly Ingest[] = ['engine', 'sink'];

/**
 * `PROJECTION <name> (<select>)` of a stream's target table: a pre-aggregated copy that the server
 * keeps up to date on every insert and merge, and reads instead of the table for the queries it
 * can answer.
 */
export interface Projection {
  readonly name: string;
  readonly select: string;
}

/** Every target's own projection: rows per second of arrival (the ingest rate, events per second). */
export const arrivalsProjection: Projection = { name: 'arrivals_per_second', select: 'SELECT processing_time, count() GROUP BY processing_time' };

/** A stream, its defaults filled in; its objects' names (src/pipeline/names.ts) as its own. */
export interface StreamDefinition<F extends Fields = Fields> extends StreamNames {
  readonly name: string;
  readonly fields: F;
  /** Field names (checked against `fields` by defineStream). */
  readonly orderBy: readonly string[];
  readonly partitionBy: string | undefined;
  /** The field that names each event once (see StreamSpec.id); undefined when none. */
  readonly id: string | undefined;
  /** The event's own time (see StreamSpec.time); undefined when none. */
  readonly time: string | undefined;
  readonly description: string;
  /** The target's projections of its own (see StreamSpec.projections). */
  readonly projections: readonly Projection[];
  /** Its own transport; undefined: the pipeline's (PipelineTarget.ingest). */
  readonly ingest?: Ingest;
  readonly generate?: Readonly<Record<string, ((random: Draw) => unknown) | undefined>>;
  readonly fixUp?: (raw: string) => string | undefined;
  /** Its dashboard panels (see StreamSpec.panels); empty when it declares none. */
  readonly panels: readonly Panel[];
  readonly events?: EventRecipe;
  /** How changes become rows, for an upsert stream (StreamSpec.key, mode, envelope, version, deletes); undefined for an append one. */
  readonly changes?: Changes;
}

/** Whether a message with no value (a tombstone) means something to the stream: the row its key names is deleted. */
export function tombstonesDelete(stream: StreamDefinition): boolean {
  return stream.changes?.envelope === 'json';
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A field ClickHouse accepts in a sorting key: not Nullable, not an array. */
function keyable(field: Field | undefined): boolean {
  return field !== undefined && !(field.isOptional && field.defaultSql === undefined) && field.kind !== 'array';
}

function defaultOrderBy(spec: { readonly name: string; readonly fields: Fields; readonly time?: string | null; readonly id?: string | null }): string[] {
  const roles = [spec.time === null ? undefined : spec.time ?? 'event_time', spec.id === null ? undefined : spec.id ?? 'event_id'];
  const keys = roles.filter((key): key is string => key !== undefined && keyable(spec.fields[key]));
  if (keys.length > 0) return keys;
  const first = Object.keys(spec.fields).find((key) => keyable(spec.fields[key]));
  if (first === undefined) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: no field can sort the table (all are optional or arrays): give orderBy`);
  return [first];
}

/** Fills in the defaults and checks the definition once, when the module loads. */
export function defineStream<const F extends Fields>(spec: StreamSpec<F>): StreamDefinition<F> {
  // A pipeline file in plain JavaScript has no type checker: its mistakes are named here.
  if (typeof spec !== 'object' || spec === null) throw new KchError(ErrorCodes.DEFINITION, 'defineStream takes an object: { name, fields, … }');
  if (typeof spec.name !== 'string' || spec.name === '') throw new KchError(ErrorCodes.DEFINITION, 'a stream has no name (defineStream({ name: … }))');
  if (typeof spec.fields !== 'object' || spec.fields === null || Array.isArray(spec.fields)) {
    throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: fields must be an object of field.…() values`);
  }
  for (const [key, value] of Object.entries(spec.fields)) {
    if (typeof value !== 'object' || value === null || typeof (value as Partial<Field>).inputType !== 'function') {
      throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: field "${key}" is not a field.…() value`);
    }
    // Every field's own mistakes (a range outside its type, a scale above its precision), named
    // here with the stream and the field, before anything is created.
    const problem = value.definitionProblem;
    if (problem !== undefined) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: field ${key}: ${problem}`);
    if (value.kind === 'object') throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: field ${key}: an object() is an array's element (field.array(field.object({…}))); a nested object's values are fields of their own with at('${key}.…')`);
  }
  if (spec.ingest !== undefined && !ingestModes.includes(spec.ingest)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: ingest must be ${ingestModes.map((m) => `'${m}'`).join(' or ')}, got ${JSON.stringify(spec.ingest)}`);
  if (spec.orderBy !== undefined && !Array.isArray(spec.orderBy)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: orderBy must be a list of field names`);
  if (spec.projections !== undefined && !Array.isArray(spec.projections)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: projections must be a list of { name, select }`);
  const definition: StreamDefinition<F> = {
    name: spec.name,
    ...streamNames(spec),
    fields: spec.fields,
    orderBy: spec.orderBy ?? defaultOrderBy(spec),
    partitionBy: spec.partitionBy,
    id: spec.id === null ? undefined : spec.id ?? ('event_id' in spec.fields ? 'event_id' : undefined),
    time: spec.time === null ? undefined : spec.time ?? ('event_time' in spec.fields ? 'event_time' : undefined),
    description: spec.description ?? '',
    projections: spec.projections ?? [],
    ...(spec.ingest ? { ingest: spec.ingest } : {}),
    ...(spec.generate ? { generate: spec.generate } : {}),
    ...(spec.fixUp ? { fixUp: spec.fixUp } : {}),
    panels: spec.panels ?? [],
    ...(spec.events ? { events: spec.events } : {}),
  };
  const changes = changesOf(spec as unknown as StreamSpec<Fields>);
  if (changes !== undefined) {
    // The sorting key is what ReplacingMergeTree keeps one row of: it must be the key itself.
    if (spec.orderBy !== undefined && spec.orderBy.join(',') !== changes.key.join(',')) {
      throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: an upsert stream is sorted by its key (${changes.key.join(', ')}); leave orderBy out`);
    }
    if (spec.partitionBy !== undefined) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: an upsert stream cannot be partitioned (two versions of a row in two partitions would both stay live); leave partitionBy out`);
    if (spec.projections !== undefined && spec.projections.length > 0) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: an upsert stream has no projections (a projection would count replaced and deleted rows)`);
    if (changes.envelope === 'json' && spec.ingest === 'engine') {
      throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: its deletes are tombstones (messages without a value), which the Kafka engine skips unseen (ClickHouse issue 68460): use ingest: 'sink', or deletes in the value (envelope: 'debezium' or 'debezium-flat')`);
    }
    Object.assign(definition, { changes, orderBy: changes.key });
  }
  for (const name of [definition.name, definition.kafkaTable, definition.target, definition.view, definition.deadLetter, ...Object.keys(spec.fields)]) {
    if (!identifier.test(name)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: "${name}" is not a plain SQL identifier`);
  }
  for (const projection of definition.projections) {
    if (typeof projection !== 'object' || projection === null || typeof projection.name !== 'string' || !identifier.test(projection.name) || typeof projection.select !== 'string' || projection.select === '') {
      throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: a projection must be { name, select }, its name a plain SQL identifier, got ${JSON.stringify(projection)}`);
    }
  }
  const projectionNames = [arrivalsProjection, ...definition.projections].map((p) => p.name);
  const twice = projectionNames.find((name, i) => projectionNames.indexOf(name) !== i);
  if (twice !== undefined) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: two projections are named ${twice} (every target has ${arrivalsProjection.name} of its own)`);
  for (const key of definition.orderBy) {
    if (!(key in spec.fields)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: orderBy names unknown field "${key}"`);
    // ClickHouse refuses Nullable and Array columns in a sorting key.
    if (!keyable(spec.fields[key])) {
      throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: orderBy field "${key}" must be required (or have a default) and not an array`);
    }
  }
  for (const name of Object.keys(spec.generate ?? {})) {
    if (!(name in spec.fields)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: generate names unknown field "${name}"`);
  }
  shapeOf(definition);
  for (const [role, key] of [['id', definition.id], ['time', definition.time]] as const) {
    if (key !== undefined && !(key in spec.fields)) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: ${role} names unknown field "${key}"`);
  }
  if (Object.keys(spec.fields).length === 0) throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: no fields`);
  // Its panels and its recipe, checked once here (a JavaScript pipeline file has no type checker).
  checkPanels(spec.name, definition.panels, { fields: spec.fields, time: definition.time, projections: definition.projections.map((p) => p.name) });
  const events = spec.events as Partial<EventRecipe> | undefined;
  if (events !== undefined && (typeof events !== 'object' || events === null || typeof events.make !== 'function'
    || (events.write !== undefined && typeof events.write !== 'function') || (events.world !== undefined && typeof events.world?.make !== 'function')
    || (events.share !== undefined && !(typeof events.share === 'number' && events.share > 0 && Number.isFinite(events.share))))) {
    throw new KchError(ErrorCodes.DEFINITION, `stream ${spec.name}: events must be { make, write?, world?: { make }, share?: a number above 0 }`);
  }
  return definition;
}

const versionKinds = new Set(['integer', 'timestamp', 'datetime']);

/** An upsert stream's key, envelope, version and deletes, checked; undefined for an append stream. */
function changesOf(spec: StreamSpec<Fields>): Changes | undefined {
  const where = `stream ${spec.name}`;
  const mode = spec.mode ?? (spec.key !== undefined ? 'upsert' : 'append');
  if (mode !== 'append' && mode !== 'upsert') throw new KchError(ErrorCodes.DEFINITION, `${where}: mode must be 'append' or 'upsert', got ${JSON.stringify(spec.mode)}`);
  if (spec.envelope !== undefined && !envelopes.includes(spec.envelope)) throw new KchError(ErrorCodes.DEFINITION, `${where}: envelope must be ${envelopes.map((e) => `'${e}'`).join(', ')}, got ${JSON.stringify(spec.envelope)}`);
  if (mode === 'append') {
    for (const option of ['key', 'envelope', 'version', 'deletes'] as const) {
      if (spec[option] !== undefined && !(option === 'envelope' && spec.envelope === 'json')) throw new KchError(ErrorCodes.DEFINITION, `${where}: ${option} belongs to an upsert stream (give it a key)`);
    }
    return undefined;
  }
  const key = spec.key;
  if (!Array.isArray(key) || key.length === 0) throw new KchError(ErrorCodes.DEFINITION, `${where}: an upsert stream needs a key: key: ['id']`);
  for (const name of key) {
    if (typeof name !== 'string' || !(name in spec.fields)) throw new KchError(ErrorCodes.DEFINITION, `${where}: key names unknown field ${JSON.stringify(name)}`);
    if (!keyable(spec.fields[name])) throw new KchError(ErrorCodes.DEFINITION, `${where}: key field "${name}" must be required (or have a default) and not an array`);
  }
  if (new Set(key).size !== key.length) throw new KchError(ErrorCodes.DEFINITION, `${where}: key names a field twice`);
  const envelope = spec.envelope ?? 'json';
  const version = spec.version ?? (envelope === 'json' ? 'offset' : 'source');
  if (envelope === 'json' && version !== 'offset') throw new KchError(ErrorCodes.DEFINITION, `${where}: with envelope 'json' a tombstone deletes, and it carries no field to order it by: version must be 'offset' (or send Debezium's envelope, whose version is the source's)`);
  if (version !== 'source' && version !== 'offset') {
    const field = spec.fields[version];
    if (field === undefined) throw new KchError(ErrorCodes.DEFINITION, `${where}: version names unknown field ${JSON.stringify(version)} (or give 'source' or 'offset')`);
    if (!versionKinds.has(field.kind) || field.isOptional) throw new KchError(ErrorCodes.DEFINITION, `${where}: version field "${version}" must be a required whole number or time`);
    if (field.kind === 'integer' && (field as Field & { readonly min: bigint }).min < 0n) throw new KchError(ErrorCodes.DEFINITION, `${where}: version field "${version}" must not go below 0`);
  }
  const deletes = spec.deletes ?? 'remove';
  if (deletes !== 'remove' && deletes !== 'mark') throw new KchError(ErrorCodes.DEFINITION, `${where}: deletes must be 'remove' or 'mark', got ${JSON.stringify(spec.deletes)}`);
  return { key: [...(key as readonly string[])], envelope, version, deletes };
}

export interface EventProblem {
  /** JSON-pointer-like path: `/price`. */
  readonly path: string;
  readonly message: string;
}

/** A member of a message's object: a field's value, or a nested object of further members. */
export type Member =
  | { readonly kind: 'field'; readonly name: string; readonly field: Field }
  | { readonly kind: 'object'; readonly path: readonly string[]; readonly members: ReadonlyMap<string, Member>; readonly required: boolean };

/** The message's shape: top-level members, fields nested by their `at()` paths. */
export interface Shape {
  readonly members: ReadonlyMap<string, Member>;
  /** Whether any field sits in a nested object. */
  readonly nested: boolean;
}

const shapes = new WeakMap<StreamDefinition, Shape>();

/** The stream's message shape (checked once: no value may be both a field and an object). */
export function shapeOf(stream: StreamDefinition): Shape {
  const known = shapes.get(stream);
  if (known) return known;
  interface Building { members: Map<string, Member | Building>; path: string[] }
  const root: Building = { members: new Map(), path: [] };
  for (const [name, field] of Object.entries(stream.fields)) {
    const path = field.jsonPath ?? [name];
    let at = root;
    for (const [i, key] of path.entries()) {
      const existing = at.members.get(key);
      if (i === path.length - 1) {
        if (existing) throw new KchError(ErrorCodes.DEFINITION, `stream ${stream.name}: field ${name} reads ${path.join('.')}, which another field already reads or holds`);
        at.members.set(key, { kind: 'field', name, field });
      } else {
        if (existing && 'kind' in existing) throw new KchError(ErrorCodes.DEFINITION, `stream ${stream.name}: field ${name} reads ${path.join('.')}, but ${path.slice(0, i + 1).join('.')} is a field of its own`);
        let next = existing;
        if (!next) at.members.set(key, next = { members: new Map(), path: path.slice(0, i + 1) });
        at = next;
      }
    }
  }
  const freeze = (building: Building): ReadonlyMap<string, Member> => new Map([...building.members].map(([key, m]): [string, Member] => {
    if ('kind' in m) return [key, m];
    const members = freeze(m);
    return [key, { kind: 'object', path: m.path, members, required: [...members.values()].some(requiredMember) }];
  }));
  const shape: Shape = { members: freeze(root), nested: Object.values(stream.fields).some((f) => f.jsonPath !== undefined) };
  shapes.set(stream, shape);
  return shape;
}

/** Whether a valid message must hold this member. */
export function requiredMember(member: Member): boolean {
  return member.kind === 'field' ? !member.field.isOptional : member.required;
}

/** The event's object, fields placed at their paths; fields whose value is undefined are left out. */
export function buildEvent(stream: StreamDefinition, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(stream.fields)) {
    const value = values[name];
    if (value === undefined) continue;
    const path = field.jsonPath;
    if (!path) {
      event[name] = value;
      continue;
    }
    let at = event;
    for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = value;
  }
  return event;
}

/** Keys a parsed object held more than once (src/pipeline/json.ts): ClickHouse's views reject those. */
function repeatedKeys(record: Record<string, unknown>, pointer: string, problems: EventProblem[]): void {
  const twice = (record as { [DUPLICATE_KEYS]?: ReadonlySet<string> })[DUPLICATE_KEYS];
  if (twice !== undefined && twice.size > 0) problems.push({ path: pointer, message: `has ${[...twice].join(', ')} more than once` });
}

function validateMembers(members: ReadonlyMap<string, Member>, record: Record<string, unknown>, pointer: string, problems: EventProblem[], shared: ReadonlySet<string>): void {
  repeatedKeys(record, pointer, problems);
  for (const [key, member] of members) {
    const value = record[key];
    const present = value !== undefined && Object.hasOwn(record, key);
    if (member.kind === 'field') {
      if (!present) {
        if (!member.field.isOptional) problems.push({ path: `${pointer}/${key}`, message: 'is missing' });
        continue;
      }
      const problem = member.field.problem(shared.has(member.name) ? throughFloat(value) : value);
      if (problem) problems.push({ path: `${pointer}/${key}`, message: problem });
      continue;
    }
    if (!present || value === null) {
      if (member.required) problems.push({ path: `${pointer}/${key}`, message: 'is missing' });
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof JsonNumber) {
      problems.push({ path: `${pointer}/${key}`, message: 'must be an object' });
      continue;
    }
    validateMembers(member.members, value as Record<string, unknown>, `${pointer}/${key}`, problems, shared);
  }
  for (const key of Object.keys(record)) {
    if (!members.has(key)) problems.push({ path: `${pointer}/${key}`, message: 'is not a field of this stream' });
  }
}

/** Every problem of an event against its stream; empty when the event is valid. */
export function validateEvent(stream: StreamDefinition, event: unknown): EventProblem[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event) || event instanceof JsonNumber) return [{ path: '', message: 'must be an object' }];
  const shape = shapeOf(stream);
  if (shape.nested) {
    const problems: EventProblem[] = [];
    validateMembers(shape.members, event as Record<string, unknown>, '', problems, sharedKeyFields(stream));
    return problems;
  }
  const record = event as Record<string, unknown>;
  const problems: EventProblem[] = [];
  repeatedKeys(record, '', problems);
  const shared = sharedKeyFields(stream);
  let present = 0;
  // The generator validates every event it makes: this loop runs ~10⁵ times a second.
  for (const [name, field] of entriesOf(stream.fields)) {
    const value = record[name];
    if (value === undefined && !(name in record)) {
      if (!field.isOptional) problems.push({ path: `/${name}`, message: 'is missing' });
      continue;
    }
    present += 1;
    const problem = field.problem(shared.size > 0 && shared.has(name) ? throughFloat(value) : value);
    if (problem) problems.push({ path: `/${name}`, message: problem });
  }
  let keys = 0;
  for (const name in record) if (Object.hasOwn(record, name)) keys += 1;
  if (keys !== present) {
    for (const name of Object.keys(record)) {
      if (!Object.hasOwn(stream.fields, name)) problems.push({ path: `/${name}`, message: 'is not a field of this stream' });
    }
  }
  return problems;
}

const fieldEntries = new WeakMap<Fields, ReadonlyArray<readonly [string, Field]>>();

function entriesOf(fields: Fields): ReadonlyArray<readonly [string, Field]> {
  let entries = fieldEntries.get(fields);
  if (!entries) fieldEntries.set(fields, entries = Object.entries(fields));
  return entries;
}

/** Throws INVALID_EVENT naming every problem; returns the event typed. */
export function assertEvent<S extends StreamDefinition>(stream: S, event: unknown): EventOf<S> {
  const problems = validateEvent(stream, event);
  if (problems.length) {
    throw new KchError(ErrorCodes.INVALID_EVENT, `invalid ${stream.name} event: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { details: { problems } });
  }
  return event as EventOf<S>;
}

/** A message's bytes read as the views read them (src/pipeline/json.ts) and asserted valid: the generator's check of what it sends. */
export function assertParsedEvent(stream: StreamDefinition, bytes: Buffer | string): void {
  const parsed = parseMessage(bytes);
  if (!parsed.ok) throw new KchError(ErrorCodes.INVALID_EVENT, `invalid ${stream.name} event: ${parsed.reason}`);
  assertEvent(stream, parsed.value);
}

const sharedKeys = new WeakMap<StreamDefinition, ReadonlySet<string>>();

/**
 * Fields whose key another member of the stream also has (a nested object's, an array's
 * objects'): the views cannot find such a field's number by its key in a message, and read it as
 * its Float64 (src/pipeline/number-sql.ts). Their names.
 */
export function sharedKeyFields(stream: StreamDefinition): ReadonlySet<string> {
  const known = sharedKeys.get(stream);
  if (known) return known;
  const counts = new Map<string, number>();
  for (const [name, field] of Object.entries(stream.fields)) {
    for (const key of [...(field.jsonPath ?? [name]), ...field.memberKeys]) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const shared = new Set(Object.entries(stream.fields).filter(([name, field]) => (counts.get((field.jsonPath ?? [name]).at(-1)!) ?? 0) > 1).map(([name]) => name));
  sharedKeys.set(stream, shared);
  return shared;
}
