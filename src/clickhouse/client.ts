/**
 * The one way this project builds its ClickHouse client, embedded server or external:
 * `@clickhouse/client` over HTTP with settings chosen once here. Commands get it through
 * connect.ts (waited for, features detected); statements go through query.ts.
 */
import { readFileSync } from 'node:fs';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ErrorCodes, KchError } from '../errors/kch-error.js';
import { rows } from './query.js';

export interface ClickHouseConnectionOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Per request; a DDL on a busy server or a large insert can take a while (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** PEM of the CA behind an https:// server's certificate (--clickhouse-ca-file, CLICKHOUSE_CA_FILE: config/options.ts). @default the system's CAs */
  readonly caFile?: string;
}

export function createClickHouse(options: ClickHouseConnectionOptions): ClickHouseClient {
  // `ch.example:8123` parses as a URL whose scheme is `ch.example:`; the client would then throw
  // a bare Error with a stack. Say what is wrong instead.
  let protocol: string | undefined;
  try {
    protocol = new URL(options.url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new KchError(ErrorCodes.USAGE, `--clickhouse-url must be an http:// or https:// URL such as http://127.0.0.1:8123, got ${JSON.stringify(options.url)}`);
  }
  return createClient({
    url: options.url,
    username: options.user,
    password: options.password,
    database: options.database,
    application: 'kch',
    request_timeout: options.requestTimeoutMs ?? 60_000,
    // A handful of sockets is plenty for a CLI, and keeps a small server from being flooded.
    max_open_connections: 10,
    // Sockets idle longer than this are not reused: below the server's keep-alive (10 s embedded,
    // 3–10 s for real servers depending on version), so a reused socket is never one being closed.
    keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
    // Loopback by default: compression would cost CPU for nothing.
    compression: { request: false, response: false },
    ...tlsOf(options),
    // The client would print each failed request with its stack to the console; failures reach
    // the caller as errors instead (see toKchError), and the CLI prints one line for them.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/** A private CA for https:// (CLICKHOUSE_CA_FILE): the client trusts it besides the system's. */
function tlsOf(options: ClickHouseConnectionOptions): { tls?: { ca_cert: Buffer } } {
  const { caFile } = options;
  if (!caFile || !options.url.startsWith('https:')) return {};
  try {
    return { tls: { ca_cert: readFileSync(caFile) } };
  } catch (error) {
    throw new KchError(ErrorCodes.CONFIG, `CLICKHOUSE_CA_FILE names ${caFile}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

export interface ServerInfo {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

/** The server's version, e.g. `26.7.2.1` → major 26, minor 7. Errors become KchErrors. */
export async function serverInfo(client: ClickHouseClient, url = ''): Promise<ServerInfo> {
  const [row] = await rows<{ version: string }>(client, 'SELECT version() AS version', { url, action: 'reading the server version' });
  const version = row?.version ?? '';
  const [major = Number.NaN, minor = Number.NaN] = version.split('.').map(Number);
  return { version, major, minor };
}
