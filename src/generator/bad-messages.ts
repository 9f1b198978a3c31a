/**
 * Malformed messages mixed into the generator's stream on purpose (`kch generate --bad-ratio`), so
 * that the dead-letter path is exercised: one of each kind in turn, made from the event that would
 * have been sent, deterministic for a seed. Whether a message is bad is drawn from a generator of
 * its own, so the good events are the same events, in the same order, whatever the ratio.
 */
import type { Field } from '../pipeline/field.js';
import type { StreamDefinition } from '../pipeline/stream.js';
import { stringifyJson } from '../pipeline/json.js';
import { SeededRandom } from './random.js';

export const badKinds = ['invalid-json', 'wrong-type', 'missing-field', 'invalid-utf8', 'out-of-range', 'oversized'] as const;
export type BadKind = (typeof badKinds)[number];

/**
 * Kinds that the Kafka engine's JSONEachRow cannot parse (on 24.3+, with strict JSON input, a
 * missing field and a wrong type too): there their dead letter keeps the message byte for byte, and
 * the others the parsed row as JSON. Where the view decodes (25.8+), every dead letter keeps the
 * message byte for byte and only invalid JSON is not blamed on a field.
 */
export const parseErrorKinds: ReadonlySet<BadKind> = new Set(['invalid-json', 'wrong-type', 'missing-field']);

/** Bytes of a text field's value that are not UTF-8 (a lead byte followed by no continuation). */
const notUtf8 = Buffer.from([0xc3, 0x28, 0xff]);
/** An oversized value: 16 times the usual text limit (256 bytes); small enough that a batch of them stays under Kafka's 1 MB. */
const OVERSIZED_BYTES = 4096;

export interface BadMessage {
  readonly kind: BadKind;
  readonly value: Buffer;
}

export class BadMessages {
  private readonly random: () => number;
  private made = 0;

  constructor(seed: number, private readonly ratio: number) {
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`bad ratio must be between 0 and 1, got ${ratio}`);
    this.random = new SeededRandom(seed ^ 0x5bd1e995).float;
  }

  /** Decides whether the next message is malformed; when it is, returns it, made from `event`. */
  next(stream: StreamDefinition, event: Record<string, unknown>): BadMessage | undefined {
    if (this.ratio === 0 || this.random() >= this.ratio) return undefined;
    const kind = badKinds[this.made % badKinds.length]!;
    this.made += 1;
    return { kind, value: this.make(kind, stream, event) };
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private make(kind: BadKind, stream: StreamDefinition, event: Record<string, unknown>): Buffer {
    const fields = Object.entries(stream.fields) as [string, Field][];
    const named = (...kinds: string[]): string[] => fields.filter(([, f]) => kinds.includes(f.kind) && !f.isOptional).map(([name]) => name);
    const json = (value: unknown): Buffer => Buffer.from(stringifyJson(value));
    switch (kind) {
      case 'invalid-json': {
        const text = stringifyJson(event);
        // Cut inside the object (whole characters, so the bytes stay UTF-8).
        return Buffer.from(text.slice(0, Math.max(1, Math.floor(text.length * (0.2 + 0.6 * this.random())))));
      }
      case 'wrong-type': {
        const numbers = named('integer', 'decimal');
        const texts = named('text');
        if (numbers.length > 0 && (texts.length === 0 || this.random() < 0.5)) return json({ ...event, [this.pick(numbers)]: 'n/a' });
        if (texts.length > 0) return json({ ...event, [this.pick(texts)]: 12345 });
        return json({ ...event, [this.pick(fields)[0]]: { nested: true } });
      }
      case 'missing-field': {
        const required = fields.filter(([, f]) => !f.isOptional).map(([name]) => name);
        const gone = this.pick(required);
        return json(Object.fromEntries(Object.entries(event).filter(([name]) => name !== gone)));
      }
      case 'invalid-utf8': {
        const texts = named('text');
        if (texts.length === 0) return Buffer.concat([Buffer.from('{"'), notUtf8, Buffer.from('":1}')]);
        const [head, tail] = stringifyJson({ ...event, [this.pick(texts)]: '\u0000SPLIT\u0000' }).split('\\u0000SPLIT\\u0000');
        return Buffer.concat([Buffer.from(head!), Buffer.from('bad '), notUtf8, Buffer.from(tail!)]);
      }
      case 'out-of-range': {
        const beyond = (f: Field, below: boolean): unknown => (f as Field & { outOfRange?: (below: boolean) => unknown }).outOfRange?.(below);
        const bounded = fields.filter(([, f]) => !f.isOptional && (beyond(f, true) !== undefined || beyond(f, false) !== undefined));
        if (bounded.length === 0) return json({ ...event, [this.pick(fields)[0]]: 'out of range' });
        const [name, f] = this.pick(bounded);
        const below = beyond(f, true) !== undefined && (beyond(f, false) === undefined || this.random() < 0.5);
        return json({ ...event, [name]: beyond(f, below) });
      }
      case 'oversized': {
        const texts = named('text');
        const name = texts.length > 0 ? this.pick(texts) : 'padding';
        return json({ ...event, [name]: 'x'.repeat(OVERSIZED_BYTES) });
      }
    }
  }
}
