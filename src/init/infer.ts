/**
 * A stream definition inferred from sample messages (`kch init`). Each rule is in the README,
 * "How init infers a stream"; in short: a sample is not a contract, so types follow what the
 * values are (never narrowed to the largest value seen), fields seen absent or null are optional,
 * nested objects become columns of their own, and the keys come from the time and id fields.
 */
import { field, type Field, type IntegerType, type TimestampPrecision } from '../pipeline/field.js';
import { defineStream, type StreamDefinition } from '../pipeline/stream.js';

/** A JSON value's type as the inference sees it. */
export type JsonKind = 'null' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'object';

/** What a field is inferred to be: rendered as source text and made into a Field. */
export type InferredType =
  | { readonly kind: 'uuid' }
  | { readonly kind: 'datetime' }
  | { readonly kind: 'timestamp'; readonly precision: TimestampPrecision; readonly timeZone: string | undefined }
  | { readonly kind: 'int'; readonly type: IntegerType }
  | { readonly kind: 'float' }
  | { readonly kind: 'decimal'; readonly scale: number; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'text'; readonly maxLength: number; readonly lowCardinality: boolean; readonly allowEmpty: boolean }
  | { readonly kind: 'array'; readonly of: InferredType };

export interface InferredField {
  /** Column name: the path joined by `_`. */
  readonly name: string;
  readonly path: readonly string[];
  readonly type: InferredType;
  readonly optional: boolean;
  /** Messages (objects) in the sample, and in how many the value was absent, null, or of another JSON type. */
  readonly total: number;
  readonly absent: number;
  readonly nulls: number;
  readonly otherTypes: number;
  /** Distinct values seen (counted up to a cap), and a few of them. */
  readonly distinct: number;
  readonly examples: readonly string[];
  /** Notes for the report and the file's comments. */
  readonly notes: readonly string[];
}

export interface Inference {
  readonly name: string;
  readonly topic: string;
  readonly fields: readonly InferredField[];
  readonly time: string | undefined;
  readonly id: string | undefined;
  readonly orderBy: readonly string[];
  readonly partitionBy: string | undefined;
  /** Why there is no id or no time, and what that changes. */
  readonly notes: readonly string[];
  /** JSON keys that cannot be columns (not plain names): the stream cannot take them. */
  readonly unsupportedKeys: readonly string[];
}

const DISTINCT_CAP = 10_000;
const LOW_CARDINALITY_MAX = 50;
const MONEY = /(price|amount|total|cost|fee|balance|paid|payment|revenue|tax|discount|subtotal|sum)s?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;
const LOCAL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Observations of one path's values. */
class Leaf {
  readonly kinds = new Map<JsonKind, number>();
  present = 0;
  strings = 0;
  uuids = 0;
  locals = 0;
  isos = 0;
  isoZones = new Set<string>();
  fraction = 0;
  maxBytes = 0;
  empty = 0;
  readonly distinct = new Set<string>();
  readonly examples: string[] = [];
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  decimals = 0;
  /** Observations of the elements, for arrays. */
  elements: Leaf | undefined;
  /** Null elements seen in arrays. */
  nullElements = 0;

  see(value: unknown): void {
    const kind = kindOf(value);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    if (kind === 'null') return;
    const text = kind === 'string' ? (value as string) : JSON.stringify(value);
    if (this.distinct.size < DISTINCT_CAP) this.distinct.add(text);
    if (this.examples.length < 3 && !this.examples.includes(text)) this.examples.push(text.length > 40 ? `${text.slice(0, 37)}...` : text);
    if (kind === 'string') {
      const s = value as string;
      this.strings += 1;
      if (s === '') this.empty += 1;
      this.maxBytes = Math.max(this.maxBytes, Buffer.byteLength(s));
      if (UUID.test(s)) this.uuids += 1;
      if (LOCAL.test(s)) this.locals += 1;
      const iso = ISO.exec(s);
      if (iso) {
        this.isos += 1;
        this.fraction = Math.max(this.fraction, iso[7]?.length ?? 0);
        this.isoZones.add(iso[8] ?? '');
      }
    } else if (kind === 'int' || kind === 'float') {
      const n = value as number;
      this.min = Math.min(this.min, n);
      this.max = Math.max(this.max, n);
      if (kind === 'float') this.decimals = Math.max(this.decimals, decimalsOf(n));
    } else if (kind === 'array') {
      this.elements ??= new Leaf();
      for (const element of value as unknown[]) {
        if (element === null) {
          this.nullElements += 1;
        } else {
          this.elements.present += 1;
          this.elements.see(element);
        }
      }
    }
  }

  /** The JSON kind most values have (int and float together count as numbers). */
  get main(): JsonKind | undefined {
    const counts = new Map(this.kinds);
    counts.delete('null');
    const numbers = (counts.get('int') ?? 0) + (counts.get('float') ?? 0);
    let best: JsonKind | undefined;
    let bestCount = 0;
    for (const [kind, count] of counts) {
      const c = kind === 'int' || kind === 'float' ? numbers : count;
      if (c > bestCount) { best = kind === 'int' && (counts.get('float') ?? 0) > 0 ? 'float' : kind; bestCount = c; }
    }
    return best;
  }

  count(kind: JsonKind): number { return this.kinds.get(kind) ?? 0; }
}

export function kindOf(value: unknown): JsonKind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) && !String(value).includes('.') ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? 'array' : 'object';
}

function decimalsOf(n: number): number {
  const text = String(n);
  if (text.includes('e')) return 99;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The type of a path's values, from its observations. */
function typeOf(name: string, leaf: Leaf): InferredType {
  const main = leaf.main;
  const nonNull = leaf.present - leaf.count('null');
  switch (main) {
    case 'bool':
      return { kind: 'bool' };
    case 'int': {
      const signed = leaf.min < 0;
      const fits32 = signed ? leaf.min >= -2_147_483_648 && leaf.max <= 2_147_483_647 : leaf.max <= 4_294_967_295;
      return { kind: 'int', type: `${signed ? 'Int' : 'UInt'}${fits32 ? '32' : '64'}` as IntegerType };
    }
    case 'float':
      if (MONEY.test(name) && leaf.decimals <= 4) {
        const bound = 1_000_000_000_000;
        return { kind: 'decimal', scale: Math.max(2, leaf.decimals), min: leaf.min < 0 ? -bound : 0, max: bound };
      }
      return { kind: 'float' };
    case 'string': {
      const strings = leaf.strings;
      if (leaf.uuids === strings) return { kind: 'uuid' };
      if (leaf.locals === strings) return { kind: 'datetime' };
      if (leaf.isos === strings) {
        const precision = ([0, 3, 6, 9] as const).find((p) => p >= leaf.fraction) ?? 9;
        return { kind: 'timestamp', precision, timeZone: zoneOf(leaf.isoZones) };
      }
      const lowCardinality = leaf.distinct.size <= LOW_CARDINALITY_MAX && leaf.distinct.size <= 0.1 * nonNull;
      let maxLength = 256;
      while (maxLength <= leaf.maxBytes) maxLength *= 2;
      return { kind: 'text', maxLength, lowCardinality, allowEmpty: leaf.empty > 0 };
    }
    case 'array': {
      const elements = leaf.elements;
      const of = elements && elements.main !== undefined && elements.main !== 'array' && elements.main !== 'object'
        ? typeOf(name, elements)
        : { kind: 'text' as const, maxLength: 256, lowCardinality: false, allowEmpty: false };
      return { kind: 'array', of };
    }
    default:
      return { kind: 'text', maxLength: 256, lowCardinality: false, allowEmpty: false };
  }
}

/** One zone for the column when every value says the same: Z or +00:00 is UTC, ±HH:00 an Etc zone; none when none says. */
function zoneOf(zones: ReadonlySet<string>): string | undefined {
  if (zones.size === 1 && zones.has('')) return undefined;
  if (zones.size === 1) {
    const [zone] = zones;
    const match = /^([+-])(\d{2}):00$/.exec(zone!);
    if (zone === 'Z' || zone === '+00:00' || zone === '-00:00') return 'UTC';
    // Etc/GMT zones count west as positive: +02:00 is Etc/GMT-2.
    if (match) return `Etc/GMT${match[1] === '+' ? '-' : '+'}${Number(match[2])}`;
  }
  return 'UTC';
}

function identifier(path: readonly string[]): string {
  return path.join('_').replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
}

export interface InferOptions {
  readonly name: string;
  readonly topic: string;
}

/** Infers the stream of `objects` (the sample's messages that are JSON objects). */
export function inferStream(objects: readonly Record<string, unknown>[], options: InferOptions): Inference {
  const leaves = new Map<string, { path: string[]; leaf: Leaf }>();
  const objectPaths = new Map<string, number>();
  const unsupported = new Set<string>();
  const walk = (value: Record<string, unknown>, path: string[]): void => {
    for (const [key, inner] of Object.entries(value)) {
      const at = [...path, key];
      if (!NAME.test(key)) {
        unsupported.add(at.join('.'));
        continue;
      }
      if (kindOf(inner) === 'object') {
        objectPaths.set(at.join('.'), (objectPaths.get(at.join('.')) ?? 0) + 1);
        walk(inner as Record<string, unknown>, at);
        continue;
      }
      const id = at.join('.');
      let entry = leaves.get(id);
      if (!entry) leaves.set(id, entry = { path: at, leaf: new Leaf() });
      entry.leaf.present += 1;
      entry.leaf.see(inner);
    }
  };
  for (const object of objects) walk(object, []);

  const total = objects.length;
  const fields: InferredField[] = [];
  const names = new Set<string>();
  for (const { path, leaf } of leaves.values()) {
    // A path seen mostly as an object is one: its scalar values are what will be dead letters.
    const asObject = objectPaths.get(path.join('.')) ?? 0;
    if (asObject > leaf.present) continue;
    let name = identifier(path);
    for (let n = 2; names.has(name); n++) name = `${identifier(path)}_${n}`;
    names.add(name);
    const notes: string[] = [];
    const main = leaf.main;
    const nulls = leaf.count('null');
    const absent = total - leaf.present;
    const type = typeOf(path[path.length - 1]!, leaf);
    let otherTypes = 0;
    if (main === undefined) {
      notes.push(`always null in the sample: made optional text; tighten it once you know what it holds`);
    } else {
      const same = main === 'float' ? leaf.count('float') + leaf.count('int') : leaf.count(main);
      otherTypes = leaf.present - nulls - same;
      if (otherTypes > 0) notes.push(`${otherTypes} of ${total} were not ${main === 'float' ? 'numbers' : main === 'int' ? 'whole numbers' : `${main}s`}: those messages will be dead letters`);
    }
    if (asObject > 0) notes.push(`${asObject} of ${total} held an object here: those messages will be dead letters`);
    if (type.kind === 'array' && leaf.nullElements > 0) notes.push(`${leaf.nullElements} null elements seen: arrays may not hold null, those messages will be dead letters`);
    const optional = absent > 0 || nulls > 0;
    if (absent > 0) notes.push(`absent in ${absent} of ${total}`);
    if (nulls > 0) notes.push(`null in ${nulls} of ${total}`);
    fields.push({ name, path, type, optional, total, absent, nulls, otherTypes, distinct: leaf.distinct.size, examples: leaf.examples, notes });
  }

  const required = fields.filter((f) => !f.optional && f.type.kind !== 'array');
  const time = required.find((f) => f.type.kind === 'timestamp' || f.type.kind === 'datetime');
  const unique = required.filter((f) => (f.type.kind === 'uuid' || f.type.kind === 'text' || f.type.kind === 'int') && f.distinct === total && total > 0);
  const idLike = (f: InferredField): boolean => f.type.kind === 'uuid' || /(^|_)id$|Id$/.test(f.name);
  const id = unique.find((f) => f.type.kind === 'uuid') ?? unique.find(idLike) ?? unique[0];
  const notes: string[] = [];
  if (!id) notes.push('no field is unique across the sample: no id, so no dedup view and kch verify cannot tag this stream\'s events (name one with id: \'<field>\')');
  else if (id.type.kind === 'int') notes.push(`the id ${id.name} is a whole number: kch verify tags events by a uuid or text id, so it cannot verify this stream`);
  if (!time) notes.push('no required time field: no partitioning by month, and the dashboard charts this stream by arrival time');
  const second = (id && id.type.kind !== 'float' ? id : undefined)
    ?? required.find((f) => f !== time && idLike(f))
    ?? required.find((f) => f !== time && f.type.kind === 'text' && f.type.lowCardinality);
  const orderBy = [time, second].filter((f): f is InferredField => f !== undefined).map((f) => f.name);
  if (orderBy.length === 0 && required[0]) orderBy.push(required[0].name);
  return {
    name: options.name,
    topic: options.topic,
    fields,
    time: time?.name,
    id: id?.name,
    orderBy,
    partitionBy: time ? `toYYYYMM(${time.name})` : undefined,
    notes,
    unsupportedKeys: [...unsupported],
  };
}

/** The Field an inferred type stands for. */
export function fieldOf(inferred: InferredField): Field {
  let made = make(inferred.type);
  if (inferred.optional) made = made.optional();
  if (inferred.path.length > 1) made = made.at(inferred.path.join('.'));
  return made;
}

function make(type: InferredType): Field {
  switch (type.kind) {
    case 'uuid': return field.uuid();
    case 'datetime': return field.dateTimeText();
    case 'timestamp': return field.timestamp({ precision: type.precision, ...(type.timeZone ? { timeZone: type.timeZone } : {}) });
    case 'int': return field.int(type.type);
    case 'float': return field.float();
    case 'decimal': return field.decimal({ precision: 18, scale: type.scale, min: type.min, max: type.max });
    case 'bool': return field.bool();
    case 'text': return field.text({ maxLength: type.maxLength, ...(type.lowCardinality ? { lowCardinality: true } : {}), ...(type.allowEmpty ? { allowEmpty: true } : {}) });
    case 'array': return field.array(make(type.of));
  }
}

/** The stream definition the inference stands for: what the replay checks the sample against. */
export function definitionOf(inference: Inference): StreamDefinition {
  return defineStream({
    name: inference.name,
    topic: inference.topic,
    fields: Object.fromEntries(inference.fields.map((f) => [f.name, fieldOf(f)])),
    orderBy: inference.orderBy,
    ...(inference.partitionBy ? { partitionBy: inference.partitionBy } : {}),
    id: inference.id ?? null,
    time: inference.time ?? null,
  });
}
