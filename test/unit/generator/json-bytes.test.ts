import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonBytes } from '../../../src/generator/json-bytes.js';
import { SeededRandom } from '../../../src/generator/random.js';

test('JsonBytes writes integers and hundredths as JSON.stringify writes the numbers', () => {
  const out = new JsonBytes();
  const random = new SeededRandom(3);
  const values = [0, 1, 9, 10, 99, 100, 101, 1000, 4_294_967_295, 1e15 - 1, 2 ** 53 - 1, ...Array.from({ length: 5000 }, () => random.int(0, 2_000_000_000))];
  for (const value of values) {
    out.reset();
    out.uint(value);
    assert.equal(out.buffer.toString('latin1', 0, out.length), JSON.stringify(value));
    if (value >= 1e15) continue;
    out.reset();
    out.hundredths(value);
    assert.equal(out.buffer.toString('latin1', 0, out.length), JSON.stringify(value / 100), `hundredths ${value}`);
  }
});
