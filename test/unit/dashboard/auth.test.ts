import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { cameOverTls, COOKIE_MAX_AGE_SECONDS, TokenGate } from '../../../src/dashboard/auth.js';
import { isLoopback } from '../../../src/host/loopback.js';

function request(headers: Record<string, string> = {}, socket: { remoteAddress?: string; encrypted?: boolean } = { remoteAddress: '127.0.0.1' }): IncomingMessage {
  return { headers, socket } as unknown as IncomingMessage;
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

test('?token= once sets a signed, expiring cookie and redirects without the token', () => {
  const gate = new TokenGate('s3cret');
  const now = Date.UTC(2030, 0, 1);
  const reply = gate.check(request(), at('/?token=s3cret&x=1'), now);
  assert.equal(reply?.status, 303);
  assert.equal(reply?.headers.location, '/?x=1');
  const setCookie = reply?.headers['set-cookie'] ?? '';
  const cookie = /^kch_dashboard=(\d+\.[0-9a-f]{64});/.exec(setCookie)?.[1];
  assert.ok(cookie, setCookie);
  assert.equal(Number(cookie.split('.')[0]), now / 1000 + COOKIE_MAX_AGE_SECONDS, 'the expiry it carries');
  assert.doesNotMatch(setCookie, /s3cret/);
  assert.deepEqual(setCookie.split('; ').slice(1), ['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${COOKIE_MAX_AGE_SECONDS}`], 'no Secure over plain http');
  assert.equal(gate.check(request({ cookie: `other=1; kch_dashboard=${cookie}` }), at('/api/sales'), now + 1_000), undefined);
  assert.equal(gate.check(request({ cookie: `kch_dashboard=${cookie}` }), at('/api/sales'), now + COOKIE_MAX_AGE_SECONDS * 1000)?.status, 401, 'expired');
  assert.equal(gate.check(request({ cookie: `kch_dashboard=${cookie}` }), at('/api/sales'), now - 1_000), undefined);
  const [expires, mac] = cookie.split('.') as [string, string];
  assert.equal(gate.check(request({ cookie: `kch_dashboard=${Number(expires) + 1}.${mac}` }), at('/api/sales'), now)?.status, 401, 'an expiry moved by hand');
  assert.equal(new TokenGate('other').check(request({ cookie: `kch_dashboard=${cookie}` }), at('/api/sales'), now)?.status, 401, 'another token');
  assert.equal(gate.check(request({ cookie: `kch_dashboard=${'0'.repeat(64)}` }), at('/api/sales'))?.status, 401);
  assert.equal(gate.check(request({ cookie: `kch_dashboard=9999999999.${'0'.repeat(64)}` }), at('/api/sales'))?.status, 401);
  assert.equal(gate.check(request(), at('/?token=wrong'))?.status, 401);
});

test('the cookie is Secure when the request came over TLS, or a proxy on this machine says https', () => {
  const gate = new TokenGate('s3cret');
  const secure = (req: IncomingMessage): boolean => /; Secure(;|$)/.test(gate.check(req, at('/?token=s3cret'))?.headers['set-cookie'] ?? '');
  assert.equal(secure(request({}, { remoteAddress: '127.0.0.1', encrypted: true })), true);
  assert.equal(secure(request({ 'x-forwarded-proto': 'https' }, { remoteAddress: '127.0.0.1' })), true);
  assert.equal(secure(request({ 'x-forwarded-proto': 'https' }, { remoteAddress: '::ffff:127.0.0.1' })), true);
  assert.equal(secure(request({ 'x-forwarded-proto': 'http, https' }, { remoteAddress: '::1' })), true, 'the last hop counts');
  assert.equal(secure(request({ 'x-forwarded-proto': 'https, http' }, { remoteAddress: '::1' })), false);
  assert.equal(secure(request({ 'x-forwarded-proto': 'https' }, { remoteAddress: '192.0.2.7' })), false, 'only a proxy on this machine is believed');
  assert.equal(secure(request({}, { remoteAddress: '127.0.0.1' })), false);
  assert.equal(cameOverTls(request({ 'x-forwarded-proto': 'HTTPS' })), true);
});

test('the health check stays open for container probes', () => {
  assert.equal(new TokenGate('s3cret').check(request(), at('/healthz')), undefined);
});

test('loopback addresses are recognised', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '192.0.2.1']) assert.equal(isLoopback(host), false, host);
});
