import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy } from '../../../src/stack/restart.js';

test('a crashing service is restarted after growing pauses, then given up on', () => {
  const policy = new RestartPolicy(4, 60_000, 30_000);
  assert.equal(policy.crashed(0), 1000);
  assert.equal(policy.crashed(1), 2000);
  assert.equal(policy.crashed(2), 4000);
  assert.equal(policy.crashed(3), undefined);
});

test('crashes older than the window are forgotten', () => {
  const policy = new RestartPolicy(3, 10_000);
  policy.crashed(0);
  policy.crashed(1);
  assert.equal(policy.crashed(20_000), 1000);
});

test('the back-off is said in words: which crash within the window, and when it is given up on', () => {
  const policy = new RestartPolicy();
  policy.crashed(0);
  assert.equal(policy.describe(), 'crash 1 within 2 min, given up on at the 5th');
  policy.crashed(1);
  assert.equal(policy.describe(), 'crash 2 within 2 min, given up on at the 5th');
  assert.equal(new RestartPolicy(3).describe(), 'crash 0 within 2 min, given up on at the 3rd');
});
