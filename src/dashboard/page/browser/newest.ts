/**
 * A newest panel (the seed's "Recent sales"): the newest rows as a table of the columns it
 * shows, local times, the other columns in each row's tooltip, a row not shown by the refresh
 * before highlighted briefly.
 */
import type { NewestData } from '../../wire.js';
import { find, h } from './dom.js';
import { cellText, localTime } from './format.js';
import { endpointPanel, type Panel } from './panel.js';

const numberText = /^-?\d+(\.\d+)?$/;
const formats = new Map<number, Intl.NumberFormat>();

/** A number as the reader's locale writes it, with the decimals it came with (exact text beyond a double's digits stays as it is). */
function numberCell(value: number | string): string {
  const text = String(value);
  if (!numberText.test(text) || text.replace(/[-.]/g, '').length > 15) return text;
  const decimals = text.split('.')[1]?.length ?? 0;
  let format = formats.get(decimals);
  if (!format) formats.set(decimals, format = new Intl.NumberFormat(undefined, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
  return format.format(Number(text));
}

function cell(data: NewestData, column: string, value: unknown): HTMLTableCellElement {
  const kind = data.kinds[column];
  if (kind === 'time' && typeof value === 'string') {
    const td = h('td', 'num time', localTime(new Date(value)));
    td.title = value;
    return td;
  }
  if (kind === 'number' && (typeof value === 'number' || typeof value === 'string')) return h('td', 'num', numberCell(value));
  return h('td', null, cellText(value));
}

export function newestPanel(section: HTMLElement, path: string): Panel {
  const table = find(section, 'table', HTMLTableElement);
  const body = table.tBodies[0] ?? table.createTBody();
  let shown: Set<string> | null = null;

  function draw(data: NewestData): void {
    const before = shown;
    const keyOf = (row: Readonly<Record<string, unknown>>): string | null => (data.key === null ? null : cellText(row[data.key]));
    shown = new Set(data.rows.map(keyOf).filter((k): k is string => k !== null));
    const hidden = data.columns.filter((c) => !data.show.includes(c));
    body.replaceChildren(...data.rows.map((row) => {
      const tr = h('tr');
      const key = keyOf(row);
      if (before && key !== null && !before.has(key)) tr.className = 'fresh';
      if (hidden.length > 0) tr.title = hidden.map((c) => `${c}: ${cellText(row[c])}`).join(' · ');
      tr.append(...data.show.map((column) => {
        const td = cell(data, column, row[column]);
        td.dataset.column = column;
        return td;
      }));
      return tr;
    }));
  }

  return endpointPanel<NewestData>(path, section, {
    draw: (data) => { if (data) draw(data); },
    isEmpty: (data) => !data || data.rows.length === 0,
  });
}
