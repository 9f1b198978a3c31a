/**
 * Numbers, money, durations and times as the page writes them, in the reader's locale and time
 * zone, on a 24-hour clock everywhere (shorter on an axis, and the seed's labels were HH:MM).
 */
import type { FigureView } from '../../wire.js';

export const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
export const nf2 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
export const hourFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
export const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** A declared figure's value in a summary: whole, with its unit (`1,234 items`, `56,789 ₽`). */
export const amount = (n: number, figure: FigureView): string => `${nf0.format(n)}${figure.unit ? ` ${figure.unit}` : ''}`;

const fixed = new Map<number, Intl.NumberFormat>();
/** The same in detail: with the figure's decimals (`123.45 ₽`). */
export function detail(n: number, figure: FigureView): string {
  let format = fixed.get(figure.decimals);
  if (!format) fixed.set(figure.decimals, format = new Intl.NumberFormat(undefined, { minimumFractionDigits: figure.decimals, maximumFractionDigits: figure.decimals }));
  return `${format.format(n)}${figure.unit ? ` ${figure.unit}` : ''}`;
}

/** A column's name as a heading: `product_name` → `Product name`. */
export const heading = (column: string): string => column.charAt(0).toUpperCase() + column.slice(1).replace(/_/g, ' ');
export const plural = (n: number, one: string, many: string): string => `${nf0.format(n)} ${n === 1 ? one : many}`;
export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** A duration in seconds as a reader takes it in: '42 s', '12 min', '3.5 h', '4 d'. */
export function ago(seconds: number | null): string {
  if (seconds === null) return '—';
  const v = Math.max(0, Math.round(seconds));
  if (v < 90) return `${v} s`;
  if (v < 5400) return `${Math.round(v / 60)} min`;
  if (v < 172_800) return `${nf1.format(v / 3600)} h`;
  return `${nf0.format(v / 86_400)} d`;
}

/** A moment in local time; with its day when that is not today. */
export function localTime(moment: Date): string {
  const sameDay = moment.toDateString() === new Date().toDateString();
  return (sameDay ? '' : `${dayFmt.format(moment)} `) + clock.format(moment);
}

/** A unix time (seconds) as a Date. */
export const fromUnix = (seconds: number): Date => new Date(seconds * 1000);

/** A bucket's size in words: 'second', '10 s', 'minute', '5 min', 'hour', '6 h', 'day'. */
export function bucketName(seconds: number): string {
  if (seconds === 1) return 'second';
  if (seconds < 60) return `${seconds} s`;
  if (seconds === 60) return 'minute';
  if (seconds < 3600) return `${seconds / 60} min`;
  if (seconds === 3600) return 'hour';
  if (seconds < 86_400) return `${seconds / 3600} h`;
  return 'day';
}

/** Any JSON value of a row as text: objects and arrays as JSON, null as nothing. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** At most 40 characters, for a list where the whole value is in the tooltip. */
export function shortened(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
