import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inlineParams, literal, quoteIdentifier } from '../../../src/pipeline/quote.js';

test('a string literal escapes backslashes and single quotes; an identifier its back-quotes', () => {
  assert.equal(literal("it's a \\ path"), "'it\\'s a \\\\ path'");
  assert.equal(quoteIdentifier('we`ird'), '`we\\`ird`');
});

test('placeholders are filled in as typed literals, the same text every server reads', () => {
  assert.equal(
    inlineParams('SELECT * FROM t WHERE n > {n:UInt32} AND has({names:Array(String)}, name) AND s = {s:String} LIMIT {n:UInt32}', { n: 5, names: ["o'k", 'b'], s: 'x' }),
    "SELECT * FROM t WHERE n > 5 AND has(CAST(['o\\'k', 'b'] AS Array(String)), name) AND s = 'x' LIMIT 5",
  );
  assert.equal(inlineParams('SELECT {e:Array(String)}', { e: [] }), 'SELECT CAST([] AS Array(String))');
});

test('a placeholder without a value, or a value that is not a string, number or array, is refused', () => {
  assert.throws(() => inlineParams('SELECT {n:UInt32}', {}), /query parameter n has no value/);
  assert.throws(() => inlineParams('SELECT {n:UInt32}', { n: Number.NaN }), /query parameter n cannot be number/);
  assert.throws(() => inlineParams('SELECT {n:String}', { n: { a: 1 } }), /query parameter n cannot be object/);
});
