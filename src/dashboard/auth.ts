import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Reply } from './routes.js';

const COOKIE = 'kch_dashboard';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The optional token in front of the page, the API and /metrics. A client sends it as
 * `Authorization: Bearer <token>`; a browser may open `/?token=<token>` once and gets a cookie
 * holding the token's digest, so the token never stays in the address bar or history.
 */
export class TokenGate {
  private readonly expected: Buffer | undefined;

  constructor(token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  get enabled(): boolean {
    return this.expected !== undefined;
  }

  /** undefined: let the request through; otherwise the reply to send instead. */
  check(req: IncomingMessage, url: URL): Reply | undefined {
    const expected = this.expected;
    if (!expected || url.pathname === '/healthz') return undefined;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && same(digest(bearer.trim()), expected)) return undefined;
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1);
    if (cookie && /^[0-9a-f]{64}$/.test(cookie) && same(Buffer.from(cookie, 'hex'), expected)) return undefined;
    const given = url.searchParams.get('token');
    if (given !== null && same(digest(given), expected)) {
      url.searchParams.delete('token');
      return {
        status: 303,
        headers: {
          location: `${url.pathname}${url.search}`,
          'set-cookie': `${COOKIE}=${expected.toString('hex')}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
        },
        body: '',
      };
    }
    return {
      status: 401,
      headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="kch dashboard"', 'cache-control': 'no-store' },
      body: `${JSON.stringify({ error: 'this dashboard needs its token: send Authorization: Bearer <token>, or open /?token=<token> once in a browser', code: 'KCH_USAGE' })}\n`,
    };
  }
}

/** Addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
