/**
 * From /api/overview: the seed's KPI tiles (revenue, sales and items today, events per second
 * now) and the stock per warehouse.
 */
import type { Overview } from '../../wire.js';
import { byId } from './dom.js';
import { compact, nf0, nf1, plural, rub, rub2 } from './format.js';
import { kpi } from './kpi.js';
import { endpointPanel, type Panel } from './panel.js';
import { drawWarehouses } from './warehouses.js';

export function overviewPanel(): Panel {
  const list = byId('chart-warehouses', HTMLElement);
  return endpointPanel<Overview>('/api/overview', 'panel-warehouses', {
    draw: (o, failure) => {
      const state = failure !== null ? 'error' : 'ready';
      if (o) {
        // Millions do not fit a phone's tile: shortened there, exact in the tooltip.
        const revenue = kpi('kpi-revenue', o.revenue_today >= 1e6 ? `${compact.format(o.revenue_today)} ₽` : rub(o.revenue_today), failure !== null ? `not refreshed: ${failure}` : `on ${o.today}`, state);
        revenue.title = rub2(o.revenue_today);
        kpi('kpi-sales', nf0.format(o.sales_today), failure !== null ? 'not refreshed' : `${plural(o.units_today, 'item', 'items')} sold`, state);
        kpi('kpi-rate', nf1.format(o.events_per_second), failure !== null ? 'not refreshed' : `rows/s into ClickHouse, last ${o.rate_window_seconds} s`, state);
        drawWarehouses(list, o.warehouses);
      } else {
        for (const id of ['kpi-revenue', 'kpi-sales', 'kpi-rate']) kpi(id, '—', failure ?? '', 'error');
      }
    },
    isEmpty: (o) => !o || o.warehouses.every((w) => w.incoming === 0 && w.outgoing === 0),
  });
}
