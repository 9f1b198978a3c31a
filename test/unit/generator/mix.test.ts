import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, isKchError } from '../../../src/errors/kch-error.js';
import { JsonBytes } from '../../../src/generator/json-bytes.js';
import { EventSource, formatLocalTime, mixFor } from '../../../src/generator/mix.js';
import { field } from '../../../src/pipeline/field.js';
import type { EventRecipe } from '../../../src/pipeline/recipe.js';
import { defineStream, validateEvent } from '../../../src/pipeline/stream.js';

const now = new Date(2026, 0, 2, 3, 4, 5);

test('event_time is local time as YYYY-MM-DD HH:MM:SS', () => {
  assert.equal(formatLocalTime(now), '2026-01-02 03:04:05');
});

/** A recipe of one's own: badges from a world of names faker makes once, written as bytes too. */
const names = { locale: ['de', 'base'], make: (faker: { person: { lastName(): string } }) => Array.from({ length: 20 }, () => faker.person.lastName()) };
const badges = defineStream({
  name: 'badges',
  fields: { badge_id: field.uuid(), holder: field.text(64), at: field.dateTimeText() },
  id: 'badge_id',
  time: 'at',
  orderBy: ['at'],
  events: {
    share: 3,
    world: names,
    make: ({ random, eventTime }, world) => ({ badge_id: random.uuid(), holder: random.pick(world), at: eventTime }),
    write: (out, { random, eventTimeJson }, world) => {
      out.bytes(Buffer.from('{"badge_id":"'));
      random.uuidInto(out);
      out.bytes(Buffer.from(`","holder":${JSON.stringify(random.pick(world))},"at":`));
      out.bytes(eventTimeJson);
      out.char(0x7d);
    },
  } satisfies EventRecipe<string[]>,
});
const plain = defineStream({ name: 'plain', fields: { n: field.integer(0, 9) }, orderBy: ['n'] });

test('a stream that declares its events gets them, from its world made once per source with faker of its locale, at its share', () => {
  const mix = mixFor([badges, plain]);
  assert.deepEqual(mix.map((m) => [m.stream.name, m.share, m.world === names]), [['badges', 3, true], ['plain', 1, false]]);
  const a = new EventSource(5, mix);
  const b = new EventSource(5, mixFor([badges, plain]));
  assert.deepEqual(a.worldOf(names), b.worldOf(names), 'the same seed makes the same world');
  assert.notDeepEqual(new EventSource(6, mix).worldOf(names), a.worldOf(names));
  let own = 0;
  for (let i = 0; i < 2000; i++) {
    const { stream, event } = a.next(now);
    assert.deepEqual(validateEvent(stream, event), []);
    if (stream !== badges) continue;
    own += 1;
    assert.ok(a.worldOf(names)!.includes(event.holder as string));
  }
  // Its writer, as the generator calls it, writes what its make makes from the same draws.
  const objects = new EventSource(5, mixFor([badges]));
  const bytes = new EventSource(5, mixFor([badges]));
  const out = new JsonBytes();
  for (let i = 0; i < 500; i++) {
    out.reset();
    assert.equal(bytes.writeNext(out, now), 0);
    assert.equal(out.buffer.toString('utf8', 0, out.length), JSON.stringify(objects.next(now).event));
  }
  assert.ok(Math.abs(own / 2000 - 0.75) < 0.04, `3 to 1: ${own / 2000}`);
});

test('a world\'s unknown locale, or an events declaration that is no recipe, is a definition error', () => {
  const unknown = defineStream({ ...badgesSpec(), events: { world: { locale: ['xx'], make: () => [] }, make: () => ({}) } });
  assert.throws(() => new EventSource(1, mixFor([unknown])), (error: unknown) => isKchError(error) && error.code === ErrorCodes.DEFINITION && /locale "xx"/.test(error.message));
  for (const events of [{}, { make: 'x' }, { make: () => ({}), share: 0 }, { make: () => ({}), world: {} }]) {
    assert.throws(() => defineStream({ ...badgesSpec(), events: events as unknown as EventRecipe }), (error: unknown) => isKchError(error) && error.code === ErrorCodes.DEFINITION && /events must be/.test(error.message), JSON.stringify(events));
  }
});

function badgesSpec() {
  return { name: 'badges', fields: { badge_id: field.uuid(), at: field.dateTimeText() }, orderBy: ['at'] } as const;
}
