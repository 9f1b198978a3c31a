import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseParams } from '../../../src/dashboard/params.js';

const specs = {
  hours: { min: 1, max: 168, default: 24, description: 'hours to show' },
  limit: { min: 1, max: 100, default: 10, description: 'rows' },
} as const;
const parse = (query: string) => parseParams(new URLSearchParams(query), specs);

test('absent parameters take their defaults', () => {
  assert.deepEqual(parse(''), { hours: 24, limit: 10 });
});

test('whole numbers in range are accepted, at both ends', () => {
  assert.deepEqual(parse('hours=1&limit=100'), { hours: 1, limit: 100 });
  assert.deepEqual(parse('hours=168'), { hours: 168, limit: 10 });
});

test('anything but a plain whole number in range is a usage error naming the parameter and its range', () => {
  for (const bad of ['0', '169', '-1', '+5', '2.5', '1e1', '0x10', ' 5', '5 ', '', 'abc', '007', '99999999999999999999']) {
    assert.throws(() => parse(`hours=${encodeURIComponent(bad)}`), { code: 'KCH_USAGE', message: /"hours" \(hours to show\) must be a whole number from 1 to 168/ }, bad);
  }
});

test('an unknown or repeated parameter is refused', () => {
  assert.throws(() => parse('hour=3'), { code: 'KCH_USAGE', message: /unknown parameter "hour"; this endpoint takes hours, limit/ });
  assert.throws(() => parse('hours=3&hours=4'), { code: 'KCH_USAGE', message: /"hours" is given more than once/ });
  assert.throws(() => parseParams(new URLSearchParams('a=1'), {}), { message: /takes none/ });
});

test('echoed values are cut short', () => {
  assert.throws(() => parse(`hours=${'9'.repeat(500)}`), (error: Error) => error.message.length < 200);
});

test('a stream parameter must name a configured stream: required, no default, checked before any query', () => {
  const streamSpecs = { stream: { kind: 'stream', description: 'a stream' }, hours: { min: 1, max: 24, default: 6, description: 'hours' } } as const;
  const names = ['iot_readings', 'sales'];
  assert.deepEqual(parseParams(new URLSearchParams('stream=iot_readings'), streamSpecs, names), { stream: 'iot_readings', hours: 6 });
  assert.throws(() => parseParams(new URLSearchParams(''), streamSpecs, names), /"stream" \(a stream\) is required: one of iot_readings, sales/);
  assert.throws(() => parseParams(new URLSearchParams('stream=users`; DROP TABLE x'), streamSpecs, names), /must name a configured stream \(iot_readings, sales\)/);
  assert.throws(() => parseParams(new URLSearchParams('stream=a&stream=b'), streamSpecs, names), /more than once/);
});
