/**
 * An hourly panel (the seed's "Sales per hour"): one declared figure as bars on the left axis
 * (items sold), the other as a line on the right one (revenue), one band per hour labelled in
 * local time, each band's figures and rows in its tooltip. Redrawn at its box's size whenever
 * that changes (its text does not stretch with it).
 */
import type { HourlyData } from '../../wire.js';
import { dataTable } from './data-table.js';
import { find, s } from './dom.js';
import { amount, compact, detail, heading, hourFmt, nf0, sum } from './format.js';
import { endpointPanel, type Panel } from './panel.js';
import { niceScale } from './scale.js';

interface Hour {
  readonly start: Date;
  readonly bars: number;
  readonly line: number;
  readonly rows: number;
}

const path = (points: readonly (readonly [number, number])[]): string =>
  points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' ');

export function drawHourly(box: HTMLElement, data: HourlyData): void {
  const hours: Hour[] = data.hours.map((iso, i) => ({
    start: new Date(iso), bars: data.bars.values[i] ?? 0, line: data.line.values[i] ?? 0, rows: data.counts[i] ?? 0,
  }));
  const width = Math.max(280, Math.floor(box.clientWidth));
  const height = Math.max(180, Math.floor(box.clientHeight));
  const narrow = width < 520;
  const m = { l: 46, r: narrow ? 52 : 64, t: 12, b: 26 };
  const iw = width - m.l - m.r;
  const ih = height - m.t - m.b;
  const n = hours.length;
  const band = iw / Math.max(1, n);
  const qs = niceScale(Math.max(0, ...data.bars.values), 4, true);
  const rs = niceScale(Math.max(0, ...data.line.values), 4, false);
  const svg = s('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${data.title}: ${amount(sum(data.bars.values), data.bars)}, ${amount(sum(data.line.values), data.line)} over ${n} hours`,
  });
  const qtyFill = s('linearGradient', { id: 'qty-fill', x1: 0, y1: 0, x2: 0, y2: 1 });
  qtyFill.append(s('stop', { offset: 0, 'stop-color': '#6cb4ff' }), s('stop', { offset: 1, 'stop-color': '#3a7bd5', 'stop-opacity': 0.75 }));
  const revFill = s('linearGradient', { id: 'rev-fill', x1: 0, y1: 0, x2: 0, y2: 1 });
  revFill.append(s('stop', { offset: 0, 'stop-color': '#34d399', 'stop-opacity': 0.28 }), s('stop', { offset: 1, 'stop-color': '#34d399', 'stop-opacity': 0 }));
  const defs = s('defs');
  defs.append(qtyFill, revFill);
  svg.append(defs);
  for (let i = 0; i <= 4; i++) {
    const y = Math.round(m.t + ih - (ih * i) / 4) + 0.5;
    svg.append(
      s('line', { class: i === 0 ? 'base-line' : 'grid-line', x1: m.l, x2: width - m.r, y1: y, y2: y }),
      s('text', { x: m.l - 8, y: y + 4, 'text-anchor': 'end' }, compact.format(qs.step * i)),
      s('text', { x: width - m.r + 8, y: y + 4, 'text-anchor': 'start' }, compact.format(rs.step * i)),
    );
  }
  const labelEvery = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(iw / 54))));
  const points: [number, number][] = [];
  hours.forEach((hour, i) => {
    const x0 = m.l + i * band;
    const group = s('g', { class: 'band' });
    const title = `${hourFmt.format(hour.start)} — ${detail(hour.bars, data.bars)}, ${detail(hour.line, data.line)}, ${nf0.format(hour.rows)} ${data.noun}`;
    group.append(s('title', {}, title), s('rect', { class: 'hit', x: x0, y: m.t, width: band, height: ih }));
    if (hour.bars > 0) {
      const barHeight = (ih * hour.bars) / qs.max;
      const barWidth = Math.max(2, band * 0.62);
      group.append(s('rect', { class: 'bar-qty', x: x0 + (band - barWidth) / 2, y: m.t + ih - barHeight, width: barWidth, height: Math.max(1, barHeight), rx: Math.min(4, barWidth / 3) }));
    }
    svg.append(group);
    points.push([x0 + band / 2, m.t + ih - (ih * hour.line) / rs.max]);
    if (i % labelEvery === (n - 1) % labelEvery) {
      svg.append(s('text', { x: x0 + band / 2, y: height - 7, 'text-anchor': 'middle' }, hourFmt.format(hour.start)));
    }
  });
  const first = points[0];
  const last = points.at(-1);
  if (first && last) {
    const line = path(points);
    const area = `${line} L${last[0].toFixed(1)} ${m.t + ih} L${first[0].toFixed(1)} ${m.t + ih} Z`;
    svg.append(s('path', { class: 'rev-area', d: area }), s('path', { class: 'rev-line', d: line }));
    points.forEach(([x, y], i) => {
      if ((hours[i]?.line ?? 0) > 0) svg.append(s('circle', { class: 'rev-dot', cx: x, cy: y, r: 3.2 }));
    });
  }
  const table = dataTable(data.title, ['Hour', data.bars.label, data.line.label, heading(data.noun)],
    hours.map((hour) => [hourFmt.format(hour.start), detail(hour.bars, data.bars), detail(hour.line, data.line), nf0.format(hour.rows)]));
  box.replaceChildren(svg, table);
}

/** The hourly panel `section`, drawn from `path`. */
export function hourlyPanel(section: HTMLElement, path: string): Panel {
  const box = find(section, '.chart', HTMLElement);
  const hint = find(section, '.hint', HTMLElement);
  const panel = endpointPanel<HourlyData>(path, section, {
    draw: (data) => {
      if (!data) return;
      drawHourly(box, data);
      hint.textContent = `Last ${data.window_hours} hours · ${amount(sum(data.bars.values), data.bars)}, ${amount(sum(data.line.values), data.line)}`;
    },
    isEmpty: (data) => !data || data.counts.every((c) => c === 0),
  });
  const { endpoint } = panel;
  // Redrawn at the new size, once per frame at most.
  let frame = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => { if (endpoint.last) drawHourly(box, endpoint.last.data); });
  }).observe(box);
  return panel;
}
