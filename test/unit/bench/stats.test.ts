import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distribution, median, percentile, perSecond, ratio, slope, visibleAt } from '../../../src/bench/stats.js';

test('percentiles interpolate linearly between ranks, as numpy does', () => {
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(values, 50), 5.5);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile(values, 100), 10);
  assert.ok(Math.abs(percentile(values, 95)! - 9.55) < 1e-9);
  assert.ok(Math.abs(percentile(values, 99)! - 9.91) < 1e-9);
  assert.equal(percentile([42], 99), 42);
  assert.equal(percentile([], 50), undefined);
});

test('a distribution sorts its values numerically, not as text', () => {
  const d = distribution([100, 9, 1000, 20])!;
  assert.equal(d.min, 9);
  assert.equal(d.max, 1000);
  assert.equal(d.p50, 60);
  assert.equal(d.count, 4);
  assert.equal(d.mean, 282.25);
  assert.equal(distribution([]), undefined);
  assert.equal(median([3, 1, 2]), 2);
});

test('rates and ratios refuse to divide by zero', () => {
  assert.equal(perSecond(500, 250), 2000);
  assert.equal(perSecond(5, 0), undefined);
  assert.equal(ratio(1, 4), 0.25);
  assert.equal(ratio(1, 0), undefined);
  assert.equal(ratio(undefined, 2), undefined);
});

test('the slope of a line is its rate of growth, and undefined for a single point', () => {
  assert.equal(slope([[0, 10], [1, 30], [2, 50]]), 20);
  assert.equal(slope([[0, 5], [10, 5]]), 0);
  assert.equal(slope([[1, 1]]), undefined);
  assert.equal(slope([[1, 1], [1, 2]]), undefined);
});

test('an event is visible at the first poll that counts at least its position', () => {
  const polls: Array<[number, number]> = [[100, 0], [150, 3], [200, 3], [250, 10]];
  assert.equal(visibleAt(polls, 1), 150);
  assert.equal(visibleAt(polls, 3), 150);
  assert.equal(visibleAt(polls, 4), 250);
  assert.equal(visibleAt(polls, 10), 250);
  assert.equal(visibleAt(polls, 11), undefined);
  assert.equal(visibleAt([], 1), undefined);
});
