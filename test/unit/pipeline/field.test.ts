// A field's own mistakes are found when its stream is defined, before anything is created: one
// line naming the stream, the field and what is wrong (issue: they passed --dry-run and failed in
// migrate after a topic was made, or as "Cannot read properties of undefined").
// A field may say that its sum means something (field.decimal(…).measure()): the dashboard sums
// only those. The flag survives every way a field is wrapped or copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field, type Field } from '../../../src/pipeline/field.js';
import { JsonNumber, parseJson } from '../../../src/pipeline/json.js';
import { planStream } from '../../../src/pipeline/plan.js';
import { defineStream } from '../../../src/pipeline/stream.js';
import { currentServer, featuresForVersion } from '../../../src/pipeline/features.js';

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

// Debezium's logical types (issue 28): each kind read exactly on our side. The views' side of the
// same values is test/integration/pipeline/logical-types.test.ts.

/** An independent writer of Kafka Connect's Decimal: base64 of `bytes` big-endian two's-complement bytes of `value`. */
function connectDecimal(value: bigint, bytes: number): string {
  const twos = value < 0n ? (1n << BigInt(bytes * 8)) + value : value;
  return Buffer.from(twos.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}

test('a base64 decimal is the unscaled value of Debezium\'s Decimal, any length up to the column\'s width, sign-extended', () => {
  const price = field.decimal({ precision: 10, scale: 2, min: '-99999999.99', max: '99999999.99', encoding: 'base64' });
  assert.equal(connectDecimal(123456789n, 4), 'B1vNFQ==', 'the note\'s example: 1234567.89');
  for (const [text, valid] of [['B1vNFQ==', true], ['/w==', true], ['gA==', true], ['AA==', true], [connectDecimal(-1n, 8), true], [connectDecimal(9999999999n, 5), true], [connectDecimal(-9999999999n, 8), true]] as const) {
    assert.equal(price.problem(text), valid ? undefined : 'x', text);
  }
  const form = /must be base64 of 1 to 8 bytes \(a whole number's big-endian two's complement\), got /;
  for (const text of ['', 'B1vNFQ', 'AB==', 'B1vN FQ==', '-_==', connectDecimal(1n, 9), 'B1vNFQ==\n']) assert.match(price.problem(text)!, form, JSON.stringify(text));
  assert.match(price.problem(1234567.89)!, /got the number 1234567\.89/);
  assert.match(price.problem(null)!, /got null/);
  assert.equal(price.problem(connectDecimal(10000000000n, 5)), 'must be between -99999999.99 and 99999999.99, got 100000000');
  const wide = field.decimal({ precision: 76, scale: 0, min: `-${'9'.repeat(76)}`, max: '9'.repeat(76), encoding: 'base64' });
  assert.equal(wide.problem(connectDecimal(10n ** 76n - 1n, 32)), undefined, '32 bytes');
  assert.match(wide.problem(connectDecimal(-(2n ** 255n), 32))!, /must be between/);
  assert.equal(price.targetType(currentServer), 'Decimal(10, 2)');
  assert.equal(price.kind, 'decimal');
  assert.equal(price.exactAsText, true);
});

test('a variable-scale decimal takes any scale whose value has at most the column\'s decimals once its trailing zeros are gone', () => {
  const amount = field.decimal({ precision: 20, scale: 3, min: -1e9, max: 1e9, encoding: 'variable-scale' });
  const v = (scale: unknown, value: bigint, bytes = 4): Record<string, unknown> => ({ scale, value: connectDecimal(value, bytes) });
  assert.equal(amount.problem(v(2, 123456789n)), undefined, '1234567.89');
  assert.equal(amount.problem(v(6, 1234567000n, 8)), undefined, '1234.567000: trailing zeros are no decimals');
  assert.equal(amount.problem(v(30, 5n * 10n ** 30n, 16)), undefined, '5.000… at scale 30');
  assert.equal(amount.problem(v(-3, 5n)), undefined, '5000');
  assert.equal(amount.problem(v(400, 0n)), undefined, 'zero at any scale');
  assert.equal(amount.problem(v(3.0, 1n)), undefined, 'a scale written 3.0');
  assert.equal(amount.problem(v(6, 1234567800n, 8)), 'must have at most 3 decimals, got 1234.5678');
  assert.equal(amount.problem(v(-9, 2n)), 'must be between -1000000000 and 1000000000, got 2000000000');
  assert.equal(amount.problem(v(250, 1n)), 'must have at most 3 decimals, got a number with more than 100');
  assert.match(amount.problem(v(-250, 1n))!, /must be between .*, got a number beyond/);
  assert.equal(amount.problem(v(3.5, 1n)), 'scale must be a whole number, got the number 3.5');
  assert.equal(amount.problem(v('3', 1n)), 'scale must be a whole number, got the string "3"');
  assert.equal(amount.problem({ scale: 3 }), 'must have the members scale and value and no other, got scale');
  assert.equal(amount.problem({ ...v(3, 1n), extra: 1 }), 'must have the members scale and value and no other, got extra, scale, value');
  // The server's JSON type drops nulls and empty objects: so do we, to keep one verdict.
  assert.equal(amount.problem({ ...v(3, 1n), extra: null, more: {}, deeper: { x: null } }), undefined);
  assert.equal(amount.problem({ ...v(3, 1n), scale: null }), 'must have the members scale and value and no other, got value');
  const parsed = parseJson('{"scale":3,"scale":4,"value":"AQ=="}');
  assert.equal(amount.problem(parsed), 'must have each member once');
  assert.match(amount.problem('AQ==')!, /must be an object \{"scale": …, "value": …\}, got the string "AQ=="/);
  assert.match(amount.problem({ scale: 1, value: 'AB==' })!, /^value must be base64 of 1 to 32 bytes/);
  assert.deepEqual(amount.memberKeys, ['scale', 'value'], 'a numeric field named scale or value is then told apart from its members');
});

test('Debezium\'s decimal.handling.mode=string is a number written as a string: acceptStrings() reads what it writes', () => {
  const amount = field.decimal({ precision: 38, scale: 4, min: '-9999999999999999999999999999999999.9999', max: '9999999999999999999999999999999999.9999' }).acceptStrings();
  for (const text of ['1234567.89', '-0.0001', '0', '0.5000', '1234567890123456789012345678901234.9999', '-12', '1E+3', '1.5E-3']) assert.equal(amount.problem(text), undefined, text);
  for (const text of ['NaN', 'Infinity', '1.23456', '1 234', '']) assert.notEqual(amount.problem(text), undefined, text);
});

test('an epoch timestamp is a whole number of milli-, micro- or nanoseconds since 1970 within DateTime64, never truncated', () => {
  const micros = field.timestamp({ encoding: 'micros', timeZone: 'UTC' });
  assert.equal(micros.targetType(currentServer), "DateTime64(6, 'UTC')", 'micros keep their precision by default');
  assert.equal(field.timestamp({ encoding: 'nanos' }).targetType(currentServer), 'DateTime64(9)');
  assert.equal(field.timestamp({ encoding: 'millis' }).targetType(currentServer), 'DateTime64(3)');
  assert.equal(field.timestamp({ precision: 6, timeZone: 'UTC' }).targetType(currentServer), "DateTime64(6, 'UTC')", 'text: unchanged');
  for (const value of [0, -1, 1_796_637_600_123_456, -2_208_988_800_000_000, 10_413_791_999_999_999n, new JsonNumber('10413791999999999'), 1e15]) assert.equal(micros.problem(value), undefined, String(value));
  assert.equal(micros.problem(-2_208_988_800_000_001), 'must be a time from 1900-01-01 to 2299-12-31 (-2208988800000000..10413791999999999 microseconds), got the number -2208988800000001');
  assert.match(micros.problem(10_413_792_000_000_000n)!, /must be a time from 1900-01-01 to 2299-12-31/);
  assert.equal(micros.problem(1.5), 'must be a whole number, got the number 1.5');
  assert.match(micros.problem('1796637600123456')!, /must be a whole number, got the string/);
  assert.match(micros.problem('2026-12-07T10:00:00Z')!, /must be a whole number/);
  const nanos = field.timestamp({ encoding: 'nanos' });
  assert.equal(nanos.problem(9_223_372_036_854_775_807n), undefined, 'DateTime64(9) ends where Int64 does');
  assert.match(nanos.problem(new JsonNumber('9223372036854775808'))!, /from 1900-01-01 to 2262-04-11/);
  const millisOfMicros = field.timestamp({ encoding: 'micros', precision: 3 });
  assert.equal(millisOfMicros.problem(1_796_637_600_123_000), undefined);
  assert.equal(millisOfMicros.problem(1_796_637_600_123_456), 'must be whole milliseconds (a multiple of 1000): the column keeps 3 decimals of a second, got the number 1796637600123456');
  assert.equal(field.timestamp({ encoding: 'millis', precision: 6 }).problem(-2_208_988_800_000), undefined, 'a coarser unit into a finer column');
  assert.match(micros.describe(), /^a whole number of microseconds since 1970-01-01 00:00:00 UTC, 1900-01-01 to 2299-12-31$/);
  assert.equal(micros.kind, 'timestamp', 'the dashboard charts over it as over any time');
});

test('a date is Date32: real dates from 1900 to 2299, as text or as Debezium\'s days since 1970', () => {
  const text = field.date();
  const days = field.date({ encoding: 'days' });
  assert.equal(text.targetType(currentServer), 'Date32');
  for (const value of ['2024-02-29', '1900-01-01', '2299-12-31', '1969-12-31']) assert.equal(text.problem(value), undefined, value);
  assert.equal(text.problem('2023-02-29'), 'must be a real date, got the string "2023-02-29"');
  assert.equal(text.problem('1899-12-31'), 'must be a date from 1900-01-01 to 2299-12-31, got the string "1899-12-31"');
  for (const value of ['2024-1-01', '20240101', ' 2024-01-01', '2024-01-01T00:00:00', '２０２４-01-01']) assert.match(text.problem(value)!, /must be a date "YYYY-MM-DD"/, value);
  assert.match(text.problem(19_000)!, /got the number 19000/);
  for (const value of [0, -1, -25_567, 120_529, 1.0]) assert.equal(days.problem(value), undefined, String(value));
  assert.equal(days.problem(-25_568), 'must be a day from 1900-01-01 to 2299-12-31 (-25567..120529), got the number -25568');
  assert.equal(days.problem(1.5), 'must be a whole number, got the number 1.5');
  assert.match(days.problem('19000')!, /must be a whole number/);
});

test('JSON text is any text isValidJSON takes, to its depth of 1024 levels', () => {
  const doc = field.json();
  for (const value of ['{}', '[1,2]', '5', 'null', '"x"', ' {"a":{"b":[true,null]}} ', '{"a":1,"a":2}', `${'['.repeat(1023)}1${']'.repeat(1023)}`]) assert.equal(doc.problem(value), undefined, value.slice(0, 20));
  for (const value of ['', '{', '{"a":}', 'NaN', '01', '99999999999999999999', '1e400', '"\\ud800"', `${'['.repeat(1024)}1${']'.repeat(1024)}`]) assert.match(doc.problem(value)!, /must hold valid JSON text/, value.slice(0, 20));
  assert.equal(doc.problem({ a: 1 }), 'must be a string holding JSON text, got an object');
  assert.equal(doc.targetType(currentServer), 'String');
});

test('the new kinds are refused in one line where their encoding or options are wrong, and on a server that cannot check them', () => {
  const cases: [Field, RegExp][] = [
    [field.decimal({ precision: 10, scale: 2, min: 0, max: 1, encoding: 'hex' as never }), /encoding must be 'number', 'base64', 'variable-scale'/],
    [field.decimal({ precision: 10, scale: 2, min: 0, max: 1, encoding: 'base64' }).acceptStrings(), /acceptStrings\(\): a decimal with encoding 'base64' is read from its own form/],
    [field.timestamp({ encoding: 'seconds' as never }), /encoding must be 'text', 'millis', 'micros', 'nanos'/],
    [field.timestamp({ encoding: 'micros', precision: 5 as never }), /precision must be 0, 3, 6 or 9/],
    [field.timestamp({ encoding: 'micros', timeZone: 'Mars/Olympus' }), /unknown time zone/],
    [field.date({ encoding: 'weeks' as never }), /date\(\{"encoding":"weeks"\}\): encoding must be 'text' or 'days'/],
    [field.date({ format: 'x' } as never), /unknown option format/],
    [field.timestamp({ encoding: 'micros' }).withDefault(1.5), /withDefault\(1\.5\): the default must be a whole number/],
    [field.date().withDefault('2023-02-29'), /the default must be a real date/],
    [field.decimal({ precision: 4, scale: 2, min: 0, max: 1, encoding: 'base64' }).withDefault(connectDecimal(10000n, 4)), /the default must fit Decimal\(4, 2\)/],
  ];
  for (const [f, expected] of cases) {
    assert.throws(() => define(f), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'KCH_DEFINITION');
      assert.match(error.message, expected);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    }, String(expected));
  }
  const old = featuresForVersion('24.8.1');
  for (const [f, what] of [
    [field.date(), 'a Date32 column'], [field.timestamp({ encoding: 'micros' }), 'a DateTime64 column'], [field.json(), 'JSON text'],
    [field.decimal({ precision: 10, scale: 2, min: 0, max: 1, encoding: 'base64' }), "a decimal written as base64 \\(Debezium's Decimal\\)"],
    [field.decimal({ precision: 10, scale: 2, min: 0, max: 1, encoding: 'variable-scale' }).optional(), 'a Debezium VariableScaleDecimal'],
  ] as const) {
    const stream = defineStream({ name: 'cdc', fields: { id: field.uuid(), v: f }, orderBy: ['id'] });
    assert.throws(() => planStream(stream, { database: 'd', brokers: 'k:9092', topicPrefix: '' }, old), new RegExp(`^KchError: stream cdc: field v is ${what}, which only ClickHouse 25\\.8 or later can check`));
  }
});

test('a default is the column\'s value exactly: typed where a bare literal would be a float, decoded where the field is encoded', () => {
  const defaultOf = (f: Field): string | undefined => f.defaultSql;
  assert.equal(defaultOf(field.decimal({ precision: 9, scale: 2, min: 0, max: 1 }).withDefault(0.29)), "CAST('0.29', 'Decimal(9, 2)')", 'a bare 0.29 lands as 0.28');
  assert.equal(defaultOf(field.int('Int128').withDefault(2n ** 100n)), "toUInt256('1267650600228229401496703205376')", 'a bare numeral beyond 64 bits is a Float64');
  assert.equal(defaultOf(field.int('UInt8').withDefault(7)), '7');
  assert.equal(defaultOf(field.text(8).withDefault('')), "''");
  assert.equal(defaultOf(field.decimal({ precision: 10, scale: 2, min: 0, max: 1e7, encoding: 'base64' }).withDefault('B1vNFQ==')), "CAST('1234567.89', 'Decimal(10, 2)')");
  assert.equal(defaultOf(field.decimal({ precision: 10, scale: 2, min: 0, max: 1, encoding: 'variable-scale' }).withDefault({ scale: 4, value: 'ZA==' })), "CAST('0.01', 'Decimal(10, 2)')", '100 at scale 4');
  assert.throws(() => define(field.decimal({ precision: 10, scale: 2, min: 0, max: 1, encoding: 'variable-scale' }).withDefault({ scale: 4, value: 'AQ==' })), /the default must have at most 2 decimals/);
  assert.equal(defaultOf(field.timestamp({ encoding: 'micros', timeZone: 'UTC' }).withDefault(-1)), "reinterpret(toInt64(toInt64(-1)), 'DateTime64(6, \\'UTC\\')')");
  assert.equal(defaultOf(field.timestamp({ encoding: 'micros', precision: 3 }).withDefault(5000)), "reinterpret(toInt64(intDiv(toInt64(5000), 1000)), 'DateTime64(3)')");
  assert.equal(defaultOf(field.date({ encoding: 'days' }).withDefault(-1)), "CAST('1969-12-31', 'Date32')");
  assert.equal(defaultOf(field.date().withDefault('2024-02-29')), "CAST('2024-02-29', 'Date32')");
  assert.match(field.int('Int128').withDefault(2n ** 100n).describe(), /; 1267650600228229401496703205376 when absent$/, 'a bigint default is described, not thrown on');
});

test('each new kind\'s examples pass its own check, in its own encoding', () => {
  const random = { next: ((): (() => number) => { let a = 20261207; return () => { a = (a * 1103515245 + 12345) % 2147483648; return a / 2147483648; }; })() };
  const kinds: Record<string, Field> = {
    base64: field.decimal({ precision: 10, scale: 2, min: '-99999999.99', max: '99999999.99', encoding: 'base64' }),
    base64Wide: field.decimal({ precision: 76, scale: 10, min: `-${'9'.repeat(66)}`, max: '9'.repeat(66), encoding: 'base64' }),
    variable: field.decimal({ precision: 38, scale: 6, min: -1e12, max: 1e12, encoding: 'variable-scale' }),
    millis: field.timestamp({ encoding: 'millis' }), micros: field.timestamp({ encoding: 'micros', timeZone: 'UTC' }), nanos: field.timestamp({ encoding: 'nanos' }),
    microsAt0: field.timestamp({ encoding: 'micros', precision: 0 }), millisAt9: field.timestamp({ encoding: 'millis', precision: 9 }),
    date: field.date(), days: field.date({ encoding: 'days' }), json: field.json(),
  };
  for (const [name, f] of Object.entries(kinds)) {
    for (let i = 0; i < 2000; i++) {
      const text = f.exampleJson(random)!;
      const parsed = parseJson(text);
      assert.equal(f.problem(parsed), undefined, `${name}: ${text}`);
    }
  }
  const micros = Number(kinds.micros!.example(random));
  assert.ok(Math.abs(micros / 1000 - Date.now()) < 60_000, 'an example time is now');
  assert.ok(typeof kinds.nanos!.example(random) === 'bigint', 'nanoseconds of now are beyond 2^53');
  assert.match(kinds.microsAt0!.exampleJson(random)!, /000000$/, 'whole seconds where the column keeps no more');
});
