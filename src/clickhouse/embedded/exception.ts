/**
 * ClickHouse's error text, `Code: N. DB::Exception: message. (NAME) (version V)`, for the errors this
 * server raises itself and for those the engine throws. Clients (`@clickhouse/client`, curl users,
 * scripts grepping for `Code: 60`) parse exactly this shape, so it is kept byte-compatible.
 */

/** The ClickHouse error codes this HTTP layer raises on its own (numbers as the engine reports them). */
export const ClickHouseCodes = {
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  UNKNOWN_TYPE_OF_QUERY: 78,
  QUERY_IS_TOO_LARGE: 229,
  ABORTED: 236,
  CANNOT_DECOMPRESS: 271,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  ACCESS_DENIED: 497,
  AUTHENTICATION_FAILED: 516,
  STD_EXCEPTION: 1001,
} as const;

export type ClickHouseCodeName = keyof typeof ClickHouseCodes;

/** An error this server reports the way ClickHouse would, before or instead of asking the engine. */
export class ClickHouseException extends Error {
  override readonly name = 'ClickHouseException';
  readonly code: number;
  readonly type: ClickHouseCodeName;

  constructor(type: ClickHouseCodeName, message: string) {
    super(message);
    this.type = type;
    this.code = ClickHouseCodes[type];
  }
}

/** An error ready to send: its ClickHouse code and its text without the version suffix. */
export interface Failure {
  readonly code: number;
  readonly text: string;
}

const codePrefix = /^Code: (\d+)\. /;

/**
 * Turns anything thrown while serving a request into ClickHouse's text. The engine's own errors
 * already carry `Code: N. DB::Exception: …`; chdb's stream errors keep that text but lose the
 * numeric field, so the code is read back from the text.
 */
export function toFailure(error: unknown): Failure {
  if (error instanceof ClickHouseException) {
    return { code: error.code, text: `Code: ${error.code}. DB::Exception: ${error.message}. (${error.type})` };
  }
  const message = error instanceof Error ? error.message : String(error);
  const match = codePrefix.exec(message);
  if (match) return { code: Number(match[1]), text: message.trimEnd() };
  const code = numericCode(error);
  if (code !== undefined) return { code, text: `Code: ${code}. DB::Exception: ${message}.` };
  return { code: ClickHouseCodes.STD_EXCEPTION, text: `Code: ${ClickHouseCodes.STD_EXCEPTION}. DB::Exception: ${message}. (STD_EXCEPTION)` };
}

function numericCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('clickhouseCode' in error)) return undefined;
  const code = (error as { clickhouseCode?: unknown }).clickhouseCode;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** Appends ` (version V)` as the server does, unless the engine already did. */
export function withVersion(text: string, version: string): string {
  return /\(version [^()]*(\([^()]*\))?[^()]*\)$/.test(text) ? text : `${text} (version ${version})`;
}
