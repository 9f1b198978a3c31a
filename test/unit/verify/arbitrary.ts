/**
 * A tiny seeded generator of arbitrary values for property tests: the same seed gives the same
 * cases, so a failure names its seed and can be replayed (KCH_FUZZ_SEED=<seed>).
 */
import { seededRandom } from '../../../src/verify/events.js';

export const fuzzSeed = (): number => Number(process.env.KCH_FUZZ_SEED ?? 20_261_124);

export class Arbitrary {
  private readonly random: () => number;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  float(): number {
    return this.random();
  }

  /** Whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  bool(p = 0.5): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** Text from an alphabet of troublemakers: quotes, backslashes, separators, Cyrillic, emoji, NUL. */
  string(maxLength = 12): string {
    const alphabet = ['a', 'Z', '0', '9', '-', '_', '.', ':', ',', '=', ' ', '"', "'", '\\', '/', '\n', '\t', '\0', 'я', 'Ж', '😀', '\u00a0', '{', '}', '[', ']', '%', '$'];
    let out = '';
    const length = this.int(0, maxLength);
    for (let i = 0; i < length; i++) out += this.pick(alphabet);
    return out;
  }

  /** Numbers at and around the edges that break parsers. */
  number(): number {
    return this.pick([0, -0, 1, -1, 0.1, 0.29, 1e-7, 255, 256, 65_535, 65_536, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, -(2 ** 63), 1e21, 1.5, Number.MAX_VALUE, this.int(-1e6, 1e6), this.float() * 1e4]);
  }

  /** Any JSON value, nested up to `depth`. */
  json(depth = 2): unknown {
    const kind = this.int(0, depth > 0 ? 6 : 4);
    switch (kind) {
      case 0: return null;
      case 1: return this.bool();
      case 2: return this.number();
      case 3: return this.string();
      case 4: return this.pick(['', '2024-02-30 25:61:61', '2024-01-01 00:00:00', '1970-01-01 00:00:00', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'NaN', '1e309', 'sale']);
      case 5: return Array.from({ length: this.int(0, 3) }, () => this.json(depth - 1));
      default: return Object.fromEntries(Array.from({ length: this.int(0, 3) }, () => [this.string(6), this.json(depth - 1)]));
    }
  }

  /** A command-line token: flags, values, and junk. */
  token(flags: readonly string[]): string {
    return this.pick([
      () => `--${this.pick(flags)}`,
      () => `--${this.pick(flags)}=${this.string(8)}`,
      () => this.string(10),
      () => String(this.number()),
      () => this.pick(['-h', '--', '-', '--no-such-flag', '-x', '--count=-1', '--rate=max', '--rate=0', '--timeout=1s', '--timeout=5m', '--bad-ratio=1.5', '--json']),
    ])();
  }
}
