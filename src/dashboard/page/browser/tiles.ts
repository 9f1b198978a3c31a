/**
 * A tiles panel (the seed's revenue, sales and items today): a tile each at the top of the page,
 * and with the first panel the rows per second every stream takes in now.
 */
import type { TilesData } from '../../wire.js';
import { compact, detail, nf0, nf1 } from './format.js';
import { Endpoint } from './api.js';
import { kpi } from './kpi.js';
import type { Panel } from './panel.js';

/** The tiles of one declared panel (`tiles`: their elements), and the rate tile when `rate`. */
export function tilesPanel(tiles: readonly HTMLElement[], path: string, rate: boolean): Panel {
  const endpoint = new Endpoint<TilesData>(path);
  return {
    endpoint,
    render() {
      const failure = endpoint.failure();
      const data = endpoint.last?.data;
      const state = failure !== null ? 'error' : 'ready';
      for (const tile of tiles) {
        const figure = data?.tiles.find((t) => `kpi-${t.id}` === tile.id);
        if (!data || !figure) {
          kpi(tile.id, '—', failure ?? '', 'error');
          continue;
        }
        // Millions do not fit a phone's tile: shortened there, exact in the tooltip.
        const unit = figure.unit ? ` ${figure.unit}` : '';
        const shown = kpi(tile.id, figure.value >= 1e6 ? `${compact.format(figure.value)}${unit}` : `${nf0.format(figure.value)}${unit}`, failure !== null ? `not refreshed: ${failure}` : `on ${data.today}`, state);
        shown.title = detail(figure.value, figure);
      }
      if (!rate) return;
      if (data) kpi('kpi-rate', nf1.format(data.events_per_second), failure !== null ? 'not refreshed' : `rows/s into ClickHouse, last ${data.rate_window_seconds} s`, state);
      else kpi('kpi-rate', '—', failure ?? '', 'error');
    },
  };
}
