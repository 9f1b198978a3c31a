/**
 * Loopback, as the local services see it: which listen addresses only this machine can reach, and
 * which `Host` headers a browser sends to such a listener. Shared by the two services a web page
 * could reach, the embedded ClickHouse (src/clickhouse/embedded/browser-guard.ts) and the
 * dashboard (src/dashboard/auth.ts), each of which adds its own rules on top.
 */
import { isIP } from 'node:net';

/** Addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** The address listened on as it appears in a Host header. */
export function hostHeaderName(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host.toLowerCase();
}

/** The exact `Host` values a browser sends to a loopback listener: a loopback name with its port; no port only on 80, which browsers leave out. */
export function loopbackHosts(listener: { readonly host: string; readonly port: number }): Set<string> {
  const hosts = new Set<string>();
  for (const name of new Set([hostHeaderName(listener.host), ...LOOPBACK_NAMES])) {
    hosts.add(`${name}:${listener.port}`);
    if (listener.port === 80) hosts.add(name);
  }
  return hosts;
}
