import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueEvents, parsePace, seedPauseMs } from '../../../src/generator/pacing.js';

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
