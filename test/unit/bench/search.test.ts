import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUSTAINED_TARGET, nextSearchRate } from '../../../src/bench/ingest.js';

describe('sustained search', () => {
  it('tries the target rate first while it lies between the rate held and the rate not held', () => {
    assert.equal(nextSearchRate(140_000, 164_000, new Set([140_000])), SUSTAINED_TARGET);
  });

  it('halves the gap (to whole thousands) once the target has been tried', () => {
    assert.equal(nextSearchRate(140_000, 150_000, new Set([140_000, 150_000])), 145_000);
    assert.equal(nextSearchRate(150_000, 164_000, new Set([150_000])), 157_000);
  });

  it('halves the gap when the target lies outside it', () => {
    assert.equal(nextSearchRate(86_000, 109_000, new Set([86_000])), 97_000);
    assert.equal(nextSearchRate(160_000, 201_000, new Set([160_000])), 180_000);
  });
});
