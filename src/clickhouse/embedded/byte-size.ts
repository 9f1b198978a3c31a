import { ErrorCodes, KchError } from '../../errors/kch-error.js';

const units: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * `1G`, `512M`, `1.5GiB`, `800000000` → bytes. Suffixes are binary multiples, as in ClickHouse's
 * own configuration; 0 means no limit.
 */
export function parseByteSize(value: string | number, what: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
    if (match) {
      const bytes = Math.round(Number(match[1]) * (units[(match[2] ?? '').toLowerCase()] ?? 1));
      if (Number.isSafeInteger(bytes)) return bytes;
    }
  }
  throw new KchError(ErrorCodes.USAGE, `${what} must be a size such as 512M or 2G, got "${value}"`);
}
