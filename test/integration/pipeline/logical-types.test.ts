/**
 * Debezium's logical types (issue 28) as field kinds, held to the views on the embedded
 * ClickHouse: base64 and variable-scale decimals, epoch timestamps (millis, micros, nanos) into
 * DateTime64 of every relation of unit and precision, dates as text and as days, JSON text, and
 * the ISO text timestamps of ZonedTimestamp. For each kind, hand-picked edge values and arbitrary
 * ones go into a stream's input as one block (the sink's Null table: the decoding view both
 * transports share, without a broker in between), and each message lands in the target exactly
 * when our side (parseMessage + validateEvent) accepts it, with the exact text an independent
 * reading of the value expects of its column (toString), or in the dead letters, naming the field.
 * Values of every JSON type reach every kind: the view's conversion runs on all of them and never
 * throws (the insert of each block succeeds). The seed is in the test's name; KCH_FUZZ_SEED
 * replays a failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClickHouse } from '../../../src/clickhouse/client.js';
import { detectFeatures } from '../../../src/clickhouse/detect-features.js';
import { field, type Field } from '../../../src/pipeline/field.js';
import { JsonNumber, parseMessage } from '../../../src/pipeline/json.js';
import { planPipeline } from '../../../src/pipeline/plan.js';
import { render } from '../../../src/pipeline/render.js';
import { defineStream, validateEvent } from '../../../src/pipeline/stream.js';
import { onCleanup } from '../../support/cleanup.js';
import { services, uniqueName } from '../../support/env.js';
import { Arbitrary, fuzzSeed } from '../../unit/verify/arbitrary.js';

const { clickhouseUrl } = services();
const seed = fuzzSeed();
const any = new Arbitrary(seed);

// Independent readings of each encoding: what the column must hold, worked out without field.ts.

/** Kafka Connect's Decimal: base64 of `bytes` big-endian two's-complement bytes of `value`. */
function connectBytes(value: bigint, bytes: number): string {
  const twos = value < 0n ? (1n << BigInt(bytes * 8)) + value : value;
  return Buffer.from(twos.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}

/** The fewest bytes that hold `value` with its sign (as Java's BigInteger.toByteArray writes it). */
function fewestBytes(value: bigint): number {
  let bytes = 1;
  while (value < -(1n << BigInt(bytes * 8 - 1)) || value >= 1n << BigInt(bytes * 8 - 1)) bytes += 1;
  return bytes;
}

const connect = (value: bigint): string => connectBytes(value, fewestBytes(value));

/** The signed value of canonical base64 bytes (the text is known valid when this is asked). */
function unscaled(text: string): bigint {
  const bytes = Buffer.from(text, 'base64');
  const magnitude = BigInt(`0x${bytes.toString('hex')}`);
  return bytes[0]! >= 0x80 ? magnitude - (1n << BigInt(bytes.length * 8)) : magnitude;
}

/** A Decimal's text as ClickHouse prints it: no trailing zeros, no point without decimals. */
function decimalText(units: bigint, scale: number): string {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${units < 0n ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** UTC text of a time given in whole ticks of 10^-precision seconds, as a DateTime64(precision, 'UTC') prints. */
function utcText(ticks: bigint, precision: number): string {
  const perSecond = 10n ** BigInt(precision);
  let second = ticks / perSecond;
  let fraction = ticks % perSecond;
  if (fraction < 0n) [second, fraction] = [second - 1n, fraction + perSecond];
  const text = new Date(Number(second) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return precision === 0 ? text : `${text}.${fraction.toString().padStart(precision, '0')}`;
}

/**
 * A whole number our side accepted, exactly: a bigint as it is, a number as its shortest text
 * (-86628172442095150 is that, though its Float64 is …152), a JsonNumber from its text
 * (`10413791999999999.0`, `12e3`). Inside an array a number with a fraction or an exponent is its
 * Float64 (both sides: docs/guarantees.md): `floatInside` reads a JsonNumber so.
 */
function wholeOf(value: unknown, floatInside = false): bigint {
  if (typeof value === 'bigint') return value;
  if (!(value instanceof JsonNumber)) return BigInt(String(value));
  if (floatInside && !/^-?[0-9]+$/.test(value.text)) return BigInt(String(Number(value.text)));
  const [, sign, whole, fraction = '', exponent = '0'] = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?$/.exec(value.text)!;
  const shift = Number(exponent) - fraction.length;
  const digits = BigInt(`${whole}${fraction}`);
  const magnitude = shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
  return sign === '-' ? -magnitude : magnitude;
}

interface Kind {
  readonly name: string;
  readonly field: Field;
  /** Edge values as JSON text, each with its column's text (null: a dead letter). */
  readonly hand: readonly (readonly [string, string | null])[];
  /** An arbitrary value as JSON text (undefined: leave the member out). */
  readonly fuzz: () => string | undefined;
  /** The column's text of a value our side accepts. */
  readonly expected: (value: unknown) => string;
  /** Arbitrary values per kind. */
  readonly count?: number;
}

/** Any JSON value, as text: what every kind must survive. */
const junk = (): string => JSON.stringify(any.json(3));
const pickText = (...texts: string[]): string => any.pick(texts);

/** A base64 value: canonical of 0 to `most` + 2 bytes (sign-extended ones too), or one mangled. */
function base64Value(most: number): string {
  const bytes = any.int(0, 10) < 8 ? any.int(1, most) : any.int(0, most + 2);
  const value = Buffer.from(Array.from({ length: bytes }, () => any.int(0, 255)));
  if (bytes > 1 && any.bool(0.2)) value[0] = any.pick([0x00, 0xff]);
  const text = value.toString('base64');
  switch (any.int(0, 9)) {
    case 0: return JSON.stringify(text.replace(/=+$/, ''));
    case 1: return JSON.stringify(text.length > 1 ? `${text.slice(0, -1)}${any.pick(['A', 'B', 'Q', '-', '_', '='])}` : text);
    case 2: return JSON.stringify(` ${text}`);
    case 3: return any.bool(0.5) ? junk() : JSON.stringify(text.replace(/\+/g, '-').replace(/\//g, '_'));
    default: return JSON.stringify(text);
  }
}

/** A VariableScaleDecimal: its members in any order, some missing, wrong, extra, null, or twice. */
function variableScaleValue(twice: boolean): string {
  if (any.bool(0.06)) return junk();
  const units = any.bool(0.3) ? BigInt(any.int(-999, 999)) * 10n ** BigInt(any.int(0, 40)) : unscaled(Buffer.from(Array.from({ length: any.int(1, 33) }, () => any.int(0, 255))).toString('base64'));
  const value = any.bool(0.9) ? JSON.stringify(connect(units)) : base64Value(32);
  const scale = any.bool(0.6) ? String(any.int(-8, 12)) : pickText('0', '6', '7', '76', '77', '200', '201', '-200', '-201', '300', '3.0', '3.5', '"3"', 'null', 'true', '1e20', '-0', '18446744073709551615', '-9223372036854775808', '[3]', '{"x":1}');
  const members = [`"scale":${scale}`, `"value":${value}`];
  if (any.bool(0.05)) members.splice(any.int(0, 1), 1);
  if (any.bool(0.15)) members.push(pickText('"x":null', '"x":{}', '"x":{"y":null}', '"x":1', '"x":[]', '"x":"AQ=="', '"value.x":null', '"scale.y":1', '"":null'));
  if (twice && any.bool(0.05)) members.push(any.pick(members));
  for (let k = members.length - 1; k > 0; k--) {
    const j = any.int(0, k);
    [members[k], members[j]] = [members[j]!, members[k]!];
  }
  return `{${members.join(',')}}`;
}

/** A whole number of units near `min`..`max` and their edges, in one of its JSON forms, or not one at all. */
function epochValue(min: bigint, max: bigint, step: bigint): string {
  if (any.bool(0.08)) return junk();
  const span = max - min;
  let units = any.pick([min, max, min - 1n, max + 1n, 0n, -1n, 1n, min + (span * BigInt(any.int(0, 1_000_000))) / 1_000_000n + BigInt(any.int(-5, 5))]);
  if (step > 1n && any.bool(0.6)) units -= units % step;
  const text = units.toString();
  return any.int(0, 9) < 8 ? text : pickText(`${text}.0`, `"${text}"`, `${text}.5`, `${text}e0`, '1.5', '1e15', '-0', 'null', '9223372036854775807', '-9223372036854775808', '18446744073709551615');
}

/** A date in its text form: the ones near the range's ends, impossible ones, wrong forms. */
function dateText(): string {
  if (any.bool(0.08)) return junk();
  const year = any.pick([1899, 1900, 1969, 1970, 2000, 2024, 2100, 2299, 2300, any.int(1900, 2299)]);
  const [month, day] = [any.int(0, 13), any.pick([0, 1, 28, 29, 30, 31, 32, any.int(1, 28)])];
  const p = (n: number): string => String(n).padStart(2, '0');
  const text = `${year}-${p(month)}-${p(day)}`;
  return JSON.stringify(any.int(0, 9) < 8 ? text : pickText(`${year}-${month}-${day}`, `${text} 00:00:00`, `${text}T00:00:00Z`, text.replace(/-/g, '/'), ` ${text}`, `${text} `, `0${text}`));
}

/** JSON text, or text that is almost: cut, nested to the parser's depth, with numbers beyond it, arbitrary. */
function jsonText(): string {
  const valid = JSON.stringify(any.json(3));
  const depth = any.pick([1022, 1023, 1024, 1025]);
  const text = any.int(0, 9) < 5 ? valid : pickText(
    valid.slice(0, any.int(0, valid.length)), `${valid}${any.pick([' ', ',', '}', 'x', '\n'])}`, any.string(8), `${'['.repeat(depth)}${']'.repeat(depth)}`,
    `${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}`, '99999999999999999999', '-9223372036854775809', '1e400', '1e-400', '"\\ud800"', '"\\ud83d\\ude00"', '\ufeff{}', '{"a":1,"a":2}', '[1,]', "{'a':1}",
  );
  return any.bool(0.05) ? junk() : JSON.stringify(text);
}

const utc = (precision: number) => (value: unknown): string => utcText(wholeOf(value), precision);
const scaled = (digits: number, precision: number) => (value: unknown): string => {
  const units = wholeOf(value);
  return utcText(digits >= precision ? units / 10n ** BigInt(digits - precision) : units * 10n ** BigInt(precision - digits), precision);
};
const MICROS_MIN = -2_208_988_800_000_000n;
const MICROS_MAX = 10_413_791_999_999_999n;
const INT64_MAX = 2n ** 63n - 1n;

const kinds: Kind[] = [
  {
    name: 'base64_18_2',
    field: field.decimal({ precision: 18, scale: 2, min: '-9999999999999999.99', max: '9999999999999999.99', encoding: 'base64' }),
    hand: [
      ['"B1vNFQ=="', '1234567.89'], ['"/w=="', '-0.01'], ['"gA=="', '-1.28'], ['"AA=="', '0'], ['"AQ=="', '0.01'], ['"//////////8="', '-0.01'],
      [JSON.stringify(connect(999999999999999999n)), '9999999999999999.99'], [JSON.stringify(connect(-999999999999999999n)), '-9999999999999999.99'],
      [JSON.stringify(connect(1000000000000000000n)), null], [JSON.stringify(connectBytes(1n, 9)), null],
      ['""', null], ['"AB=="', null], ['"B1vNFQ"', null], ['"B1vN FQ=="', null], ['1234567.89', null], ['null', null], ['{"scale":2,"value":"AQ=="}', null],
    ],
    fuzz: () => (any.bool(0.5) ? JSON.stringify(connect(BigInt(any.int(-1e9, 1e9)) * BigInt(any.int(1, 1e9)))) : base64Value(8)),
    expected: (value) => decimalText(unscaled(value as string), 2),
  },
  {
    name: 'base64_scale_0_wide',
    field: field.decimal({ precision: 76, scale: 0, min: `-${'9'.repeat(76)}`, max: '9'.repeat(76), encoding: 'base64' }),
    hand: [
      [JSON.stringify(connect(10n ** 76n - 1n)), '9'.repeat(76)], [JSON.stringify(connect(-(10n ** 76n - 1n))), `-${'9'.repeat(76)}`],
      [JSON.stringify(connect(10n ** 76n)), null], [JSON.stringify(connectBytes(-(2n ** 255n), 32)), null], [JSON.stringify(connectBytes(-1n, 32)), '-1'],
      [JSON.stringify(connectBytes(-(2n ** 127n), 16)), (-(2n ** 127n)).toString()], [JSON.stringify(connectBytes(2n ** 127n, 17)), (2n ** 127n).toString()], ['"fw=="', '127'], ['"gA=="', '-128'],
    ],
    fuzz: () => base64Value(32),
    expected: (value) => decimalText(unscaled(value as string), 0),
  },
  {
    name: 'base64_9_4_optional',
    field: field.decimal({ precision: 9, scale: 4, min: '-99999.9999', max: '99999.9999', encoding: 'base64' }).optional(),
    hand: [['null', 'NULL'], ['"AYag"', '10'], [JSON.stringify(connectBytes(-1n, 4)), '-0.0001'], [JSON.stringify(connectBytes(-1n, 5)), null], ['"O5rJ/w=="', '99999.9999'], [JSON.stringify(connect(1000000000n)), null]],
    fuzz: () => (any.bool(0.15) ? (any.bool(0.5) ? 'null' : undefined) : base64Value(4)),
    expected: (value) => (value === null || value === undefined ? 'NULL' : decimalText(unscaled(value as string), 4)),
  },
  {
    name: 'variable_scale',
    field: field.decimal({ precision: 38, scale: 6, min: '-99999999999999999999999999999999.999999', max: '99999999999999999999999999999999.999999', encoding: 'variable-scale' }),
    hand: [
      ['{"scale":2,"value":"B1vNFQ=="}', '1234567.89'], ['{"value":"B1vNFQ==","scale":9}', null], ['{"scale":8,"value":"B1vNFQ=="}', null], ['{"scale":6,"value":"B1vNFQ=="}', '123.456789'],
      ['{"scale":7,"value":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}', '0'], ['{"scale":-3,"value":"BQ=="}', '5000'], ['{"scale":0,"value":"/w=="}', '-1'],
      [`{"scale":30,"value":${JSON.stringify(connect(5n * 10n ** 30n))}}`, '5'], [`{"scale":31,"value":${JSON.stringify(connect(5n * 10n ** 30n))}}`, '0.5'],
      [`{"scale":36,"value":${JSON.stringify(connect(123456n * 10n ** 30n))}}`, '0.123456'], [`{"scale":37,"value":${JSON.stringify(connect(1234567n * 10n ** 30n))}}`, null],
      ['{"scale":300,"value":"AA=="}', '0'], ['{"scale":300,"value":"AQ=="}', null], ['{"scale":-300,"value":"AQ=="}', null], ['{"scale":1e20,"value":"AA=="}', '0'],
      ['{"scale":3.0,"value":"AQ=="}', '0.001'], ['{"scale":3.5,"value":"AQ=="}', null], ['{"scale":"3","value":"AQ=="}', null], ['{"scale":3,"value":"AQ==","x":null,"y":{}}', '0.001'],
      ['{"scale":3,"value":"AQ==","x":1}', null], ['{"scale":3,"scale":3,"value":"AQ=="}', null], ['{"scale":3}', null], ['{"scale":3,"value":null}', null], ['"AQ=="', null], ['{}', null],
      [`{"scale":0,"value":${JSON.stringify(connect(10n ** 32n))}}`, null], [`{"scale":6,"value":${JSON.stringify(connect(10n ** 38n - 1n))}}`, '99999999999999999999999999999999.999999'],
    ],
    fuzz: () => variableScaleValue(true),
    expected: (value) => {
      const { scale, value: text } = value as { scale: unknown; value: string };
      const [u, s] = [unscaled(text), wholeOf(scale)];
      if (u === 0n) return '0';
      return decimalText(s <= 6n ? u * 10n ** (6n - s) : u / 10n ** (s - 6n), 6);
    },
  },
  {
    name: 'micros_6_utc',
    field: field.timestamp({ encoding: 'micros', timeZone: 'UTC' }),
    hand: [
      ['0', '1970-01-01 00:00:00.000000'], ['-1', '1969-12-31 23:59:59.999999'], ['1796637600123456', '2026-12-07 10:00:00.123456'], ['1796637600123000', '2026-12-07 10:00:00.123000'],
      [String(MICROS_MIN), '1900-01-01 00:00:00.000000'], [String(MICROS_MIN - 1n), null], [String(MICROS_MAX), '2299-12-31 23:59:59.999999'], [String(MICROS_MAX + 1n), null],
      ['1796637600123456.0', '2026-12-07 10:00:00.123456'], ['1.5', null], ['"1796637600123456"', null], ['"2026-12-07T10:00:00Z"', null], ['9223372036854775807', null], ['null', null],
    ],
    fuzz: () => epochValue(MICROS_MIN, MICROS_MAX, 1n),
    expected: utc(6),
  },
  {
    name: 'micros_3_plus_9',
    // A zone without summer time (Tokyo had some, 1948 to 1951): the UTC text moved by nine hours.
    field: field.timestamp({ encoding: 'micros', precision: 3, timeZone: 'Etc/GMT-9' }),
    hand: [['1796637600123000', '2026-12-07 19:00:00.123'], ['1796637600123456', null], ['-1000', '1970-01-01 08:59:59.999'], ['-1', null], [String(MICROS_MIN), '1900-01-01 09:00:00.000']],
    fuzz: () => epochValue(MICROS_MIN, MICROS_MAX - 999n, 1000n),
    expected: (value) => utcText(wholeOf(value) / 1000n + 9n * 3_600_000n, 3),
  },
  {
    name: 'nanos_9_utc',
    field: field.timestamp({ encoding: 'nanos', timeZone: 'UTC' }),
    hand: [
      [String(INT64_MAX), '2262-04-11 23:47:16.854775807'], ['-2208988800000000000', '1900-01-01 00:00:00.000000000'], ['-2208988800000000001', null],
      ['1796637600123456789', '2026-12-07 10:00:00.123456789'], ['18446744073709551615', null], ['-1', '1969-12-31 23:59:59.999999999'],
    ],
    fuzz: () => epochValue(-2_208_988_800_000_000_000n, INT64_MAX, 1n),
    expected: utc(9),
  },
  {
    name: 'millis_0_utc',
    field: field.timestamp({ encoding: 'millis', precision: 0, timeZone: 'UTC' }),
    hand: [['1000', '1970-01-01 00:00:01'], ['1500', null], ['-1000', '1969-12-31 23:59:59'], ['10413791999000', '2299-12-31 23:59:59'], ['10413792000000', null], ['-2208988800000', '1900-01-01 00:00:00']],
    fuzz: () => epochValue(-2_208_988_800_000n, 10_413_791_999_000n, 1000n),
    expected: scaled(3, 0),
  },
  {
    name: 'millis_6_utc',
    field: field.timestamp({ encoding: 'millis', precision: 6, timeZone: 'UTC' }),
    hand: [['1796637600123', '2026-12-07 10:00:00.123000'], ['-1', '1969-12-31 23:59:59.999000'], ['10413791999999', '2299-12-31 23:59:59.999000'], ['10413792000000', null]],
    fuzz: () => epochValue(-2_208_988_800_000n, 10_413_791_999_999n, 1n),
    expected: scaled(3, 6),
  },
  {
    name: 'zoned_text_6_utc',
    field: field.timestamp({ precision: 6, timeZone: 'UTC' }),
    hand: [
      ['"2026-12-07T10:00:00Z"', '2026-12-07 10:00:00.000000'], ['"2026-12-07T10:00:00.1Z"', '2026-12-07 10:00:00.100000'], ['"2026-12-07T10:00:00.12Z"', '2026-12-07 10:00:00.120000'],
      ['"2026-12-07T10:00:00.123Z"', '2026-12-07 10:00:00.123000'], ['"2026-12-07T10:00:00.1234Z"', '2026-12-07 10:00:00.123400'], ['"2026-12-07T10:00:00.12345Z"', '2026-12-07 10:00:00.123450'],
      ['"2026-12-07T10:00:00.123456Z"', '2026-12-07 10:00:00.123456'], ['"2026-12-07T10:00:00.000001Z"', '2026-12-07 10:00:00.000001'], ['"1970-01-01T00:00:00Z"', '1970-01-01 00:00:00.000000'],
      ['"2261-12-31T23:59:59.999999Z"', '2261-12-31 23:59:59.999999'], ['"2026-02-29T10:00:00Z"', null], ['"1969-12-31T23:59:59.999999Z"', null],
    ],
    fuzz: () => {
      const digits = any.int(0, 6);
      const fraction = digits === 0 ? '' : `.${String(any.int(0, 10 ** digits - 1)).padStart(digits, '0')}`;
      return `"${any.int(1970, 2261)}-${String(any.int(1, 12)).padStart(2, '0')}-${String(any.int(1, 28)).padStart(2, '0')}T${String(any.int(0, 23)).padStart(2, '0')}:${String(any.int(0, 59)).padStart(2, '0')}:${String(any.int(0, 59)).padStart(2, '0')}${fraction}Z"`;
    },
    expected: (value) => {
      const [head, fraction = ''] = (value as string).slice(0, -1).split('.');
      return `${head!.replace('T', ' ')}.${fraction.padEnd(6, '0')}`;
    },
  },
  {
    name: 'date_text',
    field: field.date(),
    hand: [['"2024-02-29"', '2024-02-29'], ['"2023-02-29"', null], ['"1900-01-01"', '1900-01-01'], ['"1899-12-31"', null], ['"2299-12-31"', '2299-12-31'], ['"2300-01-01"', null], ['"1969-12-31"', '1969-12-31'], ['"2024-1-01"', null], ['19000', null]],
    fuzz: dateText,
    expected: (value) => value as string,
  },
  {
    name: 'date_days',
    field: field.date({ encoding: 'days' }),
    hand: [['0', '1970-01-01'], ['-1', '1969-12-31'], ['-25567', '1900-01-01'], ['-25568', null], ['120529', '2299-12-31'], ['120530', null], ['1.0', '1970-01-02'], ['1.5', null], ['"1"', null], ['2147483648', null], ['-9223372036854775808', null]],
    fuzz: () => epochValue(-25_567n, 120_529n, 1n),
    expected: (value) => new Date(Number(wholeOf(value)) * 86_400_000).toISOString().slice(0, 10),
  },
  {
    name: 'json_text',
    field: field.json(),
    hand: [['"{}"', '{}'], ['"[1,2]"', '[1,2]'], ['"5"', '5'], ['"null"', 'null'], ['"{\\"a\\":1,\\"a\\":2}"', '{"a":1,"a":2}'], ['"{\\"a\\":"', null], ['""', null], ['"99999999999999999999"', null], ['{"a":1}', null], ['5', null]],
    fuzz: jsonText,
    expected: (value) => value as string,
  },
  {
    name: 'array_of_micros',
    field: field.array(field.timestamp({ encoding: 'micros', timeZone: 'UTC' })),
    hand: [['[]', '[]'], ['[0,-1]', "['1970-01-01 00:00:00.000000','1969-12-31 23:59:59.999999']"], ['[1.5]', null], ['[null]', null], ['0', null]],
    fuzz: () => (any.bool(0.1) ? junk() : `[${Array.from({ length: any.int(0, 3) }, () => epochValue(MICROS_MIN, MICROS_MAX, 1n)).join(',')}]`),
    expected: (value) => `[${(value as unknown[]).map((v) => `'${utcText(wholeOf(v, true), 6)}'`).join(',')}]`,
  },
];

test(`Debezium's logical types land exactly as our side reads them, or as dead letters naming the field (seed ${seed})`, async (t) => {
  const database = uniqueName('logical');
  const client = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  onCleanup(t, () => client.close());
  onCleanup(t, () => client.command({ query: `DROP DATABASE IF EXISTS ${database}` }));
  const features = await detectFeatures(client);
  assert.ok(features.decodeInViews, 'the embedded ClickHouse decodes in views');
  const streams = kinds.map((kind) => defineStream({ name: kind.name, id: 'n', time: null, orderBy: ['n'], fields: { n: field.int('UInt32'), v: kind.field } }));
  const plan = planPipeline(streams, { database, brokers: 'unused:9092', topicPrefix: `${database}_`, ingest: 'sink' }, features);
  for (const statement of plan) await client.command({ query: render(statement) });

  const disagreements: string[] = [];
  let total = 0;
  for (const [k, kind] of kinds.entries()) {
    const stream = streams[k]!;
    const input = plan.find((s) => s.kind === 'create-null-table' && s.role === 'sink-input' && s.stream === kind.name);
    assert.ok(input && 'table' in input, `${kind.name}: the sink's input table`);
    const values = [...kind.hand.map(([text]) => text), ...Array.from({ length: kind.count ?? 400 }, kind.fuzz)];
    const messages = values.map((text, n) => (text === undefined ? `{"n":${n}}` : `{"n":${n},"v":${text}}`));
    // One block: JSONExtract types a block's numbers together, so edge values meet floats and junk.
    await client.insert({ table: `${database}.${input.table}`, values: messages.map((raw, offset) => ({ raw, _topic: kind.name, _partition: 0, _offset: offset, _timestamp: null })), format: 'JSONEachRow' });
    const stored = new Map((await (await client.query({ query: `SELECT n, toString(v) AS v, isNull(v) AS absent FROM ${database}.${kind.name}`, format: 'JSONEachRow' })).json<{ n: number; v: string; absent: number }>()).map((r) => [r.n, r.absent ? 'NULL' : r.v]));
    const letters = new Map((await (await client.query({ query: `SELECT raw, error FROM ${database}.${kind.name}_dead_letter`, format: 'JSONEachRow' })).json<{ raw: string; error: string }>()).map((r) => [r.raw, r.error]));
    assert.equal(stored.size + letters.size, messages.length, `${kind.name}: every message in the target or the dead letters`);
    for (const [n, raw] of messages.entries()) {
      const parsed = parseMessage(raw);
      const ours = parsed.ok ? validateEvent(stream, parsed.value) : [{ path: '', message: parsed.reason }];
      const valid = ours.length === 0;
      const hand = kind.hand[n];
      const where = `${kind.name} ${raw}`;
      if (stored.has(n) !== valid) {
        disagreements.push(`${where}: ${valid ? `dead (${letters.get(raw)})` : `stored ${stored.get(n)}`} in SQL, ${valid ? 'valid' : ours.map((p) => p.message).join('; ')} on our side`);
        continue;
      }
      if (hand !== undefined) assert.equal(valid ? stored.get(n) : null, hand[1], `${where}: the hand-made value`);
      if (valid) {
        const value = parsed.ok ? (parsed.value as Record<string, unknown>).v : undefined;
        assert.equal(stored.get(n), kind.expected(value), `${where}: the column's text`);
      } else if (parsed.ok) {
        assert.match(letters.get(raw) ?? '', /(^|; )v: expected /, `${where}: the dead letter names the field`);
      }
    }
    total += messages.length;
    const kept = stored.size;
    process.stdout.write(`# ${kind.name}: ${messages.length} messages, ${kept} stored, ${letters.size} dead letters\n`);
  }
  assert.deepEqual(disagreements, [], `SQL and TypeScript disagree (seed ${seed})`);
  assert.ok(total > 5000);
});
