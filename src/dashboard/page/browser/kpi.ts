/** A KPI tile: its value (flashing when it changes), a note under it, and its state. */
import { byId, find, setText } from './dom.js';
import type { PanelState } from './panel.js';

export function kpi(id: string, value: string, note: string, state: PanelState): HTMLElement {
  const tile = byId(id, HTMLElement);
  tile.dataset.state = state;
  const shown = find(tile, '.value', HTMLElement);
  setText(shown, value);
  find(tile, '.note', HTMLElement).textContent = note;
  return shown;
}
