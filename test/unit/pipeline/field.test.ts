// A field's own mistakes are found when its stream is defined, before anything is created: one
// line naming the stream, the field and what is wrong (issue: they passed --dry-run and failed in
// migrate after a topic was made, or as "Cannot read properties of undefined").
// A field may say that its sum means something (field.decimal(…).measure()): the dashboard sums
// only those. The flag survives every way a field is wrapped or copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field, type Field } from '../../../src/pipeline/field.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { currentServer } from '../../../src/pipeline/features.js';

const define = (f: Field): unknown => defineStream({ name: 'orders', fields: { id: field.uuid(), bad: f } });

test('a wrong field is refused in one line naming the stream and the field', () => {
  const cases: [Field, RegExp][] = [
    [field.decimal({ precision: 60, scale: 70, min: 0, max: 1 }), /^stream orders: field bad: decimal\(precision: 60, scale: 70, min: 0, max: 1\): scale must be a whole number from 0 to the precision \(60\)$/],
    [field.decimal({ precision: 80, scale: 2, min: 0, max: 1 }), /precision must be a whole number from 1 to 76/],
    [field.decimal({ precision: 5, scale: 2, min: 0, max: 1000 }), /max 1000 does not fit Decimal\(5, 2\)/],
    [field.decimal({ precision: 9, scale: 2, min: 0.125, max: 1 }), /min 0\.125 has more than 2 decimals/],
    [field.decimal({ precision: 9, scale: 2, min: 5, max: 1 }), /min must not be above max/],
    [field.text(-5), /^stream orders: field bad: text\(-5\): maxLength must be a whole number of bytes from 1 to \d+$/],
    [field.text({ maxLength: 10, lowcardinality: true } as never), /unknown option lowcardinality/],
    [field.int('UInt99' as never), /^stream orders: field bad: integer\(0, 0, "UInt99"\): the type must be one of UInt8, Int8, UInt16/],
    [field.integer(5, 1, 'UInt8'), /min ≤ max/],
    [field.integer(0, 1.5, 'UInt8'), /whole numbers/],
    [field.integer(0, 300, 'UInt8'), /within UInt8 \(0\.\.255\)/],
    [field.oneOf([]), /oneOf\(\[\]\): takes a list of one or more strings/],
    [field.oneOf(['a', 'a']), /listed twice/],
    [field.timestamp({ precision: 4 as never }), /precision must be 0, 3, 6 or 9/],
    [field.timestamp({ timeZone: 'Mars/Olympus' }), /unknown time zone "Mars\/Olympus"/],
    [field.text(10).at('x'), /a path is two or more plain names/],
    [field.int('UInt8').withDefault(300), /withDefault\(300\): the default must be within UInt8 \(0\.\.255\)/],
    [field.uuid().withDefault('x'), /withDefault\("x"\): the default must be a UUID/],
    [field.text(8).acceptStrings(), /acceptStrings\(\) is for numeric fields/],
    [field.text(8).optional().optional(), /optional already/],
    [field.array(field.text(8).optional()), /the elements must be a plain, required field/],
    [field.object({ a: field.text(8) }), /an object\(\) is an array's element/],
  ];
  for (const [f, expected] of cases) {
    assert.throws(() => define(f), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'KCH_DEFINITION');
      assert.match(error.message, expected);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    }, String(expected));
  }
});

test('a default fits the column without passing the field\'s checks: empty text for a field that must be non-empty when sent', () => {
  const stream = defineStream({ name: 'orders', fields: { id: field.uuid(), shelf: field.text(16).withDefault(''), n: field.integer(1, 9, 'UInt8').withDefault(0) } });
  assert.equal(stream.fields.shelf.problem(''), 'must be non-empty text', 'sent empty, it is still refused');
  assert.equal(stream.fields.shelf.problem(undefined), undefined, 'absent, it takes the default');
});

test('every integer type is a field, 128 and 256 bits included, and its bounds are exact', () => {
  for (const type of ['UInt8', 'UInt16', 'UInt32', 'UInt64', 'UInt128', 'UInt256', 'Int8', 'Int16', 'Int32', 'Int64', 'Int128', 'Int256'] as const) {
    const stream = defineStream({ name: 's', fields: { id: field.uuid(), n: field.int(type) } });
    assert.equal(stream.fields.n.targetType({} as never), type);
  }
  const u64 = field.int('UInt64');
  assert.equal(u64.problem(18446744073709551615n), undefined);
  assert.match(u64.problem(18446744073709551616n)!, /must be between 0 and 18446744073709551615/);
  assert.equal(field.integer(0n, 2n ** 63n, 'UInt64').problem(2n ** 63n), undefined);
  assert.equal(field.int('Int128').problem('-170141183460469231731687303715884105728'), undefined, 'a 128-bit number written as a string');
});

test('a decimal takes its value from the number\'s text, and more decimals than its scale is refused, never rounded', () => {
  const money = field.decimal({ precision: 38, scale: 2, min: '-99999999999999999999.99', max: '99999999999999999999.99' });
  const parse = (text: string): unknown => JSON.parse(text, (_k, v: unknown) => v);
  assert.equal(money.problem(parse('1.5')), undefined);
  assert.match(money.problem(0.30000000000000004)!, /must have at most 2 decimals, got the number 0\.30000000000000004/);
  assert.match(money.problem('1.5')!, /a number written as a string: accept those with acceptStrings\(\)/);
  assert.equal(money.acceptStrings().problem('1234567890123456.78'), undefined);
  assert.match(money.acceptStrings().problem('1234567890123456.789')!, /at most 2 decimals/);
});

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
