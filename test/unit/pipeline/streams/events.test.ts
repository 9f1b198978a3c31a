import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, isKchError } from '../../../../src/errors/kch-error.js';
import { JsonBytes } from '../../../../src/generator/json-bytes.js';
import { EventSource, mixFor } from '../../../../src/generator/mix.js';
import { validateEvent } from '../../../../src/pipeline/stream.js';
import { categories, movementTypes, warehouses } from '../../../../src/pipeline/streams/catalog.js';
import { encodeVocabulary, makeSale, retail, saleEvents, saleTotal, type Retail } from '../../../../src/pipeline/streams/events.js';
import { sales, streams, warehouse } from '../../../../src/pipeline/streams/index.js';
import { catalogOf, seedSource } from '../../../support/seed.js';

const now = new Date(2026, 0, 2, 3, 4, 5);

test('70 % of events are sales and 30 % stock movements, within 2 points over 10,000 events', () => {
  const source = seedSource(12345);
  let sales = 0;
  for (let i = 0; i < 10_000; i++) if (source.next(now).stream.name === 'sales') sales++;
  assert.ok(Math.abs(sales / 10_000 - 0.7) < 0.02, `sales share ${sales / 10_000}`);
});

test('every generated event is valid for its stream', () => {
  const source = seedSource(7);
  for (let i = 0; i < 5_000; i++) {
    const { stream, event } = source.next(now);
    assert.deepEqual(validateEvent(stream, event), [], JSON.stringify(event));
  }
});

test('total = price × quantity × (1 − discount), rounded to kopecks', () => {
  assert.equal(saleTotal(1234_50, 3, 15), 3147.98);
  assert.equal(saleTotal(100_00, 1, 0), 100);
  assert.equal(saleTotal(999_99, 5, 30), 3499.97);
  const source = seedSource(99);
  for (let i = 0; i < 2_000; i++) {
    const { stream, event } = source.next(now);
    if (stream.name !== 'sales') continue;
    const expected = Math.round(Number(event.price) * Number(event.quantity) * (1 - Number(event.discount)) * 100) / 100;
    assert.ok(Math.abs(Number(event.total) - expected) <= 0.01 + 1e-9, `total ${String(event.total)} vs ${expected}`);
  }
});

test('the same seed gives the same events; another seed gives others', () => {
  const a = seedSource(42);
  const b = seedSource(42);
  const c = seedSource(43);
  const first = Array.from({ length: 200 }, () => a.next(now).event);
  assert.deepEqual(Array.from({ length: 200 }, () => b.next(now).event), first);
  assert.notDeepEqual(Array.from({ length: 200 }, () => c.next(now).event), first);
});

test('the catalog has the seed\'s shape: 50 products, prices 100..10000, known categories', () => {
  const catalog = catalogOf(seedSource(1));
  assert.equal(catalog.length, 50);
  assert.deepEqual(catalog.map((p) => p.id), Array.from({ length: 50 }, (_, i) => i + 1));
  for (const product of catalog) {
    assert.ok(product.priceCents >= 100_00 && product.priceCents <= 10_000_00);
    assert.ok((categories as readonly string[]).includes(product.category));
    assert.match(product.name, /^\S+ \S+$/u, 'two words');
    assert.match(product.name, /[а-яё]/iu, 'Russian');
  }
});

test('vocabularies are the seed\'s: 6 warehouses, 3 movement types, 5 categories', () => {
  assert.equal(warehouses.length, 6);
  assert.deepEqual([...movementTypes], ['supply', 'relocation', 'write_off']);
  assert.equal(categories.length, 5);
});

test('the seed\'s definitions declare these events: 70 % sales, 30 % stock movements, one world', () => {
  assert.equal(sales.events, saleEvents);
  assert.equal(saleEvents.share, 0.7);
  assert.equal(warehouse.events?.share, 0.3);
  assert.equal(warehouse.events?.world, retail);
  assert.deepEqual(mixFor(streams).map((m) => [m.stream.name, m.share, m.world === retail]), [['sales', 0.7, true], ['warehouse', 0.3, true]]);
});

test('JSON keeps Cyrillic unescaped, like the seed\'s generator', () => {
  const { event } = seedSource(5).next(now);
  const json = JSON.stringify(event);
  assert.doesNotMatch(json, /\\u04/);
});

test('the byte writers write exactly the JSON of the events the object makers draw, over 60,000 events and three seeds', () => {
  for (const seed of [1, 42, 2 ** 31 + 7]) {
    const objects = seedSource(seed);
    const bytes = seedSource(seed);
    const out = new JsonBytes();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      // A second that changes now and then, so event_time is encoded again.
      const at = new Date(now.getTime() + Math.floor(i / 5000) * 1000);
      const { stream, event } = objects.next(at);
      out.reset();
      const index = bytes.writeNext(out, at);
      seen.add(stream.name);
      assert.equal(bytes.streams[index]!.stream, stream);
      assert.equal(out.buffer.toString('utf8', 0, out.length), JSON.stringify(event));
    }
    assert.deepEqual([...seen].sort(), ['sales', 'warehouse']);
  }
});

test('a value of the vocabularies that its field would refuse stops the generator before the first event', () => {
  const catalog = catalogOf(seedSource(1));
  const tooLong = [{ ...catalog[0]!, name: 'x'.repeat(300) }];
  assert.throws(() => encodeVocabulary(tooLong, { companies: ['A'], people: ['B'] }, streams), (error: unknown) => isKchError(error) && error.code === ErrorCodes.DEFINITION && /product_name/.test(error.message));
  // The event time too, checked against each stream's time field once a second.
  const out = new JsonBytes();
  assert.throws(() => seedSource(1).writeNext(out, new Date(1969, 11, 31, 23, 0, 0)), (error: unknown) => isKchError(error) && error.code === ErrorCodes.DEFINITION && /event_time/.test(error.message));
});

test('a stream without a byte writer is made, validated in full and serialized, event by event', () => {
  const plain = [{ stream: sales, share: 1, world: retail, make: (context: Parameters<typeof makeSale>[0], world: unknown) => makeSale(context, world as Retail) }];
  const objects = new EventSource(11, plain);
  const bytes = new EventSource(11, plain);
  const out = new JsonBytes();
  for (let i = 0; i < 500; i++) {
    out.reset();
    bytes.writeNext(out, now);
    assert.equal(out.buffer.toString('utf8', 0, out.length), JSON.stringify(objects.next(now).event));
  }
  const broken = new EventSource(11, [{ stream: sales, share: 1, world: retail, make: (context, world) => ({ ...makeSale(context, world as Retail), quantity: 0 }) }]);
  assert.throws(() => broken.writeNext(out, now), (error: unknown) => isKchError(error) && error.code === ErrorCodes.INVALID_EVENT && /quantity/.test(error.message));
});
