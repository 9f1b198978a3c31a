import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger, arrivalEstimate, percentile } from '../../../src/verify/ledger.js';

test('the ledger is complete once every acknowledged event is in a target or a dead-letter table', () => {
  const ledger = new Ledger(4);
  for (let seq = 0; seq < 4; seq++) ledger.made(seq, seq % 2, seq === 3, 1000);
  ledger.acked(0, 3, 1100);
  assert.equal(ledger.acknowledged, 3);
  assert.equal(ledger.complete, false);
  assert.equal(ledger.arrival(0, 1500), true);
  assert.equal(ledger.arrival(0, 1600), false, 'only the first sighting counts');
  ledger.deadLetter(1);
  assert.equal(ledger.complete, false);
  ledger.arrival(2, 1700);
  assert.equal(ledger.complete, true);
  ledger.arrival(3, 1800);
  ledger.acked(3, 4, 1900);
  assert.equal(ledger.accounted, 4, 'an event seen before its acknowledgement counts once acknowledged');
  assert.equal(ledger.complete, true);
  assert.equal(ledger.lastArrivalAt, 1800);
});

test('an event seen in both a target and a dead-letter table is accounted once', () => {
  const ledger = new Ledger(1);
  ledger.made(0, 0, false, 0);
  ledger.acked(0, 1, 1);
  ledger.arrival(0, 2);
  ledger.deadLetter(0);
  assert.equal(ledger.accounted, 1);
  assert.equal(ledger.arrival(5, 3), false, 'out of range is ignored');
});

test('an arrival is placed between the polls and within processing_time\'s second', () => {
  // Row stamped second 100; not seen at 100.2 s, seen at 101.4 s: it arrived in [100.2, 101.0].
  assert.equal(arrivalEstimate(100, 100_200, 101_400), 100_600);
  // Polls closer together than a second narrow it further.
  assert.equal(arrivalEstimate(100, 100_400, 100_600), 100_500);
  // The server's clock disagrees with ours: fall back to the middle of its second.
  assert.equal(arrivalEstimate(90, 100_000, 100_500), 90_500);
});

test('percentiles use the nearest rank', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 95), 95);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});
