/**
 * The seed's "Top stock movement": per product a row of two bars in plain HTML, units in
 * (supplied) and out (relocated or written off), on one scale. Bars stretch with their box.
 */
import type { StockMovementTop } from '../../wire.js';
import { byId, h } from './dom.js';
import { nf0 } from './format.js';
import { endpointPanel, type Panel } from './panel.js';

function meter(className: string, value: number, max: number, label: string): HTMLDivElement {
  const row = h('div', `meter ${className}`);
  const bar = h('b');
  bar.style.width = `${(max > 0 ? Math.max(0.5, (100 * value) / max) : 0).toFixed(2)}%`;
  row.append(bar, h('span', null, label));
  return row;
}

export function drawStock(list: HTMLElement, data: StockMovementTop): void {
  const max = Math.max(1, ...data.incoming, ...data.outgoing);
  list.replaceChildren(...data.products.map((name, i) => {
    const incoming = data.incoming[i] ?? 0;
    const outgoing = data.outgoing[i] ?? 0;
    const row = h('div', 'bar-row');
    row.title = `${name}: ${nf0.format(incoming)} in, ${nf0.format(outgoing)} out`;
    const label = h('div', 'name', name);
    label.append(h('small', null, `#${data.product_ids[i] ?? '?'} · ${nf0.format(incoming + outgoing)} units`));
    const track = h('div', 'track');
    track.append(meter('c-green', incoming, max, nf0.format(incoming)), meter('c-red', outgoing, max, nf0.format(outgoing)));
    row.append(label, track);
    return row;
  }));
}

export function stockPanel(): Panel {
  const list = byId('chart-stock', HTMLElement);
  return endpointPanel<StockMovementTop>('/api/stock', 'panel-stock', {
    draw: (data) => { if (data) drawStock(list, data); },
    isEmpty: (data) => !data || data.products.length === 0,
  });
}
