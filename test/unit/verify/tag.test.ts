import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sales } from '../../../src/pipeline/streams/index.js';
import { validateEvent } from '../../../src/pipeline/stream.js';
import { MAX_SEQUENCE, eventIdOf, newRunId, parseEventId, parseSequence, runPrefix } from '../../../src/verify/tag.js';

test('a verify event id is a UUIDv8 carrying the run, the kch marker and the sequence number', () => {
  const id = eventIdOf('3f2a9c1e', 123_456);
  assert.equal(id, '3f2a9c1e-6b63-8000-8000-00000001e240');
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'version 8, RFC variant');
  assert.deepEqual(parseEventId(id), { run: '3f2a9c1e', seq: 123_456 });
  assert.equal(id.slice(0, 24), runPrefix('3f2a9c1e'));
});

test('every sequence number round-trips through its id, up to 48 bits', () => {
  for (const seq of [0, 1, 15, 16, 65_535, 99_999, 2 ** 32, MAX_SEQUENCE]) {
    const id = eventIdOf('00000000', seq);
    assert.equal(parseEventId(id)?.seq, seq);
    assert.equal(parseSequence(id.slice(24)), seq);
  }
  assert.throws(() => eventIdOf('00000000', MAX_SEQUENCE + 1), { code: 'KCH_USAGE' });
  assert.throws(() => eventIdOf('00000000', -1), { code: 'KCH_USAGE' });
  assert.throws(() => eventIdOf('00000000', 1.5), { code: 'KCH_USAGE' });
});

test('ids of other origins are not mistaken for a run\'s', () => {
  assert.equal(parseEventId('c7a1f0de-5b8e-4d2a-9f3c-1e2d3c4b5a69'), undefined);
  assert.equal(parseEventId('3f2a9c1e-6b63-8000-8000-00000001e24'), undefined);
  assert.equal(parseSequence('xyz'), undefined);
  assert.throws(() => runPrefix('3F2A9C1E'), { code: 'KCH_USAGE' });
  assert.throws(() => runPrefix("x'; DROP"), { code: 'KCH_USAGE' }, 'only hex reaches SQL');
});

test('run ids are 8 hex digits and the ids pass the stream\'s own UUID check', () => {
  assert.match(newRunId(), /^[0-9a-f]{8}$/);
  assert.equal(newRunId(() => Buffer.from([0xde, 0xad, 0xbe, 0xef])), 'deadbeef');
  const problems = validateEvent(sales, { event_id: eventIdOf(newRunId(), 7) }).filter((p) => p.path.endsWith('event_id'));
  assert.deepEqual(problems, []);
});
