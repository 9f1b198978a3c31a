/**
 * ClickHouse error code → HTTP status, the way clickhouse-server's HTTP handler chooses it, so that
 * clients and proxies see the same status from the embedded server as from a real one. Codes are
 * the engine's own numbers (checked with `errorCodeToName` on chdb 26.7).
 */
const byStatus: ReadonlyArray<readonly [number, readonly number[]]> = [
  // REQUIRED_PASSWORD
  [401, [194]],
  // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED
  [403, [192, 193, 516, 512, 497]],
  // BAD_ARGUMENTS, CANNOT_COMPILE_REGEXP, the CANNOT_PARSE_* family, DUPLICATE_COLUMN,
  // ILLEGAL_COLUMN, UNKNOWN_ELEMENT_IN_AST, UNKNOWN_TYPE_OF_AST_NODE, THERE_IS_NO_COLUMN,
  // TOO_DEEP_AST, TOO_BIG_AST, UNEXPECTED_AST_STRUCTURE, SYNTAX_ERROR, INCORRECT_DATA,
  // TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  [400, [36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321]],
  // UNKNOWN_TABLE, UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, UNKNOWN_TYPE, UNKNOWN_STORAGE,
  // UNKNOWN_DATABASE, UNKNOWN_SETTING, UNKNOWN_DIRECTION_OF_SORTING, UNKNOWN_AGGREGATE_FUNCTION,
  // UNKNOWN_FORMAT, UNKNOWN_DATABASE_ENGINE, UNKNOWN_TYPE_OF_QUERY, UNKNOWN_ROLE
  [404, [60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511]],
  // QUERY_IS_TOO_LARGE
  [413, [229]],
  // NOT_IMPLEMENTED
  [501, [48]],
  // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
  [503, [209, 76, 439]],
  // HTTP_LENGTH_REQUIRED
  [411, [381]],
  // TIMEOUT_EXCEEDED
  [408, [159]],
  // UNSUPPORTED_MEDIA_TYPE
  [415, [779]],
];

const statusByCode = new Map<number, number>();
for (const [status, codes] of byStatus) for (const code of codes) statusByCode.set(code, status);

export function httpStatusForCode(code: number): number {
  return statusByCode.get(code) ?? 500;
}
