/** PostgreSQL's write-ahead log positions: `16/B374D848` as text, a 64-bit number in Debezium's `source.lsn`. */
import { ErrorCodes, KchError } from '../errors/kch-error.js';

export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new KchError(ErrorCodes.SOURCE_DATABASE, `not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]!}`) << 32n) | BigInt(`0x${match[2]!}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
