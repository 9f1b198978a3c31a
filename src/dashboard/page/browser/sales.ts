/**
 * The seed's "Sales per hour": items sold as bars on the left axis, revenue as a line on the
 * right one, one band per hour labelled in local time, each band's figures in its tooltip.
 * Redrawn at its box's size whenever that changes (its text does not stretch with it).
 */
import type { SalesByHour } from '../../wire.js';
import { dataTable } from './data-table.js';
import { byId, s } from './dom.js';
import { compact, hourFmt, nf0, plural, rub, rub2, sum } from './format.js';
import { endpointPanel, type Panel } from './panel.js';
import { niceScale } from './scale.js';

interface Hour {
  readonly start: Date;
  readonly quantity: number;
  readonly revenue: number;
  readonly sales: number;
}

const path = (points: readonly (readonly [number, number])[]): string =>
  points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' ');

export function drawSales(box: HTMLElement, data: SalesByHour): void {
  const hours: Hour[] = data.hours.map((iso, i) => ({
    start: new Date(iso), quantity: data.quantity[i] ?? 0, revenue: data.revenue[i] ?? 0, sales: data.sales[i] ?? 0,
  }));
  const width = Math.max(280, Math.floor(box.clientWidth));
  const height = Math.max(180, Math.floor(box.clientHeight));
  const narrow = width < 520;
  const m = { l: 46, r: narrow ? 52 : 64, t: 12, b: 26 };
  const iw = width - m.l - m.r;
  const ih = height - m.t - m.b;
  const n = hours.length;
  const band = iw / Math.max(1, n);
  const qs = niceScale(Math.max(0, ...data.quantity), 4, true);
  const rs = niceScale(Math.max(0, ...data.revenue), 4, false);
  const totalQty = sum(data.quantity);
  const totalRev = sum(data.revenue);
  const svg = s('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Sales per hour: ${nf0.format(totalQty)} items, ${rub(totalRev)} over ${n} hours`,
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
    const title = `${hourFmt.format(hour.start)} — ${plural(hour.quantity, 'item', 'items')}, ${rub2(hour.revenue)}, ${plural(hour.sales, 'sale', 'sales')}`;
    group.append(s('title', {}, title), s('rect', { class: 'hit', x: x0, y: m.t, width: band, height: ih }));
    if (hour.quantity > 0) {
      const barHeight = (ih * hour.quantity) / qs.max;
      const barWidth = Math.max(2, band * 0.62);
      group.append(s('rect', { class: 'bar-qty', x: x0 + (band - barWidth) / 2, y: m.t + ih - barHeight, width: barWidth, height: Math.max(1, barHeight), rx: Math.min(4, barWidth / 3) }));
    }
    svg.append(group);
    points.push([x0 + band / 2, m.t + ih - (ih * hour.revenue) / rs.max]);
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
      if ((hours[i]?.revenue ?? 0) > 0) svg.append(s('circle', { class: 'rev-dot', cx: x, cy: y, r: 3.2 }));
    });
  }
  const table = dataTable('Sales per hour', ['Hour', 'Items', 'Revenue', 'Sales'],
    hours.map((hour) => [hourFmt.format(hour.start), nf0.format(hour.quantity), rub2(hour.revenue), nf0.format(hour.sales)]));
  box.replaceChildren(svg, table);
}

export function salesPanel(): Panel {
  const box = byId('chart-sales', HTMLElement);
  const hint = byId('sales-hint', HTMLElement);
  const panel = endpointPanel<SalesByHour>('/api/sales', 'panel-sales', {
    draw: (data) => {
      if (!data) return;
      drawSales(box, data);
      hint.textContent = `Last ${data.window_hours} hours · ${nf0.format(sum(data.quantity))} items, ${rub(sum(data.revenue))}`;
    },
    isEmpty: (data) => !data || data.quantity.every((q) => q === 0),
  });
  const { endpoint } = panel;
  // Redrawn at the new size, once per frame at most.
  let frame = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => { if (endpoint.last) drawSales(box, endpoint.last.data); });
  }).observe(box);
  return panel;
}
