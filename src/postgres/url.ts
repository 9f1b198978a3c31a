/**
 * Where a source PostgreSQL database is: `postgresql://user[:password]@host[:port]/database`. The
 * password never appears in a message: `shown` is the URL without it. Given apart (PGPASSWORD),
 * it stays out of the process list too.
 */
import { ErrorCodes, KchError } from '../errors/kch-error.js';

export interface SourceDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Undefined when neither the URL nor PGPASSWORD gives one (a server that trusts the user). */
  readonly password: string | undefined;
  /** `require`: TLS without checking the certificate, as libpq's sslmode=require; `disable`: none. */
  readonly sslmode: 'disable' | 'require';
  /** The URL for messages: the password left out. */
  readonly shown: string;
}

const schemes = new Set(['postgresql:', 'postgres:']);
const sslmodes = new Set(['disable', 'require']);

/** Any `user:password@` in a text replaced, for a message about a URL that did not parse. */
export function hidePassword(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*):[^@\s]*@/, '$1:***@');
}

/** The URL checked and split; `password` (from PGPASSWORD) is used when the URL has none. */
export function parseSourceUrl(text: string, password?: string): SourceDatabase {
  const bad = (why: string): KchError => new KchError(ErrorCodes.USAGE, `${JSON.stringify(hidePassword(text))} is not a PostgreSQL URL (${why}): give postgresql://user@host:port/database, the password in PGPASSWORD`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw bad('it does not parse');
  }
  if (!schemes.has(url.protocol)) throw bad(`its scheme is ${url.protocol.replace(/:$/, '')}, not postgresql`);
  if (url.hostname === '') throw bad('no host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw bad('no database: add /<database> after the host');
  const user = decodeURIComponent(url.username);
  if (user === '') throw bad('no user: add <user>@ before the host');
  const port = url.port === '' ? 5432 : Number(url.port);
  let sslmode: SourceDatabase['sslmode'] = 'disable';
  for (const [key, value] of url.searchParams) {
    if (key !== 'sslmode') throw bad(`unknown parameter ${key} (only sslmode is taken)`);
    if (!sslmodes.has(value)) throw bad(`sslmode must be disable or require, got ${value}`);
    sslmode = value as SourceDatabase['sslmode'];
  }
  const inUrl = url.password === '' ? undefined : decodeURIComponent(url.password);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const shown = `postgresql://${encodeURIComponent(user)}@${url.host}/${encodeURIComponent(database)}${sslmode === 'require' ? '?sslmode=require' : ''}`;
  return { host, port, database, user, password: inUrl ?? (password === '' ? undefined : password), sslmode, shown };
}

/** `schema.table` (or `table`, in `public`) split; names as PostgreSQL stores them (unquoted, case kept). */
export function parseTableName(text: string): { readonly schema: string; readonly table: string } {
  const parts = text.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new KchError(ErrorCodes.USAGE, `--table must be schema.table, got ${JSON.stringify(text)}`);
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { schema: 'public', table: parts[0]! };
}
