/**
 * The seed's "Recent sales": the newest sales as a table, local times, a sale not shown by the
 * refresh before highlighted briefly.
 */
import type { RecentSale } from '../../wire.js';
import { byId, h } from './dom.js';
import { localTime, nf0, rub2 } from './format.js';
import { endpointPanel, type Panel } from './panel.js';

export function recentSalesPanel(): Panel {
  const table = byId('recent-table', HTMLTableElement);
  const body = table.tBodies[0] ?? table.createTBody();
  let shown: Set<string> | null = null;

  function draw(rows: readonly RecentSale[]): void {
    const before = shown;
    shown = new Set(rows.map((r) => r.event_id));
    body.replaceChildren(...rows.map((r) => {
      const tr = h('tr');
      if (before && !before.has(r.event_id)) tr.className = 'fresh';
      const product = h('td', 'product', r.product_name);
      product.title = `${r.product_name} (#${r.product_id}, ${r.category})`;
      product.append(h('small', null, `${r.category} · store ${r.store_id}`));
      const time = h('td', 'num time', localTime(new Date(r.event_time)));
      time.title = r.event_time;
      tr.append(product, h('td', 'num', nf0.format(r.quantity)), h('td', 'num hide-sm', rub2(r.price)), h('td', 'num', rub2(r.total)), time);
      return tr;
    }));
  }

  return endpointPanel<RecentSale[]>('/api/recent_sales', 'panel-recent', {
    draw: (data) => { if (data) draw(data); },
    isEmpty: (data) => !data || data.length === 0,
  });
}
