import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonical, canonicalDecimal, canonicalFloat, canonicalJson, chExpression, chOrder, compareKeyValue, keyable, pgExpression, pgOrder, type ComparedColumn } from '../../../src/verify/canonical.js';

const col = (kind: ComparedColumn['kind'], array = false, name = 'c'): ComparedColumn => ({ name, kind, array });

test('numbers are exact: a decimal loses only its trailing zeros, a float is its shortest form', () => {
  assert.equal(canonicalDecimal('1234567.80'), '1234567.8');
  assert.equal(canonicalDecimal('12.00'), '12');
  assert.equal(canonicalDecimal('-0.00'), '0');
  assert.equal(canonicalDecimal('007.5'), '7.5');
  assert.equal(canonicalDecimal('0.000000000000000000001'), '0.000000000000000000001');
  assert.equal(canonicalDecimal('123456789012345678901234567890.123456789'), '123456789012345678901234567890.123456789');
  assert.equal(canonicalFloat('0.1'), '0.1');
  assert.equal(canonicalFloat('1e+21'), '1e+21');
  assert.equal(canonicalFloat('-0'), '0');
  assert.equal(canonicalFloat('NaN'), 'nan');
  assert.equal(canonicalFloat('Infinity'), 'inf');
  assert.equal(canonicalFloat('-inf'), '-inf');
});

test('JSON is normalized: keys sorted, no spaces, numbers in their shortest exact form', () => {
  assert.equal(canonicalJson('{"b": 1,  "a": [1.50, 2, "x"], "c": {"z": null, "y": true}}'), '{"a":[1.5,2,"x"],"b":1,"c":{"y":true,"z":null}}');
  assert.equal(canonicalJson('{"big": 12345678901234567890.5}'), '{"big":12345678901234567890.5}');
  // A whole number beyond 64 bits, which ClickHouse's parser refuses too: compared as the text it is.
  assert.equal(canonicalJson('{"big": 123456789012345678901234567890}'), '{"big": 123456789012345678901234567890}');
  assert.equal(canonicalJson('{"a":1}'), canonicalJson('{ "a" : 1.0 }'));
  assert.equal(canonicalJson('not json'), 'not json');
});

test('NULL stays apart from every text; a NULL array is an empty one (ClickHouse has no NULL arrays)', () => {
  assert.equal(canonical(col('text'), null), null);
  assert.equal(canonical(col('text'), ''), '');
  assert.notEqual(canonical(col('text'), null), canonical(col('text'), 'NULL'));
  assert.equal(canonical(col('text', true), null), '[]');
  assert.equal(canonical(col('decimal', true), '["1.50", null, "2"]'), '["1.5",null,"2"]');
  assert.equal(canonical(col('date'), '2026-12-07Z'), canonical(col('date'), '2026-12-07'));
  assert.equal(canonical(col('uuid'), 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
});

test('each side renders a column in SQL: times as UTC microseconds, arrays as JSON arrays of their elements\' texts', () => {
  assert.equal(pgExpression(col('timestamp', false, 'at')), 'CASE WHEN isfinite("at") THEN (extract(epoch FROM "at") * 1000000)::numeric(38, 0)::text ELSE "at"::text END');
  assert.equal(chExpression(col('timestamp', false, 'at')), 'toString(toUnixTimestamp64Micro(`at`))');
  assert.equal(pgExpression(col('integer', true, 'ns')), `coalesce((SELECT json_agg(x::text ORDER BY n)::text FROM unnest("ns") WITH ORDINALITY AS u(x, n)), '[]')`);
  assert.equal(chExpression(col('integer', true, 'ns')), 'toJSONString(arrayMap(x -> toString(x), `ns`))');
  assert.equal(pgExpression(col('bytes', false, 'b')), `translate(encode("b", 'base64'), E'\\n', '')`);
  assert.equal(chExpression(col('json', false, 'doc')), '`doc`');
});

test('keys sort alike on both sides: text by its bytes, a UUID by its text, numbers by value', () => {
  assert.equal(pgOrder(col('text', false, 'k')), '"k" COLLATE "C"');
  assert.equal(chOrder(col('uuid', false, 'k')), 'toString(`k`)');
  assert.equal(chOrder(col('integer', false, 'k')), '`k`');
  assert.ok(compareKeyValue(col('integer'), '9', '10') < 0);
  assert.ok(compareKeyValue(col('integer'), '-9223372036854775808', '9223372036854775807') < 0);
  assert.ok(compareKeyValue(col('decimal'), '9.5', '10') < 0);
  assert.ok(compareKeyValue(col('decimal'), '-1.25', '-1.2') < 0);
  assert.equal(compareKeyValue(col('decimal'), '1.5', '1.50'), 0);
  assert.ok(compareKeyValue(col('text'), 'Z', 'a') < 0, 'bytes: upper case first');
  assert.ok(compareKeyValue(col('text'), 'z', 'é') < 0, 'bytes: ASCII before UTF-8 sequences');
  assert.ok(compareKeyValue(col('timestamp'), '999', '1000') < 0);
  assert.equal(keyable(col('json')), false);
  assert.equal(keyable(col('integer', true)), false);
});
