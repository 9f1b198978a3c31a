/**
 * A chart's data as a table for screen readers: the SVG says what it shows in one line (its
 * aria-label), the table gives every value. Visually hidden (in a box of 1 px: a table itself
 * grows to its content whatever its width), read in order after the chart.
 */
import { h } from './dom.js';

export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly string[])[]): HTMLDivElement {
  const table = h('table');
  table.createCaption().textContent = caption;
  const head = h('tr');
  for (const text of headers) {
    const th = h('th', null, text);
    th.scope = 'col';
    head.append(th);
  }
  table.createTHead().append(head);
  const body = table.createTBody();
  for (const row of rows) {
    const tr = h('tr');
    for (const text of row) tr.append(h('td', null, text));
    body.append(tr);
  }
  const box = h('div', 'sr-only');
  box.append(table);
  return box;
}
