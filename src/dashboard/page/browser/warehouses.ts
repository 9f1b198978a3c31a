/**
 * The seed's "Stock by warehouse": each warehouse's level (supplied minus relocated and written
 * off) as a bar either side of zero, in plain HTML. Drawn from /api/overview (see overview.ts).
 */
import type { WarehouseStock } from '../../wire.js';
import { h } from './dom.js';
import { nf0 } from './format.js';

export function drawWarehouses(list: HTMLElement, rows: readonly WarehouseStock[]): void {
  const max = Math.max(1, ...rows.map((r) => Math.abs(r.level)));
  list.replaceChildren(...rows.map((r) => {
    const row = h('div', 'bar-row');
    const label = h('div', 'name', r.warehouse);
    label.append(h('small', null, `${nf0.format(r.incoming)} in · ${nf0.format(r.outgoing)} out`));
    const negative = h('i', 'neg');
    const positive = h('i', 'pos');
    negative.style.width = `${(r.level < 0 ? (100 * -r.level) / max : 0).toFixed(2)}%`;
    positive.style.width = `${(r.level > 0 ? (100 * r.level) / max : 0).toFixed(2)}%`;
    const bars = h('div', 'diverge');
    bars.append(negative, positive);
    const level = h('div', 'level');
    level.append(bars, h('strong', null, (r.level > 0 ? '+' : '') + nf0.format(r.level)));
    level.title = `level ${nf0.format(r.level)} = ${nf0.format(r.incoming)} supplied − ${nf0.format(r.outgoing)} relocated or written off`;
    const track = h('div', 'track');
    track.append(level);
    row.append(label, track);
    return row;
  }));
}
