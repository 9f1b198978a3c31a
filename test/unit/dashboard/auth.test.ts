import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { isLoopback, TokenGate } from '../../../src/dashboard/auth.js';

function request(headers: Record<string, string> = {}): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}
const at = (path: string): URL => new URL(path, 'http://dashboard.invalid');

test('without a token every request passes', () => {
  assert.equal(new TokenGate(undefined).check(request(), at('/api/sales')), undefined);
  assert.equal(new TokenGate('').enabled, false);
});

test('with a token, a request without it gets 401 and a Bearer challenge', () => {
  const reply = new TokenGate('s3cret').check(request(), at('/metrics'));
  assert.equal(reply?.status, 401);
  assert.match(reply?.headers['www-authenticate'] ?? '', /^Bearer/);
  assert.doesNotMatch(reply?.body ?? '', /s3cret/);
});

test('the right bearer token passes, a wrong one does not', () => {
  const gate = new TokenGate('s3cret');
  assert.equal(gate.check(request({ authorization: 'Bearer s3cret' }), at('/api/status')), undefined);
  assert.equal(gate.check(request({ authorization: 'Bearer s3cre' }), at('/api/status'))?.status, 401);
});

test('?token= once sets a cookie holding a digest and redirects without the token', () => {
  const gate = new TokenGate('s3cret');
  const reply = gate.check(request(), at('/?token=s3cret'));
  assert.equal(reply?.status, 303);
  assert.equal(reply?.headers.location, '/');
  const cookie = /^kch_dashboard=([0-9a-f]{64});/.exec(reply?.headers['set-cookie'] ?? '')?.[1];
  assert.ok(cookie, reply?.headers['set-cookie']);
  assert.doesNotMatch(reply?.headers['set-cookie'] ?? '', /s3cret/);
  assert.match(reply?.headers['set-cookie'] ?? '', /HttpOnly; SameSite=Strict/);
  assert.equal(gate.check(request({ cookie: `other=1; kch_dashboard=${cookie}` }), at('/api/sales')), undefined);
  assert.equal(gate.check(request({ cookie: `kch_dashboard=${'0'.repeat(64)}` }), at('/api/sales'))?.status, 401);
  assert.equal(gate.check(request(), at('/?token=wrong'))?.status, 401);
});

test('the health check stays open for container probes', () => {
  assert.equal(new TokenGate('s3cret').check(request(), at('/healthz')), undefined);
});

test('loopback addresses are recognised', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '192.0.2.1']) assert.equal(isLoopback(host), false, host);
});
