/**
 * Whether a sampled topic carries changes of rows, and how: Debezium's envelope (bare or in its
 * schema/payload wrapper), its flattened form (ExtractNewRecordState: `__deleted`, `__op`), or a
 * keyed topic whose messages are the rows and whose tombstones delete. What names a row comes
 * from the message key. `changeOf` reads one message as the decoding views read it
 * (src/pipeline/envelope.ts): a row, a deleted row, nothing, or a dead letter's reason.
 */
import { DUPLICATE_KEYS, JsonNumber, parseJson, parseMessage, unreadable, type JsonValue } from '../pipeline/json.js';
import { compareExact, exactOf, exactOfNumber, type ExactNumber } from '../pipeline/number-text.js';
import type { Changes } from '../pipeline/stream.js';
import { declaredFields, rowSchema, structFieldNames } from './connect-schema.js';
import { inferStream, type DeclaredField, type Inference, type InferOptions, type InferredChanges } from './infer.js';
import type { SampledMessage } from './sample.js';

type JsonObject = Record<string, unknown>;

export interface Recognized {
  /** What the fields are inferred from: the changes' rows, or (an append stream) the messages themselves. */
  readonly rows: readonly JsonObject[];
  /** The rows' fields as the messages' schema declares them (Debezium's wrapped form). */
  readonly declared?: ReadonlyMap<string, DeclaredField>;
  /** The upsert stream's key and envelope; undefined for an append stream. */
  readonly changes?: InferredChanges;
  /** Why a topic that looked like changes is still read as an append stream. */
  readonly notes: readonly string[];
}

/** Debezium's ops that carry a row (envelope.ts): create, update, snapshot read, delete. */
const rowOps = new Set(['c', 'u', 'r', 'd']);
const opNames: Readonly<Record<string, string>> = { r: 'snapshot reads', c: 'inserts', u: 'updates', d: 'deletes', t: 'truncates' };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

function isTombstone(message: SampledMessage): boolean {
  return message.value === null || message.value.length === 0;
}

/** `{"schema", "payload"}` (the JSON converter's schemas.enable=true) unwrapped, as the views unwrap it; the bare form as it is. */
function unwrap(value: JsonObject): { readonly payload: unknown; readonly schema: unknown } {
  return Object.hasOwn(value, 'schema') && Object.hasOwn(value, 'payload') ? { payload: value.payload, schema: value.schema } : { payload: value, schema: undefined };
}

interface DebeziumChange {
  readonly op: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly source: JsonObject;
}

/** A Debezium message: an `op` and its `source`, the row in `after` (or `before`). */
function debeziumOf(payload: unknown): DebeziumChange | undefined {
  if (!isObject(payload) || typeof payload.op !== 'string' || !isObject(payload.source)) return undefined;
  return { op: payload.op, before: payload.before, after: payload.after, source: payload.source };
}

/** A row of ExtractNewRecordState: the envelope's own values beside the row's, named `__…`. */
function isFlat(value: unknown): boolean {
  return isObject(value) && (Object.hasOwn(value, '__deleted') || Object.hasOwn(value, '__op'));
}

/** The row without the flat form's `__…` values (the views leave them out too), its repeated keys kept. */
function withoutMeta(object: JsonObject): JsonObject {
  const row: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (!key.startsWith('__')) row[key] = value;
  const twice = (object as { [DUPLICATE_KEYS]?: ReadonlySet<string> })[DUPLICATE_KEYS];
  if (twice !== undefined) Object.defineProperty(row, DUPLICATE_KEYS, { value: new Set([...twice].filter((key) => !key.startsWith('__'))), enumerable: false });
  return row;
}

function flatDeleted(object: JsonObject): boolean {
  // `__deleted` is "true" as text (rewrite mode); a boolean is taken too.
  return object.__deleted === 'true' || object.__deleted === true || object.__op === 'd';
}

type MessageKey =
  | { readonly kind: 'none' }
  /** A JSON object (unwrapped from its own schema/payload): its fields, in its schema's order when it has one. */
  | { readonly kind: 'object'; readonly fields: readonly string[]; readonly fromSchema: boolean; readonly value: JsonObject }
  /** Anything else, as a tombstone's row reads it: a JSON scalar as its value, other bytes as text. */
  | { readonly kind: 'scalar'; readonly value: JsonValue }
  /** A JSON object whose payload is no object: no row's fields. */
  | { readonly kind: 'other' };

function keyOf(key: Buffer | null): MessageKey {
  if (key === null || key.length === 0) return { kind: 'none' };
  const parsed = parseMessage(key);
  if (parsed.ok) {
    const { payload, schema } = unwrap(parsed.value as JsonObject);
    if (!isObject(payload)) return { kind: 'other' };
    const named = structFieldNames(schema);
    return { kind: 'object', fields: named ?? Object.keys(payload), fromSchema: named !== undefined, value: payload };
  }
  const text = key.toString('utf8');
  const json = parseJson(text);
  return { kind: 'scalar', value: json !== undefined && !isObject(json) && !Array.isArray(json) ? json : text };
}

/** The key's fields in every message, or why there are none. */
function messageKeyFields(messages: readonly SampledMessage[]): { readonly fields: readonly string[]; readonly from: string } | string {
  const keys = messages.map((m) => keyOf(m.key));
  const keyless = keys.filter((k) => k.kind === 'none').length;
  if (keyless === keys.length) return 'no message has a key (a table without a primary key?)';
  if (keyless > 0) return `${keyless} of ${keys.length} messages have no key`;
  const objects = keys.filter((k) => k.kind === 'object');
  if (objects.length < keys.length) return 'their keys are not all JSON objects of the key\'s fields';
  const first = objects[0]!;
  const names = [...first.fields].sort().join(',');
  if (objects.some((k) => [...k.fields].sort().join(',') !== names)) return 'their keys do not all name the same fields';
  return { fields: first.fields, from: first.fromSchema ? 'from the message key\'s schema' : 'from the message key' };
}

/** Why `fields` cannot be the key of these rows (each must be a plain name, in every row, a single value not null), or undefined when they can. */
function unusableKey(fields: readonly string[], rows: readonly JsonObject[], declared?: ReadonlyMap<string, DeclaredField>): string | undefined {
  for (const name of fields) {
    if (!NAME.test(name)) return `key field ${JSON.stringify(name)} is not a plain name`;
    if (declared?.get(name)?.optional === true) return `the schema lets key field ${name} be null`;
    const missing = rows.filter((row) => !Object.hasOwn(row, name) || row[name] === null).length;
    if (missing > 0) return `key field ${name} is absent or null in ${missing} of ${rows.length} rows`;
    if (rows.some((row) => isObject(row[name]) || Array.isArray(row[name]))) return `key field ${name} is not a single value`;
  }
  return undefined;
}

function exactNumber(value: unknown): ExactNumber | undefined {
  if (typeof value === 'number') return exactOfNumber(value);
  return value instanceof JsonNumber ? exactOf(value.text) : undefined;
}

/** Whether a row's value is the message key's, as a tombstone's row would hold it. */
function sameValue(a: unknown, b: unknown): boolean {
  const x = exactNumber(a);
  const y = exactNumber(b);
  if (x !== undefined || y !== undefined) return x !== undefined && y !== undefined && compareExact(x, y) === 0;
  return a === b;
}

function counted(entries: readonly (readonly [string, number])[]): InferredChanges['counts'] {
  return entries.filter(([, count]) => count > 0).map(([what, count]) => ({ what, count }));
}

/**
 * The stream a sample stands for: changes of rows inferred from their rows (typed by their schema
 * where the messages carry one) and keyed, or messages of their own as before; in its notes, why
 * a topic that looked like changes is not read as such.
 */
export function inferFromSample(messages: readonly SampledMessage[], options: Pick<InferOptions, 'name' | 'topic'>): Inference {
  const recognized = recognizeChanges(messages);
  const inference = inferStream(recognized.rows, {
    ...options,
    ...(recognized.declared ? { declared: recognized.declared } : {}),
    ...(recognized.changes ? { changes: recognized.changes } : {}),
  });
  return recognized.notes.length === 0 ? inference : { ...inference, notes: [...recognized.notes, ...inference.notes] };
}

/** What the sample is: an upsert stream's changes (and their rows), or messages of an append stream. */
export function recognizeChanges(messages: readonly SampledMessage[]): Recognized {
  const read = messages.map((message) => {
    if (isTombstone(message)) return { message, object: undefined };
    const parsed = parseMessage(message.value!);
    return { message, object: parsed.ok ? (parsed.value as JsonObject) : undefined };
  });
  const tombstones = messages.filter(isTombstone).length;
  const objects = read.filter((r): r is { message: SampledMessage; object: JsonObject } => r.object !== undefined);
  const plain: Recognized = { rows: objects.map((o) => o.object), notes: [] };
  if (objects.length === 0) return plain;
  // Most of the messages decide: the others are what the replay counts as dead letters.
  const debezium = objects.filter((o) => debeziumOf(unwrap(o.object).payload) !== undefined);
  if (debezium.length * 2 > objects.length) return fromDebezium(debezium, tombstones, objects.length - debezium.length, plain);
  const flat = objects.filter((o) => isFlat(o.object));
  if (flat.length * 2 > objects.length) return fromFlat(flat, tombstones, objects.length - flat.length, plain);
  if (objects.filter((o) => { const { payload, schema } = unwrap(o.object); return schema !== undefined && isFlat(payload); }).length * 2 > objects.length) {
    return { ...plain, notes: ['Debezium\'s flattened rows (ExtractNewRecordState) in a schema/payload wrapper: a stream reads the flat form bare; set the connector\'s value.converter.schemas.enable=false and run kch init again'] };
  }
  return fromKeyed(read, objects, tombstones, plain);
}

function fromDebezium(changes: readonly { message: SampledMessage; object: JsonObject }[], tombstones: number, others: number, plain: Recognized): Recognized {
  const rows: JsonObject[] = [];
  const deleted: JsonObject[] = [];
  const ops = new Map<string, number>();
  let withLsn = 0;
  let schema: ReturnType<typeof rowSchema>;
  for (const { object } of changes) {
    const wrapped = unwrap(object);
    const change = debeziumOf(wrapped.payload)!;
    ops.set(change.op, (ops.get(change.op) ?? 0) + 1);
    if (Object.hasOwn(change.source, 'lsn')) withLsn += 1;
    schema ??= rowSchema(wrapped.schema);
    if (change.op === 'd') {
      if (isObject(change.before)) deleted.push(change.before);
    } else if (rowOps.has(change.op)) {
      if (isObject(change.after)) rows.push(change.after);
      // With REPLICA IDENTITY FULL an update's `before` is the whole old row.
      if (change.op === 'u' && isObject(change.before)) rows.push(change.before);
    }
  }
  const declared = schema === undefined ? undefined : declaredFields(schema);
  // A delete's `before` holds the key's columns (the rest null unless REPLICA IDENTITY FULL):
  // it types the fields only when the sample has no other rows.
  const typed = rows.length > 0 ? rows : deleted;
  const key = messageKeyFields(changes.map((c) => c.message));
  const why = typeof key === 'string' ? key : unusableKey(key.fields, [...typed, ...deleted], declared);
  if (why !== undefined || typeof key === 'string') {
    return { ...plain, notes: [`Debezium changes, but ${why}: read as messages of their own, not as a table's rows (a change stream needs a key: key: [...] and envelope: 'debezium' make one)`] };
  }
  const otherOps = [...ops].filter(([op]) => !Object.hasOwn(opNames, op)).map(([op, count]): [string, number] => [`op "${op}" messages`, count]);
  return {
    rows: typed,
    ...(declared === undefined ? {} : { declared }),
    notes: [],
    changes: {
      envelope: 'debezium',
      key: key.fields,
      keyFrom: key.from,
      version: withLsn === changes.length ? 'source.lsn' : withLsn === 0 ? 'source.ts_ms' : 'source.lsn (source.ts_ms where a change has none)',
      counts: counted([...['r', 'c', 'u', 'd', 't'].map((op): [string, number] => [opNames[op]!, ops.get(op) ?? 0]), ...otherOps, ['tombstones', tombstones], ['not Debezium changes', others]]),
      notes: [],
    },
  };
}

function fromFlat(flat: readonly { message: SampledMessage; object: JsonObject }[], tombstones: number, others: number, plain: Recognized): Recognized {
  const rows: JsonObject[] = [];
  const deleted: JsonObject[] = [];
  const ops = new Map<string, number>();
  let markedDeleted = 0;
  const has = (name: string): number => flat.filter((f) => Object.hasOwn(f.object, name)).length;
  for (const { object } of flat) {
    if (typeof object.__op === 'string') ops.set(object.__op, (ops.get(object.__op) ?? 0) + 1);
    if (Object.hasOwn(object, '__deleted')) markedDeleted += 1;
    (flatDeleted(object) ? deleted : rows).push(withoutMeta(object));
  }
  const typed = rows.length > 0 ? rows : deleted;
  const key = messageKeyFields(flat.map((f) => f.message));
  const why = typeof key === 'string' ? key : unusableKey(key.fields, [...typed, ...deleted]);
  if (why !== undefined || typeof key === 'string') {
    return { ...plain, notes: [`Debezium's flattened rows, but ${why}: read as messages of their own (a change stream needs a key: key: [...] and envelope: 'debezium-flat' make one)`] };
  }
  // As the views order them (envelope.ts): __lsn, else __source_ts_ms, else the Kafka offset.
  const lsn = has('__lsn');
  const sourceTs = has('__source_ts_ms');
  const version = lsn === flat.length ? '__lsn' : lsn === 0 && sourceTs === flat.length ? '__source_ts_ms' : lsn === 0 && sourceTs === 0 ? 'the Kafka offset' : '__lsn, else __source_ts_ms, else the Kafka offset';
  const notes: string[] = [];
  if (version === 'the Kafka offset') notes.push('no __lsn or __source_ts_ms: the Kafka offset orders a key\'s changes (the transform\'s add.fields=lsn,source.ts_ms adds them)');
  if (tombstones > 0 && markedDeleted === 0 && !ops.has('d')) notes.push('tombstones but no __deleted: the transform drops deletes, so none reaches the table (delete.handling.mode=rewrite keeps them as __deleted rows)');
  const counts = ops.size > 0
    ? [...['r', 'c', 'u', 'd'].map((op): [string, number] => [opNames[op]!, ops.get(op) ?? 0]), ['deletes (__deleted only)', deleted.length - (ops.get('d') ?? 0)] as [string, number]]
    : [['rows', rows.length], ['deletes', deleted.length]] as [string, number][];
  return {
    rows: typed,
    notes: [],
    changes: {
      envelope: 'debezium-flat',
      key: key.fields,
      keyFrom: key.from,
      version,
      counts: counted([...counts, ['tombstones', tombstones], ['not flattened rows', others]]),
      notes,
    },
  };
}

function fromKeyed(read: readonly { message: SampledMessage; object: JsonObject | undefined }[], objects: readonly { message: SampledMessage; object: JsonObject }[], tombstones: number, plain: Recognized): Recognized {
  const keys = read.map((r) => keyOf(r.message.key));
  const keyless = keys.filter((k) => k.kind === 'none').length;
  // A topic without keys is no topic of changes: nothing to say.
  if (keyless === keys.length) return plain;
  const append = (why: string): Recognized => ({ ...plain, notes: [`${why}: an append stream`] });
  if (keyless > 0) return append(`${keyless} of ${keys.length} messages have no key, so it is no keyed topic`);
  const distinct = new Set(read.map((r) => r.message.key!.toString('latin1'))).size;
  if (distinct === read.length && tombstones === 0) return append('every message has a key of its own (none repeats, no tombstone): events, not changes of rows (key: [...] makes an upsert stream)');
  const rows = objects.map((o) => o.object);
  const rowKeys = objects.map((o) => keyOf(o.message.key));
  let key: { readonly fields: readonly string[]; readonly from: string };
  if (keys.every((k) => k.kind === 'object')) {
    const found = messageKeyFields(read.map((r) => r.message));
    if (typeof found === 'string') return append(`the messages are keyed, but ${found}`);
    const why = unusableKey(found.fields, rows);
    if (why !== undefined) return append(`the message key names ${found.fields.join(', ')}, but ${why}`);
    key = found;
  } else if (keys.every((k) => k.kind === 'scalar')) {
    // The field a scalar key is: the one whose value is the key's in every message.
    const candidates = Object.keys(rows[0] ?? {}).filter((name) => unusableKey([name], rows) === undefined);
    const field = candidates.find((name) => rows.every((row, i) => sameValue(row[name], (rowKeys[i] as Extract<MessageKey, { kind: 'scalar' }>).value)));
    if (field === undefined) return append('the messages are keyed, but no field of the value equals the message key in every message');
    key = { fields: [field], from: 'the value\'s field equal to the message key' };
  } else {
    return append('the messages are keyed, but their keys are JSON objects in some and not in others');
  }
  return {
    rows,
    notes: [],
    changes: {
      envelope: 'json',
      key: key.fields,
      keyFrom: key.from,
      version: 'the Kafka offset',
      counts: counted([['rows', rows.length], ['tombstones (deletes)', tombstones], ['not JSON objects', read.length - rows.length - tombstones]]),
      notes: ['its tombstones delete, and the Kafka engine skips them unseen: kch sink moves this stream (run it after kch migrate)'],
    },
  };
}

/** One message of an upsert stream as its views read it. */
export type Change =
  /** No change at all: neither a row nor a dead letter (a Debezium tombstone after a delete). */
  | { readonly kind: 'skip' }
  /** A dead letter, and why (envelope.ts's `problem`, or the message unreadable). */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The row (a JSON object when it is one), deleted or not. */
  | { readonly kind: 'row'; readonly row: unknown; readonly deleted: boolean };

const noOp = 'not a Debezium change: no "op" (c, u, r or d)';

export function changeOf(changes: Changes, message: SampledMessage): Change {
  const tombstone = isTombstone(message);
  switch (changes.envelope) {
    case 'debezium': {
      if (tombstone) return { kind: 'skip' };
      const parsed = parseMessage(message.value!);
      // No op can be read from what does not parse.
      if (!parsed.ok) return { kind: 'refused', reason: parsed.reason === unreadable.object ? noOp : parsed.reason };
      const { payload } = unwrap(parsed.value as JsonObject);
      const op = isObject(payload) && typeof payload.op === 'string' ? payload.op : '';
      if (op === '') return { kind: 'refused', reason: noOp };
      if (!rowOps.has(op)) return { kind: 'refused', reason: `Debezium op "${op}" is not a row change (c, u, r or d): not applied` };
      const change = payload as JsonObject;
      return { kind: 'row', row: op === 'd' ? change.before : change.after, deleted: op === 'd' };
    }
    case 'debezium-flat': {
      if (tombstone) return { kind: 'skip' };
      const parsed = parseMessage(message.value!);
      if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
      const object = parsed.value as JsonObject;
      return { kind: 'row', row: withoutMeta(object), deleted: flatDeleted(object) };
    }
    case 'json': {
      if (!tombstone) {
        const parsed = parseMessage(message.value!);
        return parsed.ok ? { kind: 'row', row: parsed.value, deleted: false } : { kind: 'refused', reason: parsed.reason };
      }
      // A tombstone's row is its key's: a JSON object of the key's fields, or one field's value.
      const key = keyOf(message.key);
      switch (key.kind) {
        case 'none': return { kind: 'refused', reason: 'a tombstone (no value) without a key: no row to delete' };
        case 'object': return { kind: 'row', row: key.value, deleted: true };
        case 'other': return { kind: 'row', row: undefined, deleted: true };
        case 'scalar': return { kind: 'row', row: changes.key.length === 1 ? { [changes.key[0]!]: key.value } : undefined, deleted: true };
      }
    }
  }
}
