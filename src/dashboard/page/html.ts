/**
 * The page's markup: every panel present from the first byte (with a loading shimmer), so the
 * layout does not jump when data arrives. The script fills the panels in place: the panels the
 * streams declare (a section each, its tiles at the top), a card for each stream that declares
 * none, and the pipeline's health.
 */
import type { HourlyPanel, LevelsPanel, NewestPanel, Panel, PanelKind, RankedPanel, TilesPanel } from '../../pipeline/panels.js';
import type { StreamDefinition } from '../../pipeline/stream.js';

export interface PageScope {
  readonly database: string;
  readonly topicPrefix: string;
  /** The configured streams: their declared panels are drawn, and a card for each that declares none. @default none */
  readonly streams?: readonly StreamDefinition[];
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A small mark: two streams merging into a column store. Inline, so it costs no request. */
const logo = `<svg class="logo" viewBox="0 0 40 40" aria-hidden="true"><defs><linearGradient id="lg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#5aa9ff"/><stop offset="1" stop-color="#a78bfa"/></linearGradient></defs><rect x="1" y="1" width="38" height="38" rx="10" fill="#111a2e" stroke="#2a3858"/><path d="M8 13h9l5 7M8 27h9l5-7" fill="none" stroke="url(#lg)" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/><rect x="24" y="10" width="3.4" height="20" rx="1.5" fill="#5aa9ff"/><rect x="29" y="14" width="3.4" height="16" rx="1.5" fill="#34d399"/></svg>`;

export const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="10" fill="#111a2e"/><path d="M8 13h9l5 7M8 27h9l5-7" fill="none" stroke="#5aa9ff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/><rect x="24" y="10" width="3.6" height="20" rx="1.5" fill="#5aa9ff"/><rect x="29" y="14" width="3.6" height="16" rx="1.5" fill="#34d399"/></svg>`;

export interface PageParts {
  readonly style: string;
  /** The script's entry module, and every module it imports (fetched at once, not one import after another). */
  readonly entry: string;
  readonly modules: readonly string[];
  readonly refreshMs: number;
}

/** `data-…` attributes naming a declared panel: the script asks /api/panel for it. */
const declaredBy = (stream: StreamDefinition, panel: Panel): string => `data-stream="${escapeHtml(stream.name)}" data-panel="${escapeHtml(panel.id)}" data-kind="${panel.kind}"`;

const messages = (empty: string): string => `    <p class="msg empty">${empty}</p>
    <p class="msg error"></p>`;

function hourlySection(stream: StreamDefinition, p: HourlyPanel): string {
  const legend = (label: string, unit: string | undefined): string => escapeHtml(unit && !label.includes(unit) ? `${label}, ${unit}` : label);
  return `  <section class="card span2" id="panel-${p.id}" ${declaredBy(stream, p)} data-state="loading">
    <header><div><h2>${escapeHtml(p.title)}</h2><p class="hint">Last ${p.hours ?? 24} hours</p></div>
      <ul class="legend"><li><i class="c-blue"></i>${legend(p.bars.label, undefined)}</li><li><i class="line c-green"></i>${legend(p.line.label, p.line.unit)}</li></ul></header>
    <div class="body"><div class="chart" id="chart-${p.id}"></div></div>
${messages(`No ${escapeHtml(p.noun ?? 'events')} in this window yet. They appear here seconds after they are sent (<code>kch generate</code>).`)}
  </section>`;
}

function rankedSection(stream: StreamDefinition, p: RankedPanel): string {
  const days = p.days ?? 7;
  return `  <section class="card" id="panel-${p.id}" ${declaredBy(stream, p)} data-state="loading">
    <header><div><h2>${escapeHtml(p.title)}</h2><p class="hint">Top ${p.limit ?? 5}, last ${days} days</p></div>
      <ul class="legend"><li><i class="c-green"></i>In</li><li><i class="c-red"></i>Out</li></ul></header>
    <div class="body"><div class="bars" id="chart-${p.id}"></div></div>
${messages(`No ${escapeHtml(p.noun ?? 'events')} in the last ${days} days yet.`)}
  </section>`;
}

function newestSection(stream: StreamDefinition, p: NewestPanel): string {
  const numeric = (column: string): boolean => ['integer', 'decimal', 'float', 'datetime', 'timestamp'].includes(stream.fields[column]?.kind ?? 'datetime');
  const heads = (p.show ?? p.columns).map((column) => `<th${numeric(column) ? ' class="num"' : ''}>${escapeHtml(column.charAt(0).toUpperCase() + column.slice(1).replace(/_/g, ' '))}</th>`).join('');
  return `  <section class="card span2" id="panel-${p.id}" ${declaredBy(stream, p)} data-state="loading">
    <header><div><h2>${escapeHtml(p.title)}</h2><p class="hint">The ${p.limit ?? 10} newest</p></div></header>
    <div class="body table-wrap"><table id="${p.id}-table"><thead><tr>${heads}</tr></thead><tbody></tbody></table></div>
${messages(`No ${escapeHtml(p.noun ?? 'events')} yet.`)}
  </section>`;
}

function levelsSection(stream: StreamDefinition, p: LevelsPanel): string {
  return `  <section class="card" id="panel-${p.id}" ${declaredBy(stream, p)} data-state="loading">
    <header><div><h2>${escapeHtml(p.title)}</h2><p class="hint">${escapeHtml(`${p.split.incoming.join(', ')} minus ${p.split.outgoing.join(' and ')}`)}</p></div></header>
    <div class="body"><div class="bars" id="chart-${p.id}"></div></div>
${messages(`No ${escapeHtml(p.noun ?? 'events')} yet.`)}
  </section>`;
}

function tileArticles(stream: StreamDefinition, p: TilesPanel): string {
  return p.tiles.map((tile) => `<article class="kpi" id="kpi-${tile.id}" data-tiles="${escapeHtml(`${stream.name}/${p.id}`)}" data-state="loading"><h2>${escapeHtml(tile.label)}</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
    `).join('');
}

const sections: { readonly [K in Exclude<PanelKind, 'tiles'>]: (stream: StreamDefinition, panel: Extract<Panel, { kind: K }>) => string } = {
  hourly: hourlySection, ranked: rankedSection, newest: newestSection, levels: levelsSection,
};

/** The original demo's endpoints, each shown when a stream declares what it answers from (demo-api.ts). */
const demoLinks: readonly (readonly [string, readonly PanelKind[]])[] = [['sales', ['hourly']], ['stock', ['ranked']], ['recent_sales', ['newest']], ['overview', ['tiles', 'levels']]];

export function renderHtml(scope: PageScope, parts: PageParts): string {
  const streams = scope.streams ?? [];
  const declared = streams.flatMap((stream) => stream.panels.map((panel) => ({ stream, panel })));
  const own = streams.filter((s) => s.panels.length === 0).map((s) => s.name);
  const tiles = declared.flatMap(({ stream, panel }) => (panel.kind === 'tiles' ? [tileArticles(stream, panel)] : []));
  const cards = declared.flatMap(({ stream, panel }) => (panel.kind === 'tiles' ? [] : [(sections[panel.kind] as (s: StreamDefinition, p: Panel) => string)(stream, panel)]));
  const kinds = new Set(declared.map((d) => d.panel.kind));
  const links = demoLinks.filter(([, needs]) => needs.every((k) => kinds.has(k))).map(([path]) => `<a href="/api/${path}">${path}</a> · `).join('');
  const where = `database ${scope.database}${scope.topicPrefix ? ` · topic prefix ${scope.topicPrefix}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<meta name="theme-color" content="#0a0f1c">
<title>Pipeline · kch dashboard</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${parts.style}</style>
${parts.modules.map((path) => `<link rel="modulepreload" href="${escapeHtml(path)}">\n`).join('')}<script type="module" src="${escapeHtml(parts.entry)}"></script>
</head>
<body data-refresh-ms="${parts.refreshMs}">
<header class="top">
  <div class="brand">${logo}<div><h1>Pipeline</h1><p class="sub">Kafka → ClickHouse · ${escapeHtml(where)}</p></div></div>
  <div class="live">
    <span class="pill" id="svc-clickhouse" data-up="unknown" title="Not checked yet"><i></i>ClickHouse</span>
    <span class="pill" id="svc-kafka" data-up="unknown" title="Not checked yet"><i></i>Kafka</span>
    <span class="updated" id="updated" data-health="unknown" aria-live="polite">Connecting…</span>
  </div>
</header>
<div class="banner" id="banner" role="status" hidden></div>
<main class="grid">
  <section class="kpis" aria-label="Key figures">
    ${tiles.join('')}${tiles.length > 0 ? `<article class="kpi" id="kpi-rate" data-state="loading"><h2>Events / s now</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
    ` : ''}<article class="kpi" id="kpi-lag" data-state="loading"><h2>Consumer lag</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
  </section>

${cards.map((card) => `${card}\n`).join('')}${own.map((name) => `  <section class="card span3 own" id="panel-own-${escapeHtml(name)}" data-stream="${escapeHtml(name)}" data-state="loading">
    <header><div><h2>${escapeHtml(name)}</h2><p class="hint">Events over time, top values, sums and the newest rows, from its fields</p></div></header>
    <div class="body own-body"></div>
    <p class="msg empty">No ${escapeHtml(name)} events in this window yet.</p>
    <p class="msg error"></p>
  </section>
`).join('')}
  <section class="card span3" id="panel-pipeline" data-state="loading">
    <header><div><h2>Pipeline health</h2><p class="hint">Kafka offsets from the broker, rows from ClickHouse, per stream</p></div></header>
    <div class="body"><div class="streams" id="streams"></div></div>
    <p class="msg empty">The pipeline's tables do not exist yet: run <code>kch migrate</code>.</p>
    <p class="msg error"></p>
  </section>
</main>
<footer>
  <span>Refreshes every ${parts.refreshMs / 1000} s.</span>
  <span>API: <a href="/api/status">status</a> · ${links}${declared.length ? '<a href="/api/stream_fields">stream_fields</a> · ' : ''}${own.length ? '<a href="/api/streams">streams</a> · ' : ''}<a href="/api/pipeline">pipeline</a> · <a href="/metrics">metrics</a> · <a href="/api">all endpoints</a></span>
</footer>
</body>
</html>
`;
}
