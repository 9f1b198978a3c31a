/**
 * The page's markup: every panel present from the first byte (with a loading shimmer), so the
 * layout does not jump when data arrives. The script fills the panels in place.
 */
export interface PageScope {
  readonly database: string;
  readonly topicPrefix: string;
  /** Whether the seed's streams are configured: their retail panels are shown. @default true */
  readonly seed?: boolean;
  /** Streams of one's own: a card each, filled from /api/streams. @default none */
  readonly own?: readonly string[];
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

export function renderHtml(scope: PageScope, parts: PageParts): string {
  const seed = scope.seed ?? true;
  const own = scope.own ?? [];
  const where = `database ${scope.database}${scope.topicPrefix ? ` · topic prefix ${scope.topicPrefix}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<meta name="theme-color" content="#0a0f1c">
<title>${seed ? 'Retail pipeline' : 'Pipeline'} · kch dashboard</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${parts.style}</style>
${parts.modules.map((path) => `<link rel="modulepreload" href="${escapeHtml(path)}">\n`).join('')}<script type="module" src="${escapeHtml(parts.entry)}"></script>
</head>
<body data-refresh-ms="${parts.refreshMs}">
<header class="top">
  <div class="brand">${logo}<div><h1>${seed ? 'Retail pipeline' : 'Pipeline'}</h1><p class="sub">Kafka → ClickHouse · ${escapeHtml(where)}</p></div></div>
  <div class="live">
    <span class="pill" id="svc-clickhouse" data-up="unknown" title="Not checked yet"><i></i>ClickHouse</span>
    <span class="pill" id="svc-kafka" data-up="unknown" title="Not checked yet"><i></i>Kafka</span>
    <span class="updated" id="updated" data-health="unknown" aria-live="polite">Connecting…</span>
  </div>
</header>
<div class="banner" id="banner" role="status" hidden></div>
<main class="grid">
  <section class="kpis" aria-label="Key figures">
    ${seed ? `<article class="kpi" id="kpi-revenue" data-state="loading"><h2>Revenue today</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
    <article class="kpi" id="kpi-sales" data-state="loading"><h2>Sales today</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
    <article class="kpi" id="kpi-rate" data-state="loading"><h2>Events / s now</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
    ` : ''}<article class="kpi" id="kpi-lag" data-state="loading"><h2>Consumer lag</h2><p class="value">—</p><p class="note">&nbsp;</p></article>
  </section>

${seed ? `  <section class="card span2" id="panel-sales" data-state="loading">
    <header><div><h2>Sales per hour</h2><p class="hint" id="sales-hint">Last 24 hours</p></div>
      <ul class="legend"><li><i class="c-blue"></i>Items sold</li><li><i class="line c-green"></i>Revenue, ₽</li></ul></header>
    <div class="body"><div class="chart" id="chart-sales"></div></div>
    <p class="msg empty">No sales in this window yet. Events appear here seconds after the generator sends them (<code>kch generate</code>).</p>
    <p class="msg error"></p>
  </section>

  <section class="card" id="panel-stock" data-state="loading">
    <header><div><h2>Top stock movement</h2><p class="hint">5 products, last 7 days</p></div>
      <ul class="legend"><li><i class="c-green"></i>In</li><li><i class="c-red"></i>Out</li></ul></header>
    <div class="body"><div class="bars" id="chart-stock"></div></div>
    <p class="msg empty">No stock movements in the last 7 days yet.</p>
    <p class="msg error"></p>
  </section>

  <section class="card span2" id="panel-recent" data-state="loading">
    <header><div><h2>Recent sales</h2><p class="hint">The 10 newest</p></div></header>
    <div class="body table-wrap"><table id="recent-table"><thead><tr><th>Product</th><th class="num">Qty</th><th class="num hide-sm">Price</th><th class="num">Total</th><th class="num">Time</th></tr></thead><tbody></tbody></table></div>
    <p class="msg empty">No sales yet.</p>
    <p class="msg error"></p>
  </section>

  <section class="card" id="panel-warehouses" data-state="loading">
    <header><div><h2>Stock by warehouse</h2><p class="hint">Supplied minus relocated and written off</p></div></header>
    <div class="body"><div class="bars" id="chart-warehouses"></div></div>
    <p class="msg empty">No stock movements yet.</p>
    <p class="msg error"></p>
  </section>` : ''}
${own.map((name) => `  <section class="card span3 own" id="panel-own-${escapeHtml(name)}" data-stream="${escapeHtml(name)}" data-state="loading">
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
  <span>API: <a href="/api/status">status</a> · ${seed ? '<a href="/api/sales">sales</a> · <a href="/api/stock">stock</a> · <a href="/api/recent_sales">recent_sales</a> · <a href="/api/overview">overview</a> · ' : ''}${own.length ? '<a href="/api/streams">streams</a> · ' : ''}<a href="/api/pipeline">pipeline</a> · <a href="/metrics">metrics</a> · <a href="/api">all endpoints</a></span>
</footer>
</body>
</html>
`;
}
