/**
 * A stream's events per bucket over the window the server chose to fit the data (window_start
 * to window_end, 60–120 buckets), drawn at its box's width: counts on a labelled y axis, the
 * buckets' local times on the x axis, one label per few buckets on whole multiples of them.
 */
import type { StreamPanels } from '../../wire.js';
import { dataTable } from './data-table.js';
import { s } from './dom.js';
import { bucketName, clock, compact, dayFmt, fromUnix, hourFmt, localTime, nf0 } from './format.js';
import { niceScale } from './scale.js';

/** Label steps, in buckets: every 10 s, 15 min, hour … once a bucket is known. */
const LABEL_STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120];

export function drawEvents(box: HTMLElement, data: StreamPanels): void {
  const width = Math.max(260, Math.floor(box.clientWidth));
  const height = 178;
  const m = { l: 50, r: 12, t: 10, b: 40 };
  const iw = width - m.l - m.r;
  const ih = height - m.t - m.b;
  const b = data.bucket_seconds;
  const n = Math.max(1, Math.round((data.window_end - data.window_start) / b) + 1);
  const counts = new Map(data.events.map(([t, count]) => [t, count]));
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, counts.get(data.window_start + i * b) ?? 0);
  const scale = niceScale(peak, 4, true);
  const unit = bucketName(b);
  const svg = s('svg', {
    class: 'own-events', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `events per ${unit} over ${data.time}, ${n} buckets from ${localTime(fromUnix(data.window_start))}`,
  });
  for (let i = 0; i <= 4; i++) {
    const y = Math.round(m.t + ih - (ih * i) / 4) + 0.5;
    svg.append(
      s('line', { class: i === 0 ? 'base-line' : 'grid-line', x1: m.l, x2: width - m.r, y1: y, y2: y }),
      s('text', { class: 'y-tick', x: m.l - 6, y: y + 4, 'text-anchor': 'end' }, compact.format(scale.step * i)),
    );
  }
  svg.append(s('text', { class: 'axis-title y-title', x: 0, y: 0, transform: `translate(11 ${m.t + ih / 2}) rotate(-90)`, 'text-anchor': 'middle' }, `events / ${unit}`));
  const band = iw / n;
  // Labels at least ~76 px apart.
  const every = LABEL_STEPS.find((k) => k * band >= 76) ?? n;
  const long = data.window_end - data.window_start > 86_400;
  const label = (t: number): string => {
    const d = fromUnix(t);
    return b < 60 ? clock.format(d) : long ? `${dayFmt.format(d)} ${hourFmt.format(d)}` : hourFmt.format(d);
  };
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const t = data.window_start + i * b;
    const x0 = m.l + i * band;
    if ((t / b) % every === 0) {
      svg.append(
        s('line', { class: 'tick', x1: x0 + band / 2, x2: x0 + band / 2, y1: m.t + ih, y2: m.t + ih + 4 }),
        s('text', { class: 'x-tick', x: x0 + band / 2, y: m.t + ih + 16, 'text-anchor': 'middle' }, label(t)),
      );
    }
    const v = counts.get(t) ?? 0;
    if (v === 0) continue;
    const from = localTime(fromUnix(t));
    rows.push([from, nf0.format(v)]);
    const barHeight = Math.max(1, (ih * v) / scale.max);
    const bar = s('rect', { class: 'bar', x: (x0 + band * 0.1).toFixed(1), y: (m.t + ih - barHeight).toFixed(1), width: Math.max(1, band * 0.8).toFixed(1), height: barHeight.toFixed(1) });
    bar.append(s('title', {}, `${nf0.format(v)} in the ${unit} from ${from}`));
    svg.append(bar);
  }
  svg.append(s('text', { class: 'axis-title x-title', x: m.l + iw / 2, y: height - 4, 'text-anchor': 'middle' }, `${data.time} (your local time)`));
  box.replaceChildren(svg, dataTable(`Events per ${unit} by ${data.time}, buckets with events`, [`${unit} from`, 'events'], rows));
}
