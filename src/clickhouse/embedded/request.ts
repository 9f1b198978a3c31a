/**
 * What an HTTP request asks of ClickHouse, read from its URL and headers the way clickhouse-server
 * reads them: the query parameter, `database`, `default_format`, `query_id`, credentials (basic auth,
 * `user`/`password` parameters or `X-ClickHouse-User`/`-Key` headers, never mixed), `param_*` query
 * parameters, settings (every other URL parameter) and the HTTP layer's own switches.
 * Pure: no I/O, so it is unit-tested on its own.
 */
import { ClickHouseException } from './exception.js';

export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface QueryRequest {
  /** The `query` URL parameter ('' when absent); the body, if any, follows it after a newline. */
  readonly query: string;
  readonly database: string | undefined;
  readonly defaultFormat: string | undefined;
  readonly queryId: string | undefined;
  readonly credentials: Credentials;
  /** Engine settings for this query only, in URL order (a repeated name: the last one wins). */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  /** `param_<name>` values, as sent (ClickHouse's escaped text form; the first one of a name wins). */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** GET and HEAD run with readonly=2, as in ClickHouse: reads and settings only. */
  readonly readonly: boolean;
  /** `enable_http_compression=1`: compress the response if the client accepts an encoding. */
  readonly compressResponse: boolean;
  readonly compressionLevel: number | undefined;
  /** `wait_end_of_query=1`: buffer the whole result, so a late error still gets its HTTP status. */
  readonly waitEndOfQuery: boolean;
  /** Result bytes held back before streaming starts (`buffer_size`, `http_response_buffer_size`). */
  readonly bufferSize: number | undefined;
  /** `session_id`: accepted and ignored (every request is independent here; see server.ts). */
  readonly sessionId: string | undefined;
  /** The `Content-Encoding` of the body, lower-cased ('' for none). */
  readonly contentEncoding: string;
  /** Set when the body is multipart/form-data (query and params sent as form fields). */
  readonly multipartBoundary: string | undefined;
}

/** URL parameters that are neither settings nor query parameters. */
const reserved = new Set([
  'query', 'database', 'default_format', 'query_id', 'user', 'password', 'quota_key', 'stacktrace',
  'buffer_size', 'wait_end_of_query', 'session_id', 'session_timeout', 'session_check', 'close_session',
  'client_protocol_version', 'compress', 'decompress', 'role',
]);

/**
 * Settings that only steer the HTTP layer. They are read here and not passed to the engine, whose
 * output does not depend on them (and some of which chdb does not know).
 */
const httpOnlySettings = new Set([
  'enable_http_compression', 'http_zlib_compression_level', 'http_response_buffer_size', 'http_wait_end_of_query',
  'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close', 'http_write_exception_in_output_format',
  'http_native_compression_disable_checksumming_on_decompress',
]);

export function header(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value[0];
}

/** ClickHouse reads booleans in URLs as 1/0 or true/false. */
function flag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false' || v === '') return false;
  throw new ClickHouseException('BAD_ARGUMENTS', `Cannot parse boolean value '${value}' of parameter '${name}'`);
}

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\s*-?\d+\s*$/.test(value)) {
    throw new ClickHouseException('BAD_ARGUMENTS', `Cannot parse integer value '${value}' of parameter '${name}'`);
  }
  return Number(value);
}

export function parseQueryRequest(method: string, url: URL, headers: HttpHeaders): QueryRequest {
  const search = url.searchParams;
  const first = (name: string): string | undefined => search.get(name) ?? undefined;

  const settings = new Map<string, string>();
  const params = new Map<string, string>();
  const httpSettings = new Map<string, string>();
  for (const [key, value] of search) {
    if (key === '' || reserved.has(key)) continue;
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!params.has(name)) params.set(name, value);
    } else if (httpOnlySettings.has(key)) {
      httpSettings.set(key, value);
    } else {
      // Re-inserting moves the name to the end: the order of the last occurrences is kept.
      settings.delete(key);
      settings.set(key, value);
    }
  }

  if (flag(first('compress'), 'compress') || flag(first('decompress'), 'decompress')) {
    throw new ClickHouseException('NOT_IMPLEMENTED',
      'ClickHouse\'s native compression (compress=1, decompress=1) is not supported by the embedded server; use HTTP compression (Content-Encoding, enable_http_compression=1) instead');
  }

  const contentType = header(headers, 'content-type') ?? '';
  const boundary = /^multipart\/form-data\s*;.*?\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const methodUpper = method.toUpperCase();

  return {
    query: first('query') ?? '',
    database: nonEmpty(header(headers, 'x-clickhouse-database')) ?? nonEmpty(first('database')),
    defaultFormat: nonEmpty(header(headers, 'x-clickhouse-format')) ?? nonEmpty(first('default_format')),
    queryId: nonEmpty(first('query_id')) ?? nonEmpty(header(headers, 'x-clickhouse-query-id')),
    credentials: parseCredentials(headers, search),
    settings: [...settings],
    params: [...params],
    readonly: methodUpper === 'GET' || methodUpper === 'HEAD',
    compressResponse: flag(httpSettings.get('enable_http_compression'), 'enable_http_compression') ?? false,
    compressionLevel: whole(httpSettings.get('http_zlib_compression_level'), 'http_zlib_compression_level'),
    waitEndOfQuery: flag(first('wait_end_of_query'), 'wait_end_of_query')
      ?? flag(httpSettings.get('http_wait_end_of_query'), 'http_wait_end_of_query') ?? false,
    bufferSize: whole(first('buffer_size'), 'buffer_size')
      ?? whole(httpSettings.get('http_response_buffer_size'), 'http_response_buffer_size'),
    sessionId: nonEmpty(first('session_id')),
    contentEncoding: (header(headers, 'content-encoding') ?? '').trim().toLowerCase(),
    multipartBoundary: boundary ? (boundary[1] ?? boundary[2]) : undefined,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function mixed(what: string): ClickHouseException {
  return new ClickHouseException('AUTHENTICATION_FAILED', `Invalid authentication: it is not allowed to use ${what} simultaneously`);
}

/** ClickHouse's rules: one scheme per request; no user at all means `default` with no password. */
export function parseCredentials(headers: HttpHeaders, search: URLSearchParams): Credentials {
  const headerUser = header(headers, 'x-clickhouse-user') ?? '';
  const headerKey = header(headers, 'x-clickhouse-key') ?? '';
  const authorization = header(headers, 'authorization');
  const inParams = search.has('user') || search.has('password');

  if (headerUser !== '' || headerKey !== '') {
    if (authorization !== undefined) throw mixed('X-ClickHouse HTTP headers and Authorization HTTP header');
    if (inParams) throw mixed('X-ClickHouse HTTP headers and authentication via parameters');
    return { user: headerUser === '' ? 'default' : headerUser, password: headerKey };
  }
  if (authorization !== undefined) {
    if (inParams) throw mixed('Authorization HTTP header and authentication via parameters');
    const match = /^\s*(\S+)\s*(.*)$/.exec(authorization);
    const scheme = match?.[1] ?? '';
    if (scheme.toLowerCase() !== 'basic') {
      throw new ClickHouseException('AUTHENTICATION_FAILED', `Invalid authentication: '${scheme}' HTTP Authorization scheme is not supported`);
    }
    const decoded = Buffer.from(match?.[2] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    return { user: user === '' ? 'default' : user, password: colon < 0 ? '' : decoded.slice(colon + 1) };
  }
  return { user: search.get('user') || 'default', password: search.get('password') ?? '' };
}
