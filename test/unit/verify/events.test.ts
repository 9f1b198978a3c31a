import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateEvent } from '../../../src/pipeline/stream.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { VerifyEvents, breakEvent, seededRandom } from '../../../src/verify/events.js';
import { parseEventId } from '../../../src/verify/tag.js';

test('verify events are the generator\'s events with the run\'s ids, valid for their stream', () => {
  const events = new VerifyEvents({ run: '01234567', streams, seed: 1 });
  const now = new Date();
  const counts = { sales: 0, warehouse: 0 } as Record<string, number>;
  for (let seq = 0; seq < 1000; seq++) {
    const event = events.next(seq, now);
    const parsed = JSON.parse(event.value) as Record<string, unknown>;
    assert.deepEqual(parseEventId(String(parsed.event_id)), { run: '01234567', seq });
    assert.deepEqual(validateEvent(event.stream, parsed), []);
    assert.equal(event.bad, undefined);
    counts[event.stream.name] = (counts[event.stream.name] ?? 0) + 1;
  }
  assert.ok(counts.sales! > 600 && counts.sales! < 800, `about 70 % sales: ${counts.sales}`);
});

test('bad events come at the asked ratio, alternate kinds, and keep their id readable', () => {
  const events = new VerifyEvents({ run: '01234567', streams, seed: 2, badRatio: 0.1, badKinds: ['check', 'unparsable'] });
  const bad = Array.from({ length: 5000 }, (_, seq) => events.next(seq, new Date())).filter((e) => e.bad !== undefined);
  assert.ok(bad.length > 400 && bad.length < 600, `about 10 %: ${bad.length}`);
  assert.deepEqual(bad.slice(0, 4).map((e) => e.bad), ['check', 'unparsable', 'check', 'unparsable']);
  for (const event of bad) {
    assert.match(event.value, /"event_id":"01234567-6b63-8000-8000-[0-9a-f]{12}"/);
    if (event.bad === 'check') {
      const parsed = JSON.parse(event.value) as Record<string, unknown>;
      assert.ok(validateEvent(event.stream, parsed).some((p) => p.path === '/quantity'));
    } else {
      assert.throws(() => JSON.parse(event.value));
    }
  }
});

test('the same run makes the same bad events', () => {
  const pick = (): number[] => {
    const events = new VerifyEvents({ run: 'abcdef01', streams, seed: 9, badRatio: 0.2 });
    return Array.from({ length: 200 }, (_, seq) => events.next(seq, new Date())).filter((e) => e.bad).map((e) => e.seq);
  };
  assert.deepEqual(pick(), pick());
  const random = seededRandom(3);
  const values = Array.from({ length: 1000 }, random);
  assert.ok(values.every((v) => v >= 0 && v < 1));
  assert.throws(() => JSON.parse(breakEvent(streams[0]!, { event_id: 'x' }, 'unparsable')), 'broken even without event_time');
});
