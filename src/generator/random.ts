/**
 * The generator's source of randomness: sfc32, seeded, the same on every platform. Events draw
 * from it instead of from faker, whose calls cost ~30 % of the generator's CPU; faker only fills
 * the vocabularies once (src/generator/vocabulary.ts). 128 bits of state rather than mulberry32's
 * 32: event ids come from it, and a 2³²-step cycle would repeat them after ~400 M events.
 */
import { JsonBytes } from './json-bytes.js';

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads one 32-bit seed over the four words; the first outputs are discarded.
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.word();
  }

  /** A float in [0, 1). */
  next(): number {
    return this.word() / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A random (version 4, RFC 9562 variant) UUID, drawn from this generator so a seed repeats it. */
  uuid(): string {
    scratch.reset();
    this.uuidInto(scratch);
    return scratch.buffer.toString('latin1', 0, scratch.length);
  }

  /** The same UUID as `uuid()` would draw, written as 36 ASCII bytes. */
  uuidInto(out: JsonBytes): void {
    const a = this.word();
    const b = this.word();
    const c = this.word();
    const d = this.word();
    out.hex(a, 8);
    out.char(DASH);
    out.hex(b >>> 16, 4);
    out.char(DASH);
    out.char(VERSION_4);
    out.hex(b & 0xfff, 3);
    out.char(DASH);
    out.hex(((0x80 | ((c >>> 24) & 0x3f)) << 8) | ((c >>> 16) & 0xff), 4);
    out.char(DASH);
    out.hex(c & 0xffff, 4);
    out.hex(d, 8);
  }

  /** A function form, for code that takes `() => number`. */
  get float(): () => number {
    return () => this.next();
  }

  /** 32 random bits, as an unsigned integer. */
  word(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
}

const DASH = 0x2d;
const VERSION_4 = 0x34;
const scratch = new JsonBytes(64);
