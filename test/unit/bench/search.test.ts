import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUSTAINED_TARGET, heldRate, nextSearchRate } from '../../../src/bench/ingest.js';

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

describe('rate held', () => {
  it('is the rate asked for when the run produced within 1 % of it and the lag stayed flat', () => {
    assert.equal(heldRate({ keptUp: true, rate: '150000', producedPerSecond: 149_996 }), 150_000);
    assert.equal(heldRate({ keptUp: true, rate: '150000', producedPerSecond: 150_014 }), 150_000);
  });

  it('is what was produced when that is off by more than 1 %, or at max', () => {
    assert.equal(heldRate({ keptUp: true, rate: '150000', producedPerSecond: 140_000 }), 140_000);
    assert.equal(heldRate({ keptUp: true, rate: 'max', producedPerSecond: 99_000 }), 99_000);
  });

  it('is undefined when the lag grew', () => {
    assert.equal(heldRate({ keptUp: false, rate: '150000', producedPerSecond: 150_000 }), undefined);
  });
});
