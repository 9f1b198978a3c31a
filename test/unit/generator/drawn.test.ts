import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawnFrom } from '../../../src/generator/drawn.js';
import { JsonBytes } from '../../../src/generator/json-bytes.js';
import { mixFor } from '../../../src/generator/mix.js';
import { SeededRandom } from '../../../src/generator/random.js';
import { field } from '../../../src/pipeline/field.js';
import { parseMessage, stringifyJson } from '../../../src/pipeline/json.js';
import type { EventContext } from '../../../src/pipeline/recipe.js';
import { defineStream, validateEvent } from '../../../src/pipeline/stream.js';
import { retail } from '../../../src/pipeline/streams/events.js';
import { streams } from '../../../src/pipeline/streams/index.js';
import { kindsStream } from '../../support/kinds-stream.js';

const context = (seed: number): EventContext => ({ random: new SeededRandom(seed) } as unknown as EventContext);

test('events drawn from the fields of every kind are valid, nested ones at their paths', () => {
  const { make, write } = drawnFrom(kindsStream);
  const ctx = context(7);
  let absent = 0;
  for (let i = 0; i < 5000; i++) {
    const event = make(ctx);
    assert.deepEqual(validateEvent(kindsStream, event), [], stringifyJson(event));
    assert.equal(typeof (event.zone as { pickup: unknown }).pickup, 'string');
    if (!('note' in event)) absent += 1;
  }
  assert.ok(absent > 300 && absent < 700, `an optional field is left out about one time in ten: ${absent} of 5000`);
  // The generator's way: written straight as JSON, most values picked among pieces drawn ahead.
  const out = new JsonBytes();
  const ids = new Set<string>();
  let leftOut = 0;
  for (let i = 0; i < 5000; i++) {
    out.reset();
    write(out, ctx);
    const parsed = parseMessage(out.buffer.subarray(0, out.length));
    assert.ok(parsed.ok, out.buffer.toString('utf8', 0, out.length));
    const event = parsed.value as Record<string, unknown>;
    assert.deepEqual(validateEvent(kindsStream, event), [], stringifyJson(event));
    ids.add(String(event.id));
    if (!('note' in event)) leftOut += 1;
  }
  assert.equal(ids.size, 5000, 'every id drawn afresh: unique');
  assert.ok(leftOut > 300 && leftOut < 700, `optional fields left out about one time in ten when written too: ${leftOut}`);
});

test('a definition may say how a field is drawn', () => {
  const readings = defineStream({
    name: 'readings',
    fields: { device: field.text(16), celsius: field.float() },
    orderBy: ['device'],
    generate: { device: () => 'dev-1', celsius: (random) => 20 + random.next() },
  });
  const event = drawnFrom(readings).make(context(1));
  assert.equal(event.device, 'dev-1');
  assert.ok((event.celsius as number) >= 20 && (event.celsius as number) < 21);
});

test('the seed streams keep their own events and their 70/30 share beside a stream of one\'s own', () => {
  const mix = mixFor([...streams, kindsStream]);
  assert.equal(mix[0]!.world, retail);
  assert.equal(mix[0]!.share, 0.7);
  assert.equal(mix[1]!.share, 0.3);
  assert.equal(mix[2]!.world, undefined, 'drawn from its fields');
  assert.equal(mix[2]!.share, 1);
  // A stream named like a seed stream but of its own definition is drawn from its fields.
  const other = defineStream({ name: 'sales', fields: { sku: field.text(8) }, orderBy: ['sku'] });
  assert.equal(mixFor([other])[0]!.world, undefined);
});
