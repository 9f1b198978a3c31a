/**
 * Refuses what a web browser sends to the embedded server on another page's behalf. A server on
 * loopback is reachable by every page the user opens: a cross-origin `fetch(…, {mode: 'no-cors'})`
 * or an `<img src>` still reaches it (the page cannot read the answer, but the query runs), and a
 * DNS-rebound name makes the page same-origin so it can read answers too. Clients that are not
 * browsers (curl, `@clickhouse/client`, our services) send none of the headers checked here, or
 * the server's own Host, so they are unaffected. Pure: no I/O.
 *
 * - `Origin`, when present, must be this server's own origin (browsers send it on every
 *   cross-origin POST and on CORS requests).
 * - `Sec-Fetch-Site`, when present, must be `same-origin` or `none` (a typed address): browsers
 *   send it on every request, also on those without an Origin (`<img>`, `<script>`, navigations).
 * - `Host` must name the address the server listens on, by IP or `localhost` (DNS rebinding sends
 *   the attacker's name), with any port (a TLS proxy on this machine forwards its own). Listening beyond loopback, the names it is reached by cannot be known, so
 *   Host is not checked there: set a password (CLICKHOUSE_PASSWORD).
 */
import { isLoopback, loopbackHosts } from '../../host/loopback.js';

export interface Listener {
  /** The address listened on, as given (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`…). */
  readonly host: string;
  readonly port: number;
}

/** undefined when the request may go on, else why it is refused (one sentence). */
export function browserRefusal(headers: Readonly<Record<string, string | string[] | undefined>>, listener: Listener): string | undefined {
  const one = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const loopback = isLoopback(listener.host);
  const hosts = loopbackHosts(listener);
  const host = one('host')?.toLowerCase();
  // The name is what DNS rebinding changes; the port may be a local TLS proxy's in front of us.
  const names = new Set([...hosts].map((h) => h.replace(/:\d+$/, '')));
  if (loopback && host !== undefined && !names.has(host.replace(/:\d*$/, ''))) {
    return `Host "${host}" is not this server's address (a web page reaching it through another name is refused)`;
  }
  const origin = one('origin');
  if (origin !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    const ownOrigin = url !== undefined && url.protocol === 'http:' && (loopback ? hosts.has(url.host) : url.host === host);
    if (!ownOrigin) return `requests from web pages of another origin (${origin}) are refused`;
  }
  const site = one('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `requests a browser sends on behalf of another site (Sec-Fetch-Site: ${site}) are refused`;
  }
  return undefined;
}
