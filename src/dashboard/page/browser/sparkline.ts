/**
 * A stream's rows per minute as a sparkline: a line and the area under it, stretched to its box
 * (no text in it, so it needs no redraw on resize); its figures are in its aria-label.
 */
import { s } from './dom.js';
import { nf0 } from './format.js';

export function sparkline(series: readonly number[]): SVGSVGElement {
  const n = series.length;
  const max = Math.max(1, ...series);
  const w = 300;
  const height = 54;
  const svg = s('svg', {
    viewBox: `0 0 ${w} ${height}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `rows per minute: ${series.map((v) => nf0.format(v)).join(', ')}`,
  });
  const line = series.map((v, i) => {
    const x = n > 1 ? (w * i) / (n - 1) : w / 2;
    const y = height - 3 - ((height - 6) * v) / max;
    return `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
  }).join(' ');
  svg.append(s('path', { class: 'area', d: `${line} L${w} ${height} L0 ${height} Z` }), s('path', { class: 'line', d: line }));
  return svg;
}
