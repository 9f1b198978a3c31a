/**
 * Errors from talking to ClickHouse, turned into one-line KchErrors a user can act on: the server
 * is not there, it refused our credentials, or it refused a query (with its own code and first line).
 */
import { ClickHouseError } from '@clickhouse/client';
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';

export interface ClickHouseErrorContext {
  /** The server's URL, for "cannot reach" messages. */
  readonly url?: string;
  /** What we were doing, e.g. `creating table events`; prefixes query errors. */
  readonly action?: string;
  /** The user we connected as, for authentication messages. */
  readonly user?: string;
}

/** Error codes Node gives when nothing answers at the address (or it stopped answering). */
const unreachable = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);

/** ClickHouse's codes for unknown user, wrong password, required password and failed authentication. */
const authCodes = new Set(['192', '193', '194', '516']);

/** `context` may be just the server's URL. */
export function toKchError(error: unknown, contextOrUrl: ClickHouseErrorContext | string = {}): KchError {
  if (isKchError(error)) return error;
  const context: ClickHouseErrorContext = typeof contextOrUrl === 'string' ? { url: contextOrUrl } : contextOrUrl;
  const where = context.url ? ` at ${context.url}` : '';
  const doing = context.action ? `${context.action}: ` : '';

  if (error instanceof ClickHouseError) {
    const line = firstLine(error.message);
    const details = { code: error.code, type: error.type, ...(context.url ? { url: context.url } : {}) };
    if (authCodes.has(error.code)) {
      // The server's text starts with the user it refused ("nobody: Authentication failed…").
      const user = context.user ?? /^([^\s:]+): /.exec(line)?.[1];
      return new KchError(ErrorCodes.CLICKHOUSE_AUTH,
        `ClickHouse${where} refused ${user === undefined ? 'the user' : `user "${user}"`}: ${line} Check --clickhouse-user and CLICKHOUSE_PASSWORD.`,
        { cause: error, details });
    }
    return new KchError(ErrorCodes.CLICKHOUSE_QUERY, `${doing}ClickHouse error ${error.code} (${error.type}): ${line}`, { cause: error, details });
  }

  const tls = tlsCode(error);
  if (tls) {
    return new KchError(ErrorCodes.CLICKHOUSE_UNREACHABLE,
      `ClickHouse${where} presented a certificate this machine does not trust (${tls}); set CLICKHOUSE_CA_FILE to the PEM of its certificate authority`,
      { cause: error, details: { code: tls, ...(context.url ? { url: context.url } : {}) } });
  }
  const code = networkCode(error);
  if (code !== undefined || isTimeout(error)) {
    return new KchError(ErrorCodes.CLICKHOUSE_UNREACHABLE,
      `cannot reach ClickHouse${where} (${code ?? 'timed out'}); start it with \`kch clickhouse\` or point --clickhouse-url at a running server`,
      { cause: error, retriable: true, details: { ...(code ? { code } : {}), ...(context.url ? { url: context.url } : {}) } });
  }
  return new KchError(ErrorCodes.CLICKHOUSE_QUERY, `${doing}${firstLine(messageOf(error))}`, { cause: error });
}

/** Node puts the code on the error, on its cause, or (dual-stack connects) on each of `errors`. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && unreachable.has(code)) return code;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = networkCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkCode((error as { cause?: unknown }).cause, depth + 1);
}

/** Node's codes for a certificate that does not verify (self-signed, unknown CA, expired, wrong name). */
function tlsCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) return code;
  return tlsCode((error as { cause?: unknown }).cause, depth + 1);
}

/** `@clickhouse/client` reports its own request timeout as a plain Error. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && /^Timeout error\.?$/i.test(error.message.trim());
}

function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? text).trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
