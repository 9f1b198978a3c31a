// @ts-nocheck — this function runs in the browser, not in Node: the project compiles without the
// DOM's types (tsconfig lib ES2023), so it is checked for syntax only here and by the browser
// test for behaviour. It is sent as its source text (see index.ts) and must not use anything
// from this module's scope.

/**
 * The page's script: polls the JSON API every `refreshMs`, draws the charts itself (SVG and
 * plain elements, no library), and never shows a number silently out of date — a panel that
 * could not refresh says so and dims, and the header names the service that is down.
 */
export function dashboardClient(refreshMs: number, page: { seed: boolean; own: string[] }): void {
  'use strict';
  const doc = document;
  const byId = (id) => doc.getElementById(id);
  const NS = 'http://www.w3.org/2000/svg';
  const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
  // 24-hour clock everywhere: shorter on the axis, and the seed's labels were HH:MM.
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const hourFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  const rub = (n) => nf0.format(n) + ' ₽';
  const rub2 = (n) => nf2.format(n) + ' ₽';
  const plural = (n, one, many) => nf0.format(n) + ' ' + (n === 1 ? one : many);

  // The seed's retail panels when its streams are configured; a card per stream of one's own.
  const endpoints = page.seed
    ? { sales: '/api/sales', stock: '/api/stock', recent: '/api/recent_sales', overview: '/api/overview', pipeline: '/api/pipeline', status: '/api/status' }
    : { pipeline: '/api/pipeline', status: '/api/status' };
  if (page.own.length > 0) endpoints.streams = '/api/streams?hours=6';
  /** Last good data per endpoint, and when it came: redrawn on resize, named when stale. */
  const last = {};
  let lastFull = null;

  // ---------------------------------------------------------------- small DOM helpers
  function h(tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function s(tag, attrs, text) {
    const node = doc.createElementNS(NS, tag);
    for (const key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function setText(node, text) {
    const value = String(text);
    if (node.textContent === value) return;
    const changed = node.textContent !== '' && node.textContent !== '—';
    node.textContent = value;
    if (changed) { node.classList.remove('bump'); void node.offsetWidth; node.classList.add('bump'); }
  }
  function niceScale(max, ticks, integer) {
    if (!(max > 0)) return { max: ticks, step: 1 };
    const raw = max / ticks;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / mag;
    let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    if (integer) step = Math.max(1, Math.ceil(step));
    return { max: step * ticks, step };
  }
  function ago(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    const v = Math.max(0, Math.round(seconds));
    if (v < 90) return v + ' s';
    if (v < 5400) return Math.round(v / 60) + ' min';
    if (v < 172800) return nf1.format(v / 3600) + ' h';
    return nf0.format(v / 86400) + ' d';
  }
  function localTime(isoText) {
    const d = new Date(isoText);
    const today = new Date();
    const sameDay = d.toDateString() === today.toDateString();
    return (sameDay ? '' : dayFmt.format(d) + ' ') + clock.format(d);
  }

  // ---------------------------------------------------------------- panel states
  function setPanel(id, state, message, hasData) {
    const panel = byId(id);
    panel.dataset.state = state;
    panel.dataset.hasData = hasData ? 'yes' : 'no';
    const box = panel.querySelector('.msg.error');
    if (box) box.textContent = state === 'error' ? message : '';
  }
  function staleNote(key, error) {
    const seen = last[key];
    return error + (seen ? ' — showing data from ' + clock.format(seen.at) + '.' : '');
  }
  function describeFailure(result) {
    if (result.network) return result.timedOut ? 'The dashboard server did not answer in time' : 'The dashboard server is not answering';
    if (result.body && result.body.error) return result.body.error;
    return 'HTTP ' + result.status;
  }

  // ---------------------------------------------------------------- sales per hour (SVG)
  function drawSales(data) {
    const box = byId('chart-sales');
    const width = Math.max(280, Math.floor(box.clientWidth));
    const height = Math.max(180, Math.floor(box.clientHeight));
    const narrow = width < 520;
    const m = { l: 46, r: narrow ? 52 : 64, t: 12, b: 26 };
    const iw = width - m.l - m.r;
    const ih = height - m.t - m.b;
    const n = data.quantity.length;
    const band = iw / Math.max(1, n);
    const qs = niceScale(Math.max(0, ...data.quantity), 4, true);
    const rs = niceScale(Math.max(0, ...data.revenue), 4, false);
    const y = (v, scale) => m.t + ih - (ih * v) / scale.max;
    const totalQty = data.quantity.reduce((a, b) => a + b, 0);
    const totalRev = data.revenue.reduce((a, b) => a + b, 0);
    const svg = s('svg', { width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
      'aria-label': 'Sales per hour: ' + nf0.format(totalQty) + ' items, ' + rub(totalRev) + ' over ' + n + ' hours' });
    const defs = s('defs', {});
    const qg = s('linearGradient', { id: 'qty-fill', x1: 0, y1: 0, x2: 0, y2: 1 });
    qg.append(s('stop', { offset: 0, 'stop-color': '#6cb4ff' }), s('stop', { offset: 1, 'stop-color': '#3a7bd5', 'stop-opacity': 0.75 }));
    const rg = s('linearGradient', { id: 'rev-fill', x1: 0, y1: 0, x2: 0, y2: 1 });
    rg.append(s('stop', { offset: 0, 'stop-color': '#34d399', 'stop-opacity': 0.28 }), s('stop', { offset: 1, 'stop-color': '#34d399', 'stop-opacity': 0 }));
    defs.append(qg, rg);
    svg.append(defs);
    for (let i = 0; i <= 4; i++) {
      const yy = Math.round(m.t + ih - (ih * i) / 4) + 0.5;
      svg.append(s('line', { class: i === 0 ? 'base-line' : 'grid-line', x1: m.l, x2: width - m.r, y1: yy, y2: yy }));
      svg.append(s('text', { x: m.l - 8, y: yy + 4, 'text-anchor': 'end' }, compact.format(qs.step * i)));
      svg.append(s('text', { x: width - m.r + 8, y: yy + 4, 'text-anchor': 'start' }, compact.format(rs.step * i)));
    }
    const labelEvery = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(iw / 54))));
    const points = [];
    for (let i = 0; i < n; i++) {
      const x0 = m.l + i * band;
      const group = s('g', { class: 'band' });
      const start = new Date(data.hours[i]);
      const title = s('title', {}, hourFmt.format(start) + ' — ' + plural(data.quantity[i], 'item', 'items') + ', ' + rub2(data.revenue[i]) + ', ' + plural(data.sales[i], 'sale', 'sales'));
      group.append(title, s('rect', { class: 'hit', x: x0, y: m.t, width: band, height: ih }));
      const bh = (ih * data.quantity[i]) / qs.max;
      if (data.quantity[i] > 0) {
        const bw = Math.max(2, band * 0.62);
        group.append(s('rect', { class: 'bar-qty', x: x0 + (band - bw) / 2, y: m.t + ih - bh, width: bw, height: Math.max(1, bh), rx: Math.min(4, bw / 3) }));
      }
      svg.append(group);
      points.push([x0 + band / 2, y(data.revenue[i], rs)]);
      if (i % labelEvery === (n - 1) % labelEvery) {
        svg.append(s('text', { x: x0 + band / 2, y: height - 7, 'text-anchor': 'middle' }, hourFmt.format(start)));
      }
    }
    if (points.length > 0) {
      const line = points.map((p, i) => (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1)).join(' ');
      const area = line + ' L' + points[points.length - 1][0].toFixed(1) + ' ' + (m.t + ih) + ' L' + points[0][0].toFixed(1) + ' ' + (m.t + ih) + ' Z';
      svg.append(s('path', { class: 'rev-area', d: area }), s('path', { class: 'rev-line', d: line }));
      points.forEach((p, i) => { if (data.revenue[i] > 0) svg.append(s('circle', { class: 'rev-dot', cx: p[0], cy: p[1], r: 3.2 })); });
    }
    box.replaceChildren(svg);
  }

  // ---------------------------------------------------------------- horizontal bars (HTML)
  function meter(cls, value, max, label) {
    const row = h('div', 'meter ' + cls);
    const bar = h('b');
    bar.style.width = (max > 0 ? Math.max(0.5, (100 * value) / max) : 0).toFixed(2) + '%';
    row.append(bar, h('span', null, label));
    return row;
  }
  function drawStock(data) {
    const list = byId('chart-stock');
    const max = Math.max(1, ...data.incoming, ...data.outgoing);
    list.replaceChildren(...data.products.map((name, i) => {
      const row = h('div', 'bar-row');
      row.title = name + ': ' + nf0.format(data.incoming[i]) + ' in, ' + nf0.format(data.outgoing[i]) + ' out';
      const label = h('div', 'name', name);
      label.append(h('small', null, '#' + data.product_ids[i] + ' · ' + nf0.format(data.incoming[i] + data.outgoing[i]) + ' units'));
      const track = h('div', 'track');
      track.append(meter('c-green', data.incoming[i], max, nf0.format(data.incoming[i])), meter('c-red', data.outgoing[i], max, nf0.format(data.outgoing[i])));
      row.append(label, track);
      return row;
    }));
  }
  function drawWarehouses(rows) {
    const list = byId('chart-warehouses');
    const max = Math.max(1, ...rows.map((r) => Math.abs(r.level)));
    list.replaceChildren(...rows.map((r) => {
      const row = h('div', 'bar-row');
      const label = h('div', 'name', r.warehouse);
      label.append(h('small', null, nf0.format(r.incoming) + ' in · ' + nf0.format(r.outgoing) + ' out'));
      const track = h('div', 'track');
      const bars = h('div', 'diverge');
      const neg = h('i', 'neg');
      const pos = h('i', 'pos');
      neg.style.width = (r.level < 0 ? (100 * -r.level) / max : 0).toFixed(2) + '%';
      pos.style.width = (r.level > 0 ? (100 * r.level) / max : 0).toFixed(2) + '%';
      bars.append(neg, pos);
      const level = h('div', 'level');
      level.append(bars, h('strong', null, (r.level > 0 ? '+' : '') + nf0.format(r.level)));
      level.title = 'level ' + nf0.format(r.level) + ' = ' + nf0.format(r.incoming) + ' supplied − ' + nf0.format(r.outgoing) + ' relocated or written off';
      track.append(level);
      row.append(label, track);
      return row;
    }));
  }

  // ---------------------------------------------------------------- recent sales (table)
  let shownIds = null;
  function drawRecent(rows) {
    const body = byId('recent-table').tBodies[0];
    const before = shownIds;
    shownIds = new Set(rows.map((r) => r.event_id));
    body.replaceChildren(...rows.map((r) => {
      const tr = h('tr');
      if (before && !before.has(r.event_id)) tr.className = 'fresh';
      const product = h('td', 'product', r.product_name);
      product.title = r.product_name + ' (#' + r.product_id + ', ' + r.category + ')';
      product.append(h('small', null, r.category + ' · store ' + r.store_id));
      const time = h('td', 'num time', localTime(r.event_time));
      time.title = r.event_time;
      tr.append(product, h('td', 'num', nf0.format(r.quantity)), h('td', 'num hide-sm', rub2(r.price)), h('td', 'num', rub2(r.total)), time);
      return tr;
    }));
  }

  // ---------------------------------------------------------------- pipeline health
  function sparkline(series) {
    const n = series.length;
    const max = Math.max(1, ...series);
    const w = 300;
    const hgt = 54;
    const svg = s('svg', { viewBox: '0 0 ' + w + ' ' + hgt, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'rows per minute' });
    const pts = series.map((v, i) => [(n > 1 ? (w * i) / (n - 1) : w / 2), hgt - 3 - ((hgt - 6) * v) / max]);
    const line = pts.map((p, i) => (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1)).join(' ');
    svg.append(s('path', { class: 'area', d: line + ' L' + w + ' ' + hgt + ' L0 ' + hgt + ' Z' }), s('path', { class: 'line', d: line }));
    return svg;
  }
  function stat(label, value, cls, title) {
    const div = h('div');
    const dd = h('dd', cls || '', value);
    if (title) dd.title = title;
    div.append(h('dt', null, label), dd);
    return div;
  }
  /** More than ~10 s of work waiting: a few uncommitted messages are normal while events flow. */
  function backlog(st) {
    if (!st.kafka) return false;
    const rate = st.clickhouse && st.clickhouse.exists ? st.clickhouse.rows_per_second : 0;
    return st.kafka.lag > Math.max(10, rate * 10);
  }
  function streamCard(st, services) {
    const card = h('article', 'stream');
    card.dataset.stream = st.name;
    const k = st.kafka;
    const c = st.clickhouse;
    let health = 'ok';
    let badge = 'Healthy';
    if (!c) { health = 'down'; badge = 'ClickHouse down'; }
    else if (!c.exists) { health = 'down'; badge = 'Not migrated'; }
    // kch status's judgement, from the server (most recent messages dead letters).
    else if (st.problems && st.problems.length > 0) { health = 'down'; badge = 'Mostly dead letters'; }
    else if (!k) { health = 'down'; badge = 'Kafka down'; }
    else if (k.messages === 0 && c.rows === 0) { health = 'idle'; badge = 'No data yet'; }
    else if (backlog(st) && c.freshness_seconds !== null && c.freshness_seconds > 60) { health = 'warn'; badge = 'Lagging'; }
    else if (c.dead_letters > 0) { health = 'warn'; badge = 'Dead letters'; }
    else if (backlog(st)) { badge = 'Catching up'; }
    card.dataset.health = health;
    const head = h('header');
    head.append(h('h3', null, st.name), h('span', 'route', st.topic + ' → ' + st.table), h('span', 'badge', badge));
    const stats = h('dl', 'stats');
    const unknown = (why) => ['—', 'unknown', why];
    const kafkaWhy = services.kafka.error || 'Kafka could not be asked';
    const chWhy = services.clickhouse.error || 'ClickHouse could not be asked';
    const row = (label, parts) => stats.append(stat(label, parts[0], parts[1], parts[2]));
    row('In Kafka', k ? [nf0.format(k.messages), '', 'log-end offsets summed over ' + k.partitions.length + ' partition(s)'] : unknown(kafkaWhy));
    row('In table', c && c.exists ? [nf0.format(c.rows), '', 'rows in ' + st.table] : unknown(chWhy));
    row('Consumer lag', k ? [nf0.format(k.lag), backlog(st) ? 'warn' : '', 'group ' + st.group] : unknown(kafkaWhy));
    row('Ingest', c && c.exists ? [nf1.format(c.rows_per_second) + '/s', '', 'rows per second over the last minute'] : unknown(chWhy));
    row('Freshness', c && c.exists ? [ago(c.freshness_seconds), c.freshness_seconds > 300 ? 'warn' : '', c.newest_row_at ? 'newest row landed ' + c.newest_row_at : 'no rows yet'] : unknown(chWhy));
    const recent = c && c.exists ? c.recent : null;
    const lately = recent ? '; ' + nf0.format(recent.dead_letters) + ' of the ' + nf0.format(recent.rows + recent.dead_letters) + ' messages of the last ' + Math.round(recent.window_seconds / 60) + ' min' : '';
    row('Dead letters', c && c.exists && c.dead_letters !== null ? [nf0.format(c.dead_letters), c.dead_letters > 0 ? 'bad' : '', 'rows in ' + st.dead_letter_table + lately] : unknown(chWhy));
    card.append(head, stats);
    for (const problem of st.problems || []) card.append(h('p', 'problem', problem));
    if (c && c.exists) {
      const spark = h('div', 'spark');
      spark.append(sparkline(c.ingest.rows));
      const cap = h('div', 'spark-caption');
      cap.append(h('span', null, 'rows per minute, last ' + c.ingest.rows.length + ' min'), h('span', null, 'peak ' + nf0.format(Math.max(0, ...c.ingest.rows))));
      card.append(spark, cap);
    }
    if (k && k.partitions.length > 0) {
      const table = h('table', 'parts');
      const thead = h('thead');
      const hr = h('tr');
      hr.append(h('th', null, 'Partition'), h('th', 'num', 'Log end'), h('th', 'num', 'Committed'), h('th', 'num', 'Lag'));
      thead.append(hr);
      const tbody = h('tbody');
      for (const p of k.partitions) {
        const tr = h('tr');
        tr.append(h('td', null, String(p.partition)), h('td', 'num', nf0.format(p.end_offset)), h('td', 'num', p.committed === null ? 'none yet' : nf0.format(p.committed)), h('td', 'num' + (backlog(st) && p.lag > 0 ? ' lagging' : ''), nf0.format(p.lag)));
        tbody.append(tr);
      }
      table.append(thead, tbody);
      card.append(table);
    }
    return card;
  }
  /** A ClickHouse cluster's servers, one row each: what it holds of every stream, or why it does not answer. */
  function replicaCard(data) {
    const card = h('article', 'stream replicas');
    const down = data.replicas.filter((r) => !r.up);
    card.dataset.health = down.length ? 'warn' : 'ok';
    const head = h('header');
    head.append(h('h3', null, 'Cluster ' + data.cluster), h('span', 'route', (data.replicas.length - down.length) + ' of ' + data.replicas.length + ' servers answer'), h('span', 'badge', down.length ? down.length + ' down' : 'All up'));
    const table = h('table', 'parts');
    const thead = h('thead');
    const hr = h('tr');
    hr.append(h('th', null, 'Server'), h('th', 'num', 'Shard'));
    for (const st of data.streams) hr.append(h('th', 'num', st.name + ' rows'), h('th', 'num', 'dead letters'));
    thead.append(hr);
    const tbody = h('tbody');
    for (const r of data.replicas) {
      const tr = h('tr');
      tr.dataset.replica = r.host;
      tr.append(h('td', null, r.host), h('td', 'num', String(r.shard)));
      if (!r.up) {
        const why = h('td', 'lagging', 'down: ' + r.error);
        why.colSpan = 2 * data.streams.length;
        tr.append(why);
      } else {
        for (const st of data.streams) {
          const held = r.streams.find((x) => x.name === st.name);
          // The partitions it consumes and their lag, where the server (23.8+) or Kafka tells.
          const lag = held && held.lag !== null && held.partitions && held.partitions.length ? ' · lag ' + nf0.format(held.lag) : '';
          const parts = held && held.partitions ? (held.partitions.length ? ' · p' + held.partitions.join(',') : ' · no partition') + lag : '';
          tr.append(h('td', 'num', held ? nf0.format(held.rows) + parts : '—'), h('td', 'num', held ? nf0.format(held.dead_letters) : '—'));
        }
      }
      tbody.append(tr);
    }
    table.append(thead, tbody);
    card.append(head, table);
    return card;
  }
  function drawPipeline(data) {
    const cards = data.streams.map((st) => streamCard(st, data.services));
    if (data.replicas) cards.push(replicaCard(data));
    byId('streams').replaceChildren(...cards);
  }

  // ---------------------------------------------------------------- KPI tiles
  function kpi(id, value, note, state) {
    const tile = byId(id);
    tile.dataset.state = state;
    setText(tile.querySelector('.value'), value);
    tile.querySelector('.note').textContent = note;
  }

  // ---------------------------------------------------------------- fetching
  async function fetchJson(path, signal) {
    try {
      const res = await fetch(path, { signal, cache: 'no-store', headers: { accept: 'application/json' } });
      let body = null;
      try { body = await res.json(); } catch { body = null; }
      return { ok: res.ok, status: res.status, body };
    } catch {
      return { ok: false, status: 0, body: null, network: true, timedOut: signal.aborted };
    }
  }

  function render(key, result) {
    if (result.ok) last[key] = { at: new Date(), data: result.body };
    const seen = last[key];
    const failure = result.ok ? null : staleNote(key, describeFailure(result));
    switch (key) {
      case 'sales': {
        if (seen) {
          drawSales(seen.data);
          byId('sales-hint').textContent = 'Last ' + seen.data.window_hours + ' hours · ' + nf0.format(seen.data.quantity.reduce((a, b) => a + b, 0)) + ' items, ' + rub(seen.data.revenue.reduce((a, b) => a + b, 0));
        }
        setPanel('panel-sales', failure ? 'error' : seen.data.quantity.every((q) => q === 0) ? 'empty' : 'ready', failure, seen);
        break;
      }
      case 'stock': {
        if (seen) drawStock(seen.data);
        setPanel('panel-stock', failure ? 'error' : seen.data.products.length === 0 ? 'empty' : 'ready', failure, seen);
        break;
      }
      case 'recent': {
        if (seen) drawRecent(seen.data);
        setPanel('panel-recent', failure ? 'error' : seen.data.length === 0 ? 'empty' : 'ready', failure, seen);
        break;
      }
      case 'overview': {
        const state = failure ? 'error' : 'ready';
        if (seen) {
          const o = seen.data;
          // Millions do not fit a phone's tile: shortened there, exact in the tooltip.
          kpi('kpi-revenue', o.revenue_today >= 1e6 ? compact.format(o.revenue_today) + ' ₽' : rub(o.revenue_today), failure ? 'not refreshed: ' + failure : 'on ' + o.today, state);
          byId('kpi-revenue').querySelector('.value').title = rub2(o.revenue_today);
          kpi('kpi-sales', nf0.format(o.sales_today), failure ? 'not refreshed' : plural(o.units_today, 'item', 'items') + ' sold', state);
          kpi('kpi-rate', nf1.format(o.events_per_second), failure ? 'not refreshed' : 'rows/s into ClickHouse, last ' + o.rate_window_seconds + ' s', state);
          drawWarehouses(o.warehouses);
        } else {
          for (const id of ['kpi-revenue', 'kpi-sales', 'kpi-rate']) kpi(id, '—', failure, 'error');
        }
        setPanel('panel-warehouses', failure ? 'error' : seen.data.warehouses.every((w) => w.incoming === 0 && w.outgoing === 0) ? 'empty' : 'ready', failure, seen);
        break;
      }
      case 'pipeline': {
        // A 503 still carries what the other service said.
        const data = result.ok ? result.body : result.body && result.body.partial ? result.body.partial : seen ? seen.data : null;
        if (data) drawPipeline(data);
        const lag = data ? data.streams.reduce((sum, st) => (st.kafka ? sum + st.kafka.lag : sum), 0) : 0;
        const kafkaKnown = data && data.streams.every((st) => st.kafka);
        kpi('kpi-lag', kafkaKnown ? nf0.format(lag) : '—', kafkaKnown ? 'messages not yet consumed, all partitions' : 'Kafka offsets unknown', kafkaKnown ? 'ready' : 'error');
        const missing = data && data.streams.some((st) => st.clickhouse && !st.clickhouse.exists);
        setPanel('panel-pipeline', failure ? 'error' : missing ? 'empty' : 'ready', failure, data);
        break;
      }
      case 'streams': {
        for (const name of page.own) {
          const panel = doc.querySelector('section[data-stream="' + name + '"]');
          const data = seen ? seen.data.find((d) => d.stream === name) : null;
          if (data) drawOwn(panel, data);
          panel.dataset.state = failure ? 'error' : !data || (data.rows_in_window === 0 && data.newest.length === 0) ? 'empty' : 'ready';
          panel.dataset.hasData = data ? 'yes' : 'no';
          panel.querySelector('.msg.error').textContent = failure || '';
        }
        break;
      }
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- streams of one's own
  function cellText(value) {
    return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  function cell(value) {
    const text = cellText(value);
    return text.length > 40 ? text.slice(0, 39) + '…' : text;
  }
  /** A bucket's size in words: '10 s', 'minute', '5 min', 'hour', '6 h', 'day'. */
  function bucketName(seconds) {
    if (seconds === 1) return 'second';
    if (seconds < 60) return seconds + ' s';
    if (seconds === 60) return 'minute';
    if (seconds < 3600) return seconds / 60 + ' min';
    if (seconds === 3600) return 'hour';
    if (seconds < 86400) return seconds / 3600 + ' h';
    return 'day';
  }
  /**
   * Events per bucket over the window the server chose to fit the data (window_start to
   * window_end, 60–120 buckets), drawn at the box's width: counts on a labelled y axis, the
   * buckets' local times on the x axis, one label per few buckets on whole multiples of them.
   */
  function eventChart(box, data) {
    const width = Math.max(260, Math.floor(box.clientWidth));
    const height = 178;
    const m = { l: 50, r: 12, t: 10, b: 40 };
    const iw = width - m.l - m.r;
    const ih = height - m.t - m.b;
    const b = data.bucket_seconds;
    const n = Math.max(1, Math.round((data.window_end - data.window_start) / b) + 1);
    const counts = new Map(data.events.map((e) => [e[0], e[1]]));
    let peak = 0;
    for (let i = 0; i < n; i++) peak = Math.max(peak, counts.get(data.window_start + i * b) || 0);
    const scale = niceScale(peak, 4, true);
    const unit = bucketName(b);
    const svg = s('svg', { class: 'own-events', width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
      'aria-label': 'events per ' + unit + ' over ' + data.time + ', ' + n + ' buckets from ' + localTime(new Date(data.window_start * 1000).toISOString()) });
    for (let i = 0; i <= 4; i++) {
      const yy = Math.round(m.t + ih - (ih * i) / 4) + 0.5;
      svg.append(s('line', { class: i === 0 ? 'base-line' : 'grid-line', x1: m.l, x2: width - m.r, y1: yy, y2: yy }));
      svg.append(s('text', { class: 'y-tick', x: m.l - 6, y: yy + 4, 'text-anchor': 'end' }, compact.format(scale.step * i)));
    }
    svg.append(s('text', { class: 'axis-title y-title', x: 0, y: 0, transform: 'translate(11 ' + (m.t + ih / 2) + ') rotate(-90)', 'text-anchor': 'middle' }, 'events / ' + unit));
    const band = iw / n;
    // Labels at least ~76 px apart, on whole multiples of a few buckets (every 10 s, 15 min, hour …).
    const every = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120].find((k) => k * band >= 76) || n;
    const long = data.window_end - data.window_start > 86400;
    const label = (t) => {
      const d = new Date(t * 1000);
      return b < 60 ? clock.format(d) : long ? dayFmt.format(d) + ' ' + hourFmt.format(d) : hourFmt.format(d);
    };
    for (let i = 0; i < n; i++) {
      const t = data.window_start + i * b;
      const x0 = m.l + i * band;
      if ((t / b) % every === 0) {
        svg.append(s('line', { class: 'tick', x1: x0 + band / 2, x2: x0 + band / 2, y1: m.t + ih, y2: m.t + ih + 4 }));
        svg.append(s('text', { class: 'x-tick', x: x0 + band / 2, y: m.t + ih + 16, 'text-anchor': 'middle' }, label(t)));
      }
      const v = counts.get(t) || 0;
      if (v === 0) continue;
      const bh = Math.max(1, (ih * v) / scale.max);
      const bar = s('rect', { class: 'bar', x: (x0 + band * 0.1).toFixed(1), y: (m.t + ih - bh).toFixed(1), width: Math.max(1, band * 0.8).toFixed(1), height: bh.toFixed(1) });
      bar.append(s('title', {}, nf0.format(v) + ' in the ' + unit + ' from ' + localTime(new Date(t * 1000).toISOString())));
      svg.append(bar);
    }
    svg.append(s('text', { class: 'axis-title x-title', x: m.l + iw / 2, y: height - 4, 'text-anchor': 'middle' }, data.time + ' (your local time)'));
    box.replaceChildren(svg);
  }
  function drawOwn(panel, data) {
    const body = panel.querySelector('.own-body');
    // The table is drawn anew on every refresh: where the reader scrolled it to is kept.
    const before = body.querySelector('.rows-wrap');
    const scrolled = before ? { left: before.scrollLeft, top: before.scrollTop } : null;
    const parts = [];
    const chart = h('div', 'own-chart');
    const since = localTime(new Date(data.window_start * 1000).toISOString());
    chart.append(h('h3', null, 'Events per ' + bucketName(data.bucket_seconds) + ' by ' + data.time + ' · since ' + since + ' · ' + plural(data.rows_in_window, 'row', 'rows')));
    const plot = h('div', 'own-plot');
    chart.append(plot);
    parts.push(chart);
    const facts = h('div', 'own-facts');
    for (const name of Object.keys(data.sums)) facts.append(stat('Σ ' + name, compact.format(data.sums[name]), 'own-sum', nf2.format(data.sums[name])));
    for (const name of Object.keys(data.top)) {
      const top = h('div', 'own-top');
      top.append(h('h3', null, name));
      const list = h('ul');
      const most = Math.max(1, ...data.top[name].map((t) => t.count));
      for (const t of data.top[name]) {
        const li = h('li');
        const barEl = h('i');
        barEl.style.width = Math.round((100 * t.count) / most) + '%';
        const v = h('span', 'v', cell(t.value));
        v.title = cellText(t.value);
        li.append(v, h('span', 'n', nf0.format(t.count)), barEl);
        list.append(li);
      }
      top.append(list);
      facts.append(top);
    }
    parts.push(facts);
    const rows = h('div', 'own-rows-box');
    const caption = h('h3', null, 'Newest rows · ' + plural(data.columns.length, 'column', 'columns'));
    const more = h('span', 'more', ' · scroll sideways for every column →');
    more.hidden = true;
    caption.append(more);
    // Focusable, so that the arrow keys scroll it too; every value whole (wrapped, not cut).
    const wrap = h('div', 'table-wrap rows-wrap');
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', 'newest rows of ' + data.stream);
    const table = h('table', 'own-rows');
    const head = h('tr');
    for (const c of data.columns) head.append(h('th', null, c));
    const thead = h('thead');
    thead.append(head);
    const tbody = h('tbody');
    for (const row of data.newest) {
      const tr = h('tr');
      for (const c of data.columns) tr.append(h('td', null, cellText(row[c])));
      tbody.append(tr);
    }
    table.append(thead, tbody);
    wrap.append(table);
    rows.append(caption, wrap);
    parts.push(rows);
    body.replaceChildren(...parts);
    eventChart(plot, data);
    more.hidden = wrap.scrollWidth <= wrap.clientWidth + 1;
    if (scrolled) { wrap.scrollLeft = scrolled.left; wrap.scrollTop = scrolled.top; }
  }

  function services(results) {
    const ch = { up: null, why: '' };
    const kafka = { up: null, why: '' };
    for (const key in results) {
      const r = results[key];
      if (r.network) continue;
      const service = r.body && r.body.service;
      if (!r.ok && service === 'clickhouse') { ch.up = false; ch.why = r.body.error; }
      if (!r.ok && service === 'kafka') { kafka.up = false; kafka.why = r.body.error; }
      if (r.ok && key !== 'pipeline' && ch.up === null) ch.up = true;
    }
    const p = results.pipeline;
    const health = p.ok ? p.body : p.body && p.body.partial;
    if (health) {
      ch.up = ch.up === false ? false : health.services.clickhouse.up;
      if (!health.services.clickhouse.up) ch.why = health.services.clickhouse.error;
      kafka.up = health.services.kafka.up;
      if (!health.services.kafka.up) kafka.why = health.services.kafka.error;
    }
    return { clickhouse: ch, kafka };
  }

  function pill(id, state) {
    const node = byId(id);
    node.dataset.up = state.up === null ? 'unknown' : state.up ? 'yes' : 'no';
    node.title = state.up === null ? 'Unknown' : state.up ? 'Reachable' : state.why;
  }

  function banner(results, svc) {
    const lines = [];
    let level = 'warn';
    const all = Object.values(results);
    if (all.every((r) => r.network)) {
      level = 'error';
      lines.push('The dashboard server is not answering' + (lastFull ? '; every number below is from ' + clock.format(lastFull) + '.' : '.') + ' Is kch dashboard still running?');
    } else {
      if (svc.clickhouse.up === false) { level = 'error'; lines.push('ClickHouse is not answering — ' + svc.clickhouse.why + '. Panels that could not refresh are dimmed.'); }
      if (svc.kafka.up === false) { level = 'error'; lines.push('Kafka is not answering — ' + svc.kafka.why + '. Offsets and lag are unknown until it does.'); }
      const st = results.status;
      if (st.ok && st.body.status === 'waiting_for_data') {
        const missing = Object.keys(st.body.tables).filter((t) => !st.body.tables[t].exists);
        if (missing.length > 0) lines.push('Waiting for the pipeline: tables ' + missing.join(', ') + ' do not exist in database ' + st.body.database + ' yet. Run kch migrate.');
        else lines.push('Waiting for data: no events have reached ' + Object.keys(st.body.tables).filter((t) => st.body.tables[t].role === 'target' && !st.body.tables[t].rows).join(', ') + ' yet. Start the generator with kch generate.');
      }
    }
    const node = byId('banner');
    node.dataset.level = level;
    node.replaceChildren(...lines.map((line) => h('p', null, line)));
    node.hidden = lines.length === 0;
  }

  let timer = null;
  let running = false;
  async function refresh() {
    if (running) return;
    running = true;
    clearTimeout(timer);
    const started = performance.now();
    const controller = new AbortController();
    const abort = setTimeout(() => controller.abort(), Math.max(4000, refreshMs * 1.8));
    const keys = Object.keys(endpoints);
    const answers = await Promise.all(keys.map((k) => fetchJson(endpoints[k], controller.signal)));
    clearTimeout(abort);
    const results = {};
    keys.forEach((k, i) => { results[k] = answers[i]; });
    for (const key of keys) {
      try { render(key, results[key]); } catch (error) { console.warn('panel ' + key + ' could not render', error); }
    }
    const failed = keys.filter((k) => !results[k].ok).length;
    const now = new Date();
    if (failed === 0) lastFull = now;
    const svc = services(results);
    pill('svc-clickhouse', svc.clickhouse);
    pill('svc-kafka', svc.kafka);
    banner(results, svc);
    const updated = byId('updated');
    updated.dataset.health = failed === 0 ? 'ok' : failed === keys.length ? 'down' : 'partial';
    updated.textContent = failed === 0
      ? 'Updated ' + clock.format(now)
      : (lastFull ? 'Last full update ' + clock.format(lastFull) : 'No data yet') + ' · ' + failed + ' of ' + keys.length + ' requests failed';
    doc.documentElement.dataset.refreshes = String(Number(doc.documentElement.dataset.refreshes || 0) + 1);
    running = false;
    timer = setTimeout(refresh, Math.max(1000, refreshMs - (performance.now() - started)));
  }

  // Charts with text are redrawn at their new size; bars and sparklines stretch by themselves.
  let pending = 0;
  if (page.seed) {
    new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => { if (last.sales) drawSales(last.sales.data); });
    }).observe(byId('chart-sales'));
  }
  doc.addEventListener('visibilitychange', () => { if (!doc.hidden) refresh(); });
  refresh();
}
