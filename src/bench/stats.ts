/** Pure numbers for the benchmark: percentiles, distributions, rates and ratios. */

/**
 * The p-th percentile (0–100) of values sorted ascending, interpolated linearly between the two
 * closest ranks (the "R-7" definition of spreadsheets and numpy). Undefined for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (p <= 0) return sorted[0];
  if (p >= 100) return sorted[sorted.length - 1];
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low]!;
  const b = sorted[high]!;
  return a + (b - a) * (rank - low);
}

export interface Distribution {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Count, extremes, mean and the usual percentiles; undefined for no values. */
export function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  let sum = 0;
  for (const v of list) sum += v;
  return {
    count: list.length,
    min: list[0]!,
    p50: percentile(list, 50)!,
    p95: percentile(list, 95)!,
    p99: percentile(list, 99)!,
    max: list[list.length - 1]!,
    mean: sum / list.length,
  };
}

/** The median of unsorted values. */
export function median(values: readonly number[]): number | undefined {
  return percentile(Array.from(Float64Array.from(values).sort()), 50);
}

/** Events (or bytes) per second; undefined when no time passed. */
export function perSecond(amount: number, ms: number): number | undefined {
  return ms > 0 ? (amount * 1000) / ms : undefined;
}

/** a / b, undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}

/**
 * Least-squares slope of y over x (per unit of x); undefined for fewer than two distinct x.
 * Used for lag growth: events of lag gained per second.
 */
export function slope(points: ReadonlyArray<readonly [number, number]>): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) { sx += x; sy += y; }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
  return den === 0 ? undefined : num / den;
}

/**
 * For each event (by its 1-based position in a stream), the first time a poll saw at least that
 * many rows. `polls` are [time, count] in time order; counts never go down. Returns undefined
 * for an event that no poll saw.
 */
export function visibleAt(polls: ReadonlyArray<readonly [number, number]>, position: number): number | undefined {
  let lo = 0;
  let hi = polls.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (polls[mid]![1] >= position) { found = polls[mid]![0]; hi = mid - 1; } else { lo = mid + 1; }
  }
  return found;
}
