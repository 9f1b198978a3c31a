/**
 * A levels panel (the seed's "Stock by warehouse"): each value's level, what came in minus what
 * went out, as a bar either side of zero, in plain HTML.
 */
import type { LevelsData } from '../../wire.js';
import { find, h } from './dom.js';
import { nf0 } from './format.js';
import { endpointPanel, type Panel } from './panel.js';

export function drawLevels(list: HTMLElement, data: LevelsData): void {
  const max = Math.max(1, ...data.levels.map((r) => Math.abs(r.level)));
  const unit = data.unit ? ` ${data.unit}` : '';
  list.replaceChildren(...data.levels.map((r) => {
    const row = h('div', 'bar-row');
    const label = h('div', 'name', r.value);
    label.append(h('small', null, `${nf0.format(r.incoming)} in · ${nf0.format(r.outgoing)} out`));
    const negative = h('i', 'neg');
    const positive = h('i', 'pos');
    negative.style.width = `${(r.level < 0 ? (100 * -r.level) / max : 0).toFixed(2)}%`;
    positive.style.width = `${(r.level > 0 ? (100 * r.level) / max : 0).toFixed(2)}%`;
    const bars = h('div', 'diverge');
    bars.append(negative, positive);
    const level = h('div', 'level');
    level.append(bars, h('strong', null, (r.level > 0 ? '+' : '') + nf0.format(r.level)));
    level.title = `level ${nf0.format(r.level)}${unit} = ${nf0.format(r.incoming)} ${data.split.incoming.join(' + ')} − ${nf0.format(r.outgoing)} ${data.split.outgoing.join(' + ')}`;
    const track = h('div', 'track');
    track.append(level);
    row.append(label, track);
    return row;
  }));
}

/** The levels panel `section`, drawn from `path`. */
export function levelsPanel(section: HTMLElement, path: string): Panel {
  const list = find(section, '.bars', HTMLElement);
  return endpointPanel<LevelsData>(path, section, {
    draw: (data) => { if (data) drawLevels(list, data); },
    isEmpty: (data) => !data || data.levels.every((l) => l.incoming === 0 && l.outgoing === 0),
  });
}
