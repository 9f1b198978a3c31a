/**
 * An axis's scale: `ticks` steps of a round size (1, 2, 2.5 or 5 times a power of ten; whole
 * numbers for counts) whose top reaches `max`.
 */
export interface Scale {
  readonly max: number;
  readonly step: number;
}

export function niceScale(max: number, ticks: number, integer: boolean): Scale {
  if (!(max > 0)) return { max: ticks, step: 1 };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * magnitude;
  if (integer) step = Math.max(1, Math.ceil(step));
  return { max: step * ticks, step };
}
