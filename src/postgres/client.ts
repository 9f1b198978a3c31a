/**
 * The one way kch asks a source PostgreSQL something (`kch cdc`, `kch verify --against`): a
 * connection with the `pg` driver, every failure one KchError line that names the server (never
 * the password) and what was being done.
 */
import { ErrorCodes, KchError, messageOf } from '../errors/kch-error.js';
import type { SourceDatabase } from './url.js';

export interface SourceClient {
  readonly database: SourceDatabase;
  /** Rows of a statement as objects; `$1`… take `params`. */
  rows<T>(sql: string, params: readonly unknown[], action: string): Promise<T[]>;
  close(): Promise<void>;
}

export interface ConnectSourceOptions {
  /** Connecting's limit. @default 10_000 */
  readonly timeoutMs?: number;
}

/** PostgreSQL's SQLSTATEs a user can act on, and what to do. */
const advice: Readonly<Record<string, string>> = {
  '28P01': 'password authentication failed: set PGPASSWORD (or put the password in the URL)',
  '28000': 'the server refused the user (pg_hba.conf)',
  '3D000': 'no such database',
  '42501': 'permission denied',
  '57P03': 'the server is starting up or shutting down',
};

/** Why a request failed, in one line naming the server. */
export function sourceError(database: SourceDatabase, action: string, error: unknown): KchError {
  const code = (error as { code?: unknown }).code;
  const where = `PostgreSQL at ${database.shown}`;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new KchError(ErrorCodes.SOURCE_DATABASE, `cannot reach ${where} (${code}) while ${action}: is it running, and is that its address?`, { cause: error, retriable: true });
  }
  const known = typeof code === 'string' ? advice[code] : undefined;
  const text = messageOf(error).split('\n')[0] ?? '';
  if (/timeout/i.test(text) && code === undefined) return new KchError(ErrorCodes.SOURCE_DATABASE, `${where} did not answer in time while ${action}: is it reachable?`, { cause: error, retriable: true });
  return new KchError(ErrorCodes.SOURCE_DATABASE, `${where} refused ${action}: ${text}${known ? ` (${known})` : ''}`, { cause: error, details: { code } });
}

export async function connectSource(database: SourceDatabase, options: ConnectSourceOptions = {}): Promise<SourceClient> {
  // Loaded here, not with the module: every kch command imports the commands, and the driver
  // costs ~0.2 s of start-up that only the PostgreSQL ones need.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: database.host,
    port: database.port,
    user: database.user,
    database: database.database,
    ...(database.password === undefined ? {} : { password: database.password }),
    ...(database.sslmode === 'require' ? { ssl: { rejectUnauthorized: false } } : {}),
    connectionTimeoutMillis: options.timeoutMs ?? 10_000,
    application_name: 'kch',
  });
  // A connection that breaks later fails the request in flight; the event must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw sourceError(database, 'connecting', error);
  }
  return {
    database,
    async rows<T>(sql: string, params: readonly unknown[], action: string): Promise<T[]> {
      try {
        return (await client.query(sql, [...params])).rows as T[];
      } catch (error) {
        throw sourceError(database, action, error);
      }
    },
    async close(): Promise<void> {
      await client.end().catch(() => undefined);
    },
  };
}

/** `"name"`: an identifier quoted for PostgreSQL. */
export function quotePg(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
