import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poll } from '../../../src/time/poll.js';

test('poll returns the first value a look gives, looking again until then', async () => {
  let looks = 0;
  const value = await poll(() => (++looks === 3 ? 'there' : undefined), { timeoutMs: 5_000, pauseMs: 1 });
  assert.equal(value, 'there');
  assert.equal(looks, 3);
});

test('poll answers undefined once the deadline passed, having looked at it', async () => {
  const started = performance.now();
  const remaining: number[] = [];
  const value = await poll((left) => { remaining.push(left); return undefined; }, { timeoutMs: 120, pauseMs: 10, maxPauseMs: 40 });
  const took = performance.now() - started;
  assert.equal(value, undefined);
  assert.ok(took >= 120 && took < 2_000, `took ${took} ms`);
  assert.ok(remaining[0]! > 100, 'the first look is given about the whole wait');
  assert.ok(remaining.at(-1)! < 1, 'the last look is at the deadline');
});

test('an error a look throws ends the poll with it', async () => {
  await assert.rejects(poll(() => { throw new Error('broken'); }, { timeoutMs: 5_000 }), /broken/);
});

test('aborting the signal ends the wait at once', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const started = performance.now();
  await assert.rejects(poll(() => undefined, { timeoutMs: 60_000, pauseMs: 10_000, signal: controller.signal }), { name: 'AbortError' });
  assert.ok(performance.now() - started < 5_000);
});
