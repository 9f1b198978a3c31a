/**
 * What went wrong talking to Kafka, read from @platformatic/kafka's errors (nested aggregates and
 * cause chains): unreachable or refused, retriable or not, and the one-line KchError a user sees.
 */
import { ErrorCodes, KchError, isKchError, messageOf } from '../errors/kch-error.js';
import { describeBrokers, type BrokerAddress } from './brokers.js';

/** What to do when Kafka does not answer; appended to every such message. */
export const kafkaUnreachableHint = '; start a local one with `kch kafka`, or point --kafka-brokers (KAFKA_BROKERS) at yours';

/**
 * A Kafka client's error as one line a user can act on: unreachable (retriable, with what to do),
 * credentials refused, or a refused request (Kafka's own error name). ClickHouse's errors have
 * their own converter in src/clickhouse/errors.ts.
 */
export function fromKafkaError(error: unknown, addresses: readonly BrokerAddress[], action: string): KchError {
  if (isKchError(error)) return error;
  const where = describeBrokers(addresses);
  const refused = authenticationFailure(error);
  if (refused) {
    // Retrying cannot help, and "cannot reach" would send the user looking in the wrong place.
    return new KchError(ErrorCodes.KAFKA_REQUEST, `Kafka at ${where} refused our credentials (${refused}); check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM`,
      { retriable: false, cause: error, details: { authentication: true } });
  }
  if (isUnreachable(error)) {
    return new KchError(ErrorCodes.KAFKA_UNREACHABLE, `cannot reach Kafka at ${where} (${reasonOf(error) ?? messageOf(error)})${kafkaUnreachableHint}`, { retriable: true, cause: error });
  }
  return new KchError(ErrorCodes.KAFKA_REQUEST, `Kafka at ${where} refused to ${action}: ${kafkaErrorText(error)}`, { retriable: isRetriable(error), cause: error });
}

/** The client's message when the broker rejected our SASL credentials, else undefined. */
function authenticationFailure(error: unknown): string | undefined {
  for (const leaf of leaves(error)) {
    const link = chain(leaf).find((candidate) => codeOf(candidate) === 'PLT_KFK_AUTHENTICATION');
    if (link) return messageOf(link);
  }
  return undefined;
}

/** Kafka's own error name and message when there is one (`NOT_ENOUGH_REPLICAS: …`), else the client's. */
export function kafkaErrorText(error: unknown): string {
  const api = apiErrorOf(error);
  if (api) return `${api.id}${api.server ? `: ${api.server}` : ''}`;
  return [...new Set(leaves(error).map(messageOf))].join('; ');
}

const networkCodes = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/** True when every failure in the chain is about the connection, not a refused request. */
export function isUnreachable(error: unknown): boolean {
  const all = leaves(error);
  return all.length > 0 && all.every((leaf) => chain(leaf).some((link) => networkCodes.has(codeOf(link))));
}

/** Whether the client itself considers the failure worth retrying. */
export function isRetriable(error: unknown): boolean {
  return !leaves(error).some((leaf) => chain(leaf).some((link) => (link as { canRetry?: unknown }).canRetry === false));
}

export function hasApiError(error: unknown, id: string): boolean {
  return leaves(error).some((leaf) => chain(leaf).some((link) => (link as { apiId?: unknown }).apiId === id));
}

function apiErrorOf(error: unknown): { id: string; server: string | null } | undefined {
  for (const leaf of leaves(error)) {
    for (const link of chain(leaf)) {
      const record = link as { apiId?: unknown; serverErrorMessage?: unknown };
      if (typeof record.apiId === 'string') {
        return { id: record.apiId, server: typeof record.serverErrorMessage === 'string' ? record.serverErrorMessage : null };
      }
    }
  }
  return undefined;
}

/** The most telling low-level reason, e.g. `connect ECONNREFUSED 127.0.0.1:9092`. */
export function reasonOf(error: unknown): string | undefined {
  const errno = errnoReason(error);
  if (errno) return errno;
  for (const leaf of leaves(error)) {
    const timeout = chain(leaf).find((link) => codeOf(link) === 'PLT_KFK_TIMEOUT');
    if (timeout) return messageOf(timeout);
  }
  return undefined;
}

/** The system's error (`connect ECONNREFUSED 127.0.0.1:9092`) somewhere in the chain, if any. */
export function errnoReason(error: unknown): string | undefined {
  for (const leaf of leaves(error)) {
    const errno = chain(leaf).find((link) => /^E[A-Z]+$/.test(codeOf(link)));
    if (errno) return messageOf(errno);
  }
  return undefined;
}

/** Non-aggregate errors at the bottom of (possibly nested) AggregateErrors. */
function leaves(error: unknown): unknown[] {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.flatMap((inner: unknown) => leaves(inner));
  return error === undefined ? [] : [error];
}

/** An error followed by its causes. */
function chain(error: unknown): unknown[] {
  const links: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && links.length < 10) {
    links.push(current);
    if (current instanceof AggregateError) links.push(...current.errors.flatMap((inner: unknown) => chain(inner)));
    current = current instanceof Error ? current.cause : undefined;
  }
  return links;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
