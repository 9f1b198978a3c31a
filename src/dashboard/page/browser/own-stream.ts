/**
 * The card of a stream of one's own, drawn from its fields (/api/streams): events over its time
 * field, sums of its measures, top values of its low-cardinality fields, and its newest rows —
 * every value whole, the table scrolling sideways (by keyboard too, once focused) and kept where
 * the reader scrolled it across refreshes.
 */
import { Endpoint } from './api.js';
import type { StreamPanels } from '../../wire.js';
import { find, h, stat } from './dom.js';
import { drawEvents } from './events-chart.js';
import { bucketName, cellText, compact, fromUnix, localTime, nf0, nf2, plural, shortened } from './format.js';
import { setPanel, stateOf, type Panel } from './panel.js';

function topValues(name: string, values: StreamPanels['top'][string]): HTMLElement {
  const top = h('div', 'own-top');
  top.append(h('h3', null, name));
  const list = h('ul');
  const most = Math.max(1, ...values.map((t) => t.count));
  for (const t of values) {
    const li = h('li');
    const bar = h('i');
    bar.style.width = `${Math.round((100 * t.count) / most)}%`;
    const value = h('span', 'v', shortened(cellText(t.value)));
    value.title = cellText(t.value);
    li.append(value, h('span', 'n', nf0.format(t.count)), bar);
    list.append(li);
  }
  top.append(list);
  return top;
}

function newestRows(data: StreamPanels): { box: HTMLElement; wrap: HTMLElement; more: HTMLElement } {
  const box = h('div', 'own-rows-box');
  const caption = h('h3', null, `Newest rows · ${plural(data.columns.length, 'column', 'columns')}`);
  const more = h('span', 'more', ' · scroll sideways for every column →');
  more.hidden = true;
  caption.append(more);
  // Focusable, so that the arrow keys scroll it too; every value whole (wrapped, not cut).
  const wrap = h('div', 'table-wrap rows-wrap');
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', `newest rows of ${data.stream}`);
  const table = h('table', 'own-rows');
  const head = h('tr');
  for (const column of data.columns) head.append(h('th', null, column));
  table.createTHead().append(head);
  const body = table.createTBody();
  for (const row of data.newest) {
    const tr = h('tr');
    for (const column of data.columns) tr.append(h('td', null, cellText(row[column])));
    body.append(tr);
  }
  wrap.append(table);
  box.append(caption, wrap);
  return { box, wrap, more };
}

export function drawOwn(panel: HTMLElement, data: StreamPanels): void {
  const body = find(panel, '.own-body', HTMLElement);
  // The table is drawn anew on every refresh: where the reader scrolled it to is kept.
  const before = body.querySelector('.rows-wrap');
  const scrolled = before ? { left: before.scrollLeft, top: before.scrollTop } : null;
  const chart = h('div', 'own-chart');
  const since = localTime(fromUnix(data.window_start));
  chart.append(h('h3', null, `Events per ${bucketName(data.bucket_seconds)} by ${data.time} · since ${since} · ${plural(data.rows_in_window, 'row', 'rows')}`));
  const plot = h('div', 'own-plot');
  chart.append(plot);
  const facts = h('div', 'own-facts');
  // A sum sent as text is exact: shown compact, and whole in its title.
  for (const [name, total] of Object.entries(data.sums)) facts.append(stat(`Σ ${name}`, compact.format(Number(total)), 'own-sum', typeof total === 'string' ? total : nf2.format(total)));
  for (const [name, values] of Object.entries(data.top)) facts.append(topValues(name, values));
  const rows = newestRows(data);
  body.replaceChildren(chart, facts, rows.box);
  drawEvents(plot, data);
  rows.more.hidden = rows.wrap.scrollWidth <= rows.wrap.clientWidth + 1;
  if (scrolled) {
    rows.wrap.scrollLeft = scrolled.left;
    rows.wrap.scrollTop = scrolled.top;
  }
}

/** One endpoint for every card of one's own: each finds its stream's panels in the answer. */
export function ownStreamsPanel(sections: readonly HTMLElement[]): Panel {
  const endpoint = new Endpoint<StreamPanels[]>('/api/streams?hours=6');
  return {
    endpoint,
    render() {
      const failure = endpoint.failure();
      for (const section of sections) {
        const data = endpoint.last?.data.find((d) => d.stream === section.dataset.stream);
        if (data) drawOwn(section, data);
        setPanel(section, stateOf(failure, !data || (data.rows_in_window === 0 && data.newest.length === 0)), failure, data !== undefined);
      }
    },
  };
}
