import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, KchError } from '../../../src/errors/kch-error.js';
import { pollFor } from '../../../src/ops/wait.js';

test('Ctrl-C during an operation\'s wait ends it with one line naming what it waited for', async () => {
  const controller = new AbortController();
  let looks = 0;
  const waiting = pollFor('consumer group g to empty', () => {
    if (++looks === 2) controller.abort();
    return Promise.resolve(undefined);
  }, { timeoutMs: 5_000, pauseMs: 1, signal: controller.signal });
  await assert.rejects(waiting, (error: unknown) => error instanceof KchError && error.code === ErrorCodes.TIMEOUT && error.message === 'interrupted while waiting for consumer group g to empty');
});

test('a signal aborted before the wait ends it before any look, with the same line', async () => {
  let looks = 0;
  await assert.rejects(pollFor('x', () => { looks++; return Promise.resolve(1); }, { timeoutMs: 5_000, signal: AbortSignal.abort() }), /interrupted while waiting for x/);
  assert.equal(looks, 0);
});

test('a look\'s own failure passes as it is, and an unaborted wait answers like poll', async () => {
  await assert.rejects(pollFor('x', () => Promise.reject(new Error('broken')), { timeoutMs: 5_000 }), /^Error: broken$/);
  assert.equal(await pollFor('x', () => Promise.resolve(undefined), { timeoutMs: 20, pauseMs: 5 }), undefined);
  assert.equal(await pollFor('x', () => Promise.resolve('there'), { timeoutMs: 20 }), 'there');
});
