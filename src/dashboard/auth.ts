/**
 * Who may ask the dashboard, in one place, checked in this order before any route runs:
 *
 * 1. `foreignRequest`: the `Host` and `Origin` a web browser sends on another site's behalf
 *    (DNS rebinding, cross-origin requests): 403.
 * 2. `TokenGate`: the optional DASHBOARD_TOKEN: 401.
 *
 * Only then does the server look at the method (405 for anything but GET and HEAD), so that
 * without the token nothing about the API is told, not even which methods it takes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostHeaderName, isLoopback, loopbackHosts } from '../host/loopback.js';
import type { Reply } from './routes.js';

const COOKIE = 'kch_dashboard';
/**
 * 30 days. The cookie grants exactly what the token grants (a read-only view) and the server
 * checks the expiry it carries, so this bounds how long a browser that once opened `/?token=`
 * — or someone who copied its cookie — keeps access, while a wall display or a bookmark keeps
 * working for a month without the token being typed again. Changing DASHBOARD_TOKEN ends
 * every cookie at once.
 */
export const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether the browser reached us over TLS: our own socket is TLS, or a reverse proxy on this
 * machine (the only peer whose X-Forwarded-Proto we believe) says its client used https. With
 * several proxies appending to the header, the last value is the one the proxy next to us set.
 */
export function cameOverTls(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  const forwarded = header(req, 'x-forwarded-proto');
  if (forwarded === undefined || !isLoopbackPeer(req.socket.remoteAddress)) return false;
  return forwarded.split(',').at(-1)?.trim().toLowerCase() === 'https';
}

/** A connection from this machine: 127.0.0.0/8, ::1, or 127.x as an IPv4-mapped IPv6 address. */
function isLoopbackPeer(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address));
}

/**
 * The optional token in front of the page, the API and /metrics. A client sends it as
 * `Authorization: Bearer <token>`; a browser may open `/?token=<token>` once and gets a cookie
 * `<expiry>.<HMAC of the expiry keyed by the token>` (HttpOnly, SameSite=Strict, Max-Age, and
 * Secure when it came over TLS), so the token never stays in the address bar, the history or
 * the cookie jar, and a copied cookie stops working when it expires.
 */
export class TokenGate {
  private readonly token: Buffer | undefined;
  private readonly expected: Buffer | undefined;

  constructor(token: string | undefined) {
    this.token = token ? Buffer.from(token, 'utf8') : undefined;
    this.expected = token ? digest(token) : undefined;
  }

  get enabled(): boolean {
    return this.expected !== undefined;
  }

  /** undefined: let the request through; otherwise the reply to send instead. */
  check(req: IncomingMessage, url: URL, nowMs = Date.now()): Reply | undefined {
    const expected = this.expected;
    if (!expected || url.pathname === '/healthz') return undefined;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && same(digest(bearer.trim()), expected)) return undefined;
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1);
    if (cookie !== undefined && this.validCookie(cookie, nowMs)) return undefined;
    const given = url.searchParams.get('token');
    if (given !== null && same(digest(given), expected)) {
      url.searchParams.delete('token');
      const expires = Math.floor(nowMs / 1000) + COOKIE_MAX_AGE_SECONDS;
      const attributes = ['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${COOKIE_MAX_AGE_SECONDS}`, ...(cameOverTls(req) ? ['Secure'] : [])];
      return {
        status: 303,
        headers: {
          location: `${url.pathname}${url.search}`,
          'set-cookie': `${COOKIE}=${expires}.${this.sign(expires)}; ${attributes.join('; ')}`,
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

  private sign(expires: number): string {
    return createHmac('sha256', this.token!).update(`${COOKIE}:${expires}`).digest('hex');
  }

  private validCookie(value: string, nowMs: number): boolean {
    const match = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(value);
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires * 1000 <= nowMs) return false;
    return same(Buffer.from(match[2]!, 'hex'), Buffer.from(this.sign(expires), 'hex'));
  }
}

export interface Listener {
  /** The address listened on, as given (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`, a LAN address…). */
  readonly host: string;
  /** The port really listened on. */
  readonly port: number;
  /** A token is required (then any Host is accepted beyond loopback, see below). */
  readonly token: boolean;
  /** This machine's name (os.hostname()), accepted as Host beyond loopback. */
  readonly hostname: string;
}

/** The name part of a Host value: `[::1]:3000` → `[::1]`, `a.b:80` → `a.b`. */
function hostName(host: string): string {
  return /^(\[[^\]]*\]|[^:]*)(:\d*)?$/.exec(host)?.[1] ?? host;
}

function isIpLiteral(name: string): boolean {
  return name.startsWith('[') && name.endsWith(']') ? isIP(name.slice(1, -1)) === 6 : isIP(name) === 4;
}

/**
 * Why a request must be refused because a web page on another site made the browser send it,
 * or undefined. Programs (curl, fetch from Node, Prometheus) send no Origin and the Host they
 * were given, so they pass.
 *
 * - `Host`: a page at `http://attacker.example:3000` whose name the attacker re-points to
 *   127.0.0.1 (DNS rebinding) is same-origin with its own name and could read every answer;
 *   the browser still sends `Host: attacker.example:3000`, so:
 *   - listening on loopback, Host must be exactly 127.0.0.1, localhost, [::1] or the address
 *     listened on, with the port listened on (bare only on port 80, as browsers send it);
 *   - listening beyond loopback (0.0.0.0, a LAN address, a container) the port a browser used
 *     cannot be known (Docker's and NAT's port mappings change it), nor every name the machine
 *     has. With a token, any Host passes: the token is what protects the data, and a rebinding
 *     page has neither the token nor the cookie (the browser keeps cookies per name). Without a
 *     token, Host must name the machine in a way no attacker's DNS can: an IP address,
 *     `localhost`, or this machine's own host name, with any port.
 *   A request without Host (HTTP/1.0) did not come from a browser and passes.
 * - `Origin`, when present, must be this request's own origin: the scheme it came over and the
 *   Host it names. Browsers send it on cross-origin reads and on every POST, never on the
 *   page's own GETs; `Origin: null` (sandboxes, redirects) is refused too.
 */
export function foreignRequest(req: IncomingMessage, listener: Listener): string | undefined {
  const host = header(req, 'host')?.toLowerCase();
  if (host !== undefined) {
    if (isLoopback(listener.host)) {
      if (!loopbackHosts(listener).has(host)) return `Host "${host.slice(0, 200)}" is not an address this dashboard listens on (a web page reaching it through another name is refused); use http://${hostHeaderName(listener.host)}:${listener.port}/`;
    } else if (!listener.token) {
      const name = hostName(host);
      if (!isIpLiteral(name) && name !== 'localhost' && name !== listener.hostname.toLowerCase()) {
        return `Host "${host.slice(0, 200)}" is not this machine's IP address, localhost or ${listener.hostname}: without DASHBOARD_TOKEN the dashboard answers only to those (another name could be a web page reaching it by DNS rebinding)`;
      }
    }
  }
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    const own = `${cameOverTls(req) ? 'https' : 'http'}://${host ?? `${hostHeaderName(listener.host)}:${listener.port}`}`;
    const given = normalOrigin(origin);
    if (given === undefined || given !== normalOrigin(own)) return `Origin "${origin.slice(0, 200)}" is not this dashboard's own origin (${own}): requests made by other web pages are refused`;
  }
  return undefined;
}

/** scheme://host[:port] as a browser serializes it (lower case, default port left out); undefined when not one. */
function normalOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
