/**
 * A ranked panel (the seed's "Top stock movement"): per value a row of two bars in plain HTML,
 * what came in and what went out, on one scale, its label and key beside them. Bars stretch with
 * their box.
 */
import type { RankedData } from '../../wire.js';
import { find, h } from './dom.js';
import { nf0 } from './format.js';
import { endpointPanel, type Panel } from './panel.js';

function meter(className: string, value: number, max: number, label: string): HTMLDivElement {
  const row = h('div', `meter ${className}`);
  const bar = h('b');
  bar.style.width = `${(max > 0 ? Math.max(0.5, (100 * value) / max) : 0).toFixed(2)}%`;
  row.append(bar, h('span', null, label));
  return row;
}

export function drawRanked(list: HTMLElement, data: RankedData): void {
  const max = Math.max(1, ...data.incoming, ...data.outgoing);
  const unit = data.unit ? ` ${data.unit}` : '';
  list.replaceChildren(...data.labels.map((name, i) => {
    const incoming = data.incoming[i] ?? 0;
    const outgoing = data.outgoing[i] ?? 0;
    const row = h('div', 'bar-row');
    row.title = `${name}: ${nf0.format(incoming)} in (${data.split.incoming.join(', ')}), ${nf0.format(outgoing)} out (${data.split.outgoing.join(', ')})`;
    const label = h('div', 'name', name);
    label.append(h('small', null, `#${data.keys[i] ?? '?'} · ${nf0.format(incoming + outgoing)}${unit}`));
    const track = h('div', 'track');
    track.append(meter('c-green', incoming, max, nf0.format(incoming)), meter('c-red', outgoing, max, nf0.format(outgoing)));
    row.append(label, track);
    return row;
  }));
}

/** The ranked panel `section`, drawn from `path`. */
export function rankedPanel(section: HTMLElement, path: string): Panel {
  const list = find(section, '.bars', HTMLElement);
  return endpointPanel<RankedData>(path, section, {
    draw: (data) => { if (data) drawRanked(list, data); },
    isEmpty: (data) => !data || data.keys.length === 0,
  });
}
