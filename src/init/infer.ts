/**
 * A stream definition inferred from sample messages (`kch init`). Each rule is in the README,
 * "How init infers a stream"; in short: a sample is not a contract, so types follow what the
 * values are (never narrowed to the largest value seen), fields seen absent or null are optional,
 * nested objects become columns of their own, and the keys come from the time and id fields.
 */
import { field, MAX_DECIMAL_PRECISION, type Field, type IntegerType, type TimestampPrecision } from '../pipeline/field.js';
import { JsonNumber, stringifyJson } from '../pipeline/json.js';
import { compareExact, decimalsOf, exactOf, exactOfBigInt, exactOfNumber, plainText, sameAsNumber, type ExactNumber } from '../pipeline/number-text.js';
import { printable } from '../output/terminal.js';
import { defineStream, type StreamDefinition } from '../pipeline/stream.js';

/** A JSON value's type as the inference sees it. */
export type JsonKind = 'null' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'object';

/** A member of the objects an array holds (`items: [{ sku, n }]`). */
export interface InferredMember {
  readonly key: string;
  readonly type: InferredType;
  readonly optional: boolean;
}

/** What a field is inferred to be: rendered as source text and made into a Field. */
export type InferredType =
  | { readonly kind: 'uuid' }
  | { readonly kind: 'datetime' }
  | { readonly kind: 'timestamp'; readonly precision: TimestampPrecision; readonly timeZone: string | undefined }
  | { readonly kind: 'int'; readonly type: IntegerType; readonly strings?: true }
  | { readonly kind: 'float'; readonly strings?: true }
  /** Bounds as numbers where a JavaScript number holds them, else as their text. Precision 18 unless given. */
  | { readonly kind: 'decimal'; readonly precision?: number; readonly scale: number; readonly min: number | string; readonly max: number | string; readonly strings?: true }
  | { readonly kind: 'bool' }
  | { readonly kind: 'text'; readonly maxLength: number; readonly lowCardinality: boolean; readonly allowEmpty: boolean }
  | { readonly kind: 'array'; readonly of: InferredType }
  | { readonly kind: 'object'; readonly members: readonly InferredMember[] };

export interface InferredField {
  /** Column name: the path joined by `_`. */
  readonly name: string;
  readonly path: readonly string[];
  readonly type: InferredType;
  readonly optional: boolean;
  /** A quantity whose sum means something (the dashboard sums only those): guessed from the name and values. */
  readonly measure: boolean;
  /** Messages (objects) in the sample, and in how many the value was absent, null, or of another JSON type. */
  readonly total: number;
  readonly absent: number;
  readonly nulls: number;
  readonly otherTypes: number;
  /** Distinct values seen (counted up to a cap), and a few of them, as printable text. */
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
/** Names of quantities a sum means something for; and of numbers that only name or place things. */
const MEASURE = /(qty|quantity|quantities|amount|price|total|sum|count|revenue|cost|fee|tax|discount|subtotal|weight|size|bytes|duration|volume|distance|units|items|stock|balance|paid|payment|value|spend|spent|sales|clicks|views|hits|points|score)s?$/i;
const NOT_MEASURE = /(^id|_id|Id|^seq|sequence|_seq|^lat|^lon|^lng|latitude|longitude|year|month|day|hour|minute|second|code|zip|port|version|epoch|timestamp|_ts|_at|offset|partition|index|number|^no$|_no$|phone|rank)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;
const LOCAL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The exact number of a JSON value that is one (a number, a bigint, a JsonNumber), else undefined. */
function numberOf(value: unknown): ExactNumber | undefined {
  if (typeof value === 'number') return exactOfNumber(value);
  if (typeof value === 'bigint') return exactOfBigInt(value);
  if (value instanceof JsonNumber) return exactOf(value.text);
  return undefined;
}

/** Observations of one path's values. */
class Leaf {
  /** Values of each kind (`count`): the one tally, the strings' included. */
  readonly kinds = new Map<JsonKind, number>();
  present = 0;
  /** Strings holding a JSON number ("12", "3.50"): numbers written as strings. */
  numericStrings = 0;
  uuids = 0;
  locals = 0;
  isos = 0;
  isoZones = new Set<string>();
  fraction = 0;
  maxBytes = 0;
  empty = 0;
  readonly distinct = new Set<string>();
  readonly examples: string[] = [];
  /** The least and greatest number seen (numbers and numeric strings alike), exactly. */
  min: ExactNumber | undefined;
  max: ExactNumber | undefined;
  /** The most decimals a number needed. */
  decimals = 0;
  /** Observations of the elements, for arrays. */
  elements: Leaf | undefined;
  /** Null elements seen in arrays. */
  nullElements = 0;
  /** Observations of each member, for objects (an array's elements). */
  readonly members = new Map<string, Leaf>();
  objects = 0;

  see(value: unknown): void {
    const kind = kindOf(value);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    if (kind === 'null') return;
    const text = kind === 'string' ? (value as string) : describeJson(value);
    if (this.distinct.size < DISTINCT_CAP) this.distinct.add(text);
    const shown = printable(text.length > 40 ? `${text.slice(0, 37)}...` : text);
    if (this.examples.length < 3 && !this.examples.includes(shown)) this.examples.push(shown);
    if (kind === 'string') {
      const s = value as string;
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
      const number = exactOf(s);
      if (number !== undefined) {
        this.numericStrings += 1;
        this.number(number);
      }
    } else if (kind === 'int' || kind === 'float') {
      this.number(numberOf(value)!);
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
    } else if (kind === 'object') {
      this.objects += 1;
      for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
        let leaf = this.members.get(key);
        if (!leaf) this.members.set(key, leaf = new Leaf());
        leaf.present += 1;
        leaf.see(member);
      }
    }
  }

  private number(number: ExactNumber): void {
    if (this.min === undefined || compareExact(number, this.min) < 0) this.min = number;
    if (this.max === undefined || compareExact(number, this.max) > 0) this.max = number;
    this.decimals = Math.max(this.decimals, decimalsOf(number));
  }

  /** The JSON kind most values have (int and float together count as numbers, and so do strings that all hold one). */
  get main(): JsonKind | undefined {
    const counts = new Map(this.kinds);
    counts.delete('null');
    const strings = this.count('string');
    const numeric = this.numericStrings === strings && strings > 0;
    const numbers = (counts.get('int') ?? 0) + (counts.get('float') ?? 0) + (numeric ? strings : 0);
    let best: JsonKind | undefined;
    let bestCount = 0;
    for (const [kind, count] of counts) {
      const isNumber = kind === 'int' || kind === 'float' || (numeric && kind === 'string');
      const c = isNumber ? numbers : count;
      if (c > bestCount) { best = isNumber ? (this.decimals > 0 ? 'float' : 'int') : kind; bestCount = c; }
    }
    return best;
  }

  /** Whether the numbers came (some of them) written as strings. */
  get numbersAsStrings(): boolean { return this.numericStrings > 0 && this.numericStrings === this.count('string'); }

  count(kind: JsonKind): number { return this.kinds.get(kind) ?? 0; }
}

/** JSON text of a sampled value, for examples: numbers exactly as they came. */
function describeJson(value: unknown): string {
  try {
    return stringifyJson(value);
  } catch {
    return String(value);
  }
}

export function kindOf(value: unknown): JsonKind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'bool';
  const number = numberOf(value);
  if (number !== undefined) return decimalsOf(number) === 0 ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? 'array' : 'object';
}

const INT32 = [exactOf('-2147483648')!, exactOf('2147483647')!] as const;
const UINT32_MAX = exactOf('4294967295')!;
const INT64 = [exactOf('-9223372036854775808')!, exactOf('9223372036854775807')!] as const;
const UINT64_MAX = exactOf('18446744073709551615')!;
const INT128 = [exactOf(String(-(2n ** 127n)))!, exactOf(String(2n ** 127n - 1n))!] as const;

/** The narrowest of 32, 64, 128 and 256 bits that holds the sample's range (never narrower: a sample is no contract). */
function integerTypeOf(min: ExactNumber, max: ExactNumber): IntegerType {
  const within = (lo: ExactNumber, hi: ExactNumber): boolean => compareExact(min, lo) >= 0 && compareExact(max, hi) <= 0;
  const zero = exactOf('0')!;
  if (compareExact(min, zero) >= 0) {
    if (compareExact(max, UINT32_MAX) <= 0) return 'UInt32';
    if (compareExact(max, UINT64_MAX) <= 0) return 'UInt64';
    return 'UInt256';
  }
  if (within(...INT32)) return 'Int32';
  if (within(...INT64)) return 'Int64';
  return within(...INT128) ? 'Int128' : 'Int256';
}

/** A bound as a number where a JavaScript number holds it exactly, else its text. */
function bound(number: ExactNumber): number | string {
  const text = plainText(number);
  return sameAsNumber(number, Number(text)) && Math.abs(Number(text)) <= Number.MAX_SAFE_INTEGER ? Number(text) : text;
}

/** The type of a path's values, from its observations. */
function typeOf(name: string, leaf: Leaf): InferredType {
  const main = leaf.main;
  const nonNull = leaf.present - leaf.count('null');
  const strings = leaf.numbersAsStrings ? { strings: true as const } : {};
  switch (main) {
    case 'bool':
      return { kind: 'bool' };
    case 'int':
      return { kind: 'int', type: integerTypeOf(leaf.min!, leaf.max!), ...strings };
    case 'float': {
      if (MONEY.test(name) && leaf.decimals <= 4) {
        const scale = Math.max(2, leaf.decimals);
        // Room for 10¹² in a Decimal(18, …) unless the sample holds larger values.
        const magnitude = compareExact({ ...leaf.max!, negative: false }, { ...leaf.min!, negative: false }) >= 0 ? leaf.max! : { ...leaf.min!, negative: false };
        const wholeDigits = Math.max(0, magnitude.digits.length + magnitude.exponent);
        const precision = wholeDigits <= 12 ? 18 : Math.min(MAX_DECIMAL_PRECISION, wholeDigits + 3 + scale);
        const limit = wholeDigits <= 12 ? exactOf('1e12')! : { negative: false, digits: '9'.repeat(precision), exponent: -scale };
        return {
          kind: 'decimal',
          ...(precision === 18 ? {} : { precision }),
          scale,
          min: leaf.min!.negative ? bound({ ...limit, negative: true }) : 0,
          max: bound(limit),
          ...strings,
        };
      }
      return { kind: 'float', ...strings };
    }
    case 'string': {
      const count = leaf.count('string');
      if (leaf.uuids === count) return { kind: 'uuid' };
      if (leaf.locals === count) return { kind: 'datetime' };
      if (leaf.isos === count) {
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
      const inner = elements?.main;
      if (elements && inner === 'object') return { kind: 'array', of: objectTypeOf(elements) };
      const of = elements && inner !== undefined && inner !== 'array'
        ? typeOf(name, elements)
        : { kind: 'text' as const, maxLength: 256, lowCardinality: false, allowEmpty: false };
      return { kind: 'array', of };
    }
    default:
      return { kind: 'text', maxLength: 256, lowCardinality: false, allowEmpty: false };
  }
}

/** The objects of an array: each member typed from its values, optional where some element lacked it. */
function objectTypeOf(leaf: Leaf): InferredType {
  const members: InferredMember[] = [];
  for (const [key, member] of leaf.members) {
    if (!NAME.test(key)) continue;
    const type = member.main === 'object' ? objectTypeOf(member) : typeOf(key, member);
    // ClickHouse has no Nullable tuple: an object member stays required.
    members.push({ key, type, optional: type.kind !== 'object' && (member.present < leaf.objects || member.count('null') > 0) });
  }
  return { kind: 'object', members };
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
      const numeric = main === 'float' || main === 'int';
      const same = numeric ? leaf.count('float') + leaf.count('int') + (leaf.numbersAsStrings ? leaf.count('string') : 0) : leaf.count(main);
      otherTypes = leaf.present - nulls - same;
      if (otherTypes > 0) notes.push(`${otherTypes} of ${total} were not ${main === 'float' ? 'numbers' : main === 'int' ? 'whole numbers' : `${main}s`}: those messages will be dead letters`);
      if (numeric && leaf.numbersAsStrings) notes.push(`${leaf.numericStrings} of ${total} were numbers written as strings (e.g. "1"): taken with acceptStrings()`);
      else if (numeric && leaf.numericStrings > 0) notes.push(`${leaf.numericStrings} of ${total} were numbers written as strings among other strings: those messages will be dead letters`);
      if (type.kind === 'int' && /128|256/.test(type.type)) notes.push(`whole numbers beyond 64 bits: ClickHouse's JSON parser reads them only as strings ("…"), so a producer must send them quoted`);
    }
    if (asObject > 0) notes.push(`${asObject} of ${total} held an object here: those messages will be dead letters`);
    if (type.kind === 'array' && leaf.nullElements > 0) notes.push(`${leaf.nullElements} null elements seen: arrays may not hold null, those messages will be dead letters`);
    if (type.kind === 'array' && type.of.kind === 'object') notes.push(`an array of objects: one Tuple per element (query it with arrayJoin(${name}) AS x, then x.${type.of.members[0]?.key ?? 'member'})`);
    const optional = absent > 0 || nulls > 0;
    if (absent > 0) notes.push(`absent in ${absent} of ${total}`);
    if (nulls > 0) notes.push(`null in ${nulls} of ${total}`);
    const last = path[path.length - 1]!;
    const measure = (type.kind === 'int' || type.kind === 'decimal' || type.kind === 'float') && MEASURE.test(last) && !NOT_MEASURE.test(last);
    fields.push({ name, path, type, optional, measure, total, absent, nulls, otherTypes, distinct: leaf.distinct.size, examples: leaf.examples, notes });
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
    // The id names an event: its sum means nothing, whatever it is called.
    fields: fields.map((f) => (f === id && f.measure ? { ...f, measure: false } : f)),
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
  if (inferred.measure) made = made.measure();
  if (inferred.optional) made = made.optional();
  if (inferred.path.length > 1) made = made.at(inferred.path.join('.'));
  return made;
}

function make(type: InferredType): Field {
  const numeric = (made: Field, strings: true | undefined): Field => (strings ? made.acceptStrings() : made);
  switch (type.kind) {
    case 'uuid': return field.uuid();
    case 'datetime': return field.dateTimeText();
    case 'timestamp': return field.timestamp({ precision: type.precision, ...(type.timeZone ? { timeZone: type.timeZone } : {}) });
    case 'int': return numeric(field.int(type.type), type.strings);
    case 'float': return numeric(field.float(), type.strings);
    case 'decimal': return numeric(field.decimal({ precision: type.precision ?? 18, scale: type.scale, min: type.min, max: type.max }), type.strings);
    case 'bool': return field.bool();
    case 'text': return field.text({ maxLength: type.maxLength, ...(type.lowCardinality ? { lowCardinality: true } : {}), ...(type.allowEmpty ? { allowEmpty: true } : {}) });
    case 'array': return field.array(make(type.of));
    case 'object': return field.object(Object.fromEntries(type.members.map((m) => [m.key, m.optional ? make(m.type).optional() : make(m.type)])));
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
