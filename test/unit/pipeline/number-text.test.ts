import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bigIntOf, compareExact, decimalsOf, exactOf, exactOfNumber, plainText } from '../../../src/pipeline/number-text.js';

const x = (text: string) => exactOf(text)!;

test('a number\'s text is read exactly: digits, place and the decimals it needs', () => {
  assert.deepEqual(x('1.50'), { negative: false, digits: '15', exponent: -1 });
  assert.deepEqual(x('-0.000'), { negative: false, digits: '', exponent: 0 });
  assert.deepEqual(x('1500e-3'), { negative: false, digits: '15', exponent: -1 });
  assert.equal(decimalsOf(x('0.30000000000000004')), 17);
  assert.equal(decimalsOf(x('1e-400')), 400);
  assert.equal(decimalsOf(x('1.5e2')), 0);
  assert.equal(decimalsOf(x('12')), 0);
  assert.equal(exactOf('01'), undefined);
  assert.equal(exactOf('1.'), undefined);
  assert.equal(exactOf('+1'), undefined);
});

test('an exponent of ten digits or more stands for a number beyond any column, as the views count it', () => {
  assert.ok(decimalsOf(x('1e-0000000005')) > 76);
  assert.ok(compareExact(x('1e0000000005'), x('1e76')) > 0);
});

test('numbers compare exactly, beyond what a float tells apart', () => {
  assert.equal(compareExact(x('9007199254740993'), x('9007199254740992')), 1);
  assert.equal(compareExact(x('-99999999999999999999.99'), x('-99999999999999999999.98')), -1);
  assert.equal(compareExact(x('1.5'), x('15e-1')), 0);
  assert.equal(compareExact(x('-0'), x('0')), 0);
  assert.equal(compareExact(x('-1'), x('0.5')), -1);
});

test('whole numbers become bigints, others do not; plain text has no exponent', () => {
  assert.equal(bigIntOf(x('18446744073709551615')), 18446744073709551615n);
  assert.equal(bigIntOf(x('1.5e3')), 1500n);
  assert.equal(bigIntOf(x('1.5')), undefined);
  assert.equal(plainText(x('1e-7')), '0.0000001');
  assert.equal(plainText(x('-12.500')), '-12.5');
  assert.equal(plainText(x('1.5e21')), '1500000000000000000000');
  assert.deepEqual(exactOfNumber(0.1), x('0.1'), 'a JavaScript number stands for its shortest text');
  assert.equal(exactOfNumber(Number.NaN), undefined);
});
