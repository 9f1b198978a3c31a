/** `foreignRequest`: which Host and Origin headers the dashboard answers, for each kind of listener. */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { cameOverTls, COOKIE_MAX_AGE_SECONDS, TokenGate, foreignRequest, type Listener } from '../../../src/dashboard/auth.js';
import { isLoopback, loopbackHosts } from '../../../src/host/loopback.js';

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

function fromHost(headers: Record<string, string>, remoteAddress = '127.0.0.1'): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}
const loopback: Listener = { host: '127.0.0.1', port: 3000, token: false, hostname: 'box' };
const passes = (listener: Listener, headers: Record<string, string>): boolean => foreignRequest(fromHost(headers), listener) === undefined;

test('on loopback, Host must be a loopback name with the port listened on', () => {
  for (const host of ['127.0.0.1:3000', 'localhost:3000', 'LOCALHOST:3000', '[::1]:3000']) assert.equal(passes(loopback, { host }), true, host);
  for (const host of ['attacker.example:3000', 'attacker.example', '127.0.0.1', 'localhost', '127.0.0.1:3001', '127.0.0.2:3000', '127.1:3000',
    'localhost.:3000', 'localhost.attacker.example:3000', '0.0.0.0:3000', 'box:3000', '192.0.2.1:3000', '', '127.0.0.1:3000 ', '127.0.0.1:03000']) {
    assert.equal(passes(loopback, { host }), false, host);
  }
  assert.match(foreignRequest(fromHost({ host: 'attacker.example:3000' }), loopback) ?? '', /^Host "attacker\.example:3000" is not an address this dashboard listens on/);
  assert.equal(passes({ ...loopback, token: true }, { host: 'attacker.example:3000' }), false, 'a token does not widen a loopback listener');
});

test('on port 80 a browser leaves the port out, and then the bare name is accepted', () => {
  const on80 = { ...loopback, port: 80 };
  assert.deepEqual([...loopbackHosts(on80)].sort(), ['127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:80', 'localhost', 'localhost:80']);
  assert.equal(passes(on80, { host: 'localhost' }), true);
  assert.equal(passes(on80, { host: 'attacker.example' }), false);
});

test('the address listened on counts as a loopback name of its own', () => {
  assert.equal(passes({ ...loopback, host: '127.0.0.2' }, { host: '127.0.0.2:3000' }), true);
  assert.equal(passes({ ...loopback, host: '::1' }, { host: '[::1]:3000' }), true);
  assert.equal(passes({ ...loopback, host: 'localhost' }, { host: 'localhost:3000' }), true);
});

test('a request without Host (HTTP/1.0, not a browser) passes', () => {
  assert.equal(passes(loopback, {}), true);
});

test('beyond loopback without a token: IP addresses, localhost and the machine\'s name, on any port', () => {
  const lan: Listener = { host: '0.0.0.0', port: 3000, token: false, hostname: 'Box' };
  for (const host of ['192.0.2.10:3000', '192.0.2.10', '127.0.0.1:8080', '[2001:db8::1]:3000', 'localhost:3100', 'box:3000', 'BOX']) assert.equal(passes(lan, { host }), true, host);
  for (const host of ['attacker.example:3000', 'box.attacker.example:3000', 'box.lan:3000', 'dashboard:3000', '2001:db8::1', '']) assert.equal(passes(lan, { host }), false, host);
  assert.match(foreignRequest(fromHost({ host: 'box.lan:3000' }), lan) ?? '', /DASHBOARD_TOKEN/);
});

test('beyond loopback with a token, any Host passes: the token protects it', () => {
  const lan: Listener = { host: '192.0.2.10', port: 3000, token: true, hostname: 'box' };
  for (const host of ['dashboard.example:443', 'attacker.example:3000', 'box.lan']) assert.equal(passes(lan, { host }), true, host);
  assert.equal(passes(lan, { host: 'dashboard.example', origin: 'https://attacker.example' }), false, 'Origin is still checked');
});

test('Origin, when sent, must be the request\'s own origin', () => {
  assert.equal(passes(loopback, { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }), true);
  assert.equal(passes(loopback, { host: 'localhost:3000', origin: 'http://localhost:3000' }), true);
  for (const origin of ['http://attacker.example', 'http://localhost:3000', 'https://127.0.0.1:3000', 'http://127.0.0.1:3001', 'null', 'file://', '', 'not a url']) {
    assert.equal(passes(loopback, { host: '127.0.0.1:3000', origin }), false, origin);
  }
  assert.match(foreignRequest(fromHost({ host: '127.0.0.1:3000', origin: 'http://attacker.example' }), loopback) ?? '', /^Origin "http:\/\/attacker\.example" is not this dashboard's own origin \(http:\/\/127\.0\.0\.1:3000\)/);
  const on80 = { ...loopback, port: 80 };
  assert.equal(passes(on80, { host: 'localhost', origin: 'http://localhost' }), true);
  assert.equal(passes(on80, { host: 'localhost:80', origin: 'http://localhost' }), true);
});

test('behind a TLS proxy on this machine the own origin is https', () => {
  const proxied = (origin: string, remote: string): boolean =>
    foreignRequest(fromHost({ host: '127.0.0.1:3000', origin, 'x-forwarded-proto': 'https' }, remote), loopback) === undefined;
  assert.equal(proxied('https://127.0.0.1:3000', '127.0.0.1'), true);
  assert.equal(proxied('http://127.0.0.1:3000', '127.0.0.1'), false);
  assert.equal(proxied('https://127.0.0.1:3000', '192.0.2.7'), false, 'a remote peer\'s X-Forwarded-Proto is not believed');
});
