/**
 * One error type for everything the user can run into, with a closed list of stable codes.
 * The CLI prints `message` (one line, what is wrong and what to do) and exits non-zero;
 * stacks are for bugs only.
 */
export const ErrorCodes = {
  /** Bad command line: unknown flag, missing argument, malformed value. */
  USAGE: 'KCH_USAGE',
  /** Bad configuration value from the environment or a file. */
  CONFIG: 'KCH_CONFIG',
  /** A required program (java, mvn) is missing or too old. */
  MISSING_TOOL: 'KCH_MISSING_TOOL',
  /** A port we were asked to listen on is taken. */
  PORT_IN_USE: 'KCH_PORT_IN_USE',
  /** A data or cache folder cannot be written. */
  DATA_DIR: 'KCH_DATA_DIR',
  /** A data folder is owned by another running process. */
  DATA_DIR_LOCKED: 'KCH_DATA_DIR_LOCKED',
  /** Fetching the Kafka broker's jars failed. */
  KAFKA_FETCH: 'KCH_KAFKA_FETCH',
  /** The Kafka broker did not start or did not become ready in time. */
  KAFKA_START: 'KCH_KAFKA_START',
  /** Fetching the Kafka Connect worker's jars (with Debezium) failed. */
  CONNECT_FETCH: 'KCH_CONNECT_FETCH',
  /** The Kafka Connect worker did not start or did not become ready in time. */
  CONNECT_START: 'KCH_CONNECT_START',
  /** The Kafka Connect REST API refused a request, could not be reached, or a connector failed. */
  CONNECT_REQUEST: 'KCH_CONNECT_REQUEST',
  /** The source database (PostgreSQL, for kch cdc and kch verify --against) could not be reached, refused a request, or lacks what is asked of it. */
  SOURCE_DATABASE: 'KCH_SOURCE_DATABASE',
  /** Kafka could not be reached. */
  KAFKA_UNREACHABLE: 'KCH_KAFKA_UNREACHABLE',
  /** Kafka refused or failed a request. */
  KAFKA_REQUEST: 'KCH_KAFKA_REQUEST',
  /** The broker lacks something the pipeline cannot do without (a protocol version, a message format). */
  KAFKA_UNSUPPORTED: 'KCH_KAFKA_UNSUPPORTED',
  /** The embedded ClickHouse could not start. */
  CLICKHOUSE_START: 'KCH_CLICKHOUSE_START',
  /** ClickHouse could not be reached. */
  CLICKHOUSE_UNREACHABLE: 'KCH_CLICKHOUSE_UNREACHABLE',
  /** ClickHouse rejected our credentials. */
  CLICKHOUSE_AUTH: 'KCH_CLICKHOUSE_AUTH',
  /** ClickHouse answered a query with an error. */
  CLICKHOUSE_QUERY: 'KCH_CLICKHOUSE_QUERY',
  /** The server lacks something the pipeline cannot do without. */
  CLICKHOUSE_UNSUPPORTED: 'KCH_CLICKHOUSE_UNSUPPORTED',
  /** The stream definition itself is wrong (a bug in a definition, caught at load). */
  DEFINITION: 'KCH_DEFINITION',
  /** A plan would make, change or drop an object that belongs to another stream (kch migrate refuses it). */
  OWNERSHIP: 'KCH_OWNERSHIP',
  /** An event failed validation against its stream definition. */
  INVALID_EVENT: 'KCH_INVALID_EVENT',
  /** Something we waited for did not happen before its deadline. */
  TIMEOUT: 'KCH_TIMEOUT',
  /** A supervised service failed. */
  SERVICE_FAILED: 'KCH_SERVICE_FAILED',
  /** A file the build makes is missing (run npm run build). */
  NOT_BUILT: 'KCH_NOT_BUILT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface KchErrorOptions {
  cause?: unknown;
  /** Whether trying again later can help (a broker still starting, a network blip). */
  retriable?: boolean;
  /** Structured facts for logs and `--json` output. */
  details?: Record<string, unknown>;
}

export class KchError extends Error {
  override readonly name = 'KchError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: KchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

export function isKchError(value: unknown): value is KchError {
  return value instanceof KchError;
}

/** The message of any thrown value, for wrapping foreign errors into one line. */
export function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
