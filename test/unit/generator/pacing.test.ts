import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueEvents, lingerEvents, parsePace, seedPauseMs } from '../../../src/generator/pacing.js';

test('--rate accepts seed, max and positive numbers', () => {
  assert.deepEqual(parsePace('seed'), { kind: 'seed' });
  assert.deepEqual(parsePace('MAX'), { kind: 'max' });
  assert.deepEqual(parsePace('2500'), { kind: 'rate', perSecond: 2500 });
  assert.throws(() => parsePace('-3'), { code: 'KCH_USAGE' });
  assert.throws(() => parsePace('fast'), { code: 'KCH_USAGE' });
});

test('the seed pace pauses 0.5–1.5 s', () => {
  assert.equal(seedPauseMs(() => 0), 500);
  assert.equal(seedPauseMs(() => 0.999999), 1499.999);
});

test('a fixed rate makes exactly the events due so far', () => {
  assert.equal(dueEvents(1000, 1500, 0), 1500);
  assert.equal(dueEvents(1000, 1500, 1400), 100);
  assert.equal(dueEvents(10, 50, 1), 0);
});

test('a fixed rate sends a batch per 10 ms at most, never more than the batch size, at least one event', () => {
  assert.equal(lingerEvents(100_000, 2000), 1000);
  assert.equal(lingerEvents(1_000_000, 2000), 2000);
  assert.equal(lingerEvents(1000, 2000), 10);
  assert.equal(lingerEvents(50, 2000), 1);
  assert.equal(lingerEvents(0.5, 2000), 1);
});
