/**
 * The dashboard from the attacker's side: a web page on another site reaching it through the
 * user's browser (a DNS-rebound Host, a foreign Origin), a client holding a connection open by
 * dripping header lines, a POST without the token; and beside each, the same request from a
 * normal client still answered.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { ErrorBody } from '../../../src/dashboard/wire.js';
import type { Dashboard } from '../../../src/dashboard/server.js';
import { createPipeline, getJson, type Pipeline } from './fixture.js';

const TOKEN = 'correct horse battery staple';
let pipeline: Pipeline;
let open: Dashboard;
let guarded: Dashboard;

before(async () => {
  pipeline = await createPipeline('dash_sec');
  open = await pipeline.serve();
  guarded = await pipeline.serve({ token: TOKEN });
});

after(async () => {
  await pipeline?.drop();
});

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request with exactly these headers (Host included, which fetch does not let us set), on its own connection. */
function raw(dashboard: Dashboard, path: string, headers: OutgoingHttpHeaders, method = 'GET', body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // Content-Length given here: Node's client sends a DELETE's body without one.
    const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
    const req = httpRequest({ host: '127.0.0.1', port: dashboard.port, path, method, headers: { ...headers, ...length }, agent: false, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const own = (dashboard: Dashboard): string => `127.0.0.1:${dashboard.port}`;

function refused(response: Raw, status: number, pattern: RegExp, what: string): void {
  assert.equal(response.status, status, `${what}: ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/json/, what);
  const body = JSON.parse(response.body) as ErrorBody;
  assert.equal(body.code, 'KCH_USAGE', what);
  assert.match(body.error, pattern, what);
}

test('a foreign Host (DNS rebinding) is refused with 403 on every path, with or without a token', async () => {
  for (const dashboard of [open, guarded]) {
    for (const host of [`attacker.example:${dashboard.port}`, 'attacker.example', `127.0.0.1:${dashboard.port + 1}`, `localhost.attacker.example:${dashboard.port}`]) {
      for (const path of ['/', '/page/main.js', '/api/status', '/api/sales', '/metrics', '/healthz']) {
        const response = await raw(dashboard, path, { host, authorization: `Bearer ${TOKEN}` });
        refused(response, 403, /^Host ".*" is not an address this dashboard listens on/, `${host} ${path}`);
        assert.doesNotMatch(response.body, /"status"|kch_service_up|<html/i, 'nothing of the answer leaks');
      }
    }
  }
});

test('the dashboard\'s own names still work: 127.0.0.1, localhost and [::1] with its port, and fetch from Node', async () => {
  for (const host of [own(open), `localhost:${open.port}`, `[::1]:${open.port}`]) {
    assert.equal((await raw(open, '/api/status', { host })).status, 200, host);
  }
  const status = await getJson<{ status: string }>(open.url, '/api/status');
  assert.equal(status.status, 200);
  assert.equal(status.body.status, 'waiting_for_data');
  const page = await fetch(open.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal((await fetch(new URL('/metrics', open.url))).status, 200);
  assert.equal((await fetch(new URL('/healthz', open.url))).status, 200);
  assert.equal((await fetch(new URL('/api/status', guarded.url), { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
});

test('a foreign Origin is refused with 403; the dashboard\'s own origin is not', async () => {
  for (const origin of ['http://attacker.example', `http://attacker.example:${open.port}`, `http://localhost:${open.port}`, `https://127.0.0.1:${open.port}`, 'null']) {
    for (const method of ['GET', 'POST']) {
      refused(await raw(open, '/api/status', { host: own(open), origin }, method), 403, /^Origin ".*" is not this dashboard's own origin/, `${method} ${origin}`);
    }
  }
  refused(await raw(guarded, '/api/status', { host: own(guarded), origin: 'http://attacker.example', authorization: `Bearer ${TOKEN}` }), 403, /^Origin/, 'even with the token');
  assert.equal((await raw(open, '/api/status', { host: own(open), origin: `http://${own(open)}` })).status, 200);
  assert.equal((await raw(open, '/api/status', { host: `localhost:${open.port}`, origin: `http://localhost:${open.port}` })).status, 200);
  assert.equal((await fetch(new URL('/api/status', open.url), { headers: { origin: `http://${own(open)}` } })).status, 200, 'fetch with the own origin');
});

test('the page\'s script: the modules the page names, at fixed paths, as JavaScript, behind the same checks; no other file', async () => {
  const html = await (await fetch(open.url)).text();
  const paths = [...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(paths.includes('/page/main.js') && paths.length >= 10, paths.join(' '));
  for (const path of paths) {
    const response = await raw(open, path, { host: own(open), 'accept-encoding': 'gzip' });
    assert.equal(response.status, 200, path);
    assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8', path);
    assert.equal(response.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(response.headers['content-encoding'], 'gzip', path);
    const again = await raw(open, path, { host: own(open), 'if-none-match': String(response.headers.etag) });
    assert.equal(again.status, 304, `${path} unchanged`);
  }
  const plain = await raw(open, '/page/main.js', { host: own(open) });
  assert.match(plain.body, /^import /m, 'an ES module, uncompressed when not asked for gzip');
  // Only those paths: nothing else of the package, whatever the path spells.
  for (const path of ['/page/', '/page/api-types.js', '/page/main.ts', '/page/../package.json', '/page/%2e%2e/index.js', '/page/..%2fhtml.js', '/dist/dashboard/page/browser/main.js', '/page/main.js/']) {
    assert.equal((await raw(open, path, { host: own(open) })).status, 404, path);
  }
  refused(await raw(open, '/page/main.js?v=1', { host: own(open) }), 400, /take no parameters/, 'a query');
  refused(await raw(open, '/page/main.js', { host: own(open) }, 'POST', 'x'), 405, /read-only/, 'a POST');
  refused(await raw(guarded, '/page/main.js', { host: own(guarded) }), 401, /needs its token/, 'without the token');
  assert.equal((await raw(guarded, '/page/main.js', { host: own(guarded), authorization: `Bearer ${TOKEN}` })).status, 200, 'with it');
});

test('a POST, PUT or DELETE without the token is 401; with it, 405; without any token configured, 405', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const anonymous = await raw(guarded, '/api/sales', { host: own(guarded), 'content-type': 'text/plain' }, method, 'x');
    refused(anonymous, 401, /needs its token/, `${method} without the token`);
    assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
    assert.equal(anonymous.headers.allow, undefined, 'without the token not even the methods are told');
    const wrong = await raw(guarded, '/api/sales', { host: own(guarded), authorization: 'Bearer wrong' }, method, 'x');
    assert.equal(wrong.status, 401, `${method} with a wrong token`);
    const authorised = await raw(guarded, '/api/sales', { host: own(guarded), authorization: `Bearer ${TOKEN}` }, method, 'x');
    refused(authorised, 405, /read-only/, `${method} with the token`);
    assert.equal(authorised.headers.allow, 'GET, HEAD');
    refused(await raw(open, '/api/sales', { host: own(open) }, method, 'x'), 405, /read-only/, `${method} on a dashboard without a token`);
  }
  const post = await fetch(new URL('/api/sales', guarded.url), { method: 'POST', body: 'x' });
  assert.equal(post.status, 401, 'fetch POST without the token');
  assert.equal((await fetch(new URL('/api/sales', guarded.url), { method: 'POST', body: 'x', headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
  assert.equal((await fetch(new URL('/api/sales', guarded.url))).status, 401, 'GET without the token');
});

test('the cookie from /?token= is HttpOnly, SameSite=Strict, Path=/, has a Max-Age, is Secure only over https, and works', async () => {
  const plain = await raw(guarded, `/?token=${encodeURIComponent(TOKEN)}`, { host: own(guarded) });
  assert.equal(plain.status, 303);
  assert.equal(plain.headers.location, '/');
  const [setCookie] = plain.headers['set-cookie'] as string[];
  assert.ok(setCookie);
  const [pair, ...attributes] = setCookie.split('; ');
  assert.match(pair!, /^kch_dashboard=\d+\.[0-9a-f]{64}$/);
  assert.ok(!setCookie.includes(TOKEN) && !setCookie.includes(encodeURIComponent(TOKEN)), 'the token itself is not in the cookie');
  assert.ok(attributes.includes('HttpOnly') && attributes.includes('SameSite=Strict') && attributes.includes('Path=/'), setCookie);
  const maxAge = Number(attributes.find((a) => a.startsWith('Max-Age='))?.slice('Max-Age='.length));
  assert.ok(maxAge > 0 && maxAge <= 400 * 24 * 3600, `Max-Age ${maxAge}`);
  assert.ok(!attributes.includes('Secure'), 'plain http: a Secure cookie would never come back');
  const expires = Number(pair!.split('=')[1]!.split('.')[0]);
  assert.ok(Math.abs(expires - (Date.now() / 1000 + maxAge)) < 60, 'the expiry the server checks matches Max-Age');

  const withCookie = await raw(guarded, '/api/status', { host: own(guarded), cookie: pair! });
  assert.equal(withCookie.status, 200, withCookie.body);
  assert.equal((await raw(guarded, '/api/status', { host: own(guarded), cookie: pair!.replace(/\d+\./, `${expires + 1}.`) })).status, 401, 'a lengthened cookie is refused');

  const proxied = await raw(guarded, `/?token=${encodeURIComponent(TOKEN)}`, { host: own(guarded), 'x-forwarded-proto': 'https' });
  assert.equal(proxied.status, 303);
  assert.ok((proxied.headers['set-cookie'] as string[])[0]!.split('; ').includes('Secure'), 'behind a TLS proxy on this machine');
});

test('a connection dripping a header line every second is answered 408 and closed within the bound; others are served meanwhile', async () => {
  const BOUND_MS = 8_000; // headersTimeout 5 s + one connectionsCheckingInterval (1 s) + slack
  const socket = connect(guarded.port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => { received += chunk; });
  socket.on('error', () => undefined);
  const started = performance.now();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET /api/status HTTP/1.1\r\nHost: ${own(guarded)}\r\n`);
  let lines = 0;
  const drip = setInterval(() => { if (!socket.destroyed) socket.write(`X-Slow-${lines++}: a\r\n`); }, 1_000);
  try {
    // Meanwhile a normal client is answered at once.
    const meanwhile = await fetch(new URL('/healthz', guarded.url));
    assert.equal(meanwhile.status, 200);
    let deadline: NodeJS.Timeout | undefined;
    const elapsed = await Promise.race([
      closed,
      new Promise<never>((_, reject) => { deadline = setTimeout(() => reject(new Error(`still open after ${BOUND_MS} ms, ${lines} header lines sent`)), BOUND_MS); }),
    ]).finally(() => clearTimeout(deadline));
    assert.match(received, /^HTTP\/1\.1 408 /, received);
    assert.ok(elapsed >= 4_000, `closed after ${Math.round(elapsed)} ms: by the header timeout, not for another reason`);
    assert.ok(lines >= 3, `${lines} header lines dripped before the close`);
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});

test('a connection that sends nothing at all is closed within the same bound', async () => {
  const socket = connect(open.port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => { received += chunk; });
  socket.on('error', () => undefined);
  const started = performance.now();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
  let deadline: NodeJS.Timeout | undefined;
  try {
    const elapsed = await Promise.race([
      closed,
      new Promise<never>((_, reject) => { deadline = setTimeout(() => reject(new Error(`an idle connection still open after 8 s (received ${JSON.stringify(received)})`)), 8_000); }),
    ]).finally(() => clearTimeout(deadline));
    assert.ok(elapsed >= 4_000, `closed after ${Math.round(elapsed)} ms`);
    assert.match(received, /^HTTP\/1\.1 408 /, received);
  } finally {
    socket.destroy();
  }
});
