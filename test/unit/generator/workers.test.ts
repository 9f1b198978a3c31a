import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { SeededRandom } from '../../../src/generator/random.js';
import { workerSeed, workersFor } from '../../../src/generator/workers.js';
import { catalogOf, seedSource } from '../../support/seed.js';

test('workers: auto is one thread for the seed pace and up to 150,000/s, one per core (≤ 4) above', () => {
  const cores = Math.min(availableParallelism(), 4);
  assert.equal(workersFor('auto', { kind: 'seed' }), 1);
  assert.equal(workersFor(undefined, { kind: 'rate', perSecond: 150_000 }), 1);
  assert.equal(workersFor('auto', { kind: 'rate', perSecond: 150_001 }), cores);
  assert.equal(workersFor('auto', { kind: 'max' }), cores);
  assert.equal(workersFor('3', { kind: 'max' }), 3);
  assert.throws(() => workersFor('0', { kind: 'max' }), /KCH_USAGE|whole number/);
  assert.throws(() => workersFor('1.5', { kind: 'max' }), /whole number/);
  assert.throws(() => workersFor('2', { kind: 'seed' }), /needs --rate/);
});

test('worker seeds: worker 0 keeps the seed, the others differ from it and from each other', () => {
  assert.equal(workerSeed(42, 0), 42);
  const seeds = new Set(Array.from({ length: 64 }, (_, i) => workerSeed(42, i)));
  assert.equal(seeds.size, 64);
  // Neighbouring user seeds must not hand a worker the next user seed's sequence.
  assert.notEqual(workerSeed(42, 1), 43);
});

test('seeded random: same seed same draws, uniform enough, UUIDs of version 4', () => {
  const a = new SeededRandom(1);
  const b = new SeededRandom(1);
  assert.deepEqual(Array.from({ length: 100 }, () => a.word()), Array.from({ length: 100 }, () => b.word()));
  assert.notDeepEqual(Array.from({ length: 10 }, () => new SeededRandom(2).word()), Array.from({ length: 10 }, () => new SeededRandom(1).word()));
  const r = new SeededRandom(3);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[r.int(0, 9)]! += 1;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `bucket ${c}`);
  const ids = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    const id = r.uuid();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 100_000);
});

test('threads share the run seed\'s catalog and draw their own events', () => {
  const main = seedSource(42);
  const thread = seedSource(42, workerSeed(42, 1));
  assert.deepEqual(catalogOf(thread), catalogOf(main));
  const now = new Date(2026, 0, 1);
  assert.notDeepEqual(Array.from({ length: 20 }, () => thread.next(now).event), Array.from({ length: 20 }, () => main.next(now).event));
});
