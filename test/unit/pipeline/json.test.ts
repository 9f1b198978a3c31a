import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DUPLICATE_KEYS, JsonNumber, parseJson, parseMessage, readableNumeral, stringifyJson, unreadable, unreadableReason } from '../../../src/pipeline/json.js';

test('numbers a JavaScript number holds come back as numbers; the others keep their exact text', () => {
  assert.deepEqual(parseJson('{"a":1,"b":1.5,"c":-0,"d":1e3,"e":1.50}'), { a: 1, b: 1.5, c: -0, d: 1000, e: 1.5 });
  const big = parseJson('{"seq":9007199254740993,"max":18446744073709551615,"min":-9223372036854775808,"money":99999999999999.99,"tiny":0.30000000000000000001,"under":1e-400}') as Record<string, unknown>;
  for (const [key, text] of Object.entries({ seq: '9007199254740993', max: '18446744073709551615', min: '-9223372036854775808', money: '99999999999999.99', tiny: '0.30000000000000000001', under: '1e-400' })) {
    const value = big[key];
    assert.ok(value instanceof JsonNumber, key);
    assert.equal(value.text, text, key);
  }
  assert.deepEqual(parseJson('{"a":9007199254740992}'), { a: 9007199254740992 }, '2⁵³ itself is held exactly');
});

test('what ClickHouse\'s parser refuses is refused: numbers beyond 64 bits or Float64, lone surrogates, control characters, leading zeros', () => {
  for (const text of ['{"a":18446744073709551616}', '{"a":-9223372036854775809}', '{"a":2e308}', '{"a":"\\ud800"}', '{"a":"\\udc00x"}', '{"a":"x\ty"}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":NaN}', '{"a":1}x', '{"a":1,}', '[1,]', '']) {
    assert.equal(parseJson(text), undefined, text);
  }
  for (const text of ['\ufeff{"a":1}', '{"a":1} \n', '{"a":"\\ud83d\\ude00"}', '{"a":-0.0}', '{"a":1E+5}', '{"a":1e-400}']) assert.notEqual(parseJson(text), undefined, text);
});

test('keys given twice are noted on the object, the first value kept', () => {
  const value = parseJson('{"a":1,"b":{"c":1,"c":2},"a":3}') as Record<string, unknown> & { [DUPLICATE_KEYS]?: Set<string> };
  assert.equal(value.a, 1);
  assert.deepEqual([...value[DUPLICATE_KEYS]!], ['a']);
  assert.deepEqual([...(value.b as { [DUPLICATE_KEYS]?: Set<string> })[DUPLICATE_KEYS]!], ['c']);
  const proto = parseJson('{"__proto__":{"x":1}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, 'a key named __proto__ is a plain key');
  assert.deepEqual(Object.keys(proto), ['__proto__']);
});

test('an unreadable message is told apart the way the dead-letter table tells it: UTF-8, a number out of range, or not an object', () => {
  assert.deepEqual(parseMessage(Buffer.from([0x7b, 0xff, 0x7d])), { ok: false, reason: unreadable.utf8 });
  assert.deepEqual(parseMessage('[1]'), { ok: false, reason: unreadable.object });
  assert.deepEqual(parseMessage('{"a":'), { ok: false, reason: unreadable.object });
  assert.match(unreadableReason('{"ratio":1e400}'), /^a number out of range: 1e400 \(/);
  assert.match(unreadableReason('{"id":"12345678901234567890123","n":123456789012345678901234}'), /out of range: 123456789012345678901234 /, 'digits inside a string are stepped over');
  assert.equal(unreadableReason('{"n":12345678901234567890.5,"x":}'), unreadable.object, 'a long float is in range');
  assert.equal(readableNumeral('18446744073709551615'), true);
  assert.equal(readableNumeral('-9223372036854775809'), false);
});

test('stringifyJson writes bigints and JsonNumbers exactly and everything else as JSON.stringify does', () => {
  const value = { a: 1, s: 'é\n"', big: 2n ** 64n - 1n, exact: new JsonNumber('99999999999999.99'), list: [1, 'x', null, undefined], gone: undefined, nested: { t: true } };
  assert.equal(stringifyJson(value), '{"a":1,"s":"é\\n\\"","big":18446744073709551615,"exact":99999999999999.99,"list":[1,"x",null,null],"nested":{"t":true}}');
  const back = parseJson(stringifyJson(value)) as Record<string, unknown>;
  assert.equal((back.big as JsonNumber).text, '18446744073709551615');
  assert.throws(() => new JsonNumber('1.'), /not a JSON number/);
});
