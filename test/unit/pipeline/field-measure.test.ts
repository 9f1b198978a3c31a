// A field may say that its sum means something (field.decimal(…).measure()): the dashboard sums
// only those. The flag survives every way a field is wrapped or copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field } from '../../../src/pipeline/field.js';
import { currentServer } from '../../../src/pipeline/features.js';
import { defineStream } from '../../../src/pipeline/stream.js';

const amount = (): ReturnType<typeof field.decimal> => field.decimal({ precision: 12, scale: 2, min: 0, max: 1e6 });

test('measure() marks a copy; the field it came from stays as it was, and so does everything else about it', () => {
  const plain = amount();
  const measured = plain.measure();
  assert.equal(plain.isMeasure, false);
  assert.equal(measured.isMeasure, true);
  assert.equal(measured.kind, 'decimal');
  assert.equal(measured.targetType(currentServer), plain.targetType(currentServer));
  assert.equal(measured.check('x', currentServer), plain.check('x', currentServer));
  assert.equal(measured.problem(12.5), undefined);
  assert.match(measured.problem(-1)!, /between/);
});

test('optional(), withDefault() and at() carry the flag, whichever comes first', () => {
  assert.equal(amount().measure().optional().isMeasure, true);
  assert.equal(amount().optional().measure().isMeasure, true);
  assert.equal(amount().measure().withDefault(0).isMeasure, true);
  assert.equal(amount().withDefault(0).measure().isMeasure, true);
  assert.equal(amount().measure().at('order.total').isMeasure, true);
  assert.equal(amount().at('order.total').measure().isMeasure, true);
  assert.equal(amount().optional().isMeasure, false);
  assert.equal(field.int('UInt32').measure().isOptional, false);
  assert.equal(field.float().measure().optional().isOptional, true);
});

test('only numbers are measures: anything else is refused when the stream is defined, in one line naming the stream and the field', () => {
  assert.throws(() => defineStream({ name: 's', fields: { id: field.uuid(), f: field.text(10).measure() } }), /^KchError: stream s: field f: measure\(\): only a number can be summed \(an integer, decimal or float field\), not text$/);
  assert.throws(() => defineStream({ name: 's', fields: { id: field.uuid(), f: field.bool().optional().measure() } }), /^KchError: stream s: field f: .*not bool$/);
});
